"""The rules in force, and the schedule in the database kept current with them.

`scheduled_touch` holds each account's decision for one `today` and one rules file (by hash);
when either changes the whole book is recomputed once, and every write that changes an
account's facts recomputes that account in its own transaction (see `store.recompute`).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from functools import partial
from typing import TYPE_CHECKING

from csm_tui.domain.decision import Candidate, Decision
from csm_tui.domain.engine import decide
from csm_tui.domain.facts import AccountFacts
from csm_tui.domain.first_calls import first_calls
from csm_tui.domain.queue import QueueItem
from csm_tui.domain.rulebook import Rulebook
from csm_tui.errors import CsmError
from csm_tui.rules import LoadedRules
from csm_tui.services.upkeep import current_database
from csm_tui.store import meta, queries, queue, ranks, recompute
from csm_tui.store.database import Database
from csm_tui.store.facts import load_facts
from csm_tui.store.versions import schedule_stamp

if TYPE_CHECKING:
    from sqlmodel import Session

    from csm_tui.settings import Settings


class UnknownAccount(CsmError):
    """No live account has that external id."""


@dataclass(frozen=True, slots=True)
class Explained:
    decision: Decision
    facts: AccountFacts


@dataclass(frozen=True, slots=True)
class Move:
    """One account whose next touch a candidate rules file would change."""

    external_id: str | None
    name: str
    before: Candidate | None
    after: Candidate | None
    decisions: tuple[Decision, Decision]  # under the rules in force, and under the candidate


@dataclass(frozen=True, slots=True)
class Preview:
    accounts: int
    moves: tuple[Move, ...]


def _same(a: Candidate | None, b: Candidate | None) -> bool:
    if a is None or b is None:
        return a is b
    return (a.kind, a.due, a.rule_id) == (b.kind, b.due, b.rule_id)


@dataclass
class Schedule:
    db: Database
    rules: LoadedRules
    today: date

    @classmethod
    @contextmanager
    def open(cls, settings: Settings, rules: LoadedRules) -> Iterator[Schedule]:
        """The schedule of the book `settings` names, on its `today`, under `rules`: its
        database brought up to date, and released on leaving."""
        with current_database(settings.database) as db:
            yield cls(db, rules, settings.today)

    @property
    def rulebook(self) -> Rulebook:
        return self.rules.rulebook

    @property
    def stamp(self) -> str:
        """What the stored schedule must have been computed with to be current."""
        return schedule_stamp(self.rulebook.sha256)

    def decider(self, rulebook: Rulebook | None = None) -> Callable[[AccountFacts], Decision]:
        """`decide` bound to the rules and the day: what the store calls per account."""
        return bound_decide(rulebook or self.rulebook, self.today)

    def is_current(self) -> bool:
        with self.db.reading() as session:
            return meta.is_current(session, today=self.today, rules_sha256=self.stamp)

    def ensure_current(self) -> int:
        """Recompute the whole book if the rules or the day changed; how many accounts (or 0)."""
        return 0 if self.is_current() else self.recompute_all()

    def recompute_all(self) -> int:
        """Recompute the whole book for the day, then write where each item of the day's
        queue ranks (`store.ranks`): a transaction of its own, as a crash between the two
        leaves ranks that say they are not the day's, and the team's queue is read whole."""
        decided = recompute.recompute_all(
            self.db,
            self.decider(),
            today=self.today,
            rules_sha256=self.stamp,
            workers=recompute_workers(),
            history_scores=self.rulebook.history_scores,
        )
        self.write_ranks()
        return decided

    def write_ranks(self) -> None:
        """Rank the day's queue of a schedule that is the day's (its ranks were lost)."""
        with self.db.writing() as session:
            ranks.write_ranks(
                session, today=self.today, coefficients=self.rulebook.urgency, stamp=self.stamp
            )

    def ranks_current(self) -> bool:
        """Whether the team's queue of the day can be read a page at a time (`store.ranks`)."""
        with self.db.reading() as session:
            return ranks.current(session, today=self.today, stamp=self.stamp)

    def recompute(self, session: Session, account_ids: list[uuid.UUID]) -> list[Decision]:
        """Inside the caller's write transaction: the accounts whose facts it just changed
        (their schedule, and their ranks on the queue)."""
        decisions = recompute.recompute(
            session,
            account_ids,
            self.decider(),
            today=self.today,
            first_calls=partial(_first_calls, rules=self.rulebook, today=self.today),
        )
        ranks.write_ranks(
            session,
            coefficients=self.rulebook.urgency,
            stamp=self.stamp,
            today=self.today,
            account_ids=account_ids,
        )
        return decisions

    def queue(
        self, *, owner_email: str | None, ahead_days: int = 0, include_snoozed: bool = False
    ) -> list[QueueItem]:
        self.ensure_current()
        with self.db.reading() as session:
            return queue.queue(
                session,
                today=self.today,
                coefficients=self.rulebook.urgency,
                owner_email=owner_email,
                ahead_days=ahead_days,
                include_snoozed=include_snoozed,
            )

    def explain(self, external_id: str) -> Explained:
        with self.db.reading() as session:
            account_id = account_key(session, external_id)
            [facts] = load_facts(session, today=self.today, account_ids=[account_id])
        return Explained(decide(facts, self.rulebook, self.today), facts)

    def preview(self, candidate: Rulebook) -> Preview:
        """Decide every account under both rulebooks; nothing is written."""
        moves: list[Move] = []
        count = 0
        for facts in self._all_facts():
            count += 1
            old, new = (
                decide(facts, self.rulebook, self.today),
                decide(facts, candidate, self.today),
            )
            if not _same(old.next, new.next):
                moves.append(Move(facts.external_id, facts.name, old.next, new.next, (old, new)))
        moves.sort(key=lambda move: (move.name.lower(), move.external_id or ""))
        return Preview(count, tuple(moves))

    def _all_facts(self) -> Iterator[AccountFacts]:
        with self.db.reading() as session:
            yield from load_facts(session, today=self.today)


def account_key(session: Session, external_id: str) -> uuid.UUID:
    """The live account behind a CRM id, or UnknownAccount saying where to find the ids."""
    account_id = queries.account_id_by_external_id(session, external_id)
    if account_id is None:
        raise UnknownAccount(
            f"no account has the external id {external_id!r}; `csm accounts --team` lists them"
        )
    return account_id


def bound_decide(rules: Rulebook, today: date) -> Callable[[AccountFacts], Decision]:
    """`decide` for one rulebook and day, as a partial of a module-level function: it
    pickles, so the bulk recompute can hand it to worker processes."""
    return partial(_decide, rules=rules, today=today)


def recompute_workers() -> int:
    """Processes for a bulk recompute: the cores this process may use, at most 4 (past that
    the one writer is the bottleneck)."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    return max(1, min(cores or 1, 4))


def _decide(facts: AccountFacts, *, rules: Rulebook, today: date) -> Decision:
    return decide(facts, rules, today)


def _first_calls(facts: Sequence[AccountFacts], *, rules: Rulebook, today: date) -> dict[str, date]:
    return first_calls(facts, rules, today)
