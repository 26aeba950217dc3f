"""Typed step data: what a step's ``data`` may carry, declared in the definition and checked before it is stored.

A step's data ends up in the request's JSON and, through effects, in columns (a decree number becomes
``rank_history.decree_no``, VARCHAR(80)). A value that fits neither used to be accepted at the step and
fail later, at the scheduler's tick on PostgreSQL. So every field a definition declares says its type
(a string with a maximum length, a choice among values, a date, an integer within a range), a
definition that leaves one out does not load, and ``act`` refuses a value outside it as ``VALIDATION``
naming the field, the value and the limit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FIELD_TYPES: tuple[str, ...] = ("string", "enum", "date", "integer")
_KEYS = {
    "string": {"type", "required", "maxLength"},
    "enum": {"type", "required", "choices"},
    "date": {"type", "required"},
    "integer": {"type", "required", "min", "max"},
}
_EXAMPLE = "decreeNo: {type: string, maxLength: 80}"


class FieldError(ValueError):
    """A field declaration is malformed; the message names the field and says what a declaration looks like."""


@dataclass(frozen=True)
class DataField:
    """One declared input of a step (API.md ``ActionInput``: name, type, required, choices, maxLength)."""

    name: str
    type: str
    required: bool = True
    max_length: int | None = None
    choices: tuple[str, ...] | None = None
    minimum: int | None = None
    maximum: int | None = None

    def problem(self, value: Any) -> str | None:
        """Why ``value`` does not fit this field (a sentence naming the field, the value and the limit), or None."""
        where = f"data.{self.name}"
        if self.type == "string":
            if not isinstance(value, str):
                return f"{where} must be text of at most {self.max_length} characters, got {_show(value)}"
            if self.max_length is not None and len(value) > self.max_length:
                return f"{where} is {len(value)} characters long, above the limit of {self.max_length}; shorten it"
            return None
        if self.type == "enum":
            if not isinstance(value, str) or value not in (self.choices or ()):
                return f"{where} {_show(value)} is not one of {', '.join(self.choices or ())}"
            return None
        if self.type == "date":
            if not isinstance(value, str) or len(value) != 10:
                return f"{where} {_show(value)} is not a date; write it as YYYY-MM-DD"
            try:
                dt.date.fromisoformat(value)
            except ValueError:
                return f"{where} {_show(value)} is not a date; write it as YYYY-MM-DD"
            return None
        if not isinstance(value, int) or isinstance(value, bool):
            return f"{where} must be a whole number from {self.minimum} to {self.maximum}, got {_show(value)}"
        if not (self.minimum or 0) <= value <= (self.maximum or 0):
            return f"{where} {value} is outside {self.minimum} .. {self.maximum}"
        return None


def _show(value: Any) -> str:
    """A value as the error quotes it: long text cut, so a refusal never echoes 10 KB back."""
    return _cut(repr(value))


def _cut(text: str, limit: int = 60) -> str:
    return text if len(text) <= limit else f"{text[: limit - 3]}..."


def parse_field(name: str, raw: Any) -> DataField:
    """``decreeNo: {type: string, maxLength: 80}`` -> a ``DataField``; an untyped or unbounded field is refused."""
    if not isinstance(raw, Mapping) or "type" not in raw:
        raise FieldError(f"data field {name!r} declares no type; declare it like {_EXAMPLE}")
    kind = raw["type"]
    if kind not in FIELD_TYPES:
        raise FieldError(f"data field {name!r} has type {kind!r}, which is not one of {', '.join(FIELD_TYPES)}")
    unknown = set(raw) - _KEYS[kind]
    if unknown:
        raise FieldError(f"data field {name!r} ({kind}) has unknown keys {sorted(unknown)}")
    required = raw.get("required", True)
    if not isinstance(required, bool):
        raise FieldError(f"data field {name!r}: required must be true or false, got {required!r}")
    if kind == "string":
        limit = raw.get("maxLength")
        if not isinstance(limit, int) or isinstance(limit, bool) or limit < 1:
            raise FieldError(f"data field {name!r} is a string without a maxLength; declare it like {_EXAMPLE}")
        return DataField(name, kind, required, max_length=limit)
    if kind == "enum":
        choices = raw.get("choices")
        if not isinstance(choices, list) or not choices or not all(isinstance(c, str) for c in choices):
            raise FieldError(f"data field {name!r} is an enum without choices; list them, e.g. choices: [MS, BTS]")
        return DataField(name, kind, required, choices=tuple(choices))
    if kind == "integer":
        low, high = _whole(raw.get("min")), _whole(raw.get("max"))
        if low is None or high is None or low > high:
            raise FieldError(f"data field {name!r} is an integer without a range; declare min and max, min <= max")
        return DataField(name, kind, required, minimum=low, maximum=high)
    return DataField(name, kind, required)


def _whole(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def parse_fields(raw: Any) -> tuple[DataField, ...]:
    """An action's ``data:`` mapping; the old untyped list form (``data: [decreeNo]``) is refused."""
    if raw is None:
        return ()
    if not isinstance(raw, Mapping):
        raise FieldError(f"data must map each field to its type, like data: {{{_EXAMPLE}}}; got {raw!r}")
    return tuple(parse_field(str(name), spec) for name, spec in raw.items())


def outcome_field(name: str, choices: tuple[str, ...]) -> DataField:
    """The field that tells an action's outcomes apart (``when: {answer: MS}``): a required choice."""
    return DataField(name, "enum", True, choices=choices)


def problems(
    action: str, fields: tuple[DataField, ...], outcomes: Mapping[str, str], data: Mapping[str, Any]
) -> list[tuple[str, str]]:
    """Every reason ``data`` does not fit the step, as (field, sentence): unknown keys, missing and wrong values.

    ``outcomes`` are the keys the chosen outcome was told apart by (``answer``), already matched."""
    declared = {f.name: f for f in fields}
    takes = ", ".join(f"data.{k}" for k in (*outcomes, *declared)) or "no data"
    found: list[tuple[str, str]] = []
    for key in sorted(data):
        if key in outcomes:
            continue
        spec = declared.get(key)
        if spec is None:
            found.append((key, f"{action} takes no data.{_cut(key)}; it takes {takes}"))
        elif not _missing(data[key]):
            problem = spec.problem(data[key])
            if problem is not None:
                found.append((key, problem))
    found += [
        (spec.name, f"{action} needs data.{spec.name}")
        for spec in fields
        if spec.required and _missing(data.get(spec.name))
    ]
    return found


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())
