"""The statements of the personnel records (``server.registry.commands.records`` writes them): looking a record
up, and reading one back."""

from __future__ import annotations

from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from server.db import Database
from server.models import Assessment, DisciplinarySanction, EducationRecord, Employee, ServiceExamCertificate

Record = TypeVar("Record", Assessment, DisciplinarySanction, EducationRecord, ServiceExamCertificate)


async def service_exam(session: AsyncSession, employee_id: int, group: str) -> ServiceExamCertificate | None:
    query = select(ServiceExamCertificate).where(
        ServiceExamCertificate.employee_id == employee_id, ServiceExamCertificate.opens_group == group
    )
    return (await session.execute(query)).scalar_one_or_none()


async def sanction(session: AsyncSession, sanction_id: str) -> DisciplinarySanction | None:
    """The sanction with id ``sanction_id`` as a client wrote it (anything but a number is no sanction)."""
    text = sanction_id.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 18:
        return None
    return await session.get(DisciplinarySanction, int(text))


async def read_record(db: Database, kind: type[Record], record_id: int) -> tuple[Record, str] | None:
    """A record just written, with its employee's NIP, for the mutation's payload."""
    async with db.read() as session:
        row = await session.get(kind, record_id)
        if row is None:
            return None
        nip = (await session.execute(select(Employee.nip).where(Employee.id == row.employee_id))).scalar_one()
        return row, str(nip)
