"""GraphQL over HTTP's two response media types, and which one a client asked for.

``application/json`` is the legacy type: every well-formed request is answered 200, request errors
included (a client of that type reads ``errors``, not the status). ``application/graphql-response+json``
is the type the GraphQL-over-HTTP specification prefers: a request that never reached execution
(a document that does not parse or validate, variables that do not coerce, a query over our cost,
depth or token limits) is answered **400 without a ``data`` entry**, while a result that executed,
even with field errors or ``data: null``, stays 200. A client gets the new type when its ``Accept``
names it at least as strongly as ``application/json``; ``*/*`` and a missing header keep the legacy
type, so no existing client sees a changed status.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"


def _ranges(accept: str) -> dict[str, float]:
    """``Accept`` -> media range -> its quality (the highest given, a malformed ``q`` read as 1)."""
    found: dict[str, float] = {}
    for part in accept.split(","):
        pieces = [p.strip() for p in part.split(";")]
        media = pieces[0].lower()
        if not media:
            continue
        quality = 1.0
        for param in pieces[1:]:
            name, _, value = param.partition("=")
            if name.strip().lower() == "q":
                try:
                    quality = max(0.0, min(1.0, float(value)))
                except ValueError:
                    quality = 1.0
        found[media] = max(found.get(media, 0.0), quality)
    return found


def wants_graphql_response(accept: str | None) -> bool:
    """The client named ``application/graphql-response+json`` with a quality no lower than ``application/json``."""
    if not accept:
        return False
    ranges = _ranges(accept)
    preferred = ranges.get(GRAPHQL_RESPONSE, 0.0)
    return preferred > 0 and preferred >= ranges.get(JSON, 0.0)


def is_request_error(body: Mapping[str, Any]) -> bool:
    """The result of a request that never executed: no data and only errors without a ``path``.

    Parse, validation and variable-coercion errors (and our limits, which run as validation) carry no
    path; an error raised while executing a field always does, even when it nulls the whole ``data``.
    """
    errors = body.get("errors") or []
    return body.get("data") is None and bool(errors) and all("path" not in e for e in errors)
