"""What a position requires and what an employee has, in competencies; and how well the one fits the other.

Requirements are stored (``CompetencyRequirement``: by position type, or for one position, which overrides
its type's level), and a position's own ``competencies`` list (its job's, or the org import's) counts at
level 2 when nothing else names the competency. What an employee *has* is derived, never stored, under
the rule ``competency.sources`` in force on the day asked:

- education: the level of education gives the competencies the rule lists for it;
- training: verified training records of the last ``training_years`` years, by the competencies they
  name (their areas), the level reached by the JP summed (``training_levels``);
- assessment: the latest competency assessment of the last ``assessment_years`` years sets every
  managerial competency to the level of its potential class.

The highest level of any source counts, and the reasons say which source gave it. Fit is the share of
the required levels met, weighted by level: sum(min(held, required)) / sum(required), 1.0 when the post
requires nothing. Everything is read for many employees at once: three statements whatever their number.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from server.models import Assessment, Competency, CompetencyRequirement, Employee, Position, TrainingRecord
from server.rules import RuleVersion, rules_for
from server.sql import one_of
from workflows import facts

SOURCES_RULE = "competency.sources"
DEFAULT_LEVEL = 2  # a competency a position lists without a level


@dataclass(frozen=True)
class Requirement:
    code: str
    name: str
    kind: str
    level: int


@dataclass(frozen=True)
class Held:
    """A competency an employee has: its level and the source that gave it, in words."""

    code: str
    level: int
    source: str


@dataclass(frozen=True)
class Fit:
    score: float
    reasons: tuple[str, ...]


@dataclass(frozen=True)
class Catalogue:
    names: dict[str, str]
    kinds: dict[str, str]

    def name(self, code: str) -> str:
        return self.names.get(code, code)


async def catalogue(session: AsyncSession) -> Catalogue:
    rows = (await session.execute(select(Competency.code, Competency.name, Competency.kind))).all()
    return Catalogue({r.code: r.name for r in rows}, {r.code: r.kind for r in rows})


async def requirements(
    session: AsyncSession, positions: Sequence[Position], known: Catalogue
) -> dict[int, list[Requirement]]:
    """``position id -> requirements``, highest level first then by name: one statement for all positions."""
    types = {p.type for p in positions}
    rows = (
        await session.execute(
            select(CompetencyRequirement).where(
                or_(
                    one_of(session, CompetencyRequirement.position_type, types),
                    one_of(session, CompetencyRequirement.position_id, [p.id for p in positions]),
                )
            )
        )
    ).scalars()
    by_type: dict[str, dict[str, int]] = defaultdict(dict)
    own: dict[int, dict[str, int]] = defaultdict(dict)
    for r in rows:
        if r.position_id is not None:
            own[r.position_id][r.competency_code] = r.level
        elif r.position_type is not None:
            by_type[r.position_type][r.competency_code] = r.level
    out = {}
    for p in positions:
        levels = {code: DEFAULT_LEVEL for code in p.competencies or ()}
        levels.update(by_type.get(p.type, {}))
        levels.update(own.get(p.id, {}))
        needs = [Requirement(c, known.name(c), known.kinds.get(c, "technical"), lv) for c, lv in levels.items()]
        out[p.id] = sorted(needs, key=lambda n: (-n.level, n.name))
    return out


def _training_level(rule: RuleVersion, hours: int) -> int:
    steps = sorted((int(k), int(v)) for k, v in rule["training_levels"].items())
    return max((level for floor, level in steps if hours >= floor), default=0)


def _better(found: dict[str, Held], held: Held) -> None:
    if held.level > 0 and (held.code not in found or held.level > found[held.code].level):
        found[held.code] = held


async def held(
    session: AsyncSession, employees: Sequence[Employee], on: dt.date, known: Catalogue
) -> dict[int, dict[str, Held]]:
    """``employee id -> competency code -> Held`` on ``on``: two statements (training, assessments)."""
    rule = rules_for(SOURCES_RULE, on)
    ids = [e.id for e in employees]
    out: dict[int, dict[str, Held]] = {e.id: {} for e in employees}
    for e in employees:
        for code, level in (rule["education"].get(e.education) or {}).items():
            _better(out[e.id], Held(code, int(level), f"education {e.education}"))
    since = facts.add_years(on, -rule.int("training_years"))
    trainings = await session.execute(
        select(
            TrainingRecord.employee_id, TrainingRecord.competencies, TrainingRecord.hours, TrainingRecord.date
        ).where(
            one_of(session, TrainingRecord.employee_id, ids),
            TrainingRecord.verified.is_(True),
            TrainingRecord.date > since,
            TrainingRecord.date <= on,
        )
    )
    hours: dict[tuple[int, str], int] = defaultdict(int)
    latest: dict[tuple[int, str], int] = {}
    for who, areas, jp, day in trainings:
        for code in areas or ():
            hours[(who, code)] += jp
            latest[(who, code)] = max(latest.get((who, code), 0), day.year)
    for (who, code), jp in hours.items():
        _better(out[who], Held(code, _training_level(rule, jp), f"training {latest[(who, code)]}, {jp} JP"))
    assessed = await session.execute(
        select(Assessment.employee_id, Assessment.assessed_on, Assessment.potential_class)
        .where(
            one_of(session, Assessment.employee_id, ids),
            Assessment.assessed_on > facts.add_years(on, -rule.int("assessment_years")),
            Assessment.assessed_on <= on,
        )
        .order_by(Assessment.employee_id, Assessment.assessed_on)
    )
    last = {who: (day, potential) for who, day, potential in assessed}  # ordered: the latest wins
    managerial = [code for code, kind in known.kinds.items() if kind == "managerial"]
    for who, (day, potential) in last.items():
        level = int(rule["assessment_levels"].get(potential, 0))
        for code in managerial:
            _better(out[who], Held(code, level, f"assessment {day.isoformat()}, potential {potential}"))
    return out


def fit(needs: Sequence[Requirement], has: dict[str, Held]) -> Fit:
    """The share of required levels met (weighted by level) and a sentence per requirement."""
    if not needs:
        return Fit(1.0, ("the position requires no competency",))
    reasons = []
    met = 0
    for need in needs:
        found = has.get(need.code)
        level = min(found.level, need.level) if found else 0
        met += level
        if found is None:
            reasons.append(f"lacks {need.name}")
        elif found.level >= need.level:
            reasons.append(f"has {need.name} ({found.source})")
        else:
            reasons.append(f"has {need.name} at level {found.level} of {need.level} ({found.source})")
    return Fit(round(met / sum(n.level for n in needs), 4), tuple(reasons))
