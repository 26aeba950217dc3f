"""Recompute the hash chain and name the first event that breaks it, and how.

One pass over the log in ``seq`` order, in constant memory, checks three things of every row: its
stored hash matches its contents (``event_hash``), its ``prev_hash`` is the stored hash of the row
before it, and its seq follows the previous one. The chain head row and, when given, the newest
signed checkpoint are then compared with the end of the log. Rows that fail are kept (at most
``MAX_ANOMALIES``) to tell an edit from a deletion, a reordering or an inserted forgery:

- own hash wrong, contents verify under another broken row's seq -> **reordered** (two events swapped);
- own hash wrong, contents verify under seq+1 -> **missing** (an event deleted, later ones renumbered);
- own hash wrong, contents verify under seq-1 -> **inserted** (a forged event pushed the rest up one);
- own hash wrong otherwise -> **edited**;
- a gap in seq -> **missing**;
- own hash right but ``prev_hash`` wrong -> **reordered** when it names another event's hash,
  **inserted** when the next row's link is broken too, else the previous event was **edited** and re-hashed;
- the head row behind the last event -> **inserted** (appended around the writer); ahead -> **truncated**;
- the checkpoint's seq beyond the last event -> **truncated**; its hash not the event's -> **rewritten**.

The hot loop builds the canonical encoding of ``server.audit.chain`` straight from the row tuple
(``test_audit_verify`` proves the two agree), so a million events verify in a few seconds.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import enum
import hashlib
import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from typing import Any

import orjson
from sqlalchemy.ext.asyncio import AsyncConnection

from server.audit import queries
from server.audit.chain import GENESIS_HASH, format_at
from server.audit.checkpoint import Checkpoint
from server.db import Database

MAX_ANOMALIES = 64
BATCH_SIZE = 10_000
PARALLEL_MIN_EVENTS = 250_000
MAX_WORKERS = 8


class Problem(enum.StrEnum):
    EDITED = "edited"
    MISSING = "missing"
    REORDERED = "reordered"
    INSERTED = "inserted"
    TRUNCATED = "truncated"
    REWRITTEN = "rewritten"
    HEAD_MISMATCH = "head_mismatch"


@dataclass(frozen=True)
class VerificationReport:
    ok: bool
    checked_events: int
    first_broken_seq: int | None
    head_hash: str
    problem: Problem | None
    explanation: str
    checkpoint: Checkpoint | None = None


@dataclass(frozen=True)
class _Anomaly:
    """A row that failed a local check: its seq, the seq it should have had, and which checks failed."""

    seq: int
    expected_seq: int
    hash_ok: bool
    link_ok: bool
    row: tuple[Any, ...]


@dataclass(frozen=True)
class _Finding:
    seq: int
    problem: Problem
    explanation: str


def _json(raw: str | None) -> Any:
    return None if raw is None else orjson.loads(raw)


def _at(at: Any) -> str:
    """The canonical ``at`` whatever form it arrives in (text from the stream, or a datetime)."""
    if isinstance(at, str):
        at = dt.datetime.fromisoformat(at.removesuffix("Z"))
    return format_at(at)


def row_hash(row: Sequence[Any], seq: int | None = None) -> str:
    """``event_hash`` of a streamed row (``queries.CHAIN_COLUMN_NAMES`` order), optionally as if at ``seq``.

    The exact path: ``at`` is parsed and formatted again, so a time stored in another but equivalent
    form still verifies. The hot loop tries the stream's text first and falls back to this.
    """
    (s, at, actor, obo, roles, action, etype, eid, req, corr, fs, ts, before, after, comment, dv, rv, prev, _h) = row
    doc = {
        "action": action,
        "actor": actor,
        "actor_roles": _json(roles),
        "after": _json(after),
        "at": _at(at),
        "before": _json(before),
        "comment": comment,
        "correlation_id": corr,
        "definition_version": dv,
        "entity_id": eid,
        "entity_type": etype,
        "from_state": fs,
        "on_behalf_of": obo,
        "prev_hash": prev,
        "request_id": req,
        "rule_versions": _json(rv),
        "seq": s if seq is None else seq,
        "to_state": ts,
    }
    return hashlib.sha256(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _exact_hash(row: Sequence[Any]) -> str | None:
    try:
        return row_hash(row)
    except (ValueError, TypeError, orjson.JSONDecodeError):
        return None


class _Walk:
    """One pass over a range of seqs: what broke inside it, and its two ends for joining it to its neighbours.

    The first row is taken as given (its hash is checked, its seq and link are not): the caller knows
    what came before the range and checks the joint in ``_join``.
    """

    def __init__(self, checkpoint_seq: int | None) -> None:
        self.checked = 0
        self.first_row: tuple[Any, ...] | None = None
        self.last_seq = 0
        self.last_hash = GENESIS_HASH
        self.anomalies: list[_Anomaly] = []
        self.broken_rows = 0
        self.checkpoint_seq = checkpoint_seq
        self.hash_at_checkpoint: str | None = None

    def feed(self, batch: Sequence[Any]) -> None:
        """The hot loop: locals only, one dict and one SHA-256 per row; the exact path only on a mismatch.

        The writer stores JSON columns as compact, key-sorted orjson text (``server.db``), and the dict
        below lists its keys in sorted order, so embedding the stored JSON text as ``orjson.Fragment``
        without re-parsing or sorting gives the canonical bytes. A row stored any other way (older
        events, a different serializer) does not match on this path and is re-checked exactly.
        """
        if not batch:
            return
        if self.first_row is None:
            self.first_row = tuple(batch[0])
            expected, last_hash = batch[0][0], batch[0][-2]
        else:
            expected, last_hash = self.last_seq + 1, self.last_hash
        cp_seq = self.checkpoint_seq
        sha256, dumps, fragment = hashlib.sha256, orjson.dumps, orjson.Fragment
        for row in batch:
            # queries.CHAIN_COLUMN_NAMES, in order; ``at`` is already canonical text
            (seq, at, actor, obo, roles, action, etype, eid, req, corr, fs, ts, bef, aft, comment, dv, rv, prev, h) = (
                row
            )
            try:
                digest = sha256(
                    dumps(
                        {
                            "action": action,
                            "actor": actor,
                            "actor_roles": None if roles is None else fragment(roles),
                            "after": None if aft is None else fragment(aft),
                            "at": at,
                            "before": None if bef is None else fragment(bef),
                            "comment": comment,
                            "correlation_id": corr,
                            "definition_version": dv,
                            "entity_id": eid,
                            "entity_type": etype,
                            "from_state": fs,
                            "on_behalf_of": obo,
                            "prev_hash": prev,
                            "request_id": req,
                            "rule_versions": None if rv is None else fragment(rv),
                            "seq": seq,
                            "to_state": ts,
                        }
                    )
                ).hexdigest()
            except (ValueError, TypeError):
                digest = None
            if digest != h:
                digest = _exact_hash(row)
            if digest != h or prev != last_hash or seq != expected:
                self._broken(row, expected, digest == h, prev == last_hash)
            if seq == cp_seq:
                self.hash_at_checkpoint = h
            last_hash = h
            expected = seq + 1
        self.checked += len(batch)
        self.last_seq = expected - 1
        self.last_hash = last_hash

    def _broken(self, row: Sequence[Any], expected: int, hash_ok: bool, link_ok: bool) -> None:
        self.broken_rows += 1
        if len(self.anomalies) < MAX_ANOMALIES:
            self.anomalies.append(_Anomaly(int(row[0]), expected, hash_ok, link_ok, tuple(row)))


def _join(walks: Sequence[_Walk]) -> _Walk:
    """Range walks in seq order joined into one, checking each joint (and the first against genesis)."""
    chain = _Walk(None)
    for walk in walks:
        if walk.first_row is None:
            continue
        first_seq, first_prev = int(walk.first_row[0]), walk.first_row[-2]
        own = walk.anomalies
        chain.broken_rows += walk.broken_rows
        if first_seq != chain.last_seq + 1 or first_prev != chain.last_hash:
            hash_failed = bool(own) and own[0].seq == first_seq
            if hash_failed:
                own = own[1:]
            else:
                chain.broken_rows += 1
            chain.anomalies.append(
                _Anomaly(first_seq, chain.last_seq + 1, not hash_failed, first_prev == chain.last_hash, walk.first_row)
            )
        chain.anomalies.extend(own)
        chain.checked += walk.checked
        chain.last_seq, chain.last_hash = walk.last_seq, walk.last_hash
        chain.hash_at_checkpoint = chain.hash_at_checkpoint or walk.hash_at_checkpoint
    del chain.anomalies[MAX_ANOMALIES:]
    return chain


_progress_counter: Any = None


def _init_worker(counter: Any) -> None:
    global _progress_counter
    _progress_counter = counter


def _walk_range(url: str, low: int, high: int, checkpoint_seq: int | None) -> _Walk:
    """In a worker process: walk ``low``..``high`` over a connection of its own."""

    async def run() -> _Walk:
        db = Database(url, pool_size=1)
        walk = _Walk(checkpoint_seq)
        try:
            async with db.engine.connect() as conn:
                async for batch in queries.stream_chain(conn, low=low, high=high, batch_size=BATCH_SIZE):
                    walk.feed(batch)
                    with _progress_counter.get_lock():
                        _progress_counter.value += len(batch)
        finally:
            await db.dispose()
        return walk

    return asyncio.run(run())


async def _walk_in_processes(
    db: Database, low: int, high: int, workers: int, walk_seq: int | None, on_progress: Callable[[int], None] | None
) -> list[_Walk]:
    """Split ``low``..``high`` into one contiguous range per process. Rows up to ``high`` were committed
    before the caller's snapshot and are never changed, so every worker sees the same rows."""
    step = (high - low + workers) // workers
    ranges = [(start, min(start + step - 1, high)) for start in range(low, high + 1, step)]
    context = multiprocessing.get_context("spawn")
    counter = context.Value("q", 0)
    loop = asyncio.get_running_loop()
    with ProcessPoolExecutor(len(ranges), mp_context=context, initializer=_init_worker, initargs=(counter,)) as pool:
        futures = [loop.run_in_executor(pool, _walk_range, db.url, a, b, walk_seq) for a, b in ranges]
        pending: set[asyncio.Future[_Walk]] = set(futures)
        while pending:
            _done, pending = await asyncio.wait(pending, timeout=0.25)
            if on_progress is not None:
                on_progress(counter.value)
        return [f.result() for f in futures]


def default_workers(events: int) -> int:
    """One process per CPU (up to ``MAX_WORKERS``) for a log of ``PARALLEL_MIN_EVENTS`` or more, else 1."""
    if events < PARALLEL_MIN_EVENTS:
        return 1
    return max(1, min(os.cpu_count() or 1, MAX_WORKERS))


def _span(first: int, last: int) -> str:
    return f"event {first}" if first == last else f"events {first} to {last}"


def _original_seq(anomaly: _Anomaly, others: Sequence[_Anomaly]) -> int | None:
    """The seq under which a row's contents verify: where the event was before someone moved it."""
    candidates = [anomaly.seq + 1, anomaly.seq - 1, *(o.seq for o in others if not o.hash_ok)]
    stored = anomaly.row[-1]
    for seq in candidates:
        if seq != anomaly.seq and seq > 0 and row_hash(anomaly.row, seq) == stored:
            return seq
    return None


async def _chain_finding(conn: AsyncConnection, walk: _Walk) -> _Finding | None:
    if not walk.anomalies:
        return None
    anomalies = walk.anomalies
    first = anomalies[0]
    k = first.seq
    following = next((a for a in anomalies if a.seq == k + 1), None)
    if k != first.expected_seq:
        e = first.expected_seq
        where = "the log starts at event" if e == 1 else f"the log goes from event {e - 1} to event"
        verb = "was" if k - 1 == e else "were"
        return _Finding(e, Problem.MISSING, f"{_span(e, k - 1)} {verb} deleted: {where} {k}")
    if not first.hash_ok:
        original = _original_seq(first, anomalies)
        if original == k + 1:
            return _Finding(
                k,
                Problem.MISSING,
                f"event {k} was deleted and the events after it renumbered to close the gap: "
                f"event {k} holds what was event {k + 1}",
            )
        if original == k - 1:
            return _Finding(
                k - 1,
                Problem.INSERTED,
                f"event {k - 1} was inserted (forged) and the events after it renumbered: "
                f"event {k} holds what was event {k - 1}",
            )
        if original is not None:
            return _Finding(
                k,
                Problem.REORDERED,
                f"events {k} and {original} were reordered: event {k} holds the event that belongs at seq {original}",
            )
        if following is not None and not following.hash_ok and _original_seq(following, anomalies) == k:
            return _Finding(
                k,
                Problem.INSERTED,
                f"event {k} was inserted (forged) and the events after it renumbered: "
                f"event {k + 1} holds what was event {k}",
            )
        return _Finding(k, Problem.EDITED, f"event {k} was edited: its stored hash does not match its contents")
    linked_to = await queries.seq_of_hash(conn, str(first.row[-2]))
    if linked_to is not None:
        return _Finding(
            k,
            Problem.REORDERED,
            f"event {k} is out of order: its prev_hash is the hash of event {linked_to}, not of event {k - 1}",
        )
    if following is not None and not following.link_ok:
        return _Finding(
            k,
            Problem.INSERTED,
            f"event {k} was inserted (forged): it links to neither event {k - 1} nor event {k + 1}",
        )
    if k == 1:
        return _Finding(1, Problem.EDITED, "event 1 was edited: its prev_hash is not the genesis hash")
    return _Finding(
        k - 1,
        Problem.EDITED,
        f"event {k - 1} was edited and its hash recomputed: event {k}'s prev_hash no longer matches it",
    )


def _head_finding(walk: _Walk, head: tuple[int, str] | None) -> _Finding | None:
    last = walk.last_seq
    if head is None:
        return _Finding(last + 1, Problem.HEAD_MISMATCH, "the chain head row (audit_head id=1) is missing")
    head_seq, head_hash = head
    if head_seq > last:
        return _Finding(
            last + 1,
            Problem.TRUNCATED,
            f"the log ends at event {last} but the chain head says {head_seq}: "
            f"{_span(last + 1, head_seq)} {'was' if head_seq == last + 1 else 'were'} cut from the tail",
        )
    if head_seq < last:
        return _Finding(
            head_seq + 1,
            Problem.INSERTED,
            f"{_span(head_seq + 1, last)} {'comes' if last == head_seq + 1 else 'come'} after the chain head "
            f"(event {head_seq}): inserted without going through the audit writer",
        )
    if head_hash != walk.last_hash:
        return _Finding(
            last,
            Problem.HEAD_MISMATCH,
            f"the chain head says event {last} has hash {head_hash[:12]}…, but its hash is {walk.last_hash[:12]}…",
        )
    return None


def _checkpoint_finding(walk: _Walk, checkpoint: Checkpoint | None) -> _Finding | None:
    if checkpoint is None or checkpoint.seq == 0:
        return None
    signed = f"the checkpoint signed at {checkpoint.at.isoformat()}"
    if checkpoint.seq > walk.last_seq:
        return _Finding(
            walk.last_seq + 1,
            Problem.TRUNCATED,
            f"{signed} covers event {checkpoint.seq}, but the log ends at event {walk.last_seq}: "
            f"{_span(walk.last_seq + 1, checkpoint.seq)} {'was' if checkpoint.seq == walk.last_seq + 1 else 'were'} "
            "cut from the tail",
        )
    if walk.hash_at_checkpoint is not None and walk.hash_at_checkpoint != checkpoint.hash:
        return _Finding(
            checkpoint.seq,
            Problem.REWRITTEN,
            f"event {checkpoint.seq} has hash {walk.hash_at_checkpoint[:12]}…, but {signed} says "
            f"{checkpoint.hash[:12]}…: the chain up to event {checkpoint.seq} was rewritten",
        )
    return None


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
    on_progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> VerificationReport:
    """Recompute the whole chain; ``on_progress`` gets the number of events checked so far.

    Read the checkpoint before calling, so that one signed meanwhile cannot be newer than the snapshot.
    ``workers`` > 1 splits the log into that many ranges hashed in separate processes (spawned, so
    the caller's main module must be import-safe); ``default_workers`` picks a count for a log size.
    """
    walk_seq = checkpoint.seq if checkpoint is not None else None
    conn = await _snapshot(db)
    try:
        head = await queries.read_head(conn)
        bounds = await queries.seq_bounds(conn)
        walks: list[_Walk] = []
        if bounds is not None:
            low, high = bounds
            if workers > 1 and high - low + 1 >= workers:
                walks = await _walk_in_processes(db, low, high, workers, walk_seq, on_progress)
            else:
                walk = _Walk(walk_seq)
                async for batch in queries.stream_chain(conn, low=low, high=high, batch_size=BATCH_SIZE):
                    walk.feed(batch)
                    if on_progress is not None:
                        on_progress(walk.checked)
                walks = [walk]
        chain = _join(walks)
        chain_finding = await _chain_finding(conn, chain)
    finally:
        await conn.close()
    findings = [
        f for f in (chain_finding, _checkpoint_finding(chain, checkpoint), _head_finding(chain, head)) if f is not None
    ]
    if not findings:
        explanation = f"the chain holds: {chain.checked} events checked, head at event {chain.last_seq}"
        if checkpoint is not None:
            explanation += f", consistent with the checkpoint of event {checkpoint.seq}"
        return VerificationReport(True, chain.checked, None, chain.last_hash, None, explanation, checkpoint)
    worst = min(findings, key=lambda f: f.seq)
    explanation = worst.explanation
    if chain.broken_rows > 1:
        explanation += f" ({chain.broken_rows} rows fail a check in all)"
    return VerificationReport(False, chain.checked, worst.seq, chain.last_hash, worst.problem, explanation, checkpoint)
