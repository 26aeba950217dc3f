"""What makes an employee or a position record acceptable, checked the same way wherever one comes in.

``registerEmployee`` and ``upsertPosition`` (server.registry.commands) and ``asnflow import`` (server.registry
.importing) all ask these functions, so a rule changes in one place. Each answers a list of
``Problem`` (the field in the API's words and a sentence naming the value); the caller decides how to
show them (``UserError`` for the API, a report line for an import). Checks that need the database
(a unit that exists, a NIP already taken) stay with the callers, which read in their own ways.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from server.domain import nip as nips
from server.domain.education import EDUCATION_LEVELS, EDUCATION_RANK_RANGE, is_education
from server.domain.positions import POSITION_TYPES, is_managerial
from server.domain.ranks import is_rank, rank_index
from server.rules import rules_for

VACANCY_RULE = "placement.vacancy"  # the seats of a position; a managerial one seats one holder

FIRST_APPOINTMENT_RULE = "identity.first_appointment"
MAX_NAME = 200  # employees.name, positions.title: the column's length
MAX_CODE = 40  # positions.code, units.code


@dataclass(frozen=True)
class EmployeeInput:
    nip: str
    name: str
    birth_date: dt.date
    gender: str
    employment_type: str
    education: str
    rank_code: str | None = None
    rank_since: dt.date | None = None
    position_code: str | None = None
    position_since: dt.date | None = None


@dataclass(frozen=True)
class PositionInput:
    code: str
    title: str
    type: str
    unit_code: str
    quota: int
    job_class: int | None = None
    min_education: str | None = None
    min_rank: str | None = None
    max_rank: str | None = None


@dataclass(frozen=True)
class Problem:
    field: str
    message: str
    rule: str | None = None  # the dated rule that refused it, when one did (the API cites its version and basis)


def text_problem(field: str, value: str, *, max_length: int) -> Problem | None:
    """Empty, too long or carrying control characters (a NUL breaks PostgreSQL text and hides content)."""
    if not value.strip():
        return Problem(field, f"{field} must not be empty")
    if len(value) > max_length:
        return Problem(field, f"{field} is {len(value)} characters long; at most {max_length} fit")
    bad = next((ch for ch in value if ord(ch) < 32 or ord(ch) == 127), None)
    if bad is not None:
        return Problem(field, f"{field} {value[:40]!r} contains the control character U+{ord(bad):04X}; remove it")
    return None


def employee_problems(data: EmployeeInput, today: dt.date) -> list[Problem]:
    """Every problem with an employee record on its own (not whether the NIP is taken)."""
    problems: list[Problem] = []
    if (name := text_problem("name", data.name, max_length=MAX_NAME)) is not None:
        problems.append(name)
    if data.gender not in ("M", "F"):
        problems.append(Problem("gender", f"gender {data.gender!r} must be M or F"))
    if data.employment_type not in ("PNS", "PPPK"):
        problems.append(Problem("employmentType", f"employmentType {data.employment_type!r} must be PNS or PPPK"))
    if not is_education(data.education):
        problems.append(
            Problem("education", f"education {data.education!r} is not one of {', '.join(EDUCATION_LEVELS)}")
        )
    if data.birth_date > today:
        problems.append(Problem("birthDate", f"birthDate {data.birth_date.isoformat()} is in the future"))
    parsed: nips.Nip | None = None
    try:
        parsed = nips.parse(data.nip)
        nips.check_plausible(parsed, today=today, min_age=rules_for(FIRST_APPOINTMENT_RULE, today).int("min_age"))
        if data.gender in ("M", "F"):
            nips.check_against(parsed, birth_date=data.birth_date, gender=data.gender)
    except nips.NipError as exc:
        problems.append(Problem("nip", str(exc)))
    problems += _rank_problems(data, today, parsed)
    return problems


def _rank_problems(data: EmployeeInput, today: dt.date, parsed: nips.Nip | None) -> list[Problem]:
    if data.rank_code is None:
        if data.employment_type == "PNS":
            return [Problem("rankCode", "rankCode is required for a PNS (I/a .. IV/e)")]
        return []
    if data.employment_type == "PPPK":
        return [Problem("rankCode", f"rankCode {data.rank_code!r} given, but PPPK staff have no rank")]
    if not is_rank(data.rank_code):
        return [Problem("rankCode", f"rankCode {data.rank_code!r} is not a rank; use I/a .. IV/e")]
    problems: list[Problem] = []
    if data.rank_since is None:
        problems.append(Problem("rankSince", "rankSince (the TMT of the current rank) is required with rankCode"))
    elif data.rank_since > today or data.rank_since < data.birth_date:
        problems.append(Problem("rankSince", f"rankSince {data.rank_since.isoformat()} is not a plausible TMT"))
    elif parsed is not None and data.rank_since < parsed.first_appointment:
        problems.append(
            Problem(
                "rankSince",
                f"rankSince {data.rank_since.isoformat()} is before the first appointment "
                f"{parsed.first_appointment:%Y-%m} that NIP {parsed.display()} gives; a rank starts at the "
                f"appointment or later ({FIRST_APPOINTMENT_RULE})",
            )
        )
    if is_education(data.education):
        low, high = EDUCATION_RANK_RANGE[data.education]
        if not rank_index(low) <= rank_index(data.rank_code) <= rank_index(high):
            problems.append(
                Problem(
                    "rankCode",
                    f"rankCode {data.rank_code} is outside {low} .. {high}, the range for education {data.education}",
                )
            )
    return problems


def position_problems(data: PositionInput, today: dt.date) -> list[Problem]:
    """Every problem with a position record on its own (not whether its unit exists or its holders fit),
    judged by the rules in force on ``today``."""
    problems: list[Problem] = []
    managerial_quota = rules_for(VACANCY_RULE, today).int("managerial_holders")
    if (code := text_problem("code", data.code, max_length=MAX_CODE)) is not None:
        problems.append(code)
    if (title := text_problem("title", data.title, max_length=MAX_NAME)) is not None:
        problems.append(title)
    if data.type not in POSITION_TYPES:
        problems.append(Problem("type", f"type {data.type!r} is not one of {', '.join(POSITION_TYPES)}"))
    if data.quota < 0:
        problems.append(Problem("quota", f"quota {data.quota} must not be negative"))
    elif is_managerial(data.type) and data.quota != managerial_quota:
        problems.append(
            Problem(
                "quota",
                f"quota {data.quota} for a {data.type} position: a managerial position has one definitive holder; "
                f"use quota {managerial_quota}",
                VACANCY_RULE,
            )
        )
    if data.job_class is not None and not 1 <= data.job_class <= 17:
        problems.append(Problem("jobClass", f"jobClass {data.job_class} must be between 1 and 17"))
    if data.min_education is not None and not is_education(data.min_education):
        problems.append(
            Problem("minEducation", f"minEducation {data.min_education!r} is not one of {', '.join(EDUCATION_LEVELS)}")
        )
    for name, value in (("minRank", data.min_rank), ("maxRank", data.max_rank)):
        if value is not None and not is_rank(value):
            problems.append(Problem(name, f"{name} {value!r} is not a rank; use I/a .. IV/e"))
    if (
        data.min_rank
        and data.max_rank
        and is_rank(data.min_rank)
        and is_rank(data.max_rank)
        and rank_index(data.min_rank) > rank_index(data.max_rank)
    ):
        problems.append(Problem("maxRank", f"maxRank {data.max_rank} is below minRank {data.min_rank}"))
    return problems
