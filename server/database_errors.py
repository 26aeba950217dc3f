"""One sentence, instead of a driver's traceback, for a database a command cannot use (``asnflow`` exits 2).

A missing PostgreSQL database names the ``createdb`` to run; a server that refuses connections names where
the command looked. Anything else is not explained here (the command's own error handling, or a traceback).
"""

from __future__ import annotations

import errno
from collections.abc import Iterator

from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError

_MISSING_DATABASE = "3D000"  # invalid_catalog_name
_AUTHENTICATION = {"28000", "28P01"}  # invalid_authorization_specification, invalid_password


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def _where(url: URL) -> str:
    host = url.host or "localhost"
    return host if url.port in (None, 5432) else f"{host}:{url.port}"


def _options(url: URL) -> str:
    """The PostgreSQL client tools' options for the server and user of ``url``: ``-h HOST [-p PORT] [-U USER]``."""
    words = ["-h", url.host or "localhost"]
    if url.port not in (None, 5432):
        words += ["-p", str(url.port)]
    if url.username:
        words += ["-U", url.username]
    return " ".join(words)


def explain(exc: BaseException, database_url: str) -> str | None:
    """The sentence for ``exc`` raised while using ``database_url``, or None when it is no such problem."""
    try:
        url = make_url(database_url)
    except ArgumentError:
        return None
    if not url.drivername.startswith("postgres"):
        return None
    for cause in _chain(exc):
        state = getattr(cause, "sqlstate", None)
        if state == _MISSING_DATABASE:
            return f"database {url.database} does not exist on {_where(url)}; create it with: createdb {_options(url)} {url.database}"
        if state in _AUTHENTICATION:
            return f"PostgreSQL on {_where(url)} refused user {url.username or '(none)'}: {cause}"
        if isinstance(cause, OSError) and cause.errno in (errno.ECONNREFUSED, errno.EHOSTUNREACH, errno.ENOENT):
            return (
                f"cannot connect to PostgreSQL on {_where(url)} ({cause.strerror}); is the server running "
                f"(pg_isready {_options(url)}) and is ASNFLOW_DATABASE_URL right?"
            )
    return None
