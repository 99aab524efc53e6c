"""Rendering a :class:`Document`: HTML (Jinja2), PDF (WeasyPrint over the same HTML: A4,
Japanese fonts embedded, tables paginate with their header repeated, SVG charts drawn) and
XLSX (openpyxl: one sheet per table, numbers stored as numbers with their formats)."""

from __future__ import annotations

import io
from datetime import date
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from rashinban.errors import RashinbanError
from rashinban.i18n import format as fmt
from rashinban.i18n import t
from rashinban.reports.document import Document, Figures, Table, Text, row_format

TEMPLATES = Path(__file__).parent / "templates"
FONT_DIRS = ("/usr/share/fonts", "/usr/local/share/fonts", str(Path.home() / ".fonts"))
FONT_FILES = ("NotoSansCJK", "NotoSansJP", "NotoSerifCJK", "ipaexg", "ipag", "TakaoGothic")
XLSX_FORMATS = {
    "int": "#,##0",
    "yen": '"¥"#,##0',
    "ratio": "0.0%",
    "number": "#,##0.00",
    "date": "yyyy-mm-dd",
}
CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "html": "text/html; charset=utf-8",
}


class ReportError(RashinbanError):
    http_status = 503


def _cell(value: Any, kind: str, lang: str, unit: str | None = None) -> str:
    """A value as the pages show it (a KPI's own unit: 17件, 1,951万8,469円, 28.8%)."""
    if value is None or value == "":
        return "—"
    if unit is not None and kind != "ratio" and isinstance(value, int | float):
        return fmt.value(value, unit, lang)
    if kind in ("text", "date"):
        return str(value)
    if kind == "int":
        return fmt.number(value, 0)
    if kind == "yen":
        return fmt.yen(value, lang)
    if kind == "ratio":
        return fmt.percent(value)
    return fmt.number(value, 2)


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES)), autoescape=select_autoescape(["html"]))
    env.globals.update(row_format=row_format, cell=_cell, isinstance=isinstance)
    env.globals.update(Table=Table, Figures=Figures, Text=Text, Markup=Markup)
    return env


_ENV: Environment | None = None


def html(doc: Document, for_print: bool = False) -> str:
    global _ENV  # noqa: PLW0603 - one environment per process
    if _ENV is None:
        _ENV = _env()
    tpl = _ENV.get_template("report.html")
    return tpl.render(doc=doc, lang=doc.lang, for_print=for_print, t=lambda key, **p: t(key, doc.lang, **p))


def japanese_font() -> Path | None:
    """A Japanese font the PDF can embed (Noto CJK from fonts-noto-cjk, IPA, Takao)."""
    for folder in FONT_DIRS:
        root = Path(folder)
        if not root.is_dir():
            continue
        for path in sorted(root.rglob("*")):
            if path.suffix.lower() in (".ttc", ".otf", ".ttf") and path.name.startswith(FONT_FILES):
                return path
    return None


def pdf(doc: Document) -> bytes:
    """A4 PDF of the document with a Japanese font embedded (ReportError without one: a PDF
    whose Japanese would print as empty boxes is not made)."""
    if japanese_font() is None:
        raise ReportError("report_font_missing")
    from weasyprint import HTML  # imported on first use: it takes a second

    return bytes(HTML(string=html(doc, for_print=True)).write_pdf())


def xlsx(doc: Document) -> bytes:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill

    wb = Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = t("report.sheet_summary", doc.lang)[:31]
    summary.append([doc.title])
    summary["A1"].font = Font(bold=True, size=14)
    summary.append([doc.subtitle])
    summary.append([t("report.generated", doc.lang), doc.generated])
    for block in doc.blocks:
        if isinstance(block, Figures):
            summary.append([])
            summary.append([block.title])
            summary.cell(summary.max_row, 1).font = Font(bold=True)
            for label, value in block.items:
                summary.append([label, value])
        elif isinstance(block, Text):
            summary.append([])
            summary.append([block.title])
            summary.cell(summary.max_row, 1).font = Font(bold=True)
            for p in block.paragraphs:
                summary.append([p])
    summary.column_dimensions["A"].width = 28
    summary.column_dimensions["B"].width = 40
    used = {summary.title}
    head_fill = PatternFill("solid", fgColor="DDE6F0")
    for table in doc.tables:
        name = _sheet_name(table.sheet, used)
        ws = wb.create_sheet(name)
        ws.append([c.label for c in table.columns])
        for cell in ws[1]:
            cell.font = Font(bold=True)
            cell.fill = head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in table.rows:
            values = []
            for c in table.columns:
                v = row.get(c.key)
                kind = row_format(c, row)
                values.append(date.fromisoformat(v) if kind == "date" and isinstance(v, str) and v else v)
            ws.append(values)
            r = ws.max_row
            for i, c in enumerate(table.columns, start=1):
                number_format = XLSX_FORMATS.get(row_format(c, row))
                if number_format is not None:
                    ws.cell(r, i).number_format = number_format
        for i, c in enumerate(table.columns, start=1):
            width = max([len(str(c.label)) * 2] + [len(str(r.get(c.key) or "")) for r in table.rows[:200]])
            ws.column_dimensions[ws.cell(1, i).column_letter].width = min(60, max(10, width + 2))
        ws.freeze_panes = "A2"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def _sheet_name(wanted: str, used: set[str]) -> str:
    base = "".join(ch for ch in wanted if ch not in "[]:*?/\\")[:31] or "Sheet"
    name, i = base, 2
    while name in used:
        suffix = f" ({i})"
        name, i = base[: 31 - len(suffix)] + suffix, i + 1
    used.add(name)
    return name


def render(doc: Document, kind: str) -> bytes:
    if kind == "pdf":
        return pdf(doc)
    if kind == "xlsx":
        return xlsx(doc)
    if kind == "html":
        return html(doc).encode("utf-8")
    raise RashinbanError("option_bad_choice", option="--format", value=kind, allowed="pdf, xlsx, html")


__all__ = ["CONTENT_TYPES", "ReportError", "html", "japanese_font", "pdf", "render", "xlsx"]
