"""The fast path: one pass over a range of seqs, a chunk at a time, and the joining of ranges.

Rows are checked a chunk of a few hundred at a time, with C-level operations over the whole chunk
instead of Python work per row wherever possible: the chunk's encodings are built in one join
(``encoding.join_copy_fields`` / ``join_text_fields``), hashed with ``map``, and the digests, links and
seqs of the chunk are compared as joined strings. A chunk with any irregularity (a mismatch, a gap, a
broken link, a value the joined encoding cannot express exactly) is checked again row by row
(``Walk._check``), each suspect row by the exact path (``encoding.row_hash``). Rows that fail are kept
(at most ``MAX_ANOMALIES``) for ``findings`` to tell an edit from a deletion, a reordering or a forgery.
"""

from __future__ import annotations

import bisect
import functools
import hashlib
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from server.audit.copy_text import canonical_ats, copy_row, copy_text, unprefixed
from server.audit.encoding import (
    AT,
    CHAIN,
    COPY_COLUMNS,
    GENESIS_HASH,
    HASH,
    NF,
    PREV,
    SEPARATOR,
    SEQ,
    STRING_POSITIONS,
    exact_hash,
    join_copy_fields,
    join_text_fields,
    orjson_digest,
)

MAX_ANOMALIES = 64
_sha256 = hashlib.sha256
_hexdigest: Callable[[Any], str] = type(hashlib.sha256()).hexdigest
# (seq, prev_hash, hash, the fast path's digest or None, the row for the exact path) of one row
_Checked = tuple[int, Any, Any, str | None, Callable[[], tuple[Any, ...]]]


@dataclass(frozen=True)
class Anomaly:
    """A row that failed a local check: its seq, the seq it should have had, and which checks failed."""

    seq: int
    expected_seq: int
    hash_ok: bool
    link_ok: bool
    row: tuple[Any, ...]


def _sqlite_row(row: Sequence[Any]) -> tuple[Any, ...]:
    """A ``queries.chain_rows_sql`` row as a ``queries.CHAIN_COLUMN_NAMES`` tuple."""
    values = dict(zip(COPY_COLUMNS, row, strict=False))
    return tuple(values[name] for name in CHAIN)


def _sqlite_check(row: Sequence[Any]) -> _Checked:
    """One SQLite row for ``Walk._check``, with orjson's encoding of it when the row says its JSON
    columns hold valid JSON."""
    digest = orjson_digest(row) if row[NF] else None
    return (row[SEQ], row[PREV], row[HASH], digest, functools.partial(_sqlite_row, row))


class Walk:
    """One pass over a range of seqs: what broke inside it, and its two ends for joining it to its neighbours.

    The first row is taken as given (its hash is checked, its seq and link are not): the caller knows
    what came before the range and checks the joint in ``join``. ``feed_copy`` takes PostgreSQL COPY
    text, ``feed_rows`` SQLite rows; a chunk that is not plainly intact goes through ``_check``, the
    rules row by row.
    """

    def __init__(self, checkpoint_seqs: Sequence[int] = ()) -> None:
        self.checked = 0
        self.first_row: tuple[Any, ...] | None = None
        self.last_seq = 0
        self.last_hash = GENESIS_HASH
        self.anomalies: list[Anomaly] = []
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

    def _check(self, rows: Sequence[_Checked], expected: int, last_hash: Any) -> None:
        """The rules, row by row: ``(seq, prev_hash, hash, digest or None, the row for the exact path)``.

        ``digest`` is the fast path's hash of the row, None when the fast path could not encode it exactly.
        """
        cps = self.checkpoint_set
        for seq, prev, h, digest, row_of in rows:
            row: tuple[Any, ...] | None = None
            if digest != h:
                row = row_of()
                digest = exact_hash(row)
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

        Each row's canonical encoding is its fields as COPY prints them joined with ``encoding.PIECES``.
        That is exact when no value needed escaping: COPY escapes backslashes and control characters
        with a backslash, so a rendering without any backslash had none of them; a string holding ``"``
        is the other case, found per column. Such rows go the exact path, so the fast one only ever
        hashes well-formed JSON that holds exactly the row's values.
        """
        flat = data.split(b"\t")
        flat.pop()
        n = len(flat) // NF
        if n == 0:
            return
        flat[AT::NF] = canonical_ats(flat[AT::NF])
        rendered = join_copy_fields(flat, n)
        docs = rendered.split(SEPARATOR)
        docs.pop()
        hashes, prevs, seqs = flat[HASH::NF], flat[PREV::NF], flat[SEQ::NF]
        if len(docs) != n:  # cannot happen (COPY escapes line breaks), but then count on nothing
            docs = [b""] * n
        expected, last_hash = self._start(copy_row(flat, 0) if self.first_row is None else None)
        quoted = [k for k in STRING_POSITIONS if b'"' in b"".join(flat[k::NF])]
        escaped = b"\\" in rendered
        if (
            not quoted
            and not escaped
            and b'"' not in prevs[0]
            and copy_text(prevs[0]) == last_hash
            and b"\n".join(prevs[1:]) == b"".join(hashes[:-1])
            and b"\n".join(seqs) == "\n".join(map(str, range(expected, expected + n))).encode()
            and "\n".join(map(_hexdigest, map(_sha256, docs))).encode() == b"".join(hashes)
        ):
            self._intact(expected, n, lambda i: unprefixed(hashes[i]).decode())
            return
        inexact = {i for k in (*quoted, PREV) for i, value in enumerate(flat[k::NF]) if b'"' in value}
        if escaped:
            inexact.update(i for i, doc in enumerate(docs) if b"\\" in doc)
        self._check(
            [
                (
                    int(seqs[i]),
                    copy_text(prevs[i]),
                    copy_text(unprefixed(hashes[i])),
                    None if i in inexact else _sha256(docs[i]).hexdigest(),
                    functools.partial(copy_row, flat, i),
                )
                for i in range(n)
            ],
            expected,
            last_hash,
        )

    def feed_rows(self, batch: Sequence[Sequence[Any]]) -> None:
        """``queries.chain_rows_sql`` rows (SQLite): the hot path there.

        The rows are the stored values in ``COPY_COLUMNS`` order and a last one saying whether the JSON
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
        stride = NF + 1
        hashes, prevs, seqs = flat[HASH::stride], flat[PREV::stride], flat[SEQ::stride]
        expected, last_hash = self._start(_sqlite_row(batch[0]) if self.first_row is None else None)
        try:
            if flat[NF::stride].count(1) != n or prevs[0] != last_hash or prevs[1:] != hashes[:-1]:
                raise TypeError
            if seqs != list(range(expected, expected + n)):
                raise TypeError
            docs = join_text_fields(flat, n, stride)
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
            self.anomalies.append(Anomaly(int(row[0]), expected, hash_ok, link_ok, tuple(row)))


def join(walks: Sequence[Walk], start: tuple[int, str] = (0, GENESIS_HASH)) -> Walk:
    """Range walks in seq order joined into one, checking each joint (and the first against ``start``:
    the genesis hash before event 1, or a verified ``(seq, hash)`` the walks continue)."""
    chain = Walk()
    chain.last_seq, chain.last_hash = start
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
                Anomaly(first_seq, chain.last_seq + 1, not hash_failed, first_prev == chain.last_hash, walk.first_row)
            )
        chain.anomalies.extend(own)
        chain.checked += walk.checked
        chain.last_seq, chain.last_hash = walk.last_seq, walk.last_hash
        for seq, h in walk.hash_at_checkpoint.items():
            chain.hash_at_checkpoint.setdefault(seq, h)
    del chain.anomalies[MAX_ANOMALIES:]
    return chain
