"""The types a rule's parameters are declared with in the rule files, and the check of a value against one.

A rule file declares each parameter once for the rule (``years: int``, ``months: list[month]``,
``caps: map[rank]``, or a mapping of field names to types for a record), and every version's values are
checked against it when the files are loaded: a version with a misspelt key, a missing one or a value of
the wrong kind stops the service from starting, instead of failing a guard in the middle of a request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from server.domain.education import EDUCATION_LEVELS
from server.domain.positions import POSITION_TYPES
from server.domain.predicates import PREDICATES
from server.domain.ranks import is_rank


def _whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _number(value: Any) -> bool:
    return _whole(value) or isinstance(value, float)


SCALARS: dict[str, tuple[Callable[[Any], bool], str]] = {
    "int": (_whole, "a whole number"),
    "number": (_number, "a number"),
    "bool": (lambda v: isinstance(v, bool), "true or false"),
    "text": (lambda v: isinstance(v, str) and bool(v.strip()), "a non-empty text"),
    "month": (lambda v: _whole(v) and 1 <= v <= 12, "a month number 1-12"),
    "share": (lambda v: _number(v) and 0 <= v <= 1, "a share between 0 and 1"),
    "rank": (lambda v: isinstance(v, str) and is_rank(v), "a rank I/a .. IV/e"),
    "education": (lambda v: v in EDUCATION_LEVELS, f"an education level ({', '.join(EDUCATION_LEVELS)})"),
    "predicate": (lambda v: v in PREDICATES, f"a predicate ({', '.join(PREDICATES)})"),
    "position_type": (lambda v: v in POSITION_TYPES, f"a position type ({', '.join(POSITION_TYPES)})"),
}


class TypeDeclarationError(ValueError):
    """A parameter's declared type is not one this module knows."""


@dataclass(frozen=True)
class ParamType:
    """``kind`` is a scalar name, ``list``, ``map`` (text keys) or ``record`` (the ``fields`` named)."""

    kind: str
    item: ParamType | None = None
    fields: Mapping[str, ParamType] | None = None

    def describe(self) -> str:
        if self.kind in ("list", "map"):
            assert self.item is not None
            return f"{self.kind}[{self.item.describe()}]"
        if self.kind == "record":
            assert self.fields is not None
            return "{" + ", ".join(f"{k}: {t.describe()}" for k, t in self.fields.items()) + "}"
        return self.kind

    def problems(self, value: Any, where: str) -> list[str]:
        """What is wrong with ``value`` at ``where`` (a dotted path), in sentences; empty when it fits."""
        if self.kind == "list":
            assert self.item is not None
            if not isinstance(value, list):
                return [f"{where} must be a list, got {value!r}"]
            return [p for i, v in enumerate(value) for p in self.item.problems(v, f"{where}[{i}]")]
        if self.kind == "map":
            assert self.item is not None
            if not isinstance(value, dict):
                return [f"{where} must be a mapping, got {value!r}"]
            return [p for k, v in value.items() for p in self.item.problems(v, f"{where}.{k}")]
        if self.kind == "record":
            assert self.fields is not None
            return record_problems(self.fields, value, where)
        test, words = SCALARS[self.kind]
        return [] if test(value) else [f"{where} must be {words}, got {value!r}"]


def record_problems(fields: Mapping[str, ParamType], value: Any, where: str) -> list[str]:
    """Every declared field present with its type, and no field that is not declared."""
    if not isinstance(value, dict):
        return [f"{where} must be a mapping of {', '.join(fields)}, got {value!r}"]
    found: list[str] = []
    missing = [k for k in fields if k not in value]
    extra = [str(k) for k in value if k not in fields]
    if missing:
        found.append(f"{where} lacks {', '.join(missing)}")
    if extra:
        found.append(f"{where} has {', '.join(extra)}, which the rule does not declare")
    for key, kind in fields.items():
        if key in value:
            found += kind.problems(value[key], f"{where}.{key}")
    return found


def parse_type(raw: Any) -> ParamType:
    """``int``, ``list[month]``, ``map[map[share]]``, or a mapping of field names to types (a record)."""
    if isinstance(raw, dict):
        return ParamType("record", fields={str(k): parse_type(v) for k, v in raw.items()})
    if not isinstance(raw, str):
        raise TypeDeclarationError(f"{raw!r} is not a type")
    text = raw.strip()
    for outer in ("list", "map"):
        if text.startswith(f"{outer}[") and text.endswith("]"):
            return ParamType(outer, item=parse_type(text[len(outer) + 1 : -1]))
    if text not in SCALARS:
        known = ", ".join([*SCALARS, "list[...]", "map[...]"])
        raise TypeDeclarationError(f"{text!r} is not a type; use one of {known} or a mapping of fields")
    return ParamType(text)
