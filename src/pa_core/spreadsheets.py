"""CSV cells that a spreadsheet will not run as formulas (CSV / formula injection).

Excel, LibreOffice and Google Sheets treat a cell that starts with ``=``,
``+``, ``-`` or ``@`` (and, in some, a leading tab or carriage return) as a
formula, so a value that someone else chose (a name, a message, a key) could
run ``=HYPERLINK(...)`` or worse on the machine of whoever opens an export.
:func:`neutralise_cell` prefixes such a cell with a single quote, which
spreadsheets show as text; a cell that is wholly an E.164 phone number or a
decimal number is left as it is, so numbers, amounts and phone numbers stay
usable.
"""

from __future__ import annotations

import re

__all__ = ["FORMULA_PREFIXES", "NEUTRALISING_PREFIX", "csv_cell", "neutralise_cell"]

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet read a cell as a formula."""
NEUTRALISING_PREFIX = "'"
"""What goes in front of a dangerous cell: spreadsheets show the rest as text."""

_E164 = re.compile(r"\+[1-9][0-9]{1,14}")
_DECIMAL = re.compile(r"[+-]?[0-9]+(?:\.[0-9]+)?")


def neutralise_cell(value: str) -> str:
    """``value`` made safe to open in a spreadsheet.

    A cell starting with one of :data:`FORMULA_PREFIXES` gets
    :data:`NEUTRALISING_PREFIX` in front, unless it is wholly an E.164 number
    (``+14155550100``) or a decimal (``-1.50``).
    """
    if not value.startswith(FORMULA_PREFIXES):
        return value
    if _E164.fullmatch(value) or _DECIMAL.fullmatch(value):
        return value
    return NEUTRALISING_PREFIX + value


def csv_cell(value: object) -> str:
    """Any value as a neutralised CSV cell (``None`` is the empty cell)."""
    return "" if value is None else neutralise_cell(str(value))
