"""The service-exam rule (``rank_promotion.service_exam``): which certificate a crossing of groups needs.

Crossing from group II to III needs a certificate that opens group III, from III to IV one that opens
group IV (PP 99/2000 jo. PP 12/2002, art. 18); a certificate opens only its own group. The certificates
are the ``service_exam_certificates`` rows entered with ``recordServiceExam``. The legacy flag
``employees.has_service_exam`` (seed and import) counts as the certificate for the group the
employee's current rank leads into, and for nothing else (docs/decisions.md, "certgroup").

One fact (``ServiceExamsOf``) and one verdict (``verdict``) serve the guard and the eligibility list,
which asks the fact of a whole chunk at once (``facts_many``); ``clause`` is the list's SQL pre-filter
saying the same thing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Integer, Row, Select, and_, bindparam, exists, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from server.domain.ranks import RANK_CODES, group, next_rank
from server.models import Employee, ServiceExamCertificate
from server.rules import RuleVersion
from server.sql import one_of
from workflows import facts, facts_many


def group_entered(rank: str | None, rule: RuleVersion) -> str | None:
    """The group a promotion from ``rank`` enters that needs a certificate under ``rule`` (None: none needed)."""
    target = next_rank(rank) if rank else None
    if rank is None or target is None or group(target) == group(rank) or group(target) not in rule["groups"]:
        return None
    return group(target)


@dataclass(frozen=True)
class ServiceExamsOf(facts.Question[frozenset[str]]):
    """The groups the employee's recorded service-exam certificates open."""

    employee_id: int

    @classmethod
    def branches(cls, tag: int) -> list[Select[Any]]:
        employee = bindparam(f"employee_{tag}", type_=Integer)
        return [
            select(*facts._row(tag, s1=ServiceExamCertificate.opens_group)).where(
                ServiceExamCertificate.employee_id == employee
            )
        ]

    def params(self, tag: int) -> dict[str, Any]:
        return {f"employee_{tag}": self.employee_id}

    def answer(self, rows: Sequence[Row[Any]]) -> frozenset[str]:
        return frozenset(r.s1 for r in rows)


@facts_many.batch(ServiceExamsOf)
async def _many(session: AsyncSession, questions: Sequence[ServiceExamsOf]) -> dict[Any, Any]:
    rows = await session.execute(
        select(ServiceExamCertificate.employee_id, ServiceExamCertificate.opens_group).where(
            one_of(session, ServiceExamCertificate.employee_id, [q.employee_id for q in questions])
        )
    )
    held: dict[int, set[str]] = defaultdict(set)
    for employee_id, opens in rows:
        held[employee_id].add(opens)
    return {q: frozenset(held.get(q.employee_id, ())) for q in questions}


def verdict(subject: Employee, held: frozenset[str], rule: RuleVersion) -> tuple[bool, str]:
    """Whether ``subject`` may take the next rank as far as the service exam goes, and the sentence saying why."""
    rank = subject.rank_code
    entered = group_entered(rank, rule)
    if entered is None:
        return True, "the promotion stays within its group"
    target = f"{rank} to {next_rank(rank or '')}"
    if entered in held:
        return True, f"{target} enters group {entered}; the group {entered} service exam certificate is on file"
    if subject.has_service_exam:
        return True, f"{target} enters group {entered}; the legacy registry records its service exam"
    opened = ", ".join(sorted(held))
    other = f" (the certificate on file opens group {opened} only)" if opened else ""
    return False, f"{target} enters group {entered}, which needs the group {entered} service exam certificate{other}"


def clause(rule: RuleVersion) -> ColumnElement[bool]:
    """SQL on ``Employee``: ``verdict`` would pass (the eligibility list's pre-filter)."""
    crossing: dict[str, list[str]] = defaultdict(list)
    for rank in RANK_CODES:
        entered = group_entered(rank, rule)
        if entered is not None:
            crossing[entered].append(rank)
    if not crossing:
        return true()
    every = [rank for ranks in crossing.values() for rank in ranks]
    held = [
        and_(
            Employee.rank_code.in_(ranks),
            or_(
                Employee.has_service_exam.is_(True),
                exists().where(
                    ServiceExamCertificate.employee_id == Employee.id, ServiceExamCertificate.opens_group == entered
                ),
            ),
        )
        for entered, ranks in crossing.items()
    ]
    return or_(Employee.rank_code.not_in(every), *held)
