"""The canonical encoding of an audit event, every way it is built, and its SHA-256 chain hash.

An event's hash is ``sha256(canonical(event))`` where ``canonical`` is the UTF-8 JSON of
``HASHED_FIELDS`` with sorted keys and no whitespace (orjson ``OPT_SORT_KEYS``), ``at`` written as
``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC, and ``prev_hash`` included, so each hash commits to the whole
chain before it. The first event's ``prev_hash`` is ``GENESIS_HASH``. docs/audit.md documents the same.

The same bytes are built in other ways where speed needs it, all here so that they change together
(tests/server/test_audit_writer.py and test_audit_verify.py prove each equal to ``canonical``):

- ``canonical_pieces``: the writer on PostgreSQL, cut around ``at``, ``prev_hash`` and ``seq`` so
  that the database puts its own values between the pieces;
- ``row_hash``: the verifier's exact path, from a stored row (JSON text parsed, ``at`` formatted again);
- ``join_copy_fields``: the verifier's fast path on PostgreSQL, COPY text fields joined with ``PIECES``;
- ``join_text_fields``: the fast path on SQLite, the same pieces joined as text;
- ``orjson_digest``: SQLite row by row, JSON columns embedded as stored.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import itertools
import secrets
from collections.abc import Mapping, Sequence
from typing import Any

import orjson

GENESIS_HASH = "0" * 64

HASHED_FIELDS: tuple[str, ...] = (
    "seq",
    "at",
    "actor",
    "on_behalf_of",
    "actor_roles",
    "action",
    "entity_type",
    "entity_id",
    "request_id",
    "correlation_id",
    "from_state",
    "to_state",
    "before",
    "after",
    "comment",
    "definition_version",
    "rule_versions",
    "prev_hash",
)


def format_at(at: dt.datetime) -> str:
    """UTC with microseconds; a naive value (as SQLite returns it) is taken to be UTC already."""
    if at.tzinfo is not None:
        at = at.astimezone(dt.UTC).replace(tzinfo=None)
    return at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(fields: Mapping[str, Any]) -> bytes:
    doc = {name: fields.get(name) for name in HASHED_FIELDS}
    at = doc["at"]
    if isinstance(at, dt.datetime):
        doc["at"] = format_at(at)
    return orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)


def event_hash(fields: Mapping[str, Any]) -> str:
    return hashlib.sha256(canonical(fields)).hexdigest()


# ------------------------------------------------------------------ the writer's pieces (PostgreSQL)

# Stand-ins for the three values only the server knows, unguessable per process. Sorted keys put them
# in this order in every encoding: ..."at":"<at>",..."prev_hash":"<prev_hash>",..."seq":<seq>,...
_MARK = secrets.token_hex(16)
_AT_MARK = f"asnflow-at-{_MARK}"
_PREV_MARK = f"asnflow-prev-{_MARK}"
_SEQ_MARK = f"asnflow-seq-{_MARK}"
_AT_CUT = _AT_MARK.encode()
_PREV_CUT = _PREV_MARK.encode()
_SEQ_CUT = b'"' + _SEQ_MARK.encode() + b'"'  # seq is a JSON number: its quotes go too


def canonical_pieces(row: Mapping[str, Any]) -> tuple[bytes, bytes, bytes, bytes] | None:
    """``canonical(row)`` cut around ``at``, ``prev_hash`` and ``seq``: for any values of those,
    canonical = p0 + at + p1 + prev_hash + p2 + seq + p3 (``at`` as ``format_at`` writes it).
    None when a marker also occurs elsewhere in the encoding (then the cut could be in the wrong place)."""
    encoded = canonical({**row, "at": _AT_MARK, "prev_hash": _PREV_MARK, "seq": _SEQ_MARK})
    at, prev, seq = (_only(encoded, cut) for cut in (_AT_CUT, _PREV_CUT, _SEQ_CUT))
    if not 0 <= at < prev < seq:  # the order sorted keys give; never hash the pieces in another
        return None
    return (
        encoded[:at],
        encoded[at + len(_AT_CUT) : prev],
        encoded[prev + len(_PREV_CUT) : seq],
        encoded[seq + len(_SEQ_CUT) :],
    )


def _only(encoded: bytes, cut: bytes) -> int:
    """Where ``cut`` starts if it occurs exactly once (overlaps counted), else -1."""
    at = encoded.find(cut)
    return at if at >= 0 and encoded.find(cut, at + 1) < 0 else -1


# ------------------------------------------------------------------ the verifier's exact path

# A row in ``queries.CHAIN_COLUMN_NAMES`` order (the exact path's input), and ``queries.chain_copy_sql``'s
# columns: hash, then the hashed fields sorted as the canonical encoding sorts its keys (then an empty one).
CHAIN = (*HASHED_FIELDS, "hash")
COPY_COLUMNS = ("hash", *sorted(HASHED_FIELDS))
JSON_FIELDS = frozenset({"actor_roles", "before", "after", "rule_versions"})
INT_FIELDS = frozenset({"seq", "request_id"})
NF = len(COPY_COLUMNS)
HASH, AT, SEQ, PREV = (COPY_COLUMNS.index(name) for name in ("hash", "at", "seq", "prev_hash"))


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


def exact_hash(row: Sequence[Any], seq: int | None = None) -> str | None:
    """``row_hash``, or None for a row that has no canonical encoding (a time that is no time, JSON
    that does not parse)."""
    try:
        return row_hash(row, seq)
    except (ValueError, TypeError, AttributeError, orjson.JSONDecodeError):
        return None


# ------------------------------------------------------------------ the verifier's fast paths

# JSON strings taken from stored text as is (``at`` is printed by the server; prev_hash is checked on its own)
STRING_POSITIONS = tuple(
    i for i, name in enumerate(COPY_COLUMNS) if name not in JSON_FIELDS | INT_FIELDS | {"hash", "at", "prev_hash"}
)
# One row's canonical encoding is its COPY fields (all but the hash) joined with these pieces between
# them: keys, the quotes around strings, braces; then a separator that data cannot hold (COPY escapes
# line breaks), several bytes long so that splitting at it skips along the text.
SEPARATOR = b"\n" * 8


def _encoding_pieces() -> list[bytes | None]:
    pieces: list[bytes | None] = []
    text = b"{"
    for name in COPY_COLUMNS[1:]:
        quote = b"" if name in JSON_FIELDS | INT_FIELDS else b'"'
        pieces += [text + b'"%b":' % name.encode() + quote, None]  # None: the field goes here
        text = quote + b","
    pieces.append(text[:-1] + b"}" + SEPARATOR)
    return pieces


PIECES = _encoding_pieces()
STRIDE = len(PIECES)


def join_copy_fields(flat: list[bytes], n: int) -> bytes:
    """``n`` rows of split COPY fields (``at`` already in canonical form) as their encodings, each
    followed by ``SEPARATOR``: exact when no field needed escaping and no string holds ``"``."""
    parts: list[Any] = PIECES * n
    for k in range(1, NF):
        parts[2 * k - 1 :: STRIDE] = flat[k::NF]
    # a NULL string is "\N" now: make it null (data cannot print so: COPY doubles its backslashes)
    return b"".join(parts).replace(b'"\\N"', b"null")


_TEXT_PIECES = [None if piece is None else piece.decode() for piece in PIECES]
_TEXT_STRINGS = (*STRING_POSITIONS, AT, PREV)
_TEXT_JSON = tuple(COPY_COLUMNS.index(name) for name in sorted(JSON_FIELDS))
_TEXT_INTEGERS = tuple(COPY_COLUMNS.index(name) for name in sorted(INT_FIELDS))
# Columns that may be NULL (server/models/audit.py); a NULL anywhere else sends its chunk row by row.
_NULLABLE: tuple[str, ...] = ("after", "before", "comment", "correlation_id", "definition_version", "from_state")
_NULLABLE += ("on_behalf_of", "request_id", "rule_versions", "to_state")
_TEXT_NULLABLE = frozenset(COPY_COLUMNS.index(name) for name in _NULLABLE)
_NULL_STRING: dict[Any, str] = {None: "\\N"}  # no string that reaches the join holds a backslash
_NULL_JSON: dict[Any, str] = {None: "null"}


def join_text_fields(flat: list[Any], n: int, stride: int) -> list[bytes]:
    """``n`` SQLite rows (flattened, ``stride`` values each, ``COPY_COLUMNS`` order) as their encodings.

    Raises TypeError where the join would not be exact: a string holding ``"`` or ``\\``, a value
    that is not text where text belongs, an integer column holding anything but integers. The caller
    has checked that every JSON column holds valid JSON.
    """
    parts: list[Any] = _TEXT_PIECES * n
    strings = [flat[k::stride] for k in _TEXT_STRINGS]
    present = "".join(filter(None, itertools.chain.from_iterable(strings)))  # TypeError: not all text
    if '"' in present or "\\" in present:
        raise TypeError
    for k, column in zip(_TEXT_STRINGS, strings, strict=True):
        parts[2 * k - 1 :: STRIDE] = map(_NULL_STRING.get, column, column) if k in _TEXT_NULLABLE else column
    for k in _TEXT_JSON:
        column = flat[k::stride]
        parts[2 * k - 1 :: STRIDE] = map(_NULL_JSON.get, column, column) if k in _TEXT_NULLABLE else column
    for k in _TEXT_INTEGERS:
        column = flat[k::stride]
        if not all(map(isinstance, column, itertools.repeat((int, type(None))))):
            raise TypeError
        parts[2 * k - 1 :: STRIDE] = map(str, map(_NULL_JSON.get, column, column))
    docs = "".join(parts).replace('"\\N"', "null").encode().split(SEPARATOR)
    docs.pop()
    return docs


def orjson_digest(row: Sequence[Any]) -> str | None:
    """One SQLite row (``COPY_COLUMNS`` order) hashed through orjson, JSON columns embedded as stored
    (the writer stores them compact and key-sorted); None when the row cannot be encoded so."""
    fields = dict(zip(COPY_COLUMNS, row, strict=False))
    try:
        for name in JSON_FIELDS:
            if fields[name] is not None:
                fields[name] = orjson.Fragment(fields[name])
        del fields["hash"]
        return hashlib.sha256(orjson.dumps(fields)).hexdigest()  # keys already in sorted order
    except (TypeError, ValueError):
        return None
