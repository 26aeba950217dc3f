"""Positions for every unit: a managerial head post and staff posts with quotas, holders and vacancies.

The head of a unit reports to the head of the nearest ancestor unit that has one; the root unit has
no civil-service head (the Governor is elected), so heads directly under it report to the Sekda.
Staff posts report to their own unit's head. That parent chain is the position tree from which
"direct supervisor" and "superior" are computed.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from server.domain.positions import is_managerial
from server.seed.handles import HEAD, TRANSFER_TARGET_POSITION, persona_seats
from server.seed.jobs import CATALOGUE, HEAD_JOBS, MAX_STAFF_POSITIONS, Job
from server.seed.units import SETDA_CODE, STAFF_WEIGHT, UnitSpec

HEAD_VACANCY_RATE = 0.03
_EXTRA_SEATS = ((0, 50), (1, 30), (2, 15), (3, 5))  # (vacant seats beyond the holders, weight)


@dataclass
class PositionSpec:
    id: int
    code: str
    title: str
    job: Job
    unit: UnitSpec
    parent_position_id: int | None
    quota: int
    holders: int
    persona_seat: bool  # its first holder is a demo persona: give them a clean career

    @property
    def type(self) -> str:
        return self.job.type

    @property
    def managerial(self) -> bool:
        return is_managerial(self.job.type)

    def row(self) -> dict[str, object]:
        return {
            "id": self.id,
            "code": self.code,
            "title": self.title,
            "type": self.job.type,
            "unit_id": self.unit.id,
            "parent_position_id": self.parent_position_id,
            "managerial": self.managerial,
            "quota": self.quota,
            "job_class": self.job.job_class,
            "min_education": self.job.min_education,
            "min_rank": self.job.min_rank,
            "max_rank": self.job.max_rank,
            "competencies": list(self.job.competencies),
        }


def build_positions(rng: random.Random, units: list[UnitSpec], employees: int) -> list[PositionSpec]:
    seats = persona_seats()
    protected = _protected_units(units, seats)
    heads = [u for u in units if u.head_type]
    total_weight = sum(STAFF_WEIGHT[u.kind] for u in units)
    scale = (employees - len(heads)) / total_weight
    positions: list[PositionSpec] = []
    head_of: dict[int, int] = {}
    sekda_id: int | None = None
    for unit in units:
        if unit.head_type and unit.head_title:
            vacant = unit.code not in protected and rng.random() < HEAD_VACANCY_RATE
            parent = _head_above(unit, units, head_of) or (sekda_id if unit.code != SETDA_CODE else None)
            head = PositionSpec(
                len(positions) + 1,
                f"{unit.code}-KA",
                unit.head_title,
                HEAD_JOBS[unit.head_type],
                unit,
                parent,
                1,
                0 if vacant else 1,
                HEAD in seats.get(unit.code, set()),
            )
            positions.append(head)
            head_of[unit.id] = head.id
            if unit.code == SETDA_CODE:
                sekda_id = head.id
        staff = round(STAFF_WEIGHT[unit.kind] * scale)
        if staff:
            positions.extend(_staff_positions(rng, unit, staff, head_of.get(unit.id), len(positions), seats))
    return positions


def _protected_units(units: list[UnitSpec], seats: dict[str, set[str]]) -> set[str]:
    """Persona units and their ancestors keep their head posts filled, so the persona chain is whole."""
    by_id = {u.id: u for u in units}
    protected: set[str] = set()
    for unit in units:
        if unit.code in seats:
            protected.update(by_id[int(i)].code for i in unit.path.strip("/").split("/"))
    return protected


def _head_above(unit: UnitSpec, units: list[UnitSpec], head_of: dict[int, int]) -> int | None:
    parent_id = unit.parent_id
    while parent_id is not None:
        if parent_id in head_of:
            return head_of[parent_id]
        parent_id = units[parent_id - 1].parent_id
    return None


def _staff_positions(
    rng: random.Random,
    unit: UnitSpec,
    staff: int,
    head_id: int | None,
    offset: int,
    seats: dict[str, set[str]],
) -> list[PositionSpec]:
    """Pick the unit's jobs (the family's first job always, persona types guaranteed) and share the staff out."""
    catalogue = CATALOGUE[unit.family]
    wanted = min(len(catalogue), MAX_STAFF_POSITIONS, max(2, staff // 3))
    jobs = [catalogue[0]]
    rest = catalogue[1:]
    while len(jobs) < wanted:
        pick = rng.choices(rest, weights=[j.weight for j in rest])[0]
        jobs.append(pick)
        rest = [j for j in rest if j is not pick]
    persona_types = seats.get(unit.code, set()) - {HEAD}
    for kind in sorted(persona_types - {j.type for j in jobs}):
        jobs[-1] = next(j for j in catalogue if j.type == kind)
    jobs.sort(key=lambda j: (j.type != "PELAKSANA", catalogue.index(j)))
    shares = _apportion(staff, [j.weight for j in jobs])
    result: list[PositionSpec] = []
    numbers = {"PELAKSANA": 0, "FUNGSIONAL": 0}
    for job, holders in zip(jobs, shares, strict=True):
        numbers[job.type] += 1
        code = f"{unit.code}-{'PLK' if job.type == 'PELAKSANA' else 'JF'}{numbers[job.type]}"
        extra = rng.choices([n for n, _ in _EXTRA_SEATS], weights=[w for _, w in _EXTRA_SEATS])[0]
        first_of_type = numbers[job.type] == 1
        persona = first_of_type and job.type in persona_types
        if persona:
            holders = max(holders, 1)
        if code == TRANSFER_TARGET_POSITION:
            extra = max(extra, 1)
        result.append(
            PositionSpec(
                offset + len(result) + 1,
                code,
                job.title,
                job,
                unit,
                head_id,
                max(2, holders + extra),
                holders,
                persona,
            )
        )
    return result


def _apportion(total: int, weights: list[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` (largest remainder), so the shares add up exactly."""
    whole = sum(weights)
    exact = [total * w / whole for w in weights]
    shares = [int(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (shares[i] - exact[i], i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares
