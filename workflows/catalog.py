"""Every definition version on disk, loaded once: the current one per kind for new requests, any one by version.

A file is ``definitions/<kind>.yaml`` (current) or ``definitions/<kind>-<version>.yaml`` (older versions
kept so that requests started under them finish under them). The kinds are the current files: a new
workflow is a new file (and its named guards, effects and preconditions), listed where its ``order`` says.
"""

from __future__ import annotations

import importlib
import pkgutil
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import yaml

from workflows.definition import Definition, DefinitionError, parse
from workflows.proposal_spec import ProposalSpec

DEFINITIONS_DIR = Path(__file__).parent / "definitions"
# Modules that register guards, effects or preconditions by name (imported before the files are read).
REGISTRARS: tuple[str, ...] = (
    "workflows.rank_guards",
    "workflows.position_guards",
    "workflows.record_guards",
    "workflows.evaluation_guards",
    "workflows.effects",
    "workflows.preconditions",
    "workflows.proposal_checks",
    "workflows.conflict_of_interest",
    "workflows.corrections",
    "workflows.distribution",
    "workflows.within_unit",
)
PLUGINS = "workflows.plugins"  # a package whose every module registers guards/effects (new workflows' own)


def _register() -> None:
    names = list(REGISTRARS)
    package = importlib.import_module(PLUGINS)
    names += [f"{PLUGINS}.{m.name}" for m in pkgutil.iter_modules(package.__path__)]
    for name in names:
        importlib.import_module(name)


@lru_cache(maxsize=1)
def _load() -> tuple[dict[str, Definition], dict[str, Definition]]:
    _register()
    from workflows.effects import EFFECTS
    from workflows.guards import GUARDS
    from workflows.preconditions import PRECONDITIONS

    by_version: dict[str, Definition] = {}
    current: dict[str, Definition] = {}
    for path in sorted(DEFINITIONS_DIR.glob("*.yaml")):
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
        definition = parse(
            raw,
            source=path.name,
            guards=frozenset(GUARDS),
            effects=frozenset(EFFECTS),
            preconditions=frozenset(PRECONDITIONS),
        )
        if definition.version in by_version:
            raise DefinitionError(f"{path.name}: version {definition.version} is defined twice")
        by_version[definition.version] = definition
        if path.stem == definition.kind.lower():
            current[definition.kind] = definition
    for version, definition in by_version.items():
        now = current.get(definition.kind)
        if now is not None and definition.proposal.command is None:
            by_version[version] = replace(definition, proposal=command_of(now.proposal, definition.proposal))
    current = {kind: by_version[d.version] for kind, d in current.items()}
    unordered = sorted(k for k, d in current.items() if d.order is None)
    if unordered:
        raise DefinitionError(f"the current definition of {', '.join(unordered)} gives no order")
    ordered = dict(sorted(current.items(), key=lambda item: (item[1].order or 0, item[0])))
    return ordered, by_version


def command_of(current: ProposalSpec, older: ProposalSpec) -> ProposalSpec:
    """An older version's proposal with the kind's command (mutation, inputs, preconditions, data) from the
    current one: the API is the kind's; a version keeps its own actors, guards and slot."""
    return replace(older, **{name: getattr(current, name) for name in _COMMAND_PARTS})


# what of a proposal is the kind's command (its API), not a version's own
_COMMAND_PARTS = ("subject", "command", "inputs", "position", "effective_date", "preconditions", "data")


def kinds() -> tuple[str, ...]:
    """Every workflow kind, in the order its definitions give (``RequestKind``, ``workflowDefinitions``)."""
    return tuple(_load()[0])


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
    return list(_load()[0].values())
