"""The demo's token secret: random per database, kept in a file beside the SQLite file, readable by its owner only.

Round 1 signed every token with a development secret checked into the repository when
``ASNFLOW_SECRET`` was unset, so anyone could mint an administrator's token for any server started
without one. Now ``asnflow serve`` refuses to start without ``ASNFLOW_SECRET``, and ``asnflow demo``
makes a secret of its own for its database (``asnflow.db`` -> ``asnflow.db.secret``, mode 0600) that
``asnflow token`` finds when ``ASNFLOW_SECRET`` is unset. A secret file that others may read is
refused rather than trusted.
"""

from __future__ import annotations

import os
import secrets
import stat
from pathlib import Path

from server.settings import ConfigurationError

SUFFIX = ".secret"
_SQLITE_PREFIXES = ("sqlite+aiosqlite:///", "sqlite:///")


def sqlite_file(database_url: str) -> Path | None:
    """The file of a ``sqlite:///FILE`` URL; None for PostgreSQL and for in-memory or URI databases."""
    for prefix in _SQLITE_PREFIXES:
        if database_url.startswith(prefix):
            name = database_url[len(prefix) :]
            if not name or name.startswith(":memory:") or name.startswith("file:") or "?" in name:
                return None
            return Path(name)
    return None


def secret_file(database_url: str) -> Path | None:
    """Where the demo keeps the secret of this database: beside the SQLite file, or nowhere."""
    db_file = sqlite_file(database_url)
    return None if db_file is None else db_file.with_name(db_file.name + SUFFIX)


def read_secret(path: Path) -> str:
    """The secret in ``path``; refused when group or others may read it (someone could mint tokens)."""
    mode = path.stat().st_mode
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise ConfigurationError(
            f"the secret file {path} may be read by others (mode {stat.S_IMODE(mode):o}); run chmod 600 {path}"
        )
    value = path.read_text(encoding="ascii").strip()
    if len(value) < 32:
        raise ConfigurationError(f"the secret file {path} holds fewer than 32 characters; delete it to make a new one")
    return value


def demo_secret(database_url: str) -> str | None:
    """The secret ``asnflow demo`` made for this database, or None when it made none."""
    path = secret_file(database_url)
    if path is None or not path.exists():
        return None
    return read_secret(path)


def ensure_demo_secret(database_url: str) -> str:
    """The demo database's secret, made (64 hex digits, mode 0600) on the first run."""
    path = secret_file(database_url)
    if path is None:
        raise ConfigurationError(
            "asnflow demo keeps its token secret beside a SQLite file; for this database set ASNFLOW_SECRET"
        )
    if path.exists():
        return read_secret(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(value + "\n")
    return value
