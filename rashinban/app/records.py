"""Drill-down: the records behind a figure — the deals, leads, activities, contracts … that one
KPI of one scope and period counts — sorted, paginated and exported (CSV, XLSX), within the
user's access.  The rows come from the measure's own definition (``metrics/records.py``), so
the list's count (or sum) is the figure on the dashboard.  A refusal carries no data: the
scope is checked before anything is read."""

from __future__ import annotations

import csv
import io
import math
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any, get_args

from rashinban.app import deal_pages, org
from rashinban.app.context import AppContext
from rashinban.app.funnel_records import FunnelRecords
from rashinban.app.models import Models
from rashinban.app.results.common import CompanyRef, MemberRef, ScopeRef, TeamKind, TeamRef, UnitName
from rashinban.app.results.records import (
    Cell,
    CustomerPage,
    DealPage,
    MeasureChoice,
    RecordColumn,
    RecordsResult,
)
from rashinban.app.tracking import connect
from rashinban.csvsafe import safe_row
from rashinban.errors import LimitError, NotFoundError, UsageError
from rashinban.i18n import t
from rashinban.kpi.calendar import Span, parse_period, span_of
from rashinban.kpi.model import Model
from rashinban.metrics import records as rec
from rashinban.metrics.actuals import model_measures
from rashinban.metrics.measures import Measure, closure
from rashinban.org.access import ScopeKey
from rashinban.org.roles import Permission
from rashinban.org.scopes import COMPANY, MEMBER, TEAM

PAGE_SIZES = (25, 50, 100, 200)
EXPORT_MAX = 100_000  # rows in one export
MONEY = {"amount", "mrr"}
FLAGS = {"is_won", rec.HIT}
DATES = {"created_at", "closed_at", "occurred_at", "entered_at", "start_on", "end_on", "answered_at"}
DATES |= {"period_start", "period_end", "sql_at", "mql_at", "logged_at", "funnel_entered_at"}
NUMBERS = {"id", "deal_id", "lead_id", "score", "duration_minutes"}
WHO = "who"


def base_measures(model: Model, nid: str, measures: dict[str, Measure]) -> list[str]:
    """The base measures behind node ``nid``: its own measure's (a ratio: numerator and
    denominator), or those of the nodes its formula is computed from."""
    out: list[str] = []
    seen: set[str] = set()

    def walk(n: str) -> None:
        if n in seen or n not in model.nodes:
            return
        seen.add(n)
        node = model.nodes[n]
        if node.measure and node.measure in measures:
            for mid in closure([node.measure], measures):
                if measures[mid].is_base and mid not in out:
                    out.append(mid)
            return
        for c in node.children:
            walk(c)

    walk(nid)
    return out


def parse_scope(text: str | None) -> ScopeKey | None:
    """``company``, ``team:3``, ``member:12`` → a scope key (None: the user's home)."""
    if not text:
        return None
    if text == COMPANY:
        return (COMPANY, 0)
    kind, _, ident = text.partition(":")
    if kind not in (TEAM, MEMBER) or not ident.isdigit():
        raise UsageError("records_bad_scope", value=text[:40])
    return (kind, int(ident))


class Records:
    PAGE_SIZES = PAGE_SIZES
    EXPORT_MAX = EXPORT_MAX
    WHO = WHO

    @staticmethod
    def kind(col: str) -> Any:
        return column_kind(col)

    def __init__(self, ctx: AppContext, models: Models) -> None:
        self.ctx = ctx
        self.models = models

    def _prepare(
        self,
        model_path: str | Path | None,
        node: str,
        scope: ScopeKey | None,
        period: str | None,
        measure: str | None,
    ) -> tuple[Model, str, Measure, list[str], dict[str, Measure], ScopeKey, Span]:
        ctx = self.ctx
        ctx.require(Permission.READ)
        scopes = org.scope_index(ctx)
        acc = org.access(ctx)
        key = scope if scope is not None else (acc.home or (COMPANY, 0))
        acc.check(key)  # before anything is read: a refusal carries no data
        if key not in scopes.scopes:
            raise NotFoundError("records_unknown_scope", value=f"{key[0]}:{key[1]}")
        model = self.models.for_scope(model_path, key).model
        if node not in model.nodes:
            raise NotFoundError("records_unknown_node", node=node[:60])
        measures = model_measures(model)
        behind = base_measures(model, node, measures)
        if not behind:
            raise NotFoundError("records_not_measured", node=node[:60])
        mid = measure if measure in behind else behind[0]
        if measure is not None and measure not in behind:
            raise UsageError("records_bad_measure", measure=measure[:60])
        m = measures[mid]
        if m.table not in rec.DISPLAY:
            raise NotFoundError("records_not_measured", node=node[:60])
        fys = model.fiscal_year_start
        span = parse_period(period, fys) if period else span_of(ctx.today(), model.period, fys)
        return model, node, m, behind, measures, key, span

    def listing(
        self,
        model_path: str | Path | None,
        node: str,
        scope: ScopeKey | None = None,
        period: str | None = None,
        measure: str | None = None,
        sort: str | None = None,
        desc: bool = True,
        page: int = 1,
        page_size: int = 50,
        engine: str = "default",
    ) -> RecordsResult:
        """One page of the records behind ``node`` for ``scope`` (default: the user's home)
        over ``period`` (default: the model's current period)."""
        model, nid, m, behind, measures, key, span = self._prepare(model_path, node, scope, period, measure)
        if page_size not in PAGE_SIZES:
            raise UsageError(
                "option_bad_choice", option="page_size", value=str(page_size), allowed="25, 50, 100, 200"
            )
        cols = rec.display_columns(m)
        sort_key = sort if sort in cols else (m.time if m.time in cols else cols[0])
        con = connect(self.ctx.store, engine)
        rows_t = rec.record_rows(con, m, span, rec.scope_keys(org.scope_index(self.ctx), m.table or "", key))
        total = rec.count(rows_t)
        pages = max(1, math.ceil(total / page_size))
        page = min(max(1, page), pages)
        raw = rec.page(rows_t, cols, sort_key, desc, (page - 1) * page_size, page_size)
        value = rec.record_value(m, rows_t)
        node_obj = model.nodes[nid]
        lang = self.ctx.lang
        unit: UnitName = m.unit if m.unit in get_args(UnitName) else "number"  # type: ignore[assignment]
        return RecordsResult(
            model=model.name,
            node=nid,
            node_name=node_obj.name_en if lang == "en" and node_obj.name_en else node_obj.name,
            measure=m.id,
            measure_name=self._mname(m),
            agg=m.agg,
            unit=unit,
            table=m.table,  # type: ignore[arg-type]
            scope=self._ref(key),
            period=span.label,
            start=span.start.isoformat(),
            end=span.end.isoformat(),
            total=total,
            value=_num(value),
            measures=[
                MeasureChoice(
                    id=b,
                    name=self._mname(measures[b]),
                    table=measures[b].table,  # type: ignore[arg-type]
                    agg=measures[b].agg,
                )
                for b in behind
                if measures[b].table in rec.DISPLAY
            ],
            columns=self._columns(m, cols),
            rows=[self._row(r, cols) for r in raw],
            sort=sort_key,
            desc=desc,
            page=page,
            page_size=page_size,
            pages=pages,
        )

    def export(
        self,
        model_path: str | Path | None,
        node: str,
        fmt: str,
        scope: ScopeKey | None = None,
        period: str | None = None,
        measure: str | None = None,
        sort: str | None = None,
        desc: bool = True,
    ) -> tuple[str, str, bytes]:
        """Every record behind the figure as CSV (UTF-8 with BOM, safe cells) or XLSX:
        (file name, media type, content)."""
        if fmt not in ("csv", "xlsx"):
            raise UsageError("option_bad_choice", option="format", value=fmt[:10], allowed="csv, xlsx")
        _, _, m, _, _, key, span = self._prepare(model_path, node, scope, period, measure)
        cols = rec.display_columns(m)
        sort_key = sort if sort in cols else (m.time if m.time in cols else cols[0])
        rows_t = rec.record_rows(
            connect(self.ctx.store, "default"),
            m,
            span,
            rec.scope_keys(org.scope_index(self.ctx), m.table or "", key),
        )
        if rec.count(rows_t) > EXPORT_MAX:
            raise LimitError("records_too_many", max=EXPORT_MAX)
        rows = [self._row(r, cols) for r in rec.page(rows_t, cols, sort_key, desc, 0, None)]
        name = f"{m.id}_{key[0]}{'' if key[0] == COMPANY else key[1]}_{span.label}.{fmt}".replace("..", "_")
        return self.write(name, fmt, m.id, self._columns(m, cols), rows)

    def write(
        self, name: str, fmt: str, sheet: str, header: list[RecordColumn], rows: list[dict[str, Cell]]
    ) -> tuple[str, str, bytes]:
        """The rows as CSV (UTF-8 with BOM, safe cells) or XLSX: (file name, media type, content)."""
        if fmt == "csv":
            buf = io.StringIO()
            w = csv.writer(buf)
            w.writerow([c.label for c in header])
            for r in rows:
                w.writerow(safe_row(r[c.key] for c in header))
            return name, "text/csv; charset=utf-8", ("\ufeff" + buf.getvalue()).encode("utf-8")
        from openpyxl import Workbook

        wb = Workbook(write_only=True)
        ws = wb.create_sheet(sheet[:31])
        ws.append([c.label for c in header])
        for r in rows:
            ws.append(safe_row(r[c.key] for c in header))
        out = io.BytesIO()
        wb.save(out)
        media = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        return name, media, out.getvalue()

    # the funnel's stage counts, the deal and customer pages -----------------------------
    def funnel(self) -> FunnelRecords:
        """The deals behind the funnel page's stage counts (``/records/funnel``)."""
        return FunnelRecords(self.ctx, self.models, self)

    def deal(self, deal_id: int) -> DealPage:
        """One deal with its stage history, changes and activities (404 unless in reach)."""
        return deal_pages.deal_page(self.ctx, deal_id)

    def customer(self, account_id: int) -> CustomerPage:
        """One account with the deals, leads, contracts and activities of it in reach."""
        return deal_pages.customer_page(self.ctx, account_id)

    # pieces ----------------------------------------------------------------------------
    def _mname(self, m: Measure) -> str:
        if self.ctx.lang == "en" and m.name_en:
            return m.name_en
        return m.name or m.id

    def _columns(self, m: Measure, cols: list[str]) -> list[RecordColumn]:
        lang = self.ctx.lang
        out = [RecordColumn(key=c, label=t(f"records.col.{c}", lang), kind=column_kind(c)) for c in cols]
        out.append(RecordColumn(key=WHO, label=t(f"records.by.{m.by or 'owner'}", lang), kind="text"))
        return out

    def _row(self, r: dict[str, Any], cols: list[str]) -> dict[str, Cell]:
        scopes = org.scope_index(self.ctx)
        out: dict[str, Cell] = {c: _cell(r.get(c)) for c in cols}
        if rec.ACCOUNT in r:
            out[rec.ACCOUNT] = _cell(r[rec.ACCOUNT])
        who = int(r.get(rec.WHO) or -1)
        found = scopes.scopes.get((MEMBER, who)) or scopes.scopes.get((TEAM, who))
        out[WHO] = found.name if found is not None else None
        return out

    def _ref(self, key: ScopeKey) -> ScopeRef:
        scopes = org.scope_index(self.ctx)
        s = scopes.scopes[key]
        if key[0] == TEAM:
            kind: TeamKind = "agency" if key[1] in scopes.agency_teams else "in_house"
            return TeamRef(type="team", id=key[1], name=s.name, kind=kind)
        if key[0] == MEMBER:
            return MemberRef(type="member", id=key[1], name=s.name, team_id=s.team_id)
        return CompanyRef(type="company", id=0, name=s.name)


def column_kind(col: str) -> Any:
    if col in MONEY:
        return "money"
    if col in FLAGS:
        return "flag"
    if col in DATES:
        return "date"
    if col in NUMBERS:
        return "number"
    return "text"


def _cell(v: Any) -> Cell:
    if isinstance(v, Decimal):
        return int(v) if v == v.to_integral_value() else float(v)
    if isinstance(v, datetime):
        return v.isoformat(sep=" ", timespec="minutes")
    if isinstance(v, date):
        return v.isoformat()
    if v is None or isinstance(v, str | int | float | bool):
        return v
    return str(v)


def _num(v: float | None) -> int | float | None:
    if v is None or math.isnan(v):
        return None
    return int(v) if float(v).is_integer() else v
