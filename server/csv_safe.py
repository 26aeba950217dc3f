"""CSV cells that a spreadsheet would run as a formula are neutralised, the OWASP way.

An audit comment, a unit name or a reason typed by a user ends up in the CSV an auditor opens in a
spreadsheet; a cell starting with ``=``, ``+``, ``-`` or ``@`` (or a tab or carriage return, which some
programs skip before looking) is then a formula that can run commands or send data away
(https://owasp.org/www-community/attacks/CSV_Injection). Such a cell gets a leading ``'``, which
spreadsheets read as "this is text". A cell that already starts with ``'`` gets one too, so the rule is
reversible: remove exactly one leading ``'`` from every cell that starts with it to recover the value.
"""

from __future__ import annotations

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "'")


def neutralise(cell: str) -> str:
    """``cell`` as a spreadsheet will show it, never as a formula it would run."""
    return "'" + cell if cell.startswith(FORMULA_STARTS) else cell
