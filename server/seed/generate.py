"""The whole synthetic registry as rows, computed in memory before anything touches the database.

Pure and deterministic: each phase draws from its own ``random.Random`` seeded with ``"<seed>:<phase>"``
(string seeds are hashed with SHA-512, not ``hash()``), rows are produced in primary-key order, and no
clock, set order or environment is consulted. Same size and seed, same rows.
"""

from __future__ import annotations

import random

from server.seed.access import access_rows
from server.seed.assessments import assessment_rows
from server.seed.careers import DecreeNumbers, SeatBook, rank_history
from server.seed.competencies import competency_rows
from server.seed.people import NipSequences, Person, make_person
from server.seed.positions import build_positions
from server.seed.records import evaluations, sanction, sanctioned, trainings
from server.seed.sizes import SizeProfile
from server.seed.units import build_units
from server.seed.workloads import quota_rows, workload_rows

Row = dict[str, object]

# Insert order: parents before children.
TABLES: tuple[str, ...] = (
    "units",
    "positions",
    "competencies",
    "competency_requirements",
    "employees",
    "rank_history",
    "assignments",
    "evaluation_results",
    "training_records",
    "disciplinary_sanctions",
    "assessments",
    "position_workloads",
    "position_quotas",
    "users",
    "role_grants",
)


def _rng(seed: int, phase: str) -> random.Random:
    return random.Random(f"{seed}:{phase}")


def _add(rows: list[Row], person: Person, **values: object) -> None:
    """One of a person's record rows, numbered on from the table's last."""
    rows.append({"id": len(rows) + 1, "employee_id": person.id, **values})


def generate(size: SizeProfile, seed: int) -> dict[str, list[Row]]:
    units = build_units(size)
    positions = build_positions(_rng(seed, "positions"), units, size.employees)
    position_by_id = {p.id: p for p in positions}

    people_rng, nips = _rng(seed, "people"), NipSequences()
    people: list[Person] = []
    for position in positions:
        for seat in range(position.holders):
            clean = position.persona_seat and seat == 0
            people.append(make_person(people_rng, len(people) + 1, position.job, position.id, nips, clean=clean))

    tables: dict[str, list[Row]] = {name: [] for name in TABLES}
    tables["units"] = [
        {
            "id": u.id,
            "code": u.code,
            "name": u.name,
            "kind": u.kind,
            "parent_id": u.parent_id,
            "path": u.path,
            "depth": u.depth,
        }
        for u in units
    ]
    tables["positions"] = [p.row() for p in positions]
    tables.update(competency_rows())

    career_rng, decrees, book = _rng(seed, "careers"), DecreeNumbers(), SeatBook(positions)
    for person in people:
        book.occupy(person.position_id, person.post_start)
    for person in people:
        history = rank_history(career_rng, person)
        person.rank_since = history[-1][1] if history else None
        for i, (rank, tmt) in enumerate(history):
            code = "813" if i == 0 else "823"
            _add(tables["rank_history"], person, rank_code=rank, tmt=tmt, decree_no=decrees.next(code, tmt))
        position = position_by_id[person.position_id]
        posts = [*book.earlier_posts(career_rng, person, position), (position.id, person.post_start, None)]
        for position_id, start, end in posts:
            post = {"position_id": position_id, "start_date": start, "end_date": end, "kind": "definitive"}
            managerial = position_by_id[position_id].managerial
            _add(tables["assignments"], person, **post, managerial=managerial, decree_no=decrees.next("821.2", start))
        tables["employees"].append(person.row())

    record_rng = _rng(seed, "records")
    sanctions = sanctioned(record_rng, people)
    for person in people:
        for year, predicate in evaluations(record_rng, person):
            _add(tables["evaluation_results"], person, year=year, predicate=predicate)
        for title, competency, hours, day, verified in trainings(record_rng, person):
            training = {"title": title, "hours": hours, "date": day, "competencies": [competency]}
            _add(tables["training_records"], person, **training, verified=verified)
        if person.id in sanctions:
            severity, start, end, decree = sanction(record_rng, person, decrees, active=sanctions[person.id])
            dates = {"start_date": start, "end_date": end}
            _add(tables["disciplinary_sanctions"], person, severity=severity, **dates, decree_no=decree)

    tables["assessments"] = assessment_rows(_rng(seed, "assessments"), people, position_by_id)
    planning_rng = _rng(seed, "workloads")
    tables["position_workloads"] = workload_rows(planning_rng, positions)
    tables["position_quotas"] = quota_rows(planning_rng, positions)
    tables["users"], tables["role_grants"] = access_rows(positions, people)
    return tables
