"""``RuleVersion`` (API.md, round 2): a dated version of a rule with its legal basis, as requests and refusals cite it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

import strawberry

from server.rules import RuleNotFound, rule_by_id
from server.rules import RuleVersion as Version


@strawberry.type(description="A version of a rule, in force from validFrom to validTo (open: null), with its basis.")
class RuleVersion:
    id: str = strawberry.field(description="The version's id, e.g. rank_promotion.min_years_in_rank/2002.")
    name: str = strawberry.field(description="The rule's name, e.g. rank_promotion.min_years_in_rank.")
    title: str = strawberry.field(description="What the rule decides, in words.")
    valid_from: dt.date
    valid_to: dt.date | None
    legal_basis: str = strawberry.field(description="The regulation (and article) the version follows.")

    @classmethod
    def of(cls, version: Version) -> RuleVersion:
        return cls(
            id=version.version_id,
            name=version.name,
            title=version.title,
            valid_from=version.valid_from,
            valid_to=version.valid_to,
            legal_basis=version.legal_basis,
        )


def rule_version(version_id: str | None) -> RuleVersion | None:
    """The version an error or a request recorded; None for none (or one no longer installed)."""
    if version_id is None:
        return None
    try:
        return RuleVersion.of(rule_by_id(version_id))
    except RuleNotFound:
        return None


def recorded_rules(recorded: Mapping[str, str] | None) -> list[RuleVersion]:
    """The versions a request recorded, by rule name."""
    versions = recorded or {}
    found = (rule_version(versions[name]) for name in sorted(versions))
    return [v for v in found if v is not None]
