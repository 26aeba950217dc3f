"""The year's priority areas of competency development, in SQL (issue 14 item 3).

``training.priority_areas`` (dated, in force on 31 December of the year, like the 20 JP minimum) names each
area and the required competency that marks the posts it is a priority for ("e-government for posts that
require data processing"). An employee *needs* an area when their definitive post today requires the
marking competency (by its type's requirements, its own, or its listed competencies); they have
*trained in it* when verified training in the year names the area for at least the rule's hours.

A training record's areas are a JSON list of catalogue codes; "names the area" is tested on the list's
JSON text (``"code"`` with its quotes), which reads the same on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Text, and_, cast, func, or_, select

from server.models import Assignment, CompetencyRequirement, Employee, Position, TrainingRecord
from server.registry.queries import held_on
from server.rules import RuleNotFound, rules_for

RULE = "training.priority_areas"


@dataclass(frozen=True)
class Areas:
    """The areas of a year: ``{area: marking competency}``, the hours that count as trained, the version."""

    areas: dict[str, str]
    hours: int
    version: str | None


def of_year(year: int) -> Areas:
    try:
        rule = rules_for(RULE, dt.date(year, 12, 31))
    except RuleNotFound:
        return Areas({}, 0, None)
    return Areas(dict(rule["areas"]), rule.int("hours"), rule.version_id)


def names(column: ColumnElement[object] | object, code: str) -> ColumnElement[bool]:
    """SQL: the JSON list in ``column`` holds ``code``."""
    return cast(column, Text).contains(json.dumps(code), autoescape=True)


def requires(marker: str) -> ColumnElement[bool]:
    """SQL on ``Position``: the post requires ``marker`` (its type's requirements, its own, or its list)."""
    by_type = select(CompetencyRequirement.position_type).where(
        CompetencyRequirement.competency_code == marker, CompetencyRequirement.position_type.is_not(None)
    )
    own = select(CompetencyRequirement.position_id).where(
        CompetencyRequirement.competency_code == marker, CompetencyRequirement.position_id.is_not(None)
    )
    return or_(Position.type.in_(by_type), Position.id.in_(own), names(Position.competencies, marker))


def needs(marker: str, today: dt.date) -> ColumnElement[bool]:
    """SQL on ``Employee``: their definitive post today requires ``marker``."""
    posts = (
        select(Assignment.employee_id)
        .join(Position, Position.id == Assignment.position_id)
        .where(Assignment.kind == "definitive", held_on(today), requires(marker))
    )
    return Employee.id.in_(posts)


def trained(area: str, year: int, hours: int) -> ColumnElement[bool]:
    """SQL on ``Employee``: verified training in ``year`` naming ``area`` for at least ``hours`` JP."""
    done = (
        select(TrainingRecord.employee_id)
        .where(
            TrainingRecord.verified.is_(True),
            TrainingRecord.date >= dt.date(year, 1, 1),
            TrainingRecord.date <= dt.date(year, 12, 31),
            names(TrainingRecord.competencies, area),
        )
        .group_by(TrainingRecord.employee_id)
        .having(func.sum(TrainingRecord.hours) >= hours)
    )
    return Employee.id.in_(done)


def missing(year: int, today: dt.date) -> dict[str, ColumnElement[bool]]:
    """``{area: SQL on Employee}``: needs the area in ``year`` and has not trained in it."""
    found = of_year(year)
    return {area: and_(needs(marker, today), ~trained(area, year, found.hours)) for area, marker in found.areas.items()}
