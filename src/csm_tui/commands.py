"""Command palette (ctrl+p): find any account by name or CRM id, from any screen."""

from __future__ import annotations

import asyncio
from functools import partial
from typing import TYPE_CHECKING

from textual.command import Hit, Hits, Provider

from csm_tui.domain.account import AccountName

if TYPE_CHECKING:
    from csm_tui.app import CsmApp


class AccountCommands(Provider):
    """Accounts are read once when the palette opens (in a thread), then matched as you type."""

    async def startup(self) -> None:
        app: CsmApp = self.app  # type: ignore[assignment]
        self._accounts: list[AccountName] = await asyncio.to_thread(app.workspace.account_names)

    async def search(self, query: str) -> Hits:
        app: CsmApp = self.app  # type: ignore[assignment]
        matcher = self.matcher(query)
        for account in self._accounts:
            text = (
                f"{account.name} ({account.external_id})" if account.external_id else account.name
            )
            score = matcher.match(text)
            if score > 0:
                yield Hit(
                    score,
                    matcher.highlight(text),
                    partial(app.open_account, account.id),
                    help=f"Open the account · {account.owner_name or 'no owner'}",
                )
