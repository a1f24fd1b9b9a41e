"""Health shown the same way everywhere: the score on its band's colour."""

from __future__ import annotations

from rich.text import Text

from csm_tui.domain.health import DEFAULT_BANDS, BandThresholds, HealthBand

BAND_COLOURS = {
    HealthBand.GREEN: "#3fb950",
    HealthBand.YELLOW: "#d29922",
    HealthBand.RED: "#da3633",
}

BAND_STYLES = {
    HealthBand.GREEN: f"bold #0b2e13 on {BAND_COLOURS[HealthBand.GREEN]}",
    HealthBand.YELLOW: f"bold #2e2300 on {BAND_COLOURS[HealthBand.YELLOW]}",
    HealthBand.RED: f"bold #ffffff on {BAND_COLOURS[HealthBand.RED]}",
    HealthBand.UNKNOWN: "dim",
}


def health_cell(score: int | None, bands: BandThresholds = DEFAULT_BANDS) -> Text:
    band = bands.band(score)
    label = "  -  " if score is None else f" {score:>3} "
    return Text.assemble((label, BAND_STYLES[band]))


def band_label(score: int | None, bands: BandThresholds = DEFAULT_BANDS) -> Text:
    band = bands.band(score)
    return Text.assemble(health_cell(score, bands), f" {band.value}")
