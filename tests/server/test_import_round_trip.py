"""Export then import into an empty (migrated, unseeded) database gives the same registry; and the command
line answers as API.md says (a report, exit 1 and nothing written on a problem, exit 0 otherwise)."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from server.cli import main
from server.db import Database
from server.registry.exporting import EXPORT_KINDS, export_file
from server.settings import get_settings
from tests.server.import_helpers import chain_holds, counts, employee_row, employees_file, import_events, run_import

SAMPLES = Path(__file__).resolve().parents[2] / "docs" / "samples"


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
async def test_export_then_import_into_an_empty_database_gives_the_same_registry(
    seeded_db: Database, db: Database, tmp_path: Path, suffix: str
) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    first.mkdir(), second.mkdir()
    for kind in EXPORT_KINDS:
        await export_file(seeded_db, kind, first / f"{kind}{suffix}")
    for kind in EXPORT_KINDS:
        report = await run_import(db, kind, first / f"{kind}{suffix}")
        assert report.written, (kind, report.findings[:5])
    for kind in EXPORT_KINDS:
        await export_file(db, kind, second / f"{kind}.csv")
        await export_file(seeded_db, kind, first / f"{kind}.csv")
        assert (second / f"{kind}.csv").read_bytes() == (first / f"{kind}.csv").read_bytes(), kind
    seeded, imported = await counts(seeded_db), await counts(db)
    for table in ("units", "positions", "employees", "assignments", "evaluation_results"):
        assert imported[table] == seeded[table] > 0, table
    assert [e.entity_id for e in await import_events(db)] == list(EXPORT_KINDS)
    assert await chain_holds(db)


@pytest.fixture
def cli_env(db: Database, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("ASNFLOW_DATABASE_URL", db.url)
    monkeypatch.setenv("ASNFLOW_TODAY", "2026-11-28")
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run_cli(*argv: str) -> int:
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    return int(exited.value.code or 0)


async def test_the_command_reports_each_problem_and_exits_1_writing_nothing(
    db: Database, tmp_path: Path, cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    path = employees_file(
        tmp_path / "people.csv", [employee_row(sequence=1), employee_row(sequence=2, rankSince="2024-02-30")]
    )
    before = await counts(db)
    assert await _in_thread(run_cli, "import", "employees", str(path)) == 1
    out = capsys.readouterr().out
    assert "2024-02-30 is not a date" in out and "rankSince" in out and "nothing was written" in out
    assert await counts(db) == before


async def test_the_command_imports_a_good_file_and_a_dry_run_writes_nothing(
    db: Database, tmp_path: Path, cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    path = employees_file(tmp_path / "people.xlsx", [employee_row(sequence=1), employee_row(sequence=2)])
    assert await _in_thread(run_cli, "import", "employees", str(path), "--dry-run") == 0
    assert "dry run: nothing written" in capsys.readouterr().out
    assert (await counts(db))["employees"] == 0
    assert await _in_thread(run_cli, "import", "employees", str(path), "--actor", "bkd-operator") == 0
    assert "imported 2 employees row(s)" in capsys.readouterr().out
    assert [e.actor for e in await import_events(db)] == ["bkd-operator"]
    assert await _in_thread(run_cli, "export", "employees", str(tmp_path / "out.csv")) == 0
    assert (tmp_path / "out.csv").read_text().count("\n") == 3


async def test_a_file_of_another_format_is_refused_with_a_sentence(
    tmp_path: Path, cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "people.json"
    path.write_text("[]")
    assert await _in_thread(run_cli, "import", "employees", str(path)) == 1
    assert "use a .csv or .xlsx file" in capsys.readouterr().err


async def _in_thread(fn: Callable[..., int], *args: str) -> int:
    """The command runs its own event loop (asyncio.run), so it cannot run on the test's."""
    return await asyncio.to_thread(fn, *args)


async def test_the_documented_samples_import_into_the_demo_registry(seeded_db: Database) -> None:
    """docs/samples/ (linked from docs/import.md) stays importable, in the order docs/import.md gives."""
    samples = SAMPLES
    assert (await run_import(seeded_db, "employees", samples / "employees.xlsx", dry_run=True)).ok
    for kind in ("positions", "employees", "assignments", "evaluations"):
        report = await run_import(seeded_db, kind, samples / f"{kind}.csv")
        assert report.written, (kind, report.findings)


async def test_a_csv_that_is_not_utf8_is_refused_with_a_sentence(
    tmp_path: Path, cli_env: None, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "people.csv"
    path.write_bytes("nip,name\n199005172014032007,Désirée\n".encode("latin-1"))
    assert await _in_thread(run_cli, "import", "employees", str(path)) == 1
    assert "save it as 'CSV UTF-8'" in capsys.readouterr().err
