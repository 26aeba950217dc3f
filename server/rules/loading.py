"""Reading the rule files (``server/rules/data/*.yaml``) into rule versions, refusing any that is not sound.

A file holds rules by name; each rule has a title, its parameters' types and its versions. Each version
has an id (``<rule>/<suffix>``), ``valid_from``, ``valid_to`` (a date, or ``open`` while in force), a
non-empty ``legal_basis`` and the values of the rule's parameters. Loading refuses, with a sentence naming
the file, the rule and the version: a missing or empty field, a value of the wrong type, a version id
used twice, a rule defined in two files, and two versions of one rule in force on the same day (a request
must be judged by exactly one).
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from server.rules.model import RuleVersion
from server.rules.types import ParamType, TypeDeclarationError, parse_type, record_problems

OPEN = "open"
RULE_KEYS = frozenset({"title", "parameters", "versions"})
VERSION_KEYS = frozenset({"id", "valid_from", "valid_to", "legal_basis", "values"})


class RuleDataError(ValueError):
    """A rule file is not sound; the message names the file, the rule and what to fix."""


def load_rule_versions(directory: Path) -> tuple[RuleVersion, ...]:
    """Every version in the ``*.yaml`` files of ``directory``, ordered by rule name then date."""
    files = sorted(directory.glob("*.yaml"))
    if not files:
        raise RuleDataError(f"{directory} holds no rule file (*.yaml); the service cannot judge any request")
    versions: list[RuleVersion] = []
    seen_rules: dict[str, str] = {}
    for path in files:
        for version in load_file(path):
            if version.name in seen_rules and seen_rules[version.name] != path.name:
                raise RuleDataError(
                    f"{path.name}, rule {version.name}: the rule is also defined in {seen_rules[version.name]}; "
                    "keep each rule in one file"
                )
            seen_rules[version.name] = path.name
            versions.append(version)
    return tuple(sorted(versions, key=lambda v: (v.name, v.valid_from)))


def load_file(path: Path) -> list[RuleVersion]:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as exc:
        raise RuleDataError(f"{path.name} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict) or not raw:
        raise RuleDataError(f"{path.name} must map rule names to rules (title, parameters, versions)")
    found: list[RuleVersion] = []
    for name, rule in raw.items():
        found += _rule(path.name, str(name), rule)
    return found


def _rule(source: str, name: str, raw: Any) -> list[RuleVersion]:
    where = f"{source}, rule {name}"
    if not isinstance(raw, dict):
        raise RuleDataError(f"{where}: must be a mapping of title, parameters and versions")
    unknown = sorted(str(k) for k in raw if k not in RULE_KEYS)
    missing = sorted(k for k in RULE_KEYS if k not in raw)
    if unknown or missing:
        raise RuleDataError(f"{where}: {_keys_sentence(missing, unknown)}")
    title = raw["title"]
    if not isinstance(title, str) or not title.strip():
        raise RuleDataError(f"{where}: title must be a sentence saying what the rule decides")
    params = _parameters(where, raw["parameters"])
    versions = raw["versions"]
    if not isinstance(versions, list) or not versions:
        raise RuleDataError(f"{where}: versions must be a list with at least one version")
    parsed = [_version(where, name, title.strip(), params, v) for v in versions]
    _refuse_duplicate_ids(where, parsed)
    _refuse_overlaps(where, parsed)
    return parsed


def _parameters(where: str, raw: Any) -> dict[str, ParamType]:
    if not isinstance(raw, dict):
        raise RuleDataError(f"{where}: parameters must map each parameter's name to its type")
    try:
        return {str(k): parse_type(v) for k, v in raw.items()}
    except TypeDeclarationError as exc:
        raise RuleDataError(f"{where}: parameters: {exc}") from None


def _version(where: str, name: str, title: str, params: Mapping[str, ParamType], raw: Any) -> RuleVersion:
    if not isinstance(raw, dict):
        raise RuleDataError(f"{where}: each version must be a mapping of {', '.join(sorted(VERSION_KEYS))}")
    version_id = raw.get("id")
    if not isinstance(version_id, str) or not version_id.startswith(f"{name}/") or version_id == f"{name}/":
        raise RuleDataError(f"{where}: a version's id is {version_id!r}; write it as {name}/<year or label>")
    here = f"{where}, version {version_id}"
    unknown = sorted(str(k) for k in raw if k not in VERSION_KEYS)
    missing = sorted(k for k in VERSION_KEYS if k not in raw)
    if unknown or missing:
        raise RuleDataError(f"{here}: {_keys_sentence(missing, unknown)}")
    valid_from = raw["valid_from"]
    if not isinstance(valid_from, dt.date) or isinstance(valid_from, dt.datetime):
        raise RuleDataError(f"{here}: valid_from {valid_from!r} is not a date (write YYYY-MM-DD)")
    valid_to = raw["valid_to"]
    if valid_to == OPEN:
        valid_to = None
    elif not isinstance(valid_to, dt.date) or isinstance(valid_to, dt.datetime):
        raise RuleDataError(f"{here}: valid_to {valid_to!r} is not a date; write YYYY-MM-DD, or {OPEN} while in force")
    elif valid_to < valid_from:
        raise RuleDataError(f"{here}: valid_to {valid_to} is before valid_from {valid_from}")
    basis = raw["legal_basis"]
    if not isinstance(basis, str) or not basis.strip():
        raise RuleDataError(f"{here}: legal_basis is empty; name the regulation (and article) the version follows")
    values = raw["values"]
    problems = record_problems(params, values if values is not None else {}, "values")
    if problems:
        raise RuleDataError(f"{here}: " + "; ".join(problems))
    return RuleVersion(
        name=name,
        version_id=version_id,
        valid_from=valid_from,
        valid_to=valid_to,
        legal_basis=" ".join(basis.split()),
        values=values or {},
        title=title,
    )


def _keys_sentence(missing: Iterable[str], unknown: Iterable[str]) -> str:
    parts = []
    if missing := list(missing):
        parts.append(f"{', '.join(missing)} missing")
    if unknown := list(unknown):
        parts.append(f"{', '.join(unknown)} not known (misspelt?)")
    return "; ".join(parts)


def _refuse_overlaps(where: str, versions: list[RuleVersion]) -> None:
    ordered = sorted(versions, key=lambda v: v.valid_from)
    for earlier, later in itertools.pairwise(ordered):
        if earlier.valid_to is None or earlier.valid_to >= later.valid_from:
            until = earlier.valid_to.isoformat() if earlier.valid_to else OPEN
            raise RuleDataError(
                f"{where}: versions {earlier.version_id} ({earlier.valid_from} to {until}) and {later.version_id} "
                f"(from {later.valid_from}) are both in force on {later.valid_from}; close the earlier one the day "
                "before the later one starts"
            )


def _refuse_duplicate_ids(where: str, versions: list[RuleVersion]) -> None:
    seen: set[str] = set()
    for version in versions:
        if version.version_id in seen:
            raise RuleDataError(f"{where}: version id {version.version_id} is used twice; give each version its own")
        seen.add(version.version_id)
