"""``asnflow import``: check every row of a file, then write all of it in one audited transaction, or nothing.

The whole file is checked before anything is written, and every problem is reported (row, column,
value, sentence), not just the first. One problem and nothing is written. Otherwise the rows go in with
one ``registry.imported`` audit event for the batch, in the same transaction: the event names the kind,
the file, the counts, the SHA-256 of the file's bytes (what ties the registry to the file the agency
keeps) and of the imported records (normalised, so a CSV and an XLSX of the same records hash alike).

The checks run inside the write transaction (other writers held off), so what they read is what the
rows are written against. ``--dry-run`` runs the same checks in a read transaction and writes nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from sqlalchemy.ext.asyncio import AsyncSession

from server.audit.writer import AuditEntry, append
from server.db import Database
from server.registry.batch import Importer, lock_for_import
from server.registry.columns import CellReader, Finding, header_findings
from server.registry.formats import Sheet, read_sheet
from server.registry.import_org import PositionImporter, UnitImporter
from server.registry.import_people import AssignmentImporter, EmployeeImporter, EvaluationImporter

IMPORTERS: dict[str, type[Importer]] = {
    i.kind: i for i in (UnitImporter, PositionImporter, EmployeeImporter, AssignmentImporter, EvaluationImporter)
}
KINDS = tuple(IMPORTERS)

# stage ("check" or "write"), rows done so far in this stage, rows in the stage
Progress = Callable[[str, int, int], None]


@dataclass
class ImportReport:
    kind: str
    file: str
    rows: int
    findings: list[Finding] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    sha256: str = ""  # of the normalised records: the same for a CSV and an XLSX of the same rows
    file_sha256: str = ""  # of the file's bytes: what ``sha256sum FILE`` prints for the file the agency keeps
    written: bool = False

    @property
    def ok(self) -> bool:
        return not self.findings


class _NothingToWrite(Exception):
    """Leaves the write transaction by rollback: a problem was found, or this is a dry run."""


async def import_file(
    db: Database,
    kind: str,
    path: Path,
    *,
    today: dt.date,
    actor: str,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Check ``path`` as records of ``kind``; write them when every row is right and this is no dry run.

    Raises ``formats.FormatError`` when the file is not a readable table at all."""
    sheet, file_sha256 = await asyncio.to_thread(_read, path)
    report = ImportReport(kind, path.name, len(sheet.rows), header_findings(kind, sheet.columns))
    report.file_sha256 = file_sha256
    if report.findings:
        return report
    importer = IMPORTERS[kind](today)
    tell = progress or (lambda stage, done, total: None)

    async def check(session: AsyncSession) -> None:
        await importer.load(session)
        for i, row in enumerate(sheet.rows, 1):
            importer.check(CellReader(kind, row, report.findings))
            if i % 1_000 == 0 or i == len(sheet.rows):
                tell("check", i, len(sheet.rows))
        importer.finish(report.findings)
        report.findings.sort(key=lambda f: (f.row, f.column))
        report.sha256 = hashlib.sha256(
            orjson.dumps(importer.records, option=orjson.OPT_SORT_KEYS | orjson.OPT_PASSTHROUGH_DATACLASS, default=str)
        ).hexdigest()

    if dry_run:
        async with db.read() as session:
            await check(session)
        return report
    try:
        async with db.write() as session:
            await lock_for_import(session, importer.tables)
            await check(session)
            if report.findings:
                raise _NothingToWrite
            written = 0

            def advance(rows: int) -> None:
                nonlocal written
                written += rows
                tell("write", written, len(sheet.rows))

            report.counts = await importer.write(session, advance)
            await append(session, [_audit_entry(report, actor)])
            report.written = True
    except _NothingToWrite:
        pass
    return report


def _read(path: Path) -> tuple[Sheet, str]:
    """Off the event loop: reading a large XLSX takes seconds."""
    return read_sheet(path), hashlib.sha256(path.read_bytes()).hexdigest()


def _audit_entry(report: ImportReport, actor: str) -> AuditEntry:
    return AuditEntry(
        actor=actor,
        action="registry.imported",
        entity_type="registry",
        entity_id=report.kind,
        after={"kind": report.kind, "file": report.file, "rows": report.rows, **report.counts}
        | {"sha256": report.sha256, "fileSha256": report.file_sha256},
    )
