"""Health shown the same way everywhere: the score on its band's colour."""

from __future__ import annotations

from rich.text import Text

from csm_tui.domain.health import DEFAULT_BANDS, BandThresholds, HealthBand

BAND_STYLES = {
    HealthBand.GREEN: "bold #0b2e13 on #3fb950",
    HealthBand.YELLOW: "bold #2e2300 on #d29922",
    HealthBand.RED: "bold #ffffff on #da3633",
    HealthBand.UNKNOWN: "dim",
}


def health_cell(score: int | None, bands: BandThresholds = DEFAULT_BANDS) -> Text:
    band = bands.band(score)
    label = "  -  " if score is None else f" {score:>3} "
    return Text.assemble((label, BAND_STYLES[band]))


def band_label(score: int | None, bands: BandThresholds = DEFAULT_BANDS) -> Text:
    band = bands.band(score)
    return Text.assemble(health_cell(score, bands), f" {band.value}")
