"""Set-ups for competency fit and training needs: a vacancy with requirements, training records."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import delete, select

from server.models import Assignment, CompetencyRequirement, Position, TrainingRecord
from tests.api.helpers import DemoApi, add_position, employee_id

VACANCY = "KEL-GAMBIR-01-EGOV"
CANDIDATES = """query($code: String!, $first: Int, $after: String) {
  vacancyCandidates(positionCode: $code, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { employee { nip access } fit reasons } }
  }
}"""


async def vacancy(api: DemoApi, needs: dict[str, int], code: str = VACANCY) -> str:
    """A vacant PELAKSANA post in KEL-GAMBIR-01 requiring ``needs`` (code -> level) besides its type's."""
    await add_position(api.db, code, unit_code="KEL-GAMBIR-01", type="PELAKSANA", job_class=6)
    async with api.db.write() as s:
        position_id = (await s.execute(select(Position.id).where(Position.code == code))).scalar_one()
        for competency, level in needs.items():
            s.add(CompetencyRequirement(position_id=position_id, competency_code=competency, level=level))
    return code


async def trained(api: DemoApi, persona: str, area: str, hours: int, day: dt.date, *, verified: bool = True) -> None:
    who = await employee_id(api.db, api.uid(persona))
    async with api.db.write() as s:
        s.add(
            TrainingRecord(
                employee_id=who,
                title=f"Pelatihan {area}",
                hours=hours,
                date=day,
                competencies=[area],
                verified=verified,
            )
        )


async def untrained(api: DemoApi, persona: str) -> None:
    who = await employee_id(api.db, api.uid(persona))
    async with api.db.write() as s:
        await s.execute(delete(TrainingRecord).where(TrainingRecord.employee_id == who))


async def require_of_own_post(api: DemoApi, persona: str, competency: str, level: int = 1) -> str:
    """The persona's current post requires ``competency`` too; returns the post's code."""
    who = await employee_id(api.db, api.uid(persona))
    async with api.db.write() as s:
        post = (
            await s.execute(
                select(Position)
                .join(Assignment, Assignment.position_id == Position.id)
                .where(Assignment.employee_id == who, Assignment.end_date.is_(None), Assignment.kind == "definitive")
            )
        ).scalar_one()
        s.add(CompetencyRequirement(position_id=post.id, competency_code=competency, level=level))
        return post.code


async def candidates(api: DemoApi, persona: str | None, code: str = VACANCY, **kw: Any) -> dict[str, Any]:
    variables = {"code": code, **kw}
    if persona is None:
        return (await api.query(CANDIDATES, variables))["vacancyCandidates"]  # type: ignore[no-any-return]
    return (await api.ask(persona, CANDIDATES, **variables))["vacancyCandidates"]  # type: ignore[no-any-return]


def by_nip(page: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["node"]["employee"]["nip"]: e["node"] for e in page["edges"]}
