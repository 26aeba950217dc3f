"""The columns of each importable kind and how one cell is read: the file format's single definition.

The importer, the exporter and docs/import.md all follow ``COLUMNS``. Column names are the API's field
names (``rankSince``, ``unitCode``), so a problem found by the shared record rules
(server.registry.validation), which name API fields, points at the column directly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

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


def _c(name: str, type_: str, required: bool, example: str, meaning: str, max_length: int | None = None) -> Column:
    return Column(name, type_, required, example, meaning, max_length)


COLUMNS: dict[str, tuple[Column, ...]] = {
    "units": (
        _c("code", "text", True, "KEL-GAMBIR-01", "unique unit code", 40),
        _c("name", "text", True, "Kelurahan Gambir", "unit name", 200),
        _c("kind", "text", True, "kelurahan", "kind of unit (dinas, kecamatan, kelurahan, school, ...)", 30),
        _c(
            "parentCode",
            "text",
            False,
            "KEC-GAMBIR",
            "code of the parent unit (in the file or the registry); empty for the root",
            40,
        ),
    ),
    "positions": (
        _c("code", "text", True, "KEL-GAMBIR-01-PLK1", "unique position code; an existing code is updated", 40),
        _c("title", "text", True, "Pengadministrasi Perkantoran", "position title", 200),
        _c(
            "type",
            "text",
            True,
            "PELAKSANA",
            "JPT_UTAMA, JPT_MADYA, JPT_PRATAMA, ADMINISTRATOR, PENGAWAS, PELAKSANA or FUNGSIONAL",
        ),
        _c("unitCode", "text", True, "KEL-GAMBIR-01", "code of a unit in the registry", 40),
        _c("quota", "integer", True, "3", "approved headcount (formasi); not below today's definitive holders"),
        _c("jobClass", "integer", False, "5", "job class 1-17"),
        _c("minEducation", "text", False, "SLTA", "minimum education (SD .. S3)"),
        _c("minRank", "text", False, "II/a", "lowest rank of the range (I/a .. IV/e)"),
        _c("maxRank", "text", False, "II/d", "highest rank of the range (I/a .. IV/e)"),
        _c(
            "parentCode",
            "text",
            False,
            "KEL-GAMBIR-01-HEAD",
            "the supervising position (in the file or the registry)",
            40,
        ),
        _c(
            "competencies",
            "list",
            False,
            "administrasi perkantoran; kearsipan",
            "required competencies, separated by ';'",
            400,
        ),
    ),
    "employees": (
        _c("nip", "NIP", True, "199005172014032007", "18-digit NIP, with or without the display spaces"),
        _c("name", "text", True, "Siti Rahma", "full name", 200),
        _c("birthDate", "date", True, "1990-05-17", "birth date (YYYY-MM-DD); must agree with the NIP"),
        _c("gender", "text", True, "F", "M or F; must agree with the NIP's 15th digit"),
        _c("employmentType", "text", True, "PNS", "PNS or PPPK"),
        _c("education", "text", True, "S1", "SD, SLTP, SLTA, D-I, D-II, D-III, D-IV, S1, S2 or S3"),
        _c("rankCode", "text", False, "III/b", "current rank (I/a .. IV/e); required for PNS, empty for PPPK"),
        _c("rankSince", "date", False, "2020-04-01", "TMT of the current rank; not before the first appointment"),
        _c("status", "text", False, "active", "active (the default), moved_out, retired, dismissed or deceased", 12),
        _c(
            "hasServiceExam", "boolean", False, "true", "passed the service exam (ujian dinas): true or false (default)"
        ),
    ),
    "assignments": (
        _c("nip", "NIP", True, "199005172014032007", "the employee (in the registry)"),
        _c("positionCode", "text", True, "KEL-GAMBIR-01-PLK1", "the position (in the registry)", 40),
        _c("startDate", "date", True, "2024-05-01", "TMT of the assignment; not before the first appointment"),
        _c("endDate", "date", False, "", "last day; empty while it runs"),
        _c("kind", "text", False, "definitive", "definitive (the default) or acting (Plt/Plh)", 12),
        _c("decreeNo", "text", False, "821.2/00042/2024", "number of the decree (SK)", 80),
    ),
    "evaluations": (
        _c("nip", "NIP", True, "199005172014032007", "the employee (in the registry)"),
        _c("year", "integer", True, "2025", "the evaluated calendar year (finished, not before the appointment)"),
        _c("predicate", "text", True, "Baik", "Sangat Baik, Baik, Butuh Perbaikan, Kurang or Sangat Kurang"),
    ),
}
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
