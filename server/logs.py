"""Structured JSON log lines (structlog renders them), each carrying the request's correlation id (and the
client's own id, if it sent one).

Code logs through the standard ``logging`` module as it always has; ``JsonFormatter`` (structlog's
``ProcessorFormatter``) turns every record into one JSON object: ``time``, ``level``, ``logger``, ``message``,
``request_id``, ``client_request_id`` when the client sent one, the record's ``extra`` fields named in
``FIELDS``, and ``exception`` with the traceback.

The access line (schema/access.py), written once per request, takes structlog's own fast path instead:
a filtering logger that drops lines below the level for nothing and renders the same keys with orjson
straight to stderr, about 13 µs a line against 45 µs through ``logging``. ``configure`` sets up both.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, BinaryIO

import orjson
import structlog
from structlog.typing import EventDict, Processor, WrappedLogger

from server import request_context

# ``extra`` fields a ``logging`` record may carry into its JSON line
FIELDS = ("method", "path", "status", "duration_ms", "user_id")


def _ids(_: WrappedLogger, __: str, event: EventDict) -> EventDict:
    event["request_id"] = request_context.correlation_id.get()
    client_id = request_context.client_request_id.get()
    if client_id is not None:
        event["client_request_id"] = client_id
    return event


def _dumps(event: EventDict, **_: Any) -> str:
    return orjson.dumps(event, default=str).decode()


def _chain() -> list[Processor]:
    """What every line goes through, from a ``logging`` record or a structlog logger alike."""
    return [
        structlog.stdlib.add_log_level,
        structlog.stdlib.add_logger_name,
        structlog.stdlib.ExtraAdder(FIELDS),
        structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
        _ids,
        structlog.processors.format_exc_info,
    ]


class JsonFormatter(structlog.stdlib.ProcessorFormatter):
    def __init__(self) -> None:
        super().__init__(
            foreign_pre_chain=_chain(),
            processors=[
                structlog.stdlib.ProcessorFormatter.remove_processors_meta,
                structlog.processors.EventRenamer("message"),
                structlog.processors.JSONRenderer(serializer=_dumps),
            ],
        )


def _orjson(event: EventDict, **_: Any) -> bytes:
    return orjson.dumps(event, default=str)


def configure(level: str = "INFO") -> None:
    """JSON lines on stderr at ``level`` and above (``ASNFLOW_LOG_LEVEL``), for ``logging`` and structlog."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    configure_structlog(level, sys.stderr.buffer)


def configure_structlog(level: str, out: BinaryIO) -> None:
    """structlog's loggers (the access line): JSON lines at ``level`` and above, written to ``out``."""
    structlog.configure(
        processors=[
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True, key="time"),
            _ids,
            structlog.processors.EventRenamer("message"),
            structlog.processors.JSONRenderer(serializer=_orjson),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level]),
        logger_factory=structlog.BytesLoggerFactory(out),
        cache_logger_on_first_use=True,
    )
