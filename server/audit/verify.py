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
from server.audit.encoding import GENESIS_HASH
from server.audit.findings import Finding, anchor_finding, chain_finding, head_finding
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


async def _continued(
    conn: AsyncConnection, since: Anchor, high: int, anchor_seqs: Sequence[int]
) -> tuple[tuple[int, str], dict[int, str]]:
    """Where a walk that continues ``since`` starts (its seq, or the last event when the log ends
    before it, and the hash stored there), and the stored hashes at the anchors up to there."""
    start = min(since.seq, high)
    stored = await queries.hashes_at(conn, [s for s in (*anchor_seqs, start) if s <= start])
    return (start, stored.get(start, since.hash)), {s: h for s, h in stored.items() if s in anchor_seqs}


async def verify(
    db: Database,
    *,
    checkpoint: Checkpoint | None = None,
    anchors: Sequence[Anchor] = (),
    on_progress: Callable[[int], None] | None = None,
    workers: int | None = None,
    since: Anchor | None = None,
) -> VerificationReport:
    """Recompute the whole chain; ``on_progress`` gets the number of events checked so far.

    ``checkpoint`` is the newest checkpoint and ``anchors`` every other signed ``(seq, hash)`` to hold
    the log to (older checkpoints, the last verified head): each is checked, so a rewrite is located
    between two of them. Read them before calling, so that one signed meanwhile cannot be newer than
    the snapshot. ``workers`` > 1 hashes in that many processes (this one and ``workers - 1`` in a
    pool); None picks ``default_workers`` for the length of the log.

    ``since`` (the last verified head, one of ``anchors``) bounds the work: only the events after it are
    hashed, continuing from its seq and the hash stored there; the anchors at or before it are compared
    with the stored hashes (one read), not recomputed. A web request verifies so (``auditVerification``);
    an edit before ``since`` that left the stored hashes alone is found only by the whole walk.
    """
    every = [*anchors, *([checkpoint] if checkpoint is not None and checkpoint not in anchors else [])]
    if since is not None and since not in every:
        every.append(since)
    conn = await _snapshot(db)
    try:
        head = await queries.read_head(conn)
        bounds = await queries.seq_bounds(conn)
        walks: list[Walk] = []
        start: tuple[int, str] = (0, GENESIS_HASH)
        prefix: dict[int, str] = {}
        if bounds is not None and since is not None:
            start, prefix = await _continued(conn, since, bounds[1], [a.seq for a in every])
            bounds = (start[0] + 1, bounds[1]) if start[0] < bounds[1] else None
        if bounds is not None:
            low, high = bounds
            count = default_workers(high - low + 1) if workers is None else workers
            walks = await walk_log(db, conn, low, high, count, [a.seq for a in every], on_progress)
        chain = join(walks, start)
        chain.hash_at_checkpoint.update(prefix)
        found = await chain_finding(conn, chain)
    finally:
        await conn.close()
    hashed, chain.checked = chain.checked, chain.checked + start[0]
    findings = [f for f in (found, anchor_finding(chain, every), head_finding(chain, head)) if f is not None]
    if since is not None and since.seq <= chain.last_seq and since.seq not in prefix:
        findings.append(Finding(since.seq, Problem.MISSING, f"event {since.seq}, {since.label}, was deleted"))
    if not findings:
        explanation = f"the chain holds: {chain.checked} events checked, head at event {chain.last_seq}"
        if since is not None:
            explanation = (
                f"the chain holds: {hashed} events hashed after event {start[0]}, {since.label}, "
                f"head at event {chain.last_seq}"
            )
        if checkpoint is not None:
            explanation += f", consistent with the checkpoint of event {checkpoint.seq}"
        others = len(every) - (checkpoint is not None)
        if others:
            explanation += f" and {others} other signed {'head' if others == 1 else 'heads'}"
        return VerificationReport(
            True, chain.checked, None, chain.last_hash, None, explanation, checkpoint, hashed_events=hashed
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
        hashed_events=hashed,
    )
