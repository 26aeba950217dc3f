"""A rule version and how one is chosen: the version whose validity covers the date asked about."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


class RuleNotFound(LookupError):
    """No version of the rule is in force on the date (or no such version id); the message says which."""


@dataclass(frozen=True)
class RuleVersion:
    """One version of a named rule: in force from ``valid_from`` to ``valid_to`` (inclusive, None = open)."""

    name: str
    version_id: str
    valid_from: dt.date
    valid_to: dt.date | None
    legal_basis: str
    values: Mapping[str, Any]
    title: str = ""

    def cite(self) -> str:
        """How a sentence refers to the version: ``rule <id>, <legal basis>`` (refusals end with it)."""
        return f"rule {self.version_id}, {self.legal_basis}"

    def covers(self, on: dt.date) -> bool:
        return self.valid_from <= on and (self.valid_to is None or on <= self.valid_to)

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def int(self, key: str) -> int:
        value = self.values[key]
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"rule {self.version_id}: {key} must be a whole number, got {value!r}")
        return value

    def flag(self, key: str) -> bool:
        return bool(self.values[key])


def _catalog() -> tuple[RuleVersion, ...]:
    from server.rules.catalog import RULE_VERSIONS

    return RULE_VERSIONS


def all_rule_versions() -> tuple[RuleVersion, ...]:
    return _catalog()


@functools.cache
def _by_name() -> dict[str, tuple[RuleVersion, ...]]:
    """The catalog's versions per rule name, in catalog order (the catalog is read once, at import)."""
    grouped: dict[str, list[RuleVersion]] = {}
    for version in _catalog():
        grouped.setdefault(version.name, []).append(version)
    return {name: tuple(versions) for name, versions in grouped.items()}


@functools.cache
def _by_id() -> dict[str, RuleVersion]:
    found: dict[str, RuleVersion] = {}
    for version in _catalog():
        found.setdefault(version.version_id, version)  # the first, as the catalog's order chose before
    return found


def rules_for(name: str, on: dt.date) -> RuleVersion:
    """The version of rule ``name`` in force on ``on``."""
    for version in _by_name().get(name, ()):
        if version.covers(on):
            return version
    raise RuleNotFound(f"no version of rule {name!r} is in force on {on.isoformat()}")


def rule_by_id(version_id: str) -> RuleVersion:
    """A version by its id, as recorded on a request (old versions stay loadable forever)."""
    found = _by_id().get(version_id)
    if found is None:
        raise RuleNotFound(f"rule version {version_id!r} is not known")
    return found
