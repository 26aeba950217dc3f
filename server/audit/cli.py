"""``asnflow audit verify | export | checkpoint``: the auditor's commands.

``register`` adds the ``audit`` command to the main parser; each subcommand sets ``func``, which takes
the parsed arguments and returns the exit status. Progress bars go to standard error, so standard
output carries only the export (or the verdict).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import IO

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.text import Text

from server.audit.checkpoint import CheckpointError, create_checkpoint
from server.audit.export import export
from server.audit.pool import PARALLEL_MIN_EVENTS
from server.audit.queries import read_head
from server.audit.report import Problem
from server.audit.verification import verify_log
from server.db import Database
from server.settings import get_settings

Handler = Callable[[argparse.Namespace], int]


def _progress(console: Console, label: str) -> Progress:
    return Progress(
        TextColumn(label),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
        transient=True,
    )


async def _head_seq(db: Database) -> int:
    async with db.engine.connect() as conn:
        head = await read_head(conn)
    return head[0] if head else 0


def _run(work: Callable[[Database], Awaitable[int]]) -> int:
    settings = get_settings()

    async def main() -> int:
        db = Database(settings.database_url)
        try:
            return await work(db)
        finally:
            await db.dispose()

    return asyncio.run(main())


def _verify(args: argparse.Namespace) -> int:
    settings = get_settings()
    err = Console(stderr=True, soft_wrap=True)

    async def work(db: Database) -> int:
        total = await _head_seq(db)
        with _progress(err, "verifying") as progress:
            task = progress.add_task("verify", total=total or None)
            report = await verify_log(
                db,
                settings,
                public_key_file=args.public_key,
                use_checkpoints=not args.no_checkpoint,
                on_progress=lambda n: progress.update(task, completed=n),
                workers=args.workers,
            )
        if report.problem is Problem.CHECKPOINT:
            err.print(Text.assemble(("cannot trust the checkpoint file: ", "red"), report.explanation))
            return 1
        if report.checkpoint is None and not args.no_checkpoint:
            err.print(
                f"no checkpoint in {settings.checkpoint_file}: a cut tail or a rewritten chain cannot be detected; "
                "sign one with: asnflow audit checkpoint",
                markup=False,
            )
        if report.ok:
            print(report.explanation)
            return 0
        print(f"audit chain broken at event {report.first_broken_seq} ({report.problem}): {report.explanation}")
        return 1

    return _run(work)


def _export(args: argparse.Namespace) -> int:
    err = Console(stderr=True, soft_wrap=True)
    target: IO[bytes] = sys.stdout.buffer if args.output is None else Path(args.output).open("wb")  # noqa: SIM115

    async def work(db: Database) -> int:
        total = await _head_seq(db)
        with _progress(err, f"exporting {args.format}") as progress:
            task = progress.add_task("export", total=total or None)
            count = await export(db, target, fmt=args.format, on_progress=lambda n: progress.update(task, completed=n))
        err.print(f"exported {count} events" + (f" to {args.output}" if args.output else ""))
        return 0

    try:
        return _run(work)
    finally:
        if args.output is not None:
            target.close()


def _checkpoint(_args: argparse.Namespace) -> int:
    settings = get_settings()

    async def work(db: Database) -> int:
        try:
            checkpoint = await create_checkpoint(db, settings)
        except CheckpointError as exc:
            Console(stderr=True, soft_wrap=True).print(f"[red]no checkpoint signed:[/] {exc}")
            return 1
        print(
            f"signed checkpoint: event {checkpoint.seq}, hash {checkpoint.hash}, into {settings.checkpoint_file} "
            f"(public key {checkpoint.public_key})"
        )
        return 0

    return _run(work)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    audit = subparsers.add_parser("audit", help="verify, export and checkpoint the audit log")
    commands = audit.add_subparsers(dest="audit_command", required=True)

    verify_parser = commands.add_parser(
        "verify", help="recompute the hash chain; exit 0 when it holds, else name the first broken event and exit 1"
    )
    verify_parser.add_argument(
        "--public-key", type=Path, help="PEM public key the checkpoints must be signed with (default: <key file>.pub)"
    )
    verify_parser.add_argument("--no-checkpoint", action="store_true", help="check the chain alone")
    verify_parser.add_argument(
        "--workers",
        type=int,
        help=f"processes to hash in (default: one per CPU for a log of {PARALLEL_MIN_EVENTS:,} events or more)",
    )
    verify_parser.set_defaults(func=_verify)

    export_parser = commands.add_parser("export", help="write every event as JSON lines or CSV")
    export_parser.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    export_parser.add_argument("--output", metavar="FILE", help="write to FILE instead of standard output")
    export_parser.set_defaults(func=_export)

    checkpoint_parser = commands.add_parser("checkpoint", help="sign the chain head into the checkpoint file")
    checkpoint_parser.set_defaults(func=_checkpoint)
