"""Command palette (ctrl+p): find any account by name or CRM id, from any screen."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING, cast

from textual.command import Hit, Hits, Provider

from csm_tui.domain.account import AccountName

if TYPE_CHECKING:
    from csm_tui.app import CsmApp


#: Added to the score of a match among my own accounts: more than any fuzzy score can be (the
#: palette sorts by score, and a fuzzy score grows with the length of what it matches).
MINE_FIRST = 1_000_000.0


def ranked_score(score: float, mine: bool) -> float:
    """A match among my own accounts comes before any match among the others; within each,
    the better match first."""
    return score + MINE_FIRST if mine else score


class AccountCommands(Provider):
    """Accounts are read once when the palette opens (in a thread), then matched as you type;
    the user's own accounts first."""

    @property
    def _app(self) -> CsmApp:
        return cast("CsmApp", self.app)

    async def startup(self) -> None:
        self._accounts: list[AccountName] = await asyncio.to_thread(
            self._app.workspace.account_names
        )

    async def search(self, query: str) -> Hits:
        app = self._app
        me = app.workspace.me
        my_email = me.email.lower() if me is not None else None
        matcher = self.matcher(query)
        for account in self._accounts:
            text = (
                f"{account.name} ({account.external_id})" if account.external_id else account.name
            )
            score = matcher.match(text)
            if score > 0:
                mine = my_email is not None and (account.owner_email or "").lower() == my_email
                owner = "yours" if mine else account.owner_name or "no owner"
                yield Hit(
                    ranked_score(score, mine),
                    matcher.highlight(text),
                    partial(app.open_account, account.id),
                    help=f"Open the account · {owner}",
                )
