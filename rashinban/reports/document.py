"""A report as a document: a title and blocks (key figures, tables, charts, text).  The same
document renders as HTML, as a PDF (tables paginate, charts drawn) and as an XLSX workbook
(one sheet per table, real numbers with their formats)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

FORMATS = ("text", "int", "yen", "ratio", "number", "date", "unit")
UNIT_FORMAT = {
    "yen": "yen",
    "usd": "number",
    "count": "int",
    "ratio": "ratio",
    "days": "number",
    "hours": "number",
    "minutes": "number",
    "score": "number",
    "number": "number",
}


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    fmt: str = "text"  # one of FORMATS; "unit": the row's ``_unit`` decides


@dataclass(frozen=True)
class Table:
    sheet: str  # the XLSX sheet's name (≤ 31 characters)
    title: str
    columns: tuple[Column, ...]
    rows: tuple[dict[str, Any], ...]
    chart: str | None = None  # an SVG drawn under the title (PDF/HTML)
    note: str | None = None


@dataclass(frozen=True)
class Figures:
    title: str
    items: tuple[tuple[str, str], ...]  # (label, value as read)


@dataclass(frozen=True)
class Text:
    title: str
    paragraphs: tuple[str, ...]


Block = Table | Figures | Text


@dataclass(frozen=True)
class Document:
    kind: str  # status | tree | funnel | review | oneonone
    title: str
    subtitle: str
    lang: str
    generated: str  # when, as read
    blocks: tuple[Block, ...] = field(default_factory=tuple)
    file_stem: str = "rashinban-report"

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]


def row_format(column: Column, row: dict[str, Any]) -> str:
    if column.fmt == "unit":
        return UNIT_FORMAT.get(str(row.get("_unit") or "number"), "number")
    return column.fmt


__all__ = ["FORMATS", "UNIT_FORMAT", "Block", "Column", "Document", "Figures", "Table", "Text", "row_format"]
