"""Checks of converted values: what the store cannot hold, and what cannot be true.

Each check gives a mask over the batch.  Two kinds:

* always row errors — a value the store cannot hold (``too_large``: an amount of 10^16 or
  more in a DECIMAL(18, 2) column), text with a NUL character (PostgreSQL cannot store it),
  an ambiguous number (``1.234,56``);
* *configurable* ones, row errors by default, or named warnings when the import says so
  (``--warn CHECK``), the value then being stored as it is (a formula without a value: as
  no value) and the rows counted in a note:

  ========== ====================================================================
  ``range``    a number outside its plausible range (a probability of 150 % or -5 %)
  ``dates``    a date before 1900-01-01 or from 2100-01-01 on (``0001-01-01``)
  ``flags``    flags that contradict each other (a deal won but not closed)
  ``formulas`` an XLSX formula cell without a cached value
  ========== ====================================================================
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from rashinban.ingest.amounts import Converted
from rashinban.ingest.spec import ColumnSpec

CHECKS = ("range", "dates", "flags", "formulas")
DATE_MIN = date(1900, 1, 1)
DATE_MAX = date(2100, 1, 1)  # exclusive
# (table, flag) → the flag it requires: a won deal is a closed deal
IMPLIES: dict[tuple[str, str], str] = {("deals", "is_won"): "is_closed"}


@dataclass(frozen=True)
class Problem:
    """Rows of one column that fail one check (``check`` None: always an error)."""

    header: str
    mask: pa.Array
    shown: pa.Array  # the value reported for each row (the cell as written)
    reason: str
    params: dict[str, Any] = field(default_factory=dict)
    check: str | None = None


def _any(mask: pa.Array) -> bool:
    return bool(pc.any(pc.fill_null(mask, False)).as_py())


def converted(spec: ColumnSpec, header: str, conv: Converted, raw: pa.Array) -> Iterator[Problem]:
    """Problems of one converted column, beyond cells that are not of its type."""
    v = conv.values
    if conv.ambiguous is not None and _any(conv.ambiguous):
        yield Problem(header, conv.ambiguous, raw, "ambiguous_number")
    if spec.type in ("int", "number", "money", "percent"):
        if conv.over is not None and _any(conv.over):
            yield Problem(header, conv.over, raw, "too_large", {"max": _magnitude(spec.max_abs or 2**53)})
        if spec.max_abs is not None:
            over = pc.fill_null(pc.greater_equal(pc.abs(pc.cast(v, pa.float64())), spec.max_abs), False)
            if _any(over):
                yield Problem(header, over, raw, "too_large", {"max": _magnitude(spec.max_abs)})
        if spec.bounds is not None:
            lo, hi = spec.bounds
            out = pa.array([False] * len(v), pa.bool_())
            if lo is not None:
                out = pc.or_(out, pc.fill_null(pc.less(v, lo), False))
            if hi is not None:
                out = pc.or_(out, pc.fill_null(pc.greater(v, hi), False))
            if _any(out):
                params = {"min": _num(lo), "max": _num(hi)}
                yield Problem(header, out, raw, "out_of_range", params, "range")
    elif spec.type in ("date", "datetime"):
        day = pc.cast(v, pa.date32()) if spec.type == "datetime" else v
        early = pc.less(day, pa.scalar(DATE_MIN, pa.date32()))
        late = pc.greater_equal(day, pa.scalar(DATE_MAX, pa.date32()))
        out = pc.fill_null(pc.or_(early, late), False)
        if _any(out):
            params = {"min": DATE_MIN.isoformat(), "max": "2099-12-31"}
            yield Problem(header, out, raw, "date_out_of_range", params, "dates")
    elif spec.type == "text":
        nul = pc.fill_null(pc.match_substring(v, "\x00"), False)
        if _any(nul):
            shown = pc.replace_substring(raw, "\x00", "\\0")
            yield Problem(header, nul, shown, "nul_character")


def key(ext: pa.Array, header: str) -> Iterator[Problem]:
    nul = pc.fill_null(pc.match_substring(ext, "\x00"), False)
    if _any(nul):
        yield Problem(header, nul, pc.replace_substring(ext, "\x00", "\\0"), "nul_character")


def flags(table: str, out: dict[str, pa.Array], headers: dict[str, str]) -> Iterator[Problem]:
    """Contradicting flags: ``is_won`` true while ``is_closed`` is false (or empty)."""
    for (tbl, flag), needed in IMPLIES.items():
        if tbl != table or flag not in out or needed not in out:
            continue
        bad = pc.fill_null(pc.and_(out[flag], pc.invert(pc.fill_null(out[needed], False))), False)
        if _any(bad):
            shown = pa.array(["true"] * len(bad), pa.string())
            other = headers.get(needed, needed)
            params = {"other": other}
            yield Problem(headers.get(flag, flag), bad, shown, "contradicting_flags", params, "flags")


def formulas(batch: pa.Table, mark: str) -> tuple[pa.Table, list[Problem]]:
    """Cells marked by the XLSX reader as formulas without a value: reported, and emptied."""
    problems = []
    columns = []
    for name in batch.column_names:
        col = batch.column(name).combine_chunks()
        hit = pc.fill_null(pc.starts_with(col, mark), False)
        if _any(hit):
            shown = pc.replace_substring(col, mark, "")
            problems.append(Problem(name, hit, shown, "formula_no_value", {}, "formulas"))
            col = pc.if_else(hit, pa.scalar(None, pa.string()), col)
        columns.append(col)
    return pa.Table.from_arrays(columns, names=batch.column_names), problems


def _num(x: float | None) -> str:
    if x is None:
        return "…"
    return str(int(x)) if float(x).is_integer() else str(x)


def _magnitude(x: float) -> str:
    """10^16 as people read it in a message."""
    exp = len(str(int(x))) - 1
    return f"10^{exp}" if int(x) == 10**exp else f"{int(x):,}"
