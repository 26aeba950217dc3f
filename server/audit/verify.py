"""Recompute the hash chain and name the first event that breaks it, and how.

One pass over the log in ``seq`` order, in constant memory, checks three things of every row: its
stored hash matches its contents (``encoding.event_hash``), its ``prev_hash`` is the stored hash of the
row before it, and its seq follows the previous one. The chain head row and every signed anchor given
(each checkpoint, the last verified head) are then compared with the log. The pieces, one idea each:

- ``encoding``: the canonical encoding, and every faster way of building the same bytes;
- ``walk``: the fast path, a chunk of rows at a time, falling back row by row to the exact path;
- ``copy_text``: PostgreSQL's COPY text, which the fast path reads there (``queries.chain_copy_sql``);
- ``sources``: the connection a walk reads from (COPY on PostgreSQL, rows on SQLite);
- ``pool``: with ``workers`` > 1, pieces of the range walked in a process pool too, joined in ``walk.join``;
- ``findings``: what the rows that failed mean (edited, missing, reordered, inserted, truncated, rewritten);
- ``report``: the answer, ``VerificationReport``.

docs/audit.md ("Verifying") explains why the fast path is exact; ``test_audit_verify`` proves the paths agree.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from server.audit import queries
from server.audit.findings import anchor_finding, chain_finding, head_finding
from server.audit.pool import PARALLEL_MIN_EVENTS, default_workers, walk_log
from server.audit.report import Anchor, Problem, VerificationReport
from server.audit.walk import Walk, join

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from server.audit.checkpoint import Checkpoint
    from server.db import Database

__all__ = ["PARALLEL_MIN_EVENTS", "Anchor", "Problem", "VerificationReport", "default_workers", "verify"]


async def _snapshot(db: Database) -> AsyncConnection:
    """A connection whose reads all see one snapshot, so events appended meanwhile cannot look forged."""
    conn = await db.engine.connect()
    if not db.is_sqlite:
        conn = await conn.execution_options(isolation_level="REPEATABLE READ")
    return conn


async def verify(
    db: Database,
    *,
    checkpoint: Checkpoint | None = None,
    anchors: Sequence[Anchor] = (),
    on_progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> VerificationReport:
    """Recompute the whole chain; ``on_progress`` gets the number of events checked so far.

    ``checkpoint`` is the newest checkpoint and ``anchors`` every other signed ``(seq, hash)`` to hold
    the log to (older checkpoints, the last verified head): each is checked, so a rewrite is located
    between two of them. Read them before calling, so that one signed meanwhile cannot be newer than
    the snapshot. ``workers`` > 1 hashes in that many processes (this one and ``workers - 1`` in a
    pool); None picks ``default_workers`` for the length of the log.
    """
    every = [*anchors, *([checkpoint] if checkpoint is not None and checkpoint not in anchors else [])]
    conn = await _snapshot(db)
    try:
        head = await queries.read_head(conn)
        bounds = await queries.seq_bounds(conn)
        walks: list[Walk] = []
        if bounds is not None:
            low, high = bounds
            count = default_workers(high - low + 1) if workers is None else workers
            walks = await walk_log(db, conn, low, high, count, [a.seq for a in every], on_progress)
        chain = join(walks)
        found = await chain_finding(conn, chain)
    finally:
        await conn.close()
    findings = [f for f in (found, anchor_finding(chain, every), head_finding(chain, head)) if f is not None]
    if not findings:
        explanation = f"the chain holds: {chain.checked} events checked, head at event {chain.last_seq}"
        if checkpoint is not None:
            explanation += f", consistent with the checkpoint of event {checkpoint.seq}"
        others = len(every) - (checkpoint is not None)
        if others:
            explanation += f" and {others} other signed {'head' if others == 1 else 'heads'}"
        return VerificationReport(
            True, chain.checked, None, chain.last_hash, None, explanation, checkpoint, hashed_events=chain.checked
        )
    worst = min(findings, key=lambda f: f.seq)
    explanation = worst.explanation
    if chain.broken_rows > 1:
        explanation += f" ({chain.broken_rows} rows fail a check in all)"
    return VerificationReport(
        False,
        chain.checked,
        worst.seq,
        chain.last_hash,
        worst.problem,
        explanation,
        checkpoint,
        worst.intact,
        hashed_events=chain.checked,
    )
