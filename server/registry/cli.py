"""``asnflow import KIND FILE [--dry-run]`` and ``asnflow export KIND FILE``.

The import prints its report as a table on standard output (row, column, value, sentence) and exits 1
when any row has a problem (nothing written), 0 otherwise. Progress bars go to standard error.
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table
from rich.text import Text

from server.clock import service_today
from server.db import Database
from server.registry.exporting import EXPORT_KINDS, export_file
from server.registry.formats import FormatError
from server.registry.importing import KINDS, ImportReport, import_file
from server.registry.importing import Progress as Tell
from server.settings import get_settings

REPORT_LIMIT = 200  # rows of findings printed; the count says how many more there are


@contextmanager
def _bar(console: Console, enabled: bool) -> Iterator[Tell]:
    if not enabled:
        yield lambda stage, done, total: None
        return
    columns = (TextColumn("{task.description:<8}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn())
    with Progress(*columns, console=console, transient=True) as bar:
        tasks: dict[str, Any] = {}

        def tell(stage: str, done: int, total: int) -> None:
            if stage not in tasks:
                tasks[stage] = bar.add_task(stage, total=total)
            bar.update(tasks[stage], completed=done)

        yield tell


def print_report(console: Console, report: ImportReport, *, dry_run: bool) -> None:
    if report.findings:
        table = Table(title=f"{report.file}: {len(report.findings)} problem(s) in {report.rows} row(s)")
        for name in ("row", "column", "value", "problem"):
            table.add_column(name, overflow="fold")
        for f in report.findings[:REPORT_LIMIT]:
            table.add_row(str(f.row), f.column, Text(repr(f.value) if f.value is not None else "(empty)"), f.message)
        console.print(table)
        if len(report.findings) > REPORT_LIMIT:
            console.print(f"... and {len(report.findings) - REPORT_LIMIT} more")
        console.print("nothing was written: correct the rows above and import the whole file again")
        return
    counts = ", ".join(f"{n} {what}" for what, n in report.counts.items())
    if dry_run:
        done = f"{report.rows} {report.kind} row(s) are ready to import (dry run: nothing written)"
    else:
        done = f"imported {report.rows} {report.kind} row(s) ({counts}) in one audited transaction"
    console.print(f"{report.file}: {done}", soft_wrap=True, markup=False)
    console.print(f"sha256 of the file: {report.file_sha256}; of the records: {report.sha256}", soft_wrap=True)


def _import(args: argparse.Namespace) -> int:
    settings = get_settings()
    errors = Console(stderr=True)
    console = Console() if sys.stdout.isatty() else Console(width=200)  # a report piped to a file stays greppable

    async def main() -> int:
        db = Database(settings.database_url)
        try:
            with _bar(errors, errors.is_terminal) as tell:
                report = await import_file(
                    db,
                    args.kind,
                    args.file,
                    today=service_today(settings),
                    actor=args.actor or _login_actor(),
                    dry_run=args.dry_run,
                    progress=tell,
                )
        except FormatError as exc:
            print(f"asnflow import: {exc}", file=sys.stderr)
            return 1
        finally:
            await db.dispose()
        print_report(console, report, dry_run=args.dry_run)
        return 0 if report.ok else 1

    return asyncio.run(main())


def _login_actor() -> str:
    try:
        return f"cli:{getpass.getuser()}"
    except (OSError, KeyError):  # no login name in this environment (a container without USER or passwd entry)
        return "cli"


def _export(args: argparse.Namespace) -> int:
    settings = get_settings()

    async def main() -> int:
        db = Database(settings.database_url)
        try:
            count = await export_file(db, args.kind, args.file)
        except FormatError as exc:
            print(f"asnflow export: {exc}", file=sys.stderr)
            return 1
        finally:
            await db.dispose()
        print(f"wrote {count} {args.kind} row(s) to {args.file}")
        return 0

    return asyncio.run(main())


def register(sub: Any) -> None:
    p: argparse.ArgumentParser = sub.add_parser(
        "import", help="check a CSV or XLSX file of registry records and write it all, or nothing"
    )
    p.add_argument("kind", choices=KINDS)
    p.add_argument("file", type=Path, metavar="FILE", help=".csv or .xlsx (docs/import.md has the columns)")
    p.add_argument("--dry-run", action="store_true", help="check and report; write nothing")
    p.add_argument("--actor", help="who the audit event names (default: cli:<your login name>)")
    p.set_defaults(func=_import)
    p = sub.add_parser("export", help="write registry records to a CSV or XLSX file in the import's columns")
    p.add_argument("kind", choices=EXPORT_KINDS)
    p.add_argument("file", type=Path, metavar="FILE", help=".csv or .xlsx")
    p.set_defaults(func=_export)
