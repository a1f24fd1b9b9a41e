"""Health shown the same way everywhere: the score on its band's colour, then the band's word,
so that it reads without colour too.

The colours are the theme's (`$success`, `$warning`, `$error`), given by the widget that draws
the cell: a table through its component classes (`BAND_COMPONENTS`), a `Content` through the
same variables (`BAND_STYLES`).
"""

from __future__ import annotations

from collections.abc import Mapping

from rich.style import Style
from rich.text import Text
from textual.content import Content

from csm_tui.domain.health import DEFAULT_BANDS, BandThresholds, HealthBand

#: A widget that draws health cells declares these component classes and styles them with
#: `HEALTH_CSS` (inside its own rule).
BAND_COMPONENTS = {band: f"health--{band.value}" for band in HealthBand}

HEALTH_CSS = """
    & > .health--green { color: $text-success; background: $success-muted; text-style: bold; }
    & > .health--yellow { color: $text-warning; background: $warning-muted; text-style: bold; }
    & > .health--red { color: $text-error; background: $error-muted; text-style: bold; }
    & > .health--unknown { text-style: dim; }
"""

#: The same looks as `Content` styles, for widgets that draw `Content`.
BAND_STYLES = {
    HealthBand.GREEN: "bold $text-success on $success-muted",
    HealthBand.YELLOW: "bold $text-warning on $warning-muted",
    HealthBand.RED: "bold $text-error on $error-muted",
    HealthBand.UNKNOWN: "dim",
}

#: A band's colour alone, for a bar drawn in it.
BAR_STYLES = {
    HealthBand.GREEN: "$success",
    HealthBand.YELLOW: "$warning",
    HealthBand.RED: "$error",
    HealthBand.UNKNOWN: "dim",
}


def score_words(score: int | None) -> str:
    """The score as the badge shows it, always five cells wide."""
    return "  -  " if score is None else f" {score:>3} "


def band_words(band: HealthBand, *, short: bool = False) -> str:
    """'red', or 'R' where a column is short of room."""
    return band.value[0].upper() if short else band.value


def health_cell(
    score: int | None,
    looks: Mapping[HealthBand, Style],
    bands: BandThresholds = DEFAULT_BANDS,
    *,
    word: bool = True,
    short: bool = False,
) -> Text:
    """The badge, then the band's word (`word`; its letter if `short`) unless there is no
    score."""
    band = bands.band(score)
    cell = Text.assemble((score_words(score), looks[band]))
    if word and score is not None:
        cell.append(f" {band_words(band, short=short)}")
    return cell


def health_content(score: int | None, bands: BandThresholds = DEFAULT_BANDS) -> Content:
    """The badge and the band's word as `Content` (the account's overview, the edit form)."""
    band = bands.band(score)
    return Content.assemble((score_words(score), BAND_STYLES[band]), f" {band.value}")


def health_plain(
    score: int | None, bands: BandThresholds = DEFAULT_BANDS, *, short: bool = False
) -> str:
    """What `health_cell` shows, without its colours: to measure a column."""
    if score is None:
        return score_words(score)
    return f"{score_words(score)} {band_words(bands.band(score), short=short)}"
