"""Health bands and the composite health score (seeds 004: weights 30/30/20/20, bands 80/60)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class HealthBand(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"
    UNKNOWN = "unknown"


@dataclass(frozen=True, slots=True)
class BandThresholds:
    """Lowest score of each band; the rules file (a later issue) may override them."""

    green: int = 80
    yellow: int = 60

    def band(self, score: int | None) -> HealthBand:
        if score is None:
            return HealthBand.UNKNOWN
        if score >= self.green:
            return HealthBand.GREEN
        if score >= self.yellow:
            return HealthBand.YELLOW
        return HealthBand.RED

    def scores(self, band: str) -> ScoreRange | None:
        """The scores of a band, both ends included (None: open-ended); None for the unknown
        band, which is the accounts with no score."""
        if band == HealthBand.GREEN:
            return ScoreRange(self.green, None)
        if band == HealthBand.YELLOW:
            return ScoreRange(self.yellow, self.green - 1)
        if band == HealthBand.RED:
            return ScoreRange(None, self.yellow - 1)
        return None


@dataclass(frozen=True, slots=True)
class ScoreRange:
    low: int | None  # None: no lower bound
    high: int | None  # None: no upper bound


DEFAULT_BANDS = BandThresholds()


@dataclass(frozen=True, slots=True)
class HealthWeights:
    engagement: int = 30
    success: int = 30
    satisfaction: int = 20
    financial: int = 20

    def score(self, engagement: int, success: int, satisfaction: int, financial: int) -> int:
        """The weighted mean of four 0-100 components, rounded half up to a whole score."""
        total = self.engagement + self.success + self.satisfaction + self.financial
        weighted = (
            engagement * self.engagement
            + success * self.success
            + satisfaction * self.satisfaction
            + financial * self.financial
        )
        return (2 * weighted + total) // (2 * total)


DEFAULT_WEIGHTS = HealthWeights()
