"""The columns of each importable kind and how one cell is read: the file format's single definition.

The importer, the exporter and docs/import.md all follow ``COLUMNS``, read from columns.yaml beside this file.
Column names are the API's field names (``rankSince``, ``unitCode``), so a problem found by the shared record
rules (server.registry.validation), which name API fields, points at the column directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml

from server.domain import nip as nips
from server.registry.formats import SheetRow


@dataclass(frozen=True)
class Column:
    name: str
    type: str  # text, date, integer, boolean, NIP, list
    required: bool
    example: str
    meaning: str
    max_length: int | None = None


def _load(path: Path) -> dict[str, tuple[Column, ...]]:
    table = yaml.safe_load(path.read_text(encoding="utf-8"))
    return {kind: tuple(Column(**column) for column in columns) for kind, columns in table.items()}


COLUMNS: dict[str, tuple[Column, ...]] = _load(Path(__file__).with_name("columns.yaml"))
EMPLOYEE_STATUSES = ("active", "moved_out", "retired", "dismissed", "deceased")
ASSIGNMENT_KINDS = ("definitive", "acting")
_TRUE = {"true": True, "yes": True, "1": True, "false": False, "no": False, "0": False}


@dataclass(frozen=True)
class Finding:
    """One problem with one cell (or with the header, row 1): what the import report shows."""

    row: int
    column: str
    value: str | None
    message: str


def header_findings(kind: str, columns: Sequence[str]) -> list[Finding]:
    known = {c.name for c in COLUMNS[kind]}
    findings = [
        Finding(1, name, name, f"column {name!r} is not a column of {kind}; use {', '.join(sorted(known))}")
        for name in columns
        if name and name not in known
    ]
    findings += [
        Finding(1, c.name, None, f"the required column {c.name!r} is missing from the header")
        for c in COLUMNS[kind]
        if c.required and c.name not in columns
    ]
    return findings


class CellReader:
    """Reads one row's cells by column, typed; each bad cell becomes a ``Finding`` and reads as None."""

    def __init__(self, kind: str, row: SheetRow, findings: list[Finding]) -> None:
        self._columns = {c.name: c for c in COLUMNS[kind]}
        self.row = row
        self.findings = findings

    def raw(self, name: str) -> str | None:
        value = self.row.cells.get(name)
        return value if value is not None and value.strip() else None

    def problem(self, name: str, message: str, value: str | None = None) -> None:
        self.findings.append(Finding(self.row.number, name, value if value is not None else self.raw(name), message))

    def _present(self, name: str) -> str | None:
        """The cell without its surrounding blanks; None when blank, reported when the column is required."""
        value = self.raw(name)
        if value is None and self._columns[name].required:
            self.problem(name, f"{name} is required")
        return None if value is None else value.strip()

    def text(self, name: str) -> str | None:
        """Text as given (a formula-like ``=cmd`` is text too); control characters and over-long text refused."""
        if (value := self._present(name)) is None:
            return None
        limit = self._columns[name].max_length
        if limit is not None and len(value) > limit:
            self.problem(name, f"{name} is {len(value)} characters long; at most {limit} fit")
            return None
        bad = next((ch for ch in value if ord(ch) < 32 or ord(ch) == 127), None)
        if bad is not None:
            self.problem(name, f"{name} contains the control character U+{ord(bad):04X}; remove it")
            return None
        return value

    def date(self, name: str) -> dt.date | None:
        if (value := self._present(name)) is None:
            return None
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            self.problem(name, f"{name} {value} is not a date; write YYYY-MM-DD (e.g. 2024-02-29)")
            return None

    def integer(self, name: str) -> int | None:
        if (text := self._present(name)) is None:
            return None
        if not (text.lstrip("-").isascii() and text.lstrip("-").isdigit()):
            self.problem(name, f"{name} {text!r} is not a whole number")
            return None
        return int(text)

    def boolean(self, name: str, default: bool) -> bool | None:
        if (value := self._present(name)) is None:
            return default
        flag = _TRUE.get(value.lower())
        if flag is None:
            self.problem(name, f"{name} {value!r} must be true or false")
        return flag

    def choice(self, name: str, choices: Sequence[str], default: str) -> str | None:
        value = self.text(name)
        if value is None:
            return None if self.raw(name) is not None else default
        if value not in choices:
            self.problem(name, f"{name} {value!r} is not one of {', '.join(choices)}")
            return None
        return value

    def items(self, name: str) -> list[str] | None:
        value = self.text(name)
        if value is None:
            return None if self.raw(name) is not None else []
        return [part.strip() for part in value.split(";") if part.strip()]

    def nip(self, name: str) -> str | None:
        """A NIP's form (digits, dates, gender digit); the shared record rules check the rest."""
        if (value := self._present(name)) is None:
            return None
        try:
            return nips.parse(value).value
        except nips.NipError as exc:
            self.problem(name, str(exc))
            return None
