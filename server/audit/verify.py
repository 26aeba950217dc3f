"""Recompute the hash chain and name the first event that breaks it, and how.

One pass over the log in ``seq`` order, in constant memory, checks three things of every row: its
stored hash matches its contents (``event_hash``), its ``prev_hash`` is the stored hash of the row
before it, and its seq follows the previous one. The chain head row and every signed anchor given
(each checkpoint, the last verified head) are then compared with the log. Rows that fail are kept (at
most ``MAX_ANOMALIES``) to tell an edit from a deletion, a reordering or an inserted forgery:

- own hash wrong, contents verify under another broken row's seq -> **reordered** (two events swapped;
  two neighbours swapped when row k verifies under k+1 and row k+1 under k);
- own hash wrong, contents verify under seq+1 -> **missing** (an event deleted, later ones renumbered);
- own hash wrong, contents verify under seq-1 -> **inserted** (a forged event pushed the rest up one);
- own hash wrong otherwise -> **edited**;
- a gap in seq -> **missing**;
- own hash right but ``prev_hash`` wrong -> **reordered** when it names another event's hash,
  **inserted** when the next row's link is broken too, else the previous event was **edited** and re-hashed;
- the head row behind the last event -> **inserted** (appended around the writer); ahead -> **truncated**;
- an anchor's seq beyond the last event -> **truncated**; its hash not the event's -> **rewritten**, located
  between the newest anchor below it that still holds and it.

How it goes fast (docs/audit.md, "Verifying"): rows are checked a chunk of a few hundred at a time,
with C-level operations over the whole chunk instead of Python work per row wherever possible. The
fields of a chunk are joined with the fixed pieces of the canonical encoding between them (keys,
quotes, braces) in one ``bytes.join``, the encodings are hashed with ``map``, and the digests, links
and seqs of the chunk are compared as joined strings. On PostgreSQL the rows arrive as
``COPY ... TO STDOUT`` text (``queries.chain_copy_sql``: the stored values, so the server does no more
than for ``SELECT *``), split at tabs; on SQLite they are fetched as tuples (``queries.chain_rows_sql``).
Either way the encoding is built from the data fields, never read from a stored one, and it is used
only where it is exact: a chunk with any irregularity (a mismatch, a gap, a broken link, a value the
joined encoding cannot express exactly) is checked again row by row, each suspect row by the exact
path (``row_hash``, which is ``server.audit.chain.canonical``). ``test_audit_verify`` proves the
paths agree.

With ``workers`` > 1 the seq range is cut into pieces that this process and ``workers - 1`` helper
processes (``python -c``, importing only this module and the driver) take from one queue, each with
its own connection on PostgreSQL's exported snapshot; the pieces' ends are joined in ``_join``.
"""

from __future__ import annotations

import asyncio
import bisect
import collections
import datetime as dt
import enum
import functools
import hashlib
import itertools
import os
import pickle
import re
import struct
import sys
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

import orjson

from server.audit.chain import GENESIS_HASH, HASHED_FIELDS, format_at

if TYPE_CHECKING:  # imported lazily: the helper processes import this module and must start fast
    from sqlalchemy.ext.asyncio import AsyncConnection

    from server.audit.checkpoint import Checkpoint
    from server.db import Database

MAX_ANOMALIES = 64
SQLITE_BATCH = 2_048  # rows per fetch on SQLite (each fetch is a trip to the driver's thread)
SQLITE_CHUNK = 256  # rows checked at a time on SQLite: their encodings stay in the cache
COPY_CHUNK_BYTES = 128 * 1024  # COPY text checked at a time: large enough to amortise, small enough for the cache
PARALLEL_MIN_EVENTS = 250_000  # below this, starting a helper costs about what it saves (measured)
MAX_WORKERS = 8
PIECES_PER_WORKER = 8  # the seq range is cut into about this many pieces per process, so they end together
MAX_PIECE = 25_000


class Problem(enum.StrEnum):
    EDITED = "edited"
    MISSING = "missing"
    REORDERED = "reordered"
    INSERTED = "inserted"
    TRUNCATED = "truncated"
    REWRITTEN = "rewritten"
    HEAD_MISMATCH = "head_mismatch"
    CHECKPOINT = "checkpoint"  # the checkpoint file itself cannot be trusted (missing, emptied, rewound, forged)


@dataclass(frozen=True)
class VerificationReport:
    ok: bool
    checked_events: int
    first_broken_seq: int | None
    head_hash: str
    problem: Problem | None
    explanation: str
    checkpoint: Checkpoint | None = None
    # a rewrite seen only at the anchors lies after this seq (the newest anchor that holds; 0: none) and
    # at or before ``first_broken_seq``; None for every other finding, which names the exact event
    last_intact_seq: int | None = None


class Anchor(Protocol):
    """A signed ``(seq, hash)`` the log must still hold: a checkpoint, or the last verified head."""

    @property
    def seq(self) -> int: ...

    @property
    def hash(self) -> str: ...

    @property
    def label(self) -> str:
        """How the report names it: "the checkpoint signed at ..."."""
        ...


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
    intact: int | None = None


# A row in ``queries.CHAIN_COLUMN_NAMES`` order (the exact path's input), and ``queries.chain_copy_sql``'s
# columns: hash, then the hashed fields sorted as the canonical encoding sorts its keys (then an empty one).
_CHAIN = (*HASHED_FIELDS, "hash")
_COPY_COLUMNS = ("hash", *sorted(HASHED_FIELDS))
_JSON_FIELDS = frozenset({"actor_roles", "before", "after", "rule_versions"})
_INT_FIELDS = frozenset({"seq", "request_id"})
_NF = len(_COPY_COLUMNS)
_HASH, _AT, _SEQ, _PREV = (_COPY_COLUMNS.index(name) for name in ("hash", "at", "seq", "prev_hash"))
# JSON strings taken from stored text as is (``at`` is printed by the server; prev_hash is checked on its own)
_STRING_POSITIONS = tuple(
    i for i, name in enumerate(_COPY_COLUMNS) if name not in _JSON_FIELDS | _INT_FIELDS | {"hash", "at", "prev_hash"}
)
# One row's canonical encoding is its COPY fields (all but the hash) joined with these pieces between
# them: keys, the quotes around strings, braces; then a separator that data cannot hold (COPY escapes
# line breaks), several bytes long so that splitting at it skips along the text.
_SEPARATOR = b"\n" * 8


def _encoding_pieces() -> list[bytes | None]:
    pieces: list[bytes | None] = []
    text = b"{"
    for name in _COPY_COLUMNS[1:]:
        quote = b"" if name in _JSON_FIELDS | _INT_FIELDS else b'"'
        pieces += [text + b'"%b":' % name.encode() + quote, None]  # None: the field goes here
        text = quote + b","
    pieces.append(text[:-1] + b"}" + _SEPARATOR)
    return pieces


_PIECES = _encoding_pieces()
_STRIDE = len(_PIECES)
_FULL_AT = len(b"2026-01-05 08:00:00.037001+00")
_SHORT_AT = re.compile(rb"[^%c]" % _FULL_AT)
_COPY_ESCAPE = re.compile(rb"\\(.)", re.DOTALL)
_COPY_CHARS = {b"b": b"\b", b"f": b"\f", b"n": b"\n", b"r": b"\r", b"t": b"\t", b"v": b"\v"}
_sha256 = hashlib.sha256
_hexdigest: Callable[[Any], str] = type(hashlib.sha256()).hexdigest


def _json(raw: str | None) -> Any:
    return None if raw is None else orjson.loads(raw)


def _at(at: Any) -> str | None:
    """The canonical ``at`` whatever form it arrives in (text from a stream, or a datetime)."""
    if at is None:
        return None
    if isinstance(at, str):
        at = dt.datetime.fromisoformat(at.removesuffix("Z"))
    return format_at(at)


def row_hash(row: Sequence[Any], seq: int | None = None) -> str:
    """``event_hash`` of a streamed row (``queries.CHAIN_COLUMN_NAMES`` order), optionally as if at ``seq``.

    The exact path: JSON columns are parsed and ``at`` is parsed and formatted again, so a value stored
    in another but equivalent form still verifies. The fast paths fall back to this row by row.
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


def _exact_hash(row: Sequence[Any], seq: int | None = None) -> str | None:
    """``row_hash``, or None for a row that has no canonical encoding (a time that is no time, JSON
    that does not parse)."""
    try:
        return row_hash(row, seq)
    except (ValueError, TypeError, AttributeError, orjson.JSONDecodeError):
        return None


def _copy_text(raw: bytes) -> str | None:
    """One field of COPY text format: ``\\N`` is NULL; backslash escapes stand for the character."""
    if raw == b"\\N":
        return None
    if b"\\" in raw:
        raw = _COPY_ESCAPE.sub(lambda m: _COPY_CHARS.get(m[1], m[1]), raw)
    return raw.decode()


def _copy_row(flat: Sequence[bytes], i: int) -> tuple[Any, ...]:
    """Row ``i`` of a split COPY chunk as a ``queries.CHAIN_COLUMN_NAMES`` tuple, for the exact path."""
    values: dict[str, Any] = {}
    for name, raw in zip(_COPY_COLUMNS, flat[i * _NF : (i + 1) * _NF], strict=True):
        value: Any = _copy_text(_unprefixed(raw) if name == "hash" else raw)
        if name in _INT_FIELDS and value is not None:
            value = None if value == "null" else int(value)
        values[name] = value
    return tuple(values[name] for name in _CHAIN)


def _unprefixed(hash_field: bytes) -> bytes:
    """A hash field of a split COPY chunk without the line break that ends the row before it."""
    return hash_field[1:] if hash_field[:1] == b"\n" else hash_field


def _pad_at(at: bytes) -> bytes:
    """PostgreSQL prints ``YYYY-MM-DD HH:MM:SS.ffffff+00`` without trailing zeros of the fraction: put them back.

    Anything else (a year past 9999, BC, infinity) is left as it is and cannot match a canonical ``at``.
    """
    if len(at) >= 22 and at[4:5] == b"-" and at[10:11] == b" " and at.endswith(b"+00"):
        if len(at) == 22:
            return at[:19] + b".000000+00"
        if at[19:20] == b"." and at[20:-3].isdigit():
            return at[:20] + at[20:-3].ljust(6, b"0") + b"+00"
    return at


_TEXT_PIECES = [None if piece is None else piece.decode() for piece in _PIECES]
_TEXT_STRINGS = (*_STRING_POSITIONS, _AT, _PREV)
_TEXT_JSON = tuple(_COPY_COLUMNS.index(name) for name in sorted(_JSON_FIELDS))
_TEXT_INTEGERS = tuple(_COPY_COLUMNS.index(name) for name in sorted(_INT_FIELDS))
# Columns that may be NULL (server/models/audit.py); a NULL anywhere else sends its chunk row by row.
_NULLABLE: tuple[str, ...] = ("after", "before", "comment", "correlation_id", "definition_version", "from_state")
_NULLABLE += ("on_behalf_of", "request_id", "rule_versions", "to_state")
_TEXT_NULLABLE = frozenset(_COPY_COLUMNS.index(name) for name in _NULLABLE)
_NULL_STRING: dict[Any, str] = {None: "\\N"}  # no string that reaches the join holds a backslash
_NULL_JSON: dict[Any, str] = {None: "null"}


def _sqlite_row(row: Sequence[Any]) -> tuple[Any, ...]:
    """A ``queries.chain_rows_sql`` row as a ``queries.CHAIN_COLUMN_NAMES`` tuple."""
    values = dict(zip(_COPY_COLUMNS, row, strict=False))
    return tuple(values[name] for name in _CHAIN)


def _sqlite_check(row: Sequence[Any]) -> tuple[int, Any, Any, str | None, Callable[[], tuple[Any, ...]]]:
    """One SQLite row for ``_Walk._check``, with orjson's encoding of it (JSON columns embedded as stored
    when the row says they are valid JSON: the writer stores them compact and key-sorted)."""
    fields = dict(zip(_COPY_COLUMNS, row, strict=False))
    digest = None
    if row[_NF]:
        try:
            for name in _JSON_FIELDS:
                if fields[name] is not None:
                    fields[name] = orjson.Fragment(fields[name])
            del fields["hash"]
            digest = hashlib.sha256(orjson.dumps(fields)).hexdigest()  # keys already in sorted order
        except (TypeError, ValueError):
            digest = None
    return (row[_SEQ], row[_PREV], row[_HASH], digest, functools.partial(_sqlite_row, row))


class _Walk:
    """One pass over a range of seqs: what broke inside it, and its two ends for joining it to its neighbours.

    The first row is taken as given (its hash is checked, its seq and link are not): the caller knows
    what came before the range and checks the joint in ``_join``. ``feed_copy`` takes PostgreSQL COPY
    text, ``feed_rows`` SQLite rows; a chunk that is not plainly intact goes through ``_check``, the
    rules row by row.
    """

    def __init__(self, checkpoint_seqs: Sequence[int] = ()) -> None:
        self.checked = 0
        self.first_row: tuple[Any, ...] | None = None
        self.last_seq = 0
        self.last_hash = GENESIS_HASH
        self.anomalies: list[_Anomaly] = []
        self.broken_rows = 0
        self.checkpoint_seqs = tuple(sorted(set(checkpoint_seqs)))
        self.checkpoint_set = frozenset(self.checkpoint_seqs)
        self.hash_at_checkpoint: dict[int, str] = {}  # the stored hash at each checkpointed seq walked

    def _start(self, first_row: tuple[Any, ...] | None) -> tuple[int, Any]:
        """The seq and prev_hash the next row must have; ``first_row`` starts the walk (None when it has started)."""
        if self.first_row is None and first_row is not None:
            self.first_row = first_row
            return int(first_row[0]), first_row[-2]
        return self.last_seq + 1, self.last_hash

    def _intact(self, first_seq: int, count: int, hash_at: Callable[[int], str]) -> None:
        """Record a chunk of ``count`` rows that all passed; ``hash_at(i)`` is the hash of its row ``i``."""
        seqs = self.checkpoint_seqs
        for i in range(bisect.bisect_left(seqs, first_seq), bisect.bisect_left(seqs, first_seq + count)):
            self.hash_at_checkpoint[seqs[i]] = hash_at(seqs[i] - first_seq)
        self.checked += count
        self.last_seq = first_seq + count - 1
        self.last_hash = hash_at(count - 1)

    def _check(
        self,
        rows: Sequence[tuple[int, Any, Any, str | None, Callable[[], tuple[Any, ...]]]],
        expected: int,
        last_hash: Any,
    ) -> None:
        """The rules, row by row: ``(seq, prev_hash, hash, digest or None, the row for the exact path)``.

        ``digest`` is the fast path's hash of the row, None when the fast path could not encode it exactly.
        """
        cps = self.checkpoint_set
        for seq, prev, h, digest, row_of in rows:
            row: tuple[Any, ...] | None = None
            if digest != h:
                row = row_of()
                digest = _exact_hash(row)
            hash_ok = h is not None and digest == h
            if not hash_ok or prev != last_hash or seq != expected:
                self._broken(row or row_of(), expected, hash_ok, prev == last_hash)
            if seq in cps:
                self.hash_at_checkpoint[seq] = h
            last_hash = h
            expected = seq + 1
        self.checked += len(rows)
        self.last_seq = expected - 1
        self.last_hash = last_hash

    def feed_copy(self, data: bytes) -> None:
        """Whole lines of ``queries.chain_copy_sql``'s COPY text: the hot path on PostgreSQL.

        Each row's canonical encoding is its fields as COPY prints them joined with ``_PIECES``. That is
        exact when no value needed escaping: COPY escapes backslashes and control characters with a
        backslash, so a rendering without any backslash had none of them; a string holding ``"`` is the
        other case, found per column. Such rows go the exact path, so the fast one only ever hashes
        well-formed JSON that holds exactly the row's values. Every line ends in an empty column, so
        splitting at tabs alone cuts the rows apart too: each row's hash field (its first) starts with
        the line break of the row before.
        """
        flat = data.split(b"\t")
        flat.pop()
        n = len(flat) // _NF
        if n == 0:
            return
        ats = flat[_AT::_NF]
        try:
            lengths = bytes(map(len, ats))
        except ValueError:  # a value of 256 bytes or more: not a time as PostgreSQL prints one
            lengths = b""
        if lengths.count(_FULL_AT) != n:
            for i in [m.start() for m in _SHORT_AT.finditer(lengths)] if lengths else range(n):
                ats[i] = _pad_at(ats[i])
        at_text = b"\n".join(ats) + b"\n"
        normalised = at_text.replace(b" ", b"T").replace(b"+00\n", b"Z\n").split(b"\n")
        normalised.pop()
        flat[_AT::_NF] = normalised
        parts = _PIECES * n
        for k in range(1, _NF):
            parts[2 * k - 1 :: _STRIDE] = flat[k::_NF]
        # a NULL string is "\N" now: make it null (data cannot print so: COPY doubles its backslashes)
        rendered = b"".join(parts).replace(b'"\\N"', b"null")  # type: ignore[arg-type]  # no None is left
        docs = rendered.split(_SEPARATOR)
        docs.pop()
        hashes, prevs, seqs = flat[_HASH::_NF], flat[_PREV::_NF], flat[_SEQ::_NF]
        if len(docs) != n:  # cannot happen (COPY escapes line breaks), but then count on nothing
            docs = [b""] * n
        expected, last_hash = self._start(_copy_row(flat, 0) if self.first_row is None else None)
        quoted = [k for k in _STRING_POSITIONS if b'"' in b"".join(flat[k::_NF])]
        escaped = b"\\" in rendered
        if (
            not quoted
            and not escaped
            and b'"' not in prevs[0]
            and _copy_text(prevs[0]) == last_hash
            and b"\n".join(prevs[1:]) == b"".join(hashes[:-1])
            and b"\n".join(seqs) == "\n".join(map(str, range(expected, expected + n))).encode()
            and "\n".join(map(_hexdigest, map(_sha256, docs))).encode() == b"".join(hashes)
        ):
            self._intact(expected, n, lambda i: _unprefixed(hashes[i]).decode())
            return
        inexact = {i for k in (*quoted, _PREV) for i, value in enumerate(flat[k::_NF]) if b'"' in value}
        if escaped:
            inexact.update(i for i, doc in enumerate(docs) if b"\\" in doc)
        self._check(
            [
                (
                    int(seqs[i]),
                    _copy_text(prevs[i]),
                    _copy_text(_unprefixed(hashes[i])),
                    None if i in inexact else _sha256(docs[i]).hexdigest(),
                    functools.partial(_copy_row, flat, i),
                )
                for i in range(n)
            ],
            expected,
            last_hash,
        )

    def feed_rows(self, batch: Sequence[Sequence[Any]]) -> None:
        """``queries.chain_rows_sql`` rows (SQLite): the hot path there.

        The rows are the stored values in ``_COPY_COLUMNS`` order and a last one saying whether the JSON
        columns hold valid JSON. A batch is encoded as ``feed_copy`` encodes COPY text, in one join: exact
        when each JSON column is valid JSON, each integer an integer, and no string holds ``"`` or ``\\``
        (other characters that JSON escapes are control characters, and a rendering holding one cannot be
        the canonical encoding of anything). Otherwise, or when anything fails, row by row: each row encoded
        by orjson (JSON columns embedded as they are when valid), and by the exact path when that misses.
        """
        if not batch:
            return
        n = len(batch)
        flat = list(itertools.chain.from_iterable(batch))
        stride = _NF + 1
        hashes, prevs, seqs = flat[_HASH::stride], flat[_PREV::stride], flat[_SEQ::stride]
        expected, last_hash = self._start(_sqlite_row(batch[0]) if self.first_row is None else None)
        try:
            if flat[_NF::stride].count(1) != n or prevs[0] != last_hash or prevs[1:] != hashes[:-1]:
                raise TypeError
            if seqs != list(range(expected, expected + n)):
                raise TypeError
            parts = _TEXT_PIECES * n
            strings = [flat[k::stride] for k in _TEXT_STRINGS]
            present = "".join(filter(None, itertools.chain.from_iterable(strings)))  # TypeError: not all text
            if '"' in present or "\\" in present:
                raise TypeError
            for k, column in zip(_TEXT_STRINGS, strings, strict=True):
                parts[2 * k - 1 :: _STRIDE] = map(_NULL_STRING.get, column, column) if k in _TEXT_NULLABLE else column
            for k in _TEXT_JSON:
                column = flat[k::stride]
                parts[2 * k - 1 :: _STRIDE] = map(_NULL_JSON.get, column, column) if k in _TEXT_NULLABLE else column
            for k in _TEXT_INTEGERS:
                column = flat[k::stride]
                if not all(map(isinstance, column, itertools.repeat((int, type(None))))):
                    raise TypeError
                parts[2 * k - 1 :: _STRIDE] = map(str, map(_NULL_JSON.get, column, column))
            text = "".join(parts)  # type: ignore[arg-type]  # every None was replaced
            docs = text.replace('"\\N"', "null").encode().split(_SEPARATOR)
            docs.pop()
            # a string may hold the separator here (nothing escapes it), which splits a row in two
            if len(docs) == n and "\n".join(map(_hexdigest, map(_sha256, docs))) == "\n".join(hashes):
                self._intact(expected, n, hashes.__getitem__)
                return
        except (TypeError, ValueError):  # not text where text belongs, text that is not UTF-8
            pass
        self._check([_sqlite_check(row) for row in batch], expected, last_hash)

    def _broken(self, row: Sequence[Any], expected: int, hash_ok: bool, link_ok: bool) -> None:
        self.broken_rows += 1
        if len(self.anomalies) < MAX_ANOMALIES:
            self.anomalies.append(_Anomaly(int(row[0]), expected, hash_ok, link_ok, tuple(row)))


def _join(walks: Sequence[_Walk]) -> _Walk:
    """Range walks in seq order joined into one, checking each joint (and the first against genesis)."""
    chain = _Walk()
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
        for seq, h in walk.hash_at_checkpoint.items():
            chain.hash_at_checkpoint.setdefault(seq, h)
    del chain.anomalies[MAX_ANOMALIES:]
    return chain


_Piece = tuple[int, int, str]  # low, high, and on PostgreSQL the COPY query of that range


class _Source:
    """One connection that walks pieces of the log: the caller's snapshot connection, or a helper's own."""

    async def walk(
        self, piece: _Piece, checkpoint_seqs: Sequence[int], progress: Callable[[int], None] | None
    ) -> _Walk:
        raise NotImplementedError

    async def close(self) -> None:
        """Close a connection this source opened itself."""


class _CopySource(_Source):
    """PostgreSQL: ``COPY (queries.chain_copy_sql) TO STDOUT`` over asyncpg, checked ``COPY_CHUNK_BYTES`` at a time.

    asyncpg stops reading the socket while a chunk is checked, so the server runs at most a socket
    buffer ahead and memory stays flat.
    """

    def __init__(self, driver: Any, owned: bool = False) -> None:
        self.driver = driver
        self.owned = owned

    async def walk(
        self, piece: _Piece, checkpoint_seqs: Sequence[int], progress: Callable[[int], None] | None
    ) -> _Walk:
        walk = _Walk(checkpoint_seqs)
        pending: list[bytes] = []
        size = 0

        async def sink(data: bytes | bytearray) -> None:
            nonlocal size
            data = bytes(data)  # asyncpg hands over a bytearray: pieces of bytes are cheaper
            if not pending and len(data) >= COPY_CHUNK_BYTES and data.endswith(b"\n"):
                walk.feed_copy(data)  # asyncpg hands over whole rows (one CopyData message each), so usually so
            else:
                pending.append(data)
                size += len(data)
                if size < COPY_CHUNK_BYTES:
                    return
                chunk = b"".join(pending)
                cut = chunk.rfind(b"\n") + 1
                walk.feed_copy(chunk[:cut])
                pending[:] = [chunk[cut:]] if cut < len(chunk) else []
                size = len(chunk) - cut
            if progress is not None:
                progress(walk.checked)

        await self.driver.copy_from_query(piece[2], output=sink)
        walk.feed_copy(b"".join(pending))
        if progress is not None:
            progress(walk.checked)
        return walk

    async def close(self) -> None:
        if self.owned:
            await self.driver.close()


class _RowsSource(_Source):
    """SQLite over aiosqlite: ``queries.chain_rows_sql`` rows, a batch at a time.

    Fetching the next batch while this one is checked does not pay: the driver's thread needs the GIL
    for every row it builds, and waits for it while this thread hashes.
    """

    def __init__(self, driver: Any, rows_sql: str, owned: bool = False) -> None:
        self.driver = driver
        self.rows_sql = rows_sql
        self.owned = owned

    async def walk(
        self, piece: _Piece, checkpoint_seqs: Sequence[int], progress: Callable[[int], None] | None
    ) -> _Walk:
        walk = _Walk(checkpoint_seqs)
        cursor = await self.driver.execute(self.rows_sql, piece[:2])
        try:
            while rows := await cursor.fetchmany(SQLITE_BATCH):
                for start in range(0, len(rows), SQLITE_CHUNK):
                    walk.feed_rows(rows[start : start + SQLITE_CHUNK])
                if progress is not None:
                    progress(walk.checked)
        finally:
            await cursor.close()
        return walk

    async def close(self) -> None:
        if self.owned:
            await self.driver.close()


async def _open_source(config: dict[str, Any]) -> _Source:
    """A helper process's own connection, on the caller's snapshot where the database can share one."""
    if config["kind"] == "postgresql":
        import asyncpg  # type: ignore[import-untyped]

        driver = await asyncpg.connect(config["target"])
        await driver.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        if config["snapshot"]:
            await driver.execute(f"SET TRANSACTION SNAPSHOT '{config['snapshot']}'")
        await driver.execute(config["settings"])
        return _CopySource(driver, owned=True)
    import aiosqlite

    driver = await aiosqlite.connect(config["target"], isolation_level=None)
    await driver.execute("PRAGMA busy_timeout=10000")
    await driver.execute("PRAGMA query_only=1")
    await driver.execute("BEGIN")
    return _RowsSource(driver, config["rows_sql"], owned=True)


def _frame(value: Any) -> bytes:
    data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
    return struct.pack(">I", len(data)) + data


_HELPER_CODE = "from server.audit.verify import _helper_main; _helper_main()"
_ROOT = str(Path(__file__).resolve().parents[2])  # on the helpers' PYTHONPATH, so ``server`` imports from anywhere


def _helper_main() -> None:
    """A helper process: read its config, then walk each piece it is sent (pickles over stdin and stdout)."""
    source_in, result_out = sys.stdin.buffer, sys.stdout.buffer
    sys.stdout = sys.stderr  # anything printed must not get into the results

    def read() -> Any:
        header = source_in.read(4)
        if len(header) < 4:
            return None
        return pickle.loads(source_in.read(struct.unpack(">I", header)[0]))

    def write(value: Any) -> None:
        result_out.write(_frame(value))
        result_out.flush()

    async def run() -> None:
        config = read()
        source: _Source | None = None
        failure = None
        try:
            source = await _open_source(config)
        except Exception:
            failure = traceback.format_exc()
        write(("ready", None) if source is not None else ("error", failure))
        try:
            while (piece := read()) is not None:
                if source is None:
                    write(("error", failure))
                    continue
                try:
                    write(("walk", await source.walk(piece, config["checkpoint_seqs"], None)))
                except Exception:
                    write(("error", traceback.format_exc()))
        finally:
            if source is not None:
                await source.close()

    asyncio.run(run())


class _Helper:
    """The caller's end of a helper process: it says when it is ready, then walks the pieces it is sent."""

    def __init__(self, process: asyncio.subprocess.Process) -> None:
        self.process = process
        self.started = False  # said it is ready
        self.working = False  # walking a piece: the caller must wait for it

    @classmethod
    async def start(cls, config: dict[str, Any]) -> _Helper:
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")]))}
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-c", _HELPER_CODE, stdin=asyncio.subprocess.PIPE, stdout=asyncio.subprocess.PIPE, env=env
        )
        helper = cls(process)
        assert process.stdin is not None
        process.stdin.write(_frame(config))
        await process.stdin.drain()
        return helper

    async def _receive(self) -> Any:
        assert self.process.stdout is not None
        try:
            header = await self.process.stdout.readexactly(4)
            kind, value = pickle.loads(await self.process.stdout.readexactly(struct.unpack(">I", header)[0]))
        except asyncio.IncompleteReadError as exc:
            raise RuntimeError(f"an audit verification process exited ({self.process.returncode})") from exc
        if kind == "error":
            raise RuntimeError(f"an audit verification process failed:\n{value}")
        return value

    async def ready(self) -> None:
        await self._receive()
        self.started = True

    async def walk(self, piece: _Piece) -> _Walk:
        assert self.process.stdin is not None
        self.working = True
        self.process.stdin.write(_frame(piece))
        await self.process.stdin.drain()
        value = await self._receive()
        self.working = False
        assert isinstance(value, _Walk)
        return value

    async def close(self) -> None:
        """End the process: it exits when it reads the end of its input; one still starting is killed."""
        if self.process.returncode is None and not self.started:
            self.process.kill()
        if self.process.stdin is not None and not self.process.stdin.is_closing():
            self.process.stdin.close()
        try:
            await asyncio.wait_for(self.process.wait(), 10)
        except TimeoutError:
            self.process.kill()
            await self.process.wait()


def _split_range(low: int, high: int, workers: int, copy_sql: Callable[[int, int], str] | None) -> list[_Piece]:
    """``low``..``high`` cut into about ``PIECES_PER_WORKER`` pieces per process of at most ``MAX_PIECE`` seqs."""
    span = max(1, min(MAX_PIECE, -(-(high - low + 1) // (workers * PIECES_PER_WORKER))))
    return [
        (a, min(a + span - 1, high), copy_sql(a, min(a + span - 1, high)) if copy_sql else "")
        for a in range(low, high + 1, span)
    ]


async def _walk_log(
    db: Database,
    conn: AsyncConnection,
    low: int,
    high: int,
    workers: int,
    checkpoint_seqs: Sequence[int],
    on_progress: Callable[[int], None] | None,
) -> list[_Walk]:
    """Walk ``low``..``high`` on ``conn`` (the caller's snapshot) and, with ``workers`` > 1, in helper processes.

    Helpers read the same rows: on PostgreSQL they import ``conn``'s exported snapshot; on SQLite the rows
    up to ``high`` were committed before ``conn``'s snapshot and are never changed.
    """
    from server.audit import queries

    driver: Any = (await conn.get_raw_connection()).driver_connection
    source: _Source
    config: dict[str, Any] = {"checkpoint_seqs": tuple(checkpoint_seqs)}
    if db.is_sqlite:
        source = _RowsSource(driver, queries.chain_rows_sql())
        path = db.engine.url.database
        if not path or path == ":memory:" or path.startswith("file:"):
            workers = 1
        config.update(kind="sqlite", target=path, rows_sql=source.rows_sql)
        copy_sql = None
    else:
        await driver.execute(queries.PG_STREAM_SETTINGS)
        source = _CopySource(driver)
        target = db.engine.url.set(drivername="postgresql").render_as_string(hide_password=False)
        config.update(kind="postgresql", target=target, settings=queries.PG_STREAM_SETTINGS, snapshot=None)
        copy_sql = queries.chain_copy_sql
    if workers <= 1 or high == low or not sys.executable:  # one process (or no interpreter for helpers)
        return [await source.walk((low, high, copy_sql(low, high) if copy_sql else ""), checkpoint_seqs, on_progress)]

    if not db.is_sqlite:
        config["snapshot"] = await driver.fetchval("SELECT pg_export_snapshot()")
    pieces = _split_range(low, high, workers, copy_sql)
    results: list[_Walk | None] = [None] * len(pieces)
    queue = collections.deque(range(len(pieces)))
    done = {"finished": 0, "here": 0}

    def report(here: int) -> None:
        done["here"] = here
        if on_progress is not None:
            on_progress(done["finished"] + done["here"])

    async def walk_here() -> None:
        while queue:
            i = queue.popleft()
            results[i] = walk = await source.walk(pieces[i], checkpoint_seqs, report)
            done["finished"] += walk.checked
            report(0)

    async def walk_there(helper: _Helper) -> None:
        await helper.ready()  # no piece waits on a helper that is still starting
        while queue:
            i = queue.popleft()
            results[i] = walk = await helper.walk(pieces[i])
            done["finished"] += walk.checked
            report(done["here"])

    helpers: list[_Helper] = []
    tasks: list[asyncio.Task[None]] = []
    try:
        for _ in range(min(workers, len(pieces)) - 1):
            helpers.append(await _Helper.start(config))
        tasks = [asyncio.create_task(walk_there(helper)) for helper in helpers]
        await walk_here()
        for helper, task in zip(helpers, tasks, strict=True):
            if not helper.working:  # the queue is empty: nothing left for it
                task.cancel()
        for outcome in await asyncio.gather(*tasks, return_exceptions=True):
            if isinstance(outcome, BaseException) and not isinstance(outcome, asyncio.CancelledError):
                raise outcome
    finally:
        for task in tasks:
            task.cancel()
        for helper in helpers:
            await helper.close()
    return [walk for walk in results if walk is not None]


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
        if seq != anomaly.seq and seq > 0 and _exact_hash(anomaly.row, seq) == stored:
            return seq
    return None


async def _chain_finding(conn: AsyncConnection, walk: _Walk) -> _Finding | None:
    from server.audit import queries

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
        if (
            original == k + 1
            and following is not None
            and not following.hash_ok
            and _exact_hash(following.row, k) == following.row[-1]
        ):
            return _Finding(
                k,
                Problem.REORDERED,
                f"events {k} and {k + 1} were reordered: each holds the event that belongs at the other's seq",
            )
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


def _anchor_finding(walk: _Walk, anchors: Sequence[Anchor]) -> _Finding | None:
    """Every signed anchor, lowest seq first: the first the log no longer reaches (**truncated**) or no
    longer matches (**rewritten**).

    A consistent rewrite (every hash after the change recomputed) shows only at anchors, so it is
    located between the newest anchor below it that still holds and the first that does not.
    """
    intact, intact_label = 0, ""
    for anchor in sorted((a for a in anchors if a.seq > 0), key=lambda a: a.seq):
        if anchor.seq > walk.last_seq:
            last = walk.last_seq
            return _Finding(
                last + 1,
                Problem.TRUNCATED,
                f"{anchor.label} covers event {anchor.seq}, but the log ends at event {last}: "
                f"{_span(last + 1, anchor.seq)} {'was' if anchor.seq == last + 1 else 'were'} cut from the tail",
            )
        stored = walk.hash_at_checkpoint.get(anchor.seq)
        if stored is not None and stored != anchor.hash:
            said = f"event {anchor.seq} has hash {stored[:12]}…, but {anchor.label} says {anchor.hash[:12]}…"
            if not intact:
                return _Finding(
                    anchor.seq, Problem.REWRITTEN, f"{said}: the chain up to event {anchor.seq} was rewritten", 0
                )
            return _Finding(
                anchor.seq,
                Problem.REWRITTEN,
                f"{said}: the chain was rewritten from an event between {intact + 1} and {anchor.seq} "
                f"(event {intact} still has the hash {intact_label} signed)",
                intact,
            )
        if stored == anchor.hash:
            intact, intact_label = anchor.seq, anchor.label
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
    anchors: Sequence[Anchor] = (),
    on_progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> VerificationReport:
    """Recompute the whole chain; ``on_progress`` gets the number of events checked so far.

    ``checkpoint`` is the newest checkpoint and ``anchors`` every other signed ``(seq, hash)`` to hold
    the log to (older checkpoints, the last verified head): each is checked, so a rewrite is located
    between two of them. Read them before calling, so that one signed meanwhile cannot be newer than
    the snapshot. ``workers`` > 1 hashes in that many processes (this one and ``workers - 1`` helpers);
    None picks ``default_workers`` for the length of the log.
    """
    from server.audit import queries

    every = [*anchors, *([checkpoint] if checkpoint is not None and checkpoint not in anchors else [])]
    conn = await _snapshot(db)
    try:
        head = await queries.read_head(conn)
        bounds = await queries.seq_bounds(conn)
        walks: list[_Walk] = []
        if bounds is not None:
            low, high = bounds
            count = default_workers(high - low + 1) if workers is None else workers
            walks = await _walk_log(db, conn, low, high, count, [a.seq for a in every], on_progress)
        chain = _join(walks)
        chain_finding = await _chain_finding(conn, chain)
    finally:
        await conn.close()
    findings = [f for f in (chain_finding, _anchor_finding(chain, every), _head_finding(chain, head)) if f is not None]
    if not findings:
        explanation = f"the chain holds: {chain.checked} events checked, head at event {chain.last_seq}"
        if checkpoint is not None:
            explanation += f", consistent with the checkpoint of event {checkpoint.seq}"
        others = len(every) - (checkpoint is not None)
        if others:
            explanation += f" and {others} other signed {'head' if others == 1 else 'heads'}"
        return VerificationReport(True, chain.checked, None, chain.last_hash, None, explanation, checkpoint)
    worst = min(findings, key=lambda f: f.seq)
    explanation = worst.explanation
    if chain.broken_rows > 1:
        explanation += f" ({chain.broken_rows} rows fail a check in all)"
    return VerificationReport(
        False, chain.checked, worst.seq, chain.last_hash, worst.problem, explanation, checkpoint, worst.intact
    )
