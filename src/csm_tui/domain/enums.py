"""The vocabulary of the product, as stored in the database and written in CSV files.

Values are lower-case strings so that the database stays readable from any SQL client; `parse`
accepts what people type in a CRM export ("Mid-Market", "PR1", "Cadence Call").
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Self


def _normalise(text: str) -> str:
    return re.sub(r"[\s_\-]+", "-", text.strip().lower())


class Choice(StrEnum):
    """A closed set of values with a forgiving parser and a human label."""

    @classmethod
    def parse(cls, text: str) -> Self:
        """The member named by `text`, case- and separator-insensitively; else ValueError."""
        wanted = _normalise(text)
        for member in cls:
            if wanted in (_normalise(member.value), _normalise(member.name)):
                return member
        raise ValueError(f"expected one of {cls.expected()}")

    @classmethod
    def expected(cls) -> str:
        return ", ".join(member.value for member in cls)

    @property
    def label(self) -> str:
        return self.value.replace("-", " ").capitalize()


class Segment(Choice):
    ENTERPRISE = "enterprise"
    COMMERCIAL = "commercial"
    MID_MARKET = "mid-market"
    SMB = "smb"
    SCALE = "scale"

    @property
    def label(self) -> str:
        return {"smb": "SMB", "mid-market": "Mid-Market"}.get(self.value, self.value.capitalize())


class Priority(Choice):
    PR1 = "pr1"
    PR2 = "pr2"
    PR3 = "pr3"

    @property
    def label(self) -> str:
        return self.value.upper()


class LifecycleStage(Choice):
    ONBOARD = "onboard"
    ENABLE = "enable"
    EXPAND = "expand"
    OPTIMIZE_RENEW = "optimize-renew"


class Role(Choice):
    CSM = "csm"
    MANAGER = "manager"

    @property
    def label(self) -> str:
        return "CSM" if self is Role.CSM else "Manager"


class TouchKind(Choice):
    CADENCE_CALL = "cadence-call"
    EBR = "ebr"
    RENEWAL_CALL = "renewal-call"
    ONBOARDING_REVIEW = "onboarding-review"
    TRAINING = "training"
    EMAIL = "email"
    MEETING = "meeting"
    NPS_SURVEY = "nps-survey"
    ESCALATION_CALL = "escalation-call"
    HEALTH_ASSESSMENT = "health-assessment"  # seeds 004: within 24 h of an account turning red
    RECOVERY_PLAN = "recovery-plan"  # seeds 004: within 48 h
    NOTE = "note"

    @property
    def label(self) -> str:
        return {"ebr": "EBR", "nps-survey": "NPS survey"}.get(self.value, super().label)


class Sentiment(Choice):
    POSITIVE = "positive"
    NEUTRAL = "neutral"
    NEGATIVE = "negative"


class Persona(Choice):
    ECONOMIC_BUYER = "economic-buyer"
    EXECUTIVE_SPONSOR = "executive-sponsor"
    CHAMPION = "champion"
    TECHNICAL_LEAD = "technical-lead"
    END_USER = "end-user"


class RiskCategory(Choice):
    """The six risk categories of the seeds (001): each is also a flag on an account."""

    IMPLEMENTATION = "implementation"
    SENTIMENT = "sentiment"
    SUPPORT = "support"
    PRODUCT = "product"
    COMPANY = "company"
    RENEWAL = "renewal"


class MilestoneStatus(Choice):
    PLANNED = "planned"
    IN_PROGRESS = "in-progress"
    DONE = "done"
    SLIPPED = "slipped"
    BLOCKED = "blocked"


class ObjectiveKind(Choice):
    QUANTITATIVE = "quantitative"
    QUALITATIVE = "qualitative"


class EscalationStatus(Choice):
    OPEN = "open"
    RESOLVED = "resolved"
    CLOSED = "closed"
