"""CSV cells a spreadsheet will not run: every CSV Rashinban writes for people to open (the
import's rejects, exports, reports) goes through :func:`safe_cell` / :class:`SafeWriter`.

A text cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return (or their
full-width forms, which Japanese input methods produce) is a formula to Excel and
LibreOffice — ``=cmd|' /C calc'!A0``, ``=HYPERLINK(…)``.  Such a cell is written with a
leading apostrophe, which the spreadsheet shows as text and does not keep; numbers stay
numbers.  (OWASP, "CSV Injection".)
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from typing import Any

TRIGGERS = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def safe_cell(value: Any) -> Any:
    """``value`` as a cell that cannot start a formula (non-text values are returned as is)."""
    if isinstance(value, str) and value.startswith(TRIGGERS):
        return "'" + value
    return value


def safe_row(row: Iterable[Any]) -> list[Any]:
    return [safe_cell(v) for v in row]


class SafeWriter:
    """``csv.writer`` whose rows are made safe first."""

    def __init__(self, f: Any, **kwargs: Any) -> None:
        self._w = csv.writer(f, **kwargs)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._w.writerow(safe_row(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)
