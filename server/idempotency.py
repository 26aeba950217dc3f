"""The statements on idempotency records: a command's key claimed before its body runs, its result stored."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from server.models import IdempotencyRecord
from server.sql import is_postgres


async def record(session: AsyncSession, user_id: str, key: str) -> IdempotencyRecord | None:
    return (
        await session.execute(
            select(IdempotencyRecord).where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key)
        )
    ).scalar_one_or_none()


async def claim(session: AsyncSession, user_id: str, key: str, input_hash: str, now: dt.datetime) -> bool:
    """Claim ``key`` for this transaction before the command runs; False when it was already taken.

    The row is inserted first, under the primary key (user, key), and ``ON CONFLICT DO NOTHING``: on
    PostgreSQL a second transaction claiming the same key waits here until the first commits (then it
    reads the stored result) or rolls back (then the claim is its own). The result is filled in by
    ``store_result`` in the same transaction, so no one ever sees the placeholder.
    """
    dialect_insert = pg_insert if is_postgres(session) else sqlite_insert
    statement = (
        dialect_insert(IdempotencyRecord)
        .values(user_id=user_id, key=key, input_hash=input_hash, result={}, created_at=now)
        .on_conflict_do_nothing(index_elements=[IdempotencyRecord.user_id, IdempotencyRecord.key])
        .returning(IdempotencyRecord.key)
    )
    return (await session.execute(statement)).first() is not None


async def store_result(session: AsyncSession, user_id: str, key: str, result: Mapping[str, Any]) -> None:
    await session.execute(
        update(IdempotencyRecord)
        .where(IdempotencyRecord.user_id == user_id, IdempotencyRecord.key == key)
        .values(result=dict(result))
    )
