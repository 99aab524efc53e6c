"""Reading XLSX workbooks (openpyxl, read-only, row by row).

One sheet is read: the one named with ``--sheet``, else the first.  The other sheets that
hold rows are named on the file (``other_sheets``) so that the import reports them instead
of dropping their rows silently.  A formula cell is read by its cached value; one without a
cached value (a workbook written by a program and never opened in Excel) is marked with
:data:`FORMULA_MARK` and its formula, so that validation reports it by row and column
instead of storing an empty cell.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date, datetime, time
from itertools import zip_longest
from pathlib import Path
from typing import Any

import pyarrow as pa

from rashinban.errors import IngestError

XLSX_BATCH_ROWS = 20_000
FORMULA_MARK = "\ufffe"  # a noncharacter: never in real text; prefixes a formula without a value
FORMULAS_KEY = b"rashinban.formulas"  # schema metadata of a batch that holds marked cells


def workbook(p: Path, formulas: bool = False) -> Any:
    from openpyxl import load_workbook

    try:
        return load_workbook(p, read_only=True, data_only=not formulas)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError, TypeError) as e:
        raise IngestError("xlsx_unreadable", path=str(p), reason=str(e) or type(e).__name__) from None


def has_formulas(p: Path) -> bool:
    """Whether any worksheet of the workbook holds a formula (a quick scan of the XML)."""
    try:
        with zipfile.ZipFile(p) as z:
            for name in z.namelist():
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    with z.open(name) as f:
                        tail = b""
                        while chunk := f.read(1 << 20):
                            if b"<f>" in tail + chunk or b"<f " in tail + chunk:
                                return True
                            tail = chunk[-3:]
    except (zipfile.BadZipFile, OSError):
        return False
    return False


def cell_text(value: Any) -> str | None:
    """An XLSX cell as the text a CSV export would hold (dates in ISO form)."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _rows_of(ws: Any) -> int:
    """Data rows below the header (the sheet's dimension, or a count when it has none)."""
    if ws.max_row is not None:
        return max(int(ws.max_row) - 1, 0)
    return max(sum(1 for _ in ws.iter_rows(values_only=True)) - 1, 0)


def _has_data(ws: Any) -> bool:
    for row in ws.iter_rows(max_row=2, values_only=True):
        if any(v is not None and str(v).strip() for v in row):
            return True
    return False


def open_sheet(p: Path, sheet: str | None) -> tuple[str, list[str], int, list[tuple[str, int]]]:
    """(sheet name, header row, data rows, [(other sheet with rows, its rows)])."""
    wb = workbook(p)
    try:
        names = list(wb.sheetnames)
        if sheet is not None and sheet not in names:
            raise IngestError("sheet_unknown", path=str(p), sheet=sheet, sheets=", ".join(names))
        ws = wb[sheet] if sheet is not None else wb.worksheets[0]
        header = next(ws.iter_rows(max_row=1, values_only=True), None)
        if header is None or not any(h is not None and str(h).strip() for h in header):
            raise IngestError("file_empty", path=f"{p} [{ws.title}]")
        headers = [cell_text(h) or "" for h in header]
        while headers and not headers[-1]:
            headers.pop()
        others = [(o.title, _rows_of(o)) for o in wb.worksheets if o.title != ws.title and _has_data(o)]
        return ws.title, headers, _rows_of(ws), others
    finally:
        wb.close()


def batches(p: Path, sheet: str, headers: list[str], names: list[str]) -> Iterator[tuple[pa.Table, int, int]]:
    """(table of text columns, first spreadsheet row, rows read so far) per batch."""
    wb = workbook(p)
    fwb = workbook(p, formulas=True) if has_formulas(p) else None
    width = len(headers)
    try:
        rows = wb[sheet].iter_rows(values_only=True)
        frows = fwb[sheet].iter_rows(values_only=True) if fwb is not None else iter(())
        pairs = zip_longest(rows, frows) if fwb is not None else ((r, None) for r in rows)
        next(pairs, None)
        buf: list[list[str | None]] = [[] for _ in range(width)]
        marked = False
        first = row = 2
        for values, formulas in pairs:
            if values is None:
                break
            cells = [cell_text(v) for v in values[:width]]
            cells += [None] * (width - len(cells))
            if formulas is not None:
                for i, f in enumerate(formulas[:width]):
                    if cells[i] is None and isinstance(f, str) and f.startswith("="):
                        cells[i] = FORMULA_MARK + f
                        marked = True
            for i, c in enumerate(cells):
                buf[i].append(c)
            row += 1
            if row - first >= XLSX_BATCH_ROWS:
                yield _table(names, buf, marked), first, row - 1
                buf = [[] for _ in range(width)]
                first, marked = row, False
        if row > first:
            yield _table(names, buf, marked), first, row - 1
    finally:
        wb.close()
        if fwb is not None:
            fwb.close()


def _table(names: list[str], columns: list[list[str | None]], marked: bool) -> pa.Table:
    arrays = [pa.array(col, pa.string()) for col in columns]
    table = pa.Table.from_arrays(arrays, names=names)
    return table.replace_schema_metadata({FORMULAS_KEY: b"1"}) if marked else table
