"""Every definition version on disk, loaded once: the current one per kind for new requests, any one by version.

A file is ``definitions/<kind>.yaml`` (current) or ``definitions/<kind>-<version>.yaml`` (older versions
kept so that requests started under them finish under them).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

from workflows.definition import Definition, DefinitionError, parse

DEFINITIONS_DIR = Path(__file__).parent / "definitions"
KINDS: tuple[str, ...] = (
    "PLACEMENT",
    "TRANSFER",
    "TRANSFER_OUT",
    "RANK_PROMOTION",
    "POSITION_PROMOTION",
    "EVALUATION",
    "TRAINING",
    "EVALUATION_CORRECTION",
)


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, Definition], dict[str, Definition]]:
    from workflows import conflict_of_interest, corrections, distribution, within_unit  # noqa: F401  (they register guards)
    from workflows.effects import EFFECTS
    from workflows.guards import GUARDS

    by_version: dict[str, Definition] = {}
    current: dict[str, Definition] = {}
    for path in sorted(DEFINITIONS_DIR.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        definition = parse(raw, source=path.name, guards=frozenset(GUARDS), effects=frozenset(EFFECTS))
        if definition.version in by_version:
            raise DefinitionError(f"{path.name}: version {definition.version} is defined twice")
        by_version[definition.version] = definition
        if path.stem == definition.kind.lower():
            current[definition.kind] = definition
    missing = [k for k in KINDS if k not in current]
    if missing:
        raise DefinitionError(f"no current definition for {', '.join(missing)} in {DEFINITIONS_DIR}")
    return current, by_version


def current(kind: str) -> Definition:
    """The definition new requests of ``kind`` start under."""
    return _load()[0][kind]


def by_version(version: str) -> Definition:
    """The definition a request recorded; old versions stay loadable."""
    try:
        return _load()[1][version]
    except KeyError:
        raise DefinitionError(f"workflow definition {version!r} is not installed") from None


def all_definitions() -> list[Definition]:
    """Every installed version, current ones included, ordered by version."""
    return sorted(_load()[1].values(), key=lambda d: d.version)


def current_definitions() -> list[Definition]:
    return [current(kind) for kind in KINDS]
