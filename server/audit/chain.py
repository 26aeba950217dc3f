"""The canonical encoding of an audit event and its SHA-256 chain hash.

An event's hash is ``sha256(canonical(event))`` where ``canonical`` is the UTF-8 JSON of the fields
below with sorted keys and no whitespace (orjson ``OPT_SORT_KEYS``), ``at`` written as
``YYYY-MM-DDTHH:MM:SS.ffffffZ`` in UTC, and ``prev_hash`` included, so each hash commits to the whole
chain before it. The first event's ``prev_hash`` is ``GENESIS_HASH``. docs/audit.md documents the same.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
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


def to_json_value(value: Any) -> Any:
    """Turn dates, decimals and the like into plain JSON values, so what is hashed is what is stored."""
    if value is None:
        return None
    return orjson.loads(orjson.dumps(value, default=str))
