"""``asnflow`` exits 0 when all is well, 1 when the command ran and found a problem, 2 when it could not run as
asked (usage, configuration, a database it cannot use), with one sentence instead of a traceback (README)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from server.cli import main
from server.database_errors import explain
from server.settings import get_settings
from tests.conftest import PG_ADMIN_URL, _pg_base, require_pg


@pytest.fixture(autouse=True)
def fresh_settings() -> Iterator[None]:
    get_settings.cache_clear()
    yield
    get_settings.cache_clear()


def run(*argv: str) -> int:
    with pytest.raises(SystemExit) as exited:
        main(list(argv))
    return int(exited.value.code or 0)


def test_a_command_it_does_not_know_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert run("no-such-command") == 2
    assert "invalid choice: 'no-such-command'" in capsys.readouterr().err


def test_a_setting_out_of_range_is_a_configuration_error_named_in_one_line(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASNFLOW_ENV", "staging")
    assert run("migrate") == 2
    err = capsys.readouterr().err
    assert "ASNFLOW_ENV" in err and "staging" in err and "Traceback" not in err


def test_migrate_on_a_missing_postgresql_database_says_which_createdb_to_run(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    require_pg()
    name = f"asnflow_missing_{uuid.uuid4().hex[:8]}"
    url = f"{_pg_base(PG_ADMIN_URL)}/{name}"
    monkeypatch.setenv("ASNFLOW_DATABASE_URL", url)
    assert run("migrate") == 2
    err = capsys.readouterr().err.strip()
    host = url.split("@", 1)[1].split("/", 1)[0].split(":")[0]
    assert err.startswith(f"asnflow migrate: database {name} does not exist on {host}; create it with: createdb -h ")
    assert err.endswith(f" {name}") and "\n" not in err


def test_migrate_on_an_existing_empty_database_exits_0(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("ASNFLOW_DATABASE_URL", f"sqlite:///{tmp_path}/new.db")
    assert run("migrate") == 0
    assert "is up to date" in capsys.readouterr().out


def test_a_server_that_refuses_connections_is_named_with_its_port() -> None:
    refused = ConnectionRefusedError(111, "Connection refused")
    sentence = explain(refused, "postgresql://asn@db.example:5433/asnflow")
    assert sentence is not None and sentence.startswith("cannot connect to PostgreSQL on db.example:5433")
    assert "pg_isready -h db.example -p 5433 -U asn" in sentence


def test_other_errors_are_not_explained_away() -> None:
    assert explain(ValueError("a bug"), "postgresql://asn@db/asnflow") is None
    assert explain(OperationalError("x", {}, Exception("disk I/O error")), "sqlite:///asnflow.db") is None
