"""Rules are data: the shipped rule files load, keep every version requests may have recorded, and a file that
is not sound is refused at load with a sentence naming the file, the rule and what to fix."""

from __future__ import annotations

import datetime as dt
import textwrap
from pathlib import Path

import pytest

from server.rules import all_rule_versions, rule_by_id, rules_for
from server.rules.catalog import DATA_DIR
from server.rules.loading import RuleDataError, load_rule_versions

# Ids recorded on requests and audit events before rules moved to data: they must stay loadable, unchanged.
RECORDED_IDS = {
    "rank_promotion.min_years_in_rank/2002": {"years": 4},
    "rank_promotion.periods/2002": {"months": [4, 10]},
    "rank_promotion.periods/2024": {"months": [2, 4, 6, 8, 10, 12]},
    "rank_promotion.periods/2025-10": {"months": list(range(1, 13))},
    "rank_promotion.service_exam/2002": {"groups": ["III", "IV"]},
    "performance.min_predicate/2019": {"years": 2, "accepted": ["Sangat Baik", "Baik"]},
    "performance.evaluation_deadline/2019": {"months_after_year_end": 2},
    "transfer.years_in_post/2020": {"min_years": 2, "rotation_due_years": 5},
    "evaluation.objection_window/2022": {"days": 14},
    "delegation.max_days/2021": {"days": 90},
    "placement.vacancy/2014": {"managerial_holders": 1},
    "placement.rank_range/2020": {"blocking": False},
    "discipline.active_sanction/2021": {"blocking_severities": ["moderate", "heavy"]},
    "position_promotion.talent_pool/2020": {"boxes": [7, 8, 9]},
    "training.annual_hours/2017": {"hours": 20},
}


def test_every_version_recorded_before_the_move_loads_with_its_values() -> None:
    for version_id, values in RECORDED_IDS.items():
        assert dict(rule_by_id(version_id).values) == values, version_id


def test_the_education_caps_are_the_regulations_table() -> None:
    from server.domain.education import EDUCATION_RANK_RANGE

    caps = rule_by_id("rank_promotion.education_cap/2002")["caps"]
    assert caps == {level: cap for level, (_start, cap) in EDUCATION_RANK_RANGE.items()}


def test_every_shipped_version_has_a_title_a_basis_and_an_id_under_its_rule() -> None:
    versions = all_rule_versions()
    assert len({v.version_id for v in versions}) == len(versions)
    for v in versions:
        assert v.title and v.legal_basis.strip() and v.version_id.startswith(f"{v.name}/")


def test_a_rule_is_chosen_by_the_date_it_is_asked_about() -> None:
    assert rules_for("rank_promotion.periods", dt.date(2023, 12, 31)).version_id == "rank_promotion.periods/2002"
    assert rules_for("rank_promotion.periods", dt.date(2024, 1, 1)).version_id == "rank_promotion.periods/2024"


def test_the_rule_files_are_package_data() -> None:
    text = (Path(__file__).resolve().parents[2] / "pyproject.toml").read_text(encoding="utf-8")
    assert '"rules/data/*.yaml"' in text
    assert sorted(p.name for p in DATA_DIR.glob("*.yaml"))


GOOD = """
rank_promotion.min_years_in_rank:
  title: Years in rank
  parameters:
    years: int
  versions:
    - id: rank_promotion.min_years_in_rank/2002
      valid_from: 2002-04-17
      valid_to: open
      legal_basis: PP 99/2000 jo. PP 12/2002, art. 7
      values:
        years: 4
"""


def _load(tmp_path: Path, text: str) -> None:
    (tmp_path / "rank.yaml").write_text(textwrap.dedent(text), encoding="utf-8")
    load_rule_versions(tmp_path)


def _refused(tmp_path: Path, text: str) -> str:
    with pytest.raises(RuleDataError) as refused:
        _load(tmp_path, text)
    message = str(refused.value)
    assert message.startswith("rank.yaml, rule rank_promotion.min_years_in_rank"), message
    return message


def test_a_sound_file_loads(tmp_path: Path) -> None:
    _load(tmp_path, GOOD)


def test_an_empty_legal_basis_is_refused_naming_file_rule_and_version(tmp_path: Path) -> None:
    message = _refused(tmp_path, GOOD.replace("PP 99/2000 jo. PP 12/2002, art. 7", '" "'))
    assert "version rank_promotion.min_years_in_rank/2002: legal_basis is empty" in message


def test_a_value_of_the_wrong_type_is_refused(tmp_path: Path) -> None:
    message = _refused(tmp_path, GOOD.replace("years: 4", "years: four"))
    assert "values.years must be a whole number, got 'four'" in message


def test_a_missing_or_undeclared_value_is_refused(tmp_path: Path) -> None:
    assert "values lacks years" in _refused(tmp_path, GOOD.replace("years: 4", "yaers: 4"))


def test_a_version_without_valid_to_is_refused(tmp_path: Path) -> None:
    assert "valid_to missing" in _refused(tmp_path, GOOD.replace("      valid_to: open\n", ""))


def test_an_unknown_parameter_type_is_refused(tmp_path: Path) -> None:
    assert "'years' is not a type" in _refused(tmp_path, GOOD.replace("years: int", "years: years"))


def test_an_id_outside_its_rule_is_refused(tmp_path: Path) -> None:
    message = _refused(tmp_path, GOOD.replace("id: rank_promotion.min_years_in_rank/2002", "id: min_years/2002"))
    assert "write it as rank_promotion.min_years_in_rank/<year or label>" in message


def test_two_versions_in_force_on_one_day_are_refused(tmp_path: Path) -> None:
    later = """
    - id: rank_promotion.min_years_in_rank/2024
      valid_from: 2024-01-01
      valid_to: open
      legal_basis: BKN Regulation 4/2023
      values:
        years: 3
"""
    message = _refused(tmp_path, GOOD + textwrap.indent(textwrap.dedent(later), "    "))
    assert "rank_promotion.min_years_in_rank/2002 (2002-04-17 to open) and rank_promotion.min_years_in_rank/2024" in (
        message
    )
    assert "both in force on 2024-01-01" in message


def test_the_same_rule_in_two_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "other.yaml").write_text(textwrap.dedent(GOOD), encoding="utf-8")
    with pytest.raises(RuleDataError, match=r"also defined in other\.yaml"):
        _load(tmp_path, GOOD)
