"""Every write as a mutation in the laptop's outbox (issue 23), in the write's own transaction.

A service method that writes is named with `@records("triage.log_touch")`. While it runs, the
action and its arguments wait in a context variable; when sync is on for the book
(`Outbox.enable`: the book gets a device id), the database's journal (`Database.journal`)
appends them to the outbox inside the write transaction, before it commits: the write and its
mutation are kept together or not at all. An action that writes in several transactions (a
touch, then its account's reschedule) is kept once, with the first; an action called by another
is part of that one. Without sync nothing is recorded and nothing is paid but a context
variable.

`apply` runs a kept mutation again through the same service method, its arguments decoded by
the method's type hints: what the team's server will do with a laptop's outbox.

The ids of the rows an action makes are the same there. The rows later actions name (the
escalation just opened, the touch just logged) have their ids picked by the laptop and carried
by the mutation (the Replicache "UUID keys"): the action declares the parameter that carries it
(`@records("escalations.open", new_keys=("new_id",))`), and called without it, gets a fresh one
before it is recorded; the rows made beside it take ids `derived` from it. Every other row an
action makes takes its id from the action's id, in the order made (`_Action.row_id`,
`models.ROW_IDS`), so that an undo finds them too.
"""

from __future__ import annotations

import functools
import inspect
import itertools
import typing
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any, ParamSpec, TypeVar

from csm_tui.domain.mutation import Mutation, decode, encode
from csm_tui.models import ROW_IDS, new_row_id
from csm_tui.store import change_feed, meta
from csm_tui.store import outbox as store

if TYPE_CHECKING:
    from sqlmodel import Session

    from csm_tui.store.database import Database

P = ParamSpec("P")
R = TypeVar("R")

DEVICE_KEY = store.DEVICE_KEY


@dataclass(slots=True)
class _Action:
    """The action being written: its id, name and arguments, kept once. The rows it makes take
    their ids from its id, in the order made (`models.ROW_IDS`): the same action run again on
    the team's server makes them under the same ids."""

    id: uuid.UUID
    name: str
    arguments: dict[str, Any]
    kept: bool = False
    made: int = 0

    def row_id(self) -> uuid.UUID:
        self.made += 1
        return uuid.uuid5(self.id, str(self.made))


@dataclass(frozen=True, slots=True)
class _Recorded:
    owner: str  # the service's attribute on the workspace: "triage"
    method: str  # its method: "log_touch"
    signature: inspect.Signature
    #: Its parameters that carry the ids of the rows it makes: filled when not given.
    new_keys: tuple[str, ...] = ()


_current: ContextVar[_Action | None] = ContextVar("csm_action", default=None)
#: The id of the mutation `apply` runs again: the action takes it instead of a new one.
_replaying: ContextVar[uuid.UUID | None] = ContextVar("csm_replaying", default=None)
#: Every recorded action, by name: what `apply` can run again.
REGISTRY: dict[str, _Recorded] = {}


def records(
    name: str, *, new_keys: tuple[str, ...] = ()
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Name a service method that writes, `"<service>.<method>"` as the workspace has them;
    `new_keys`: its parameters (`str | None`, None by default) that carry the ids of the rows
    it makes: each left None gets a fresh UUID before the call, so that the mutation carries
    it and a replay makes the same row."""
    owner, _, method_name = name.partition(".")

    def decorate(method: Callable[P, R]) -> Callable[P, R]:
        signature = inspect.signature(method)
        if name in REGISTRY:
            raise ValueError(f"two actions are named {name!r}")
        for key in new_keys:
            parameter = signature.parameters.get(key)
            if parameter is None or parameter.default is not None:
                raise ValueError(f"{name}: a new key is a parameter that defaults to None: {key}")
        REGISTRY[name] = _Recorded(owner, method_name, signature, new_keys)

        @functools.wraps(method)
        def recorded(*args: P.args, **kwargs: P.kwargs) -> R:
            if not new_keys and _current.get() is not None:  # part of the action calling it
                return method(*args, **kwargs)
            bound = signature.bind(*args, **kwargs)
            bound.apply_defaults()
            nested = _current.get() is not None  # called by another action: part of that one
            for key in new_keys:  # the ids of the rows it makes, picked here: kept with it
                if bound.arguments[key] is None:
                    bound.arguments[key] = str(new_row_id() if nested else uuid.uuid4())
            if nested:
                return method(*bound.args, **bound.kwargs)
            arguments = dict(list(bound.arguments.items())[1:])  # all but self
            action = _Action(_replaying.get() or uuid.uuid4(), name, arguments)
            token = _current.set(action)
            ids = ROW_IDS.set(action.row_id)
            try:
                return method(*bound.args, **bound.kwargs)
            finally:
                ROW_IDS.reset(ids)
                _current.reset(token)

        return recorded

    return decorate


def derived(key: str | uuid.UUID, part: str) -> uuid.UUID:
    """The id of a row made beside the one `key` names (the action items of a touch, the
    objectives of a plan from a template): the same on the laptop and on the server."""
    return uuid.uuid5(key if isinstance(key, uuid.UUID) else uuid.UUID(key), part)


def derived_ids(key: str | uuid.UUID, what: str) -> Callable[[], uuid.UUID]:
    """A stream of ids `derived` from `key`: `what`/0, `what`/1... in the order asked."""
    count = itertools.count()
    return lambda: derived(key, f"{what}/{next(count)}")


#: While set, nothing is kept: the pull makes the changes still waiting again, and they are in
#: the outbox already.
_not_kept: ContextVar[bool] = ContextVar("csm_not_kept", default=False)


@contextmanager
def not_kept() -> Iterator[None]:
    """Writes made inside are not kept in the outbox (in this thread)."""
    token = _not_kept.set(True)
    try:
        yield
    finally:
        _not_kept.reset(token)


@dataclass
class Outbox:
    """The outbox of one book: on for a laptop that syncs with its team. Its mutations say who
    made them (`actor`, a member id) and on which day (`day`): the server runs them as that
    member, on that day."""

    db: Database
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    actor: str | None = None
    day: date | None = None

    def enable(self) -> str:
        """Turn sync on for this book: it gets a device id (kept), and its writes are kept
        from now on; the device id."""
        with self.db.writing() as session:
            device = meta.get_meta(session, DEVICE_KEY)
            if device is None:
                device = str(uuid.uuid4())
                meta.set_meta(session, DEVICE_KEY, device)
            change_feed.install(session)
        self.db.journal = self.keep
        return device

    def attach(self) -> bool:
        """Keep the writes if sync is on for this book; whether it is. The change feed's
        triggers are made again if a migration changed a table since."""
        change_feed.ensure(self.db)
        with self.db.reading() as session:
            on = meta.get_meta(session, DEVICE_KEY) is not None
        self.db.journal = self.keep if on else None
        return on

    def keep(self, session: Session) -> None:
        """The journal: the action being written goes in the outbox, once."""
        action = _current.get()
        if action is None or action.kept or _not_kept.get():
            return
        arguments = {key: encode(value) for key, value in action.arguments.items()}
        mutation = Mutation(
            str(action.id),
            action.name,
            arguments,
            actor=self.actor,
            day=self.day,
            base=store.cursor(session),
        )
        store.append(session, mutation, self.clock())
        action.kept = True

    def device(self) -> str | None:
        """This book's device id; None when it does not sync."""
        with self.db.reading() as session:
            return meta.get_meta(session, DEVICE_KEY)

    def pending(self) -> list[tuple[int, Mutation]]:
        with self.db.reading() as session:
            return store.pending(session)

    def waiting(self) -> int:
        with self.db.reading() as session:
            return store.waiting(session)


def apply(services: object, mutation: Mutation) -> Any:
    """Run a kept mutation again, through the same service method (`services`: what has the
    service as an attribute, a workspace)."""
    recorded = REGISTRY.get(mutation.name)
    if recorded is None:
        raise LookupError(f"no action is named {mutation.name!r}")
    service = getattr(services, recorded.owner)
    method = getattr(service, recorded.method)
    hints = typing.get_type_hints(inspect.unwrap(getattr(type(service), recorded.method)))
    given = {key: decode(value, hints.get(key, Any)) for key, value in mutation.args.items()}
    token = _replaying.set(uuid.UUID(mutation.id))
    try:
        return method(**given)
    finally:
        _replaying.reset(token)
