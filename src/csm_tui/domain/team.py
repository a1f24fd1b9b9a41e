"""Who is using the app: a team member as a plain value."""

from __future__ import annotations

from dataclasses import dataclass

from csm_tui.domain.enums import Role


@dataclass(frozen=True, slots=True)
class Member:
    id: str
    name: str
    email: str
    role: Role

    @property
    def is_manager(self) -> bool:
        return self.role is Role.MANAGER


@dataclass(frozen=True, slots=True)
class TeamRow:
    """A team member as `csm team list` shows them: who, and how many accounts they own."""

    name: str
    email: str
    role: Role
    accounts: int
