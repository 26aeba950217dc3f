"""Migration 0029: the proposer, the implied steps and the last step move out of a request's ``data`` into
their own columns, values included, and back on downgrade; on both engines."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import orjson
import pytest

from server import migrate
from tests.server.migration_helpers import on_new_postgres
from tests.server.test_migration_request_columns import STAMP, _requests, _run

PROPOSER = "199001012015011001"
LAST = {"action": "verify", "from": "proposed", "to": "verified", "by": "u-verifier", "version": 2}
TRANSFER_DATA = {"reason": "closer to home", "proposer": PROPOSER, "implied": ["release"], "lastStep": LAST}
EVALUATION_DATA = {"year": 2025}  # no bookkeeping: the row stays as it is


def _seed(url: str) -> None:
    request = (
        "INSERT INTO workflow_requests (id, kind, state, version, terminal, definition_version, subject_employee_id, "
        "unit_id, proposed_by, data, rule_versions, effects_applied, created_at, updated_at) VALUES (:id, :kind, "
        ":state, :version, false, 'x/1', 1, 1, 'u', :data, '{}', false, :at, :at)"
    )
    _run(
        url,
        [
            ("INSERT INTO units (id, code, name, kind, path, depth) VALUES (1, 'U1', 'Unit', 'dinas', '1', 0)", {}),
            (
                "INSERT INTO employees (id, nip, name, birth_date, gender, employment_type, education, status, "
                "has_service_exam) VALUES (1, :nip, 'Budi', '1990-01-01', 'M', 'PNS', 'S1', 'active', false)",
                {"nip": PROPOSER},
            ),
            (
                request,
                {
                    "id": 1,
                    "kind": "TRANSFER",
                    "state": "verified",
                    "version": 2,
                    "at": STAMP,
                    "data": orjson.dumps(TRANSFER_DATA).decode(),
                },
            ),
            (
                request,
                {
                    "id": 2,
                    "kind": "EVALUATION",
                    "state": "draft",
                    "version": 1,
                    "at": STAMP,
                    "data": orjson.dumps(EVALUATION_DATA).decode(),
                },
            ),
        ],
    )


def _implied(value: object) -> object:
    return orjson.loads(value) if isinstance(value, str) else value


def _round_trip(url: str) -> None:
    migrate.upgrade(url, "0027")
    _seed(url)
    migrate.upgrade(url, "0029")
    rows = _requests(url, "data, proposer_person, implied_steps, last_action, last_from_state, last_by")
    assert [(*r[:3], _implied(r[3]), *r[4:]) for r in rows] == [
        (1, {"reason": "closer to home"}, PROPOSER, ["release"], "verify", "proposed", "u-verifier"),
        (2, {"year": 2025}, None, None, None, None, None),
    ]
    migrate.downgrade(url, "0027")
    assert dict(_requests(url, "data")) == {1: TRANSFER_DATA, 2: EVALUATION_DATA}


@pytest.fixture
def sqlite_url(tmp_path: Path) -> Iterator[str]:
    yield f"sqlite:///{tmp_path}/m.db"


def test_sqlite_moves_proposer_implied_and_last_step_out_of_data_and_back(sqlite_url: str) -> None:
    _round_trip(sqlite_url)


@pytest.mark.postgres
def test_postgresql_moves_proposer_implied_and_last_step_out_of_data_and_back() -> None:
    on_new_postgres(_round_trip)
