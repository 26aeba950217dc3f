"""Structured JSON log lines, each carrying the request's correlation id (and the client's own id, if it sent one)."""

from __future__ import annotations

import logging
import sys

import orjson

from server import request_context


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, object] = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S%z"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": request_context.correlation_id.get(),
        }
        client_id = request_context.client_request_id.get()
        if client_id is not None:
            doc["client_request_id"] = client_id
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(doc).decode()


def configure(level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
