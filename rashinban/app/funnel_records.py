"""Drill-down from the funnel page: the deals behind one stage count of one scope and period
(``/records/funnel``), built by the funnel's own rule (``metrics.records.funnel_deals``), so
the list's count is the figure on the funnel page.  The scope is checked before anything is
read; a refusal carries no data."""

from __future__ import annotations

import math
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rashinban.analysis.funnel import DEFAULT_STAGES
from rashinban.app import org
from rashinban.app.context import AppContext
from rashinban.app.models import Models
from rashinban.app.results.records import RecordColumn, RecordsResult
from rashinban.app.tracking import connect
from rashinban.errors import LimitError, NotFoundError, UsageError
from rashinban.i18n import t
from rashinban.i18n.stages import funnel_label, stage_label
from rashinban.kpi.calendar import Span, parse_period, span_of
from rashinban.metrics import records as rec
from rashinban.org.access import ScopeKey
from rashinban.org.roles import Permission
from rashinban.org.scopes import COMPANY

if TYPE_CHECKING:
    from rashinban.app.records import Records

FUNNEL = "funnel"  # the node name a funnel drill-down reports


class FunnelRecords:
    """Listing and export of the deals behind a funnel stage; ``records`` supplies the shared
    pieces (cells, scope references, the file writers)."""

    def __init__(self, ctx: AppContext, models: Models, records: Records) -> None:
        self.ctx = ctx
        self.models = models
        self.records = records

    def _prepare(
        self, model_path: str | Path | None, stage: int, scope: ScopeKey | None, period: str | None
    ) -> tuple[tuple[str, ...], ScopeKey, Span, Any]:
        ctx = self.ctx
        ctx.require(Permission.READ)
        scopes = org.scope_index(ctx)
        acc = org.access(ctx)
        key = scope if scope is not None else (acc.home or (COMPANY, 0))
        acc.check(key)  # before anything is read: a refusal carries no data
        if key not in scopes.scopes:
            raise NotFoundError("records_unknown_scope", value=f"{key[0]}:{key[1]}")
        model = self.models.for_scope(model_path, key).model
        configured = model.extra.get("funnel")
        stages = (
            tuple(str(s) for s in configured)
            if isinstance(configured, list) and configured
            else DEFAULT_STAGES
        )
        if not 0 <= stage < len(stages):
            raise UsageError("records_bad_stage", value=str(stage), count=len(stages))
        fys = model.fiscal_year_start
        span = parse_period(period, fys) if period else span_of(ctx.today(), model.period, fys)
        rows = rec.funnel_deals(
            connect(ctx.store, "default"),
            span,
            stages,
            stage,
            rec.scope_keys(scopes, "deal_stage_entries", key),
        )
        return stages, key, span, rows

    def listing(
        self,
        model_path: str | Path | None,
        stage: int,
        scope: ScopeKey | None = None,
        period: str | None = None,
        sort: str | None = None,
        desc: bool = True,
        page: int = 1,
        page_size: int = 50,
    ) -> RecordsResult:
        if page_size not in self.records.PAGE_SIZES:
            raise UsageError(
                "option_bad_choice", option="page_size", value=str(page_size), allowed="25, 50, 100, 200"
            )
        stages, key, span, rows_t = self._prepare(model_path, stage, scope, period)
        cols = list(rec.FUNNEL_DISPLAY)
        sort_key = sort if sort in cols else "funnel_entered_at"
        total = rec.count(rows_t)
        pages = max(1, math.ceil(total / page_size))
        page = min(max(1, page), pages)
        raw = rec.page(rows_t, cols, sort_key, desc, (page - 1) * page_size, page_size)
        name = funnel_label(stages[stage], stage, self.ctx.lang)
        return RecordsResult(
            model=self.models.for_scope(model_path, key).model.name,
            node=FUNNEL,
            node_name=t("records.funnel_title", self.ctx.lang, stage=name),
            measure=str(stage),
            measure_name=name if stage == 0 else t("records.funnel_measure", self.ctx.lang, stage=name),
            agg="count",
            unit="count",
            table="deals",
            scope=self.records._ref(key),
            period=span.label,
            start=span.start.isoformat(),
            end=span.end.isoformat(),
            total=total,
            value=total,
            measures=[],
            columns=self._columns(cols),
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
        stage: int,
        fmt: str,
        scope: ScopeKey | None = None,
        period: str | None = None,
        sort: str | None = None,
        desc: bool = True,
    ) -> tuple[str, str, bytes]:
        if fmt not in ("csv", "xlsx"):
            raise UsageError("option_bad_choice", option="format", value=fmt[:10], allowed="csv, xlsx")
        _, key, span, rows_t = self._prepare(model_path, stage, scope, period)
        cols = list(rec.FUNNEL_DISPLAY)
        sort_key = sort if sort in cols else "funnel_entered_at"
        if rec.count(rows_t) > self.records.EXPORT_MAX:
            raise LimitError("records_too_many", max=self.records.EXPORT_MAX)
        rows = [self._row(r, cols) for r in rec.page(rows_t, cols, sort_key, desc, 0, None)]
        name = f"funnel{stage}_{key[0]}{'' if key[0] == COMPANY else key[1]}_{span.label}.{fmt}".replace(
            "..", "_"
        )
        return self.records.write(name, fmt, f"funnel_{stage}", self._columns(cols), rows)

    def _columns(self, cols: list[str]) -> list[RecordColumn]:
        lang = self.ctx.lang
        out = [
            RecordColumn(key=c, label=t(f"records.col.{c}", lang), kind=self.records.kind(c)) for c in cols
        ]
        out.append(RecordColumn(key=self.records.WHO, label=t("records.by.owner", lang), kind="text"))
        return out

    def _row(self, r: dict[str, Any], cols: list[str]) -> dict[str, Any]:
        out: dict[str, Any] = self.records._row(r, cols)
        for c in ("stage", rec.REACHED):
            if isinstance(out.get(c), str):
                out[c] = stage_label(out[c], self.ctx.lang)
        return out
