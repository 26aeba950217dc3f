"""Every guard applies a dated rule with a legal basis, so every refusal can name the regulation behind it."""

from __future__ import annotations

import datetime as dt

from server.rules import rules_for
from workflows import catalog, rule_docs
from workflows.guards import GUARDS, GuardResult
from workflows.rule_errors import guard_error


def test_every_guard_of_every_definition_names_a_rule_in_force_today() -> None:
    used = {g for d in catalog.all_definitions() for g in d.guard_names()}
    today = dt.date(2026, 11, 28)
    for name in sorted(used):
        rules = GUARDS[name].rules
        assert rules, f"guard {name} applies no rule version; add one to server/rules/data"
        for rule in rules:
            assert rules_for(rule, today).legal_basis.strip()


def test_a_failed_guard_ends_with_its_rule_version_and_basis_and_carries_the_version() -> None:
    version = rules_for("rank_promotion.min_years_in_rank", dt.date(2026, 12, 1))
    result = GuardResult("min_years_in_rank", False, "in rank III/a since 2024-04-01", version.version_id)
    error = guard_error(result)
    assert error.rule == "rank_promotion.min_years_in_rank/2002"
    assert error.field == "min_years_in_rank"
    assert error.message == (
        "min_years_in_rank: in rank III/a since 2024-04-01 "
        f"(rule rank_promotion.min_years_in_rank/2002, {version.legal_basis})"
    )


def test_rules_docs_are_current() -> None:
    assert rule_docs.DOCS.read_text(encoding="utf-8") == rule_docs.generated(), "run python -m workflows.rule_docs"
