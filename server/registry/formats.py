"""Tables in files: CSV (UTF-8, comma, header row) or XLSX (the first sheet), chosen by the file's extension.

Every cell is read as text (``None`` when empty): the importer parses types itself, so a spreadsheet's
own guesses (a NIP turned into 1.98e17, a date into a serial number) never reach the registry. A cell
holding a formula is read as the formula's text, never evaluated (openpyxl without ``data_only``).

On the way out, text a spreadsheet would run as a formula (starting with ``=``, ``+``, ``-``, ``@``, a
tab or a carriage return) is neutralised: an XLSX cell is typed as a string, a CSV cell gets a leading
apostrophe, which the CSV reader takes off again (so export then import gives back the same text).
"""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"
SUFFIXES = (".csv", ".xlsx")


class FormatError(ValueError):
    """The file cannot be read as a table; the message says what to change."""


@dataclass(frozen=True)
class SheetRow:
    number: int  # as a spreadsheet shows it: the header is row 1, the first record row 2
    cells: dict[str, str | None]


@dataclass(frozen=True)
class Sheet:
    columns: tuple[str, ...]
    rows: list[SheetRow]


def check_suffix(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise FormatError(f"{path.name}: use a .csv or .xlsx file (the extension chooses the format), not {suffix!r}")
    return suffix


def read_sheet(path: Path) -> Sheet:
    suffix = check_suffix(path)
    if not path.is_file():
        raise FormatError(f"{path} is not a file")
    raw = _read_csv(path) if suffix == ".csv" else _read_xlsx(path)
    try:
        return _sheet(raw, path)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise FormatError(f"{path.name} is not a CSV file in UTF-8 ({exc}); save it as 'CSV UTF-8'") from None


def _sheet(raw: Iterator[list[str | None]], path: Path) -> Sheet:
    try:
        header = next(raw)
    except StopIteration:
        raise FormatError(f"{path.name} is empty: the first row must name the columns") from None
    columns = tuple((cell or "").strip() for cell in header)
    rows: list[SheetRow] = []
    for number, values in enumerate(raw, start=2):
        if all(v is None or not v.strip() for v in values):
            continue  # blank lines, and the empty rows spreadsheets leave at the end
        cells = {column: (values[i] if i < len(values) else None) for i, column in enumerate(columns) if column}
        rows.append(SheetRow(number, cells))
    return Sheet(columns, rows)


def _read_csv(path: Path) -> Iterator[list[str | None]]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        for record in csv.reader(handle):
            yield [_unquote(cell) if cell != "" else None for cell in record]


def _unquote(cell: str) -> str:
    return cell[1:] if cell.startswith(_QUOTE) else cell


def _read_xlsx(path: Path) -> Iterator[list[str | None]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises zipfile, KeyError or its own errors on a broken file
        raise FormatError(f"{path.name} is not a readable .xlsx workbook ({exc})") from None
    try:
        for record in book.worksheets[0].iter_rows(values_only=True):
            yield [_xlsx_text(value) for value in record]
    finally:
        book.close()


def _xlsx_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def write_sheet(path: Path, columns: Sequence[str], rows: Iterable[Sequence[str | None]]) -> int:
    """Write a header and rows of text (``None`` = empty); how many rows were written."""
    if check_suffix(path) == ".csv":
        return _write_csv(path, columns, rows)
    return _write_xlsx(path, columns, rows)


def _write_csv(path: Path, columns: Sequence[str], rows: Iterable[Sequence[str | None]]) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow(["" if v is None else _neutral(v) for v in row])
            count += 1
    return count


def _neutral(value: str) -> str:
    return _QUOTE + value if value.startswith((*FORMULA_STARTS, _QUOTE)) else value


def _write_xlsx(path: Path, columns: Sequence[str], rows: Iterable[Sequence[str | None]]) -> int:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet()
    sheet.append(list(columns))
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(sheet, v) for v in row])
        count += 1
    book.save(path)
    return count


def _xlsx_cell(sheet: Any, value: str | None) -> Any:
    """Every value as a string cell: a text starting with ``=`` stays text, never becomes a formula."""
    from openpyxl.cell import WriteOnlyCell

    if value is None:
        return None
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    return cell
