"""A write as data (issue 23): an action's name and its arguments as JSON, so that a laptop can
keep what it did in its outbox and the team's server can run it again with the same service
code (the Replicache contract: DESIGN, research/offline_sync.md).

The arguments are the service method's, encoded by their values and decoded by the method's
type hints: dataclasses as objects of their fields, dates and moments in ISO 8601, enums by
value, UUIDs as text, tuples and lists as arrays, sets as sorted arrays. Anything else is
refused when encoded, so
that an action whose arguments could not be replayed is found by its first test, not by a
server.
"""

from __future__ import annotations

import dataclasses
import enum
import json
import types
import typing
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

#: The shape of the mutations this code writes; a server accepts the previous one's too
#: (issue 23). 2: a mutation says who made it, on which day, and what the laptop had seen.
MUTATION_SCHEMA = 2

JSON = None | bool | int | float | str | list["JSON"] | dict[str, "JSON"]


@dataclass(frozen=True, slots=True)
class Mutation:
    """An action taken: what, with what, in which shape of arguments."""

    id: str  # a UUID: the same action is never applied twice
    name: str  # "triage.log_touch": the service and its method
    args: Mapping[str, JSON]
    schema: int = MUTATION_SCHEMA
    actor: str | None = None  # the team member who made it (schema 1: not said)
    day: date | None = None  # their `today` when they made it (schema 1: not said)
    #: The last of the server's changes the laptop had pulled when it was made: a value changed
    #: after it that this mutation overwrites is a conflict. None: not known (schema 1).
    base: int | None = None

    def to_json(self) -> str:
        return json.dumps(
            {
                "id": self.id,
                "name": self.name,
                "args": self.args,
                "schema": self.schema,
                "actor": self.actor,
                "day": None if self.day is None else self.day.isoformat(),
                "base": self.base,
            },
            sort_keys=True,
            ensure_ascii=False,
        )

    @classmethod
    def from_json(cls, text: str) -> Mutation:
        found = json.loads(text)
        day = found.get("day")
        return cls(
            found["id"],
            found["name"],
            found["args"],
            found["schema"],
            found.get("actor"),
            None if day is None else date.fromisoformat(day),
            found.get("base"),
        )


@typing.runtime_checkable
class Kept(typing.Protocol):
    """A value that is not plain data says how it is kept in a mutation, and read back: a row's
    state for an undo names its table, which the store knows."""

    def to_mutation(self) -> JSON: ...

    @classmethod
    def from_mutation(cls, value: JSON) -> Any: ...


def encode(value: object) -> JSON:
    """A value as JSON, or TypeError for one that could not be decoded again."""
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, enum.Enum):
        return encode(value.value)
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise TypeError(f"{value!r} has no time zone: a moment is kept in UTC")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Kept):  # a value that says how it is kept (a row's state for undo)
        return encode(value.to_mutation())
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {
            field.name: encode(getattr(value, field.name)) for field in dataclasses.fields(value)
        }
    if isinstance(value, list | tuple):
        return [encode(item) for item in value]
    if isinstance(value, set | frozenset):  # in a fixed order: the same set, the same text
        return sorted((encode(item) for item in value), key=json.dumps)
    if isinstance(value, Mapping) and all(isinstance(key, str) for key in value):
        return {key: encode(item) for key, item in value.items()}
    raise TypeError(f"{type(value).__name__} cannot be kept in a mutation: {value!r}")


def decode(value: JSON, hint: Any) -> Any:
    """`value` (as `encode` wrote it) as the type `hint` says."""
    origin = typing.get_origin(hint)
    if hint is Any or hint is object:
        return value
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return decode(value, option)
            except (TypeError, ValueError) as error:
                errors.append(str(error))
        raise ValueError(f"{value!r} is none of {hint}: {'; '.join(errors)}")
    if origin is typing.Literal:
        if value not in typing.get_args(hint):
            raise ValueError(f"{value!r} is not one of {typing.get_args(hint)}")
        return value
    if origin in (tuple, list):
        items = typing.get_args(hint)
        if not isinstance(value, list):
            raise TypeError(f"{value!r} is not a list")
        if origin is tuple and len(items) == 2 and items[1] is Ellipsis:
            return tuple(decode(item, items[0]) for item in value)
        if origin is tuple:
            return tuple(decode(item, kind) for item, kind in zip(value, items, strict=True))
        return [decode(item, items[0] if items else Any) for item in value]
    if origin in (set, frozenset):
        if not isinstance(value, list):
            raise TypeError(f"{value!r} is not a list")
        [kind] = typing.get_args(hint) or (Any,)
        return origin(decode(item, kind) for item in value)
    if origin in (dict, Mapping) or hint in (dict, Mapping):
        if not isinstance(value, dict):
            raise TypeError(f"{value!r} is not an object")
        kinds = typing.get_args(hint)
        return {key: decode(item, kinds[1] if kinds else Any) for key, item in value.items()}
    if not isinstance(hint, type):
        raise TypeError(f"cannot decode {value!r} as {hint!r}")
    return _decode_type(value, hint)


def _decode_type(value: JSON, hint: type) -> Any:
    if issubclass(hint, Kept):
        return hint.from_mutation(value)
    if issubclass(hint, enum.Enum):
        return hint(value)
    if hint is datetime:
        return datetime.fromisoformat(_text(value))
    if hint is date:
        return date.fromisoformat(_text(value))
    if hint is uuid.UUID:
        return uuid.UUID(_text(value))
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise TypeError(f"{value!r} is not an object of {hint.__name__}")
        hints = typing.get_type_hints(hint)
        given = {
            field.name: decode(value[field.name], hints[field.name])
            for field in dataclasses.fields(hint)
            if field.name in value and field.init
        }
        return hint(**given)
    if hint is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if not isinstance(value, hint):
        raise TypeError(f"{value!r} is not a {hint.__name__}")
    return value


def _text(value: JSON) -> str:
    if not isinstance(value, str):
        raise TypeError(f"{value!r} is not text")
    return value
