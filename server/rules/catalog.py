"""Every rule version asnflow knows, oldest first per rule.

Values marked *(configurable)* in DOMAIN.md were not confirmed from a primary legal text; their
``legal_basis`` says so. A regulation change is a new version with a new ``valid_from`` (and the old
one closed with ``valid_to``), never an edit of a version requests have already recorded.
"""

from __future__ import annotations

import datetime as dt

from server.domain.education import EDUCATION_RANK_RANGE
from server.rules.model import RuleVersion

D = dt.date

RULE_VERSIONS: tuple[RuleVersion, ...] = (
    RuleVersion(
        name="rank_promotion.min_years_in_rank",
        version_id="rank_promotion.min_years_in_rank/2002",
        valid_from=D(2002, 4, 17),
        valid_to=None,
        legal_basis="PP 99/2000 jo. PP 12/2002, art. 7: regular promotion after at least 4 years in rank",
        values={"years": 4},
    ),
    RuleVersion(
        name="rank_promotion.periods",
        version_id="rank_promotion.periods/2002",
        valid_from=D(2002, 4, 17),
        valid_to=D(2023, 12, 31),
        legal_basis="PP 99/2000 jo. PP 12/2002, art. 18: promotions take effect on 1 April and 1 October",
        values={"months": [4, 10]},
    ),
    RuleVersion(
        name="rank_promotion.periods",
        version_id="rank_promotion.periods/2024",
        valid_from=D(2024, 1, 1),
        valid_to=D(2025, 9, 30),
        legal_basis="BKN Regulation 4/2023: six periods a year, the 1st of Feb, Apr, Jun, Aug, Oct and Dec",
        values={"months": [2, 4, 6, 8, 10, 12]},
    ),
    RuleVersion(
        name="rank_promotion.periods",
        version_id="rank_promotion.periods/2025-10",
        valid_from=D(2025, 10, 1),
        valid_to=None,
        legal_basis="BKN Regulation 2/2025 as amended by 4/2025: a period on the 1st of every month (configurable)",
        values={"months": list(range(1, 13))},
    ),
    RuleVersion(
        name="rank_promotion.education_cap",
        version_id="rank_promotion.education_cap/2002",
        valid_from=D(2002, 4, 17),
        valid_to=None,
        legal_basis="PP 99/2000 jo. PP 12/2002, art. 7-8: highest rank of regular promotion by education",
        values={"caps": {level: cap for level, (_start, cap) in EDUCATION_RANK_RANGE.items()}},
    ),
    RuleVersion(
        name="rank_promotion.service_exam",
        version_id="rank_promotion.service_exam/2002",
        valid_from=D(2002, 4, 17),
        valid_to=None,
        legal_basis="PP 99/2000 jo. PP 12/2002, art. 18: the service exam (ujian dinas) to enter group III or IV",
        values={"groups": ["III", "IV"]},
    ),
    RuleVersion(
        name="performance.min_predicate",
        version_id="performance.min_predicate/2019",
        valid_from=D(2019, 4, 29),
        valid_to=None,
        legal_basis="PP 30/2019 on civil-servant performance: predicate at least Baik in each of the last 2 years",
        values={"years": 2, "accepted": ["Sangat Baik", "Baik"]},
    ),
    RuleVersion(
        name="performance.evaluation_deadline",
        version_id="performance.evaluation_deadline/2019",
        valid_from=D(2019, 4, 29),
        valid_to=None,
        legal_basis="PP 30/2019 (from 2022 with PermenPANRB 6/2022: annual SKP rated after the year ends, delivered, "
        "objection within 14 days, the superior's decision final): a year's evaluations may be completed until "
        "the end of February of the following year; until then that year neither counts nor blocks "
        "(configurable: no primary text fixes the date; BKN's e-Kinerja schedule is set yearly)",
        values={"months_after_year_end": 2},
    ),
    RuleVersion(
        name="transfer.years_in_post",
        version_id="transfer.years_in_post/2020",
        valid_from=D(2020, 2, 28),
        valid_to=None,
        legal_basis="PP 11/2017 jo. PP 17/2020 on civil-servant management: at least 2 years in post before a "
        "transfer, rotation due at 5 (configurable)",
        values={"min_years": 2, "rotation_due_years": 5},
    ),
    RuleVersion(
        name="transfer.conflict_of_interest",
        version_id="transfer.conflict_of_interest/2017",
        valid_from=D(2017, 3, 30),
        valid_to=None,
        legal_basis="PP 11/2017 as amended by PP 17/2020, on transfers: made with regard to the prohibition of "
        "conflicts of interest. Read here as: no declared relative becomes the employee's direct superior or "
        "direct subordinate through the transfer (which ties count is configurable)",
        values={"kinds": ["spouse", "parent", "child", "sibling", "in_law"]},
    ),
    RuleVersion(
        name="evaluation.objection_window",
        version_id="evaluation.objection_window/2022",
        valid_from=D(2022, 1, 1),
        valid_to=None,
        legal_basis="PermenPANRB 6/2022: an objection to the appraisal within 14 days of delivery (configurable)",
        values={"days": 14},
    ),
    RuleVersion(
        name="evaluation.predicate_distribution",
        version_id="evaluation.predicate_distribution/none",
        valid_from=D(2000, 1, 1),
        valid_to=D(2021, 12, 31),
        legal_basis="before PermenPANRB 6/2022 no distribution of predicates followed the unit's own predicate",
        values={"max_share": {}},
    ),
    RuleVersion(
        name="evaluation.predicate_distribution",
        version_id="evaluation.predicate_distribution/2022",
        valid_from=D(2022, 1, 1),
        valid_to=None,
        legal_basis="PermenPANRB 6/2022, annex: the unit's own predicate sets the distribution of its staff's "
        "predicates (Istimewa: at most 70 % Sangat Baik; Baik: at most 70 % Baik; Butuh Perbaikan and Kurang: "
        "at most 10 % Sangat Baik; Sangat Kurang: no Sangat Baik). Only these caps can be checked as ratings "
        "come in; the annex's minimums (e.g. at least 60 % Butuh Perbaikan) hold for a completed year",
        values={
            "max_share": {
                "Istimewa": {"Sangat Baik": 0.7},
                "Baik": {"Baik": 0.7},
                "Butuh Perbaikan": {"Sangat Baik": 0.1},
                "Kurang": {"Sangat Baik": 0.1},
                "Sangat Kurang": {"Sangat Baik": 0.0},
            }
        },
    ),
    RuleVersion(
        name="evaluation.predicate_matrix",
        version_id="evaluation.predicate_matrix/2022",
        valid_from=D(2022, 1, 1),
        valid_to=None,
        legal_basis="PermenPANRB 6/2022, annex: predicate from the result and behaviour ratings (configurable)",
        values={
            "matrix": {
                "above|above": "Sangat Baik",
                "above|as": "Baik",
                "as|above": "Baik",
                "as|as": "Baik",
                "above|below": "Kurang",
                "as|below": "Kurang",
                "below|above": "Butuh Perbaikan",
                "below|as": "Butuh Perbaikan",
                "below|below": "Sangat Kurang",
            }
        },
    ),
    RuleVersion(
        name="retirement",
        version_id="retirement/2023",
        valid_from=D(2023, 10, 31),
        valid_to=None,
        legal_basis="UU 20/2023 art. 55 jo. PP 11/2017 art. 239: retirement at 58 (administrative, junior "
        "functional), 60 (senior executive, ahli madya), 65 (ahli utama); no placement within 12 months "
        "of retirement (configurable)",
        values={
            "ages": {"default": 58, "JPT_UTAMA": 60, "JPT_MADYA": 60, "JPT_PRATAMA": 60},
            "functional_ages": {"IV/a": 60, "IV/b": 60, "IV/c": 60, "IV/d": 65, "IV/e": 65},
            "months_before": 12,
        },
    ),
    RuleVersion(
        name="placement.managerial_requirements",
        version_id="placement.managerial_requirements/2020",
        valid_from=D(2020, 2, 28),
        valid_to=None,
        legal_basis="PP 11/2017 jo. PP 17/2020, art. 54-55: administrator S1/D-IV and 3 years as pengawas "
        "(or equivalent functional); pengawas D-III and 4 years as pelaksana",
        values={
            "ADMINISTRATOR": {"min_education": "D-IV", "years": 3, "experience_in": ["PENGAWAS", "FUNGSIONAL"]},
            "PENGAWAS": {"min_education": "D-III", "years": 4, "experience_in": ["PELAKSANA", "FUNGSIONAL"]},
        },
    ),
    RuleVersion(
        name="placement.vacancy",
        version_id="placement.vacancy/2014",
        valid_from=D(2014, 1, 15),
        valid_to=None,
        legal_basis="UU 5/2014 (now UU 20/2023) jo. PP 11/2017 as amended by PP 17/2020: a post is filled within "
        "its approved headcount (formasi/kebutuhan); a managerial post (JPT, administrator, pengawas) has one "
        "definitive holder. A decided appointment holds its vacancy until it takes effect (asnflow's reading, "
        "so that a decision can always be carried out)",
        values={"managerial_holders": 1},
    ),
    RuleVersion(
        name="placement.within_unit",
        version_id="placement.within_unit/2020",
        valid_from=D(2020, 2, 28),
        valid_to=None,
        legal_basis="PP 11/2017 jo. PP 17/2020, art. 190-192: moving a civil servant to another unit is a transfer "
        "(mutasi), made with the origin unit's release, after 2 years in post and without a conflict of interest; "
        "a placement fills a post within the employee's own unit (asnflow refuses a placement across units and "
        "points to a transfer)",
        values={},
    ),
    RuleVersion(
        name="placement.rank_range",
        version_id="placement.rank_range/2020",
        valid_from=D(2020, 2, 28),
        valid_to=None,
        legal_basis="PP 11/2017 jo. PP 17/2020: rank within the position's range; a warning unless configured "
        "as blocking (configurable)",
        values={"blocking": False},
    ),
    RuleVersion(
        name="discipline.active_sanction",
        version_id="discipline.active_sanction/2021",
        valid_from=D(2021, 8, 31),
        valid_to=None,
        legal_basis="PP 94/2021 on civil-servant discipline: no placement or promotion while a moderate or "
        "heavy sanction runs",
        values={"blocking_severities": ["moderate", "heavy"]},
    ),
    RuleVersion(
        name="position_promotion.senior_executive",
        version_id="position_promotion.senior_executive/2023",
        valid_from=D(2023, 10, 31),
        valid_to=None,
        legal_basis="UU 20/2023 jo. PP 11/2017 art. 107: JPT needs S1, 5 years' relevant experience, 2 years "
        "as administrator or ahli madya, age at most 56 (configurable)",
        values={
            "types": ["JPT_UTAMA", "JPT_MADYA", "JPT_PRATAMA"],
            "min_education": "S1",
            "min_years_experience": 5,
            "min_years_administrator": 2,
            # ahli madya: a functional post whose rank range starts in IV/a..IV/c (DOMAIN.md)
            "ahli_madya_ranks": ["IV/a", "IV/b", "IV/c"],
            "max_age": 56,
        },
    ),
    RuleVersion(
        name="position_promotion.talent_pool",
        version_id="position_promotion.talent_pool/2020",
        valid_from=D(2020, 1, 1),
        valid_to=None,
        legal_basis="PermenPANRB 3/2020 on talent management: promotion from boxes 7-9 of the nine-box grid, "
        "or a passed competency assessment",
        values={"boxes": [7, 8, 9]},
    ),
    RuleVersion(
        name="training.annual_hours",
        version_id="training.annual_hours/2017",
        valid_from=D(2017, 4, 7),
        valid_to=D(2020, 2, 27),
        legal_basis="PP 11/2017 art. 203: at least 20 hours (JP) of competency development a year",
        values={"hours": 20},
    ),
    RuleVersion(
        name="training.annual_hours",
        version_id="training.annual_hours/2020",
        valid_from=D(2020, 2, 28),
        valid_to=None,
        legal_basis="PP 11/2017 as amended by PP 17/2020, art. 203: every civil servant at least 20 hours (JP) of "
        "competency development a year, counted from verified certificates (LAN Regulation 10/2018; "
        "PermenPANRB 38/2017 on ASN competency standards)",
        values={"hours": 20},
    ),
)
