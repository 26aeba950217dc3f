"""The policy lines the definitions need: every (role or relation, object kind, action) they route a step to."""

from __future__ import annotations

from collections.abc import Iterable

from workflows.definition import ActorSpec, Definition


def _subject(actor: ActorSpec) -> str | None:
    if actor.role is not None:
        return actor.role
    if actor.relation in ("self", "supervisor", "superior"):
        return actor.relation
    return None


def required_rows(definitions: Iterable[Definition]) -> list[tuple[str, str, str]]:
    """Sorted ``(subject, obj, action)`` rows; the proposer's and the scheduler's steps need none of their own."""
    rows: set[tuple[str, str, str]] = set()
    for d in definitions:
        for actor in d.proposal.actors:
            if (subject := _subject(actor)) is not None:
                rows.add((subject, d.obj, d.proposal.action))
        for action in d.actions:
            for source in action.sources:
                for actor in d.actors_of(action, source):
                    if (subject := _subject(actor)) is not None:
                        rows.add((subject, d.obj, action.name))
    return sorted(rows, key=lambda r: (r[1], r[2], r[0]))
