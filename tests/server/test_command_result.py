"""A command's stored result (the idempotency record) answers the same after ``request_id`` became
``entity_id``: a replay of a key stored before migration 0027 still returns the first result."""

from __future__ import annotations

from server.commands import CommandResult
from server.errors import ErrorCode, UserError


def test_a_result_stored_before_the_rename_replays_its_entity() -> None:
    stored = {"request_id": 17, "errors": []}
    assert CommandResult.from_json(stored) == CommandResult(17)


def test_a_result_round_trips_through_its_json() -> None:
    result = CommandResult(None, (UserError(ErrorCode.VALIDATION, "year 1999 is before 2000", "year"),))
    assert CommandResult.from_json(result.to_json()) == result
    assert CommandResult.from_json(CommandResult(5).to_json()).entity_id == 5
