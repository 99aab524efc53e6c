"""Forecasts: the stored period forecast of a scope, scored deals and leads with their
factors, the stage table, categories, managers' adjustments, weekly submissions, forecast
accuracy per rep, the backtest — and ``run`` (train, score, store: the scheduled job).

Reads come from what ``run`` stored (pages never recompute a forecast); every read checks
the role (``read``) and the scope; writes check their own permission and that the scope (or
the deal's owner) is the user's to write for.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any, cast

import pandas as pd

from rashinban.analysis.targets import plan_targets
from rashinban.app import forecast_judgment as judgment
from rashinban.app import forecast_run, forecast_views, org
from rashinban.app.context import AppContext, Progress
from rashinban.app.dashboards import Dashboards
from rashinban.app.dashboards.board import Board, parse_scope
from rashinban.app.models import Bundle, Models
from rashinban.app.results.common import Ok
from rashinban.app.results.forecasts import (
    AccuracyResult,
    Adjustment,
    BacktestResult,
    Category,
    DealScore,
    DealsResult,
    ForecastResult,
    HomeBand,
    LeadScore,
    LeadsResult,
    RunResult,
    StageRow,
    StagesResult,
)
from rashinban.errors import ForbiddenError
from rashinban.kpi.calendar import span_of
from rashinban.kpi.units import Period
from rashinban.org.access import ScopeKey
from rashinban.org.roles import Permission, Role, role_of
from rashinban.org.scopes import COMPANY, MEMBER
from rashinban.store import forecasts as repo
from rashinban.store import schedules as sched
from rashinban.store.targets import current_targets

CATEGORIES = ("commit", "best_case", "pipeline", "omitted")
SCHEDULE = "forecast"
SCHEDULE_SPEC = "business 06:00"  # retrain and rescore before the working day starts
KPIS = ("revenue", "won_deals")
ModelPath = str | Path | None


def kpi_nodes(b: Bundle) -> dict[str, str]:
    """The model's nodes the pipeline drives: revenue (Σ amount of won deals) and won deals
    (count of won deals), recognised from their measures' definitions."""
    out: dict[str, str] = {}
    for nid, node in b.model.nodes.items():
        m = b.measures.get(node.measure or "")
        if m is None or m.table != "deals" or "is_won" not in (m.filter_text or ""):
            continue
        if "not" in (m.filter_text or "") or (m.time or "") != "closed_at":
            continue
        if m.agg == "sum" and m.column == "amount":
            out.setdefault("revenue", nid)
        elif m.agg == "count":
            out.setdefault("won_deals", nid)
    return out


class Forecasts:
    def __init__(self, ctx: AppContext, models: Models, dashboards: Dashboards) -> None:
        self.ctx = ctx
        self.models = models
        self.dashboards = dashboards

    # helpers -------------------------------------------------------------------------------
    def _board(self, model_path: ModelPath, scope: str | None) -> tuple[Board, ScopeKey]:
        self.ctx.require(Permission.READ)
        b = self.dashboards.board(model_path, None)
        key = b.resolve(parse_scope(scope))
        return b, key

    def _stages(self, model_path: ModelPath) -> list[str]:
        try:
            configured = self.models.load(model_path).extra.get("funnel")
        except Exception:  # no model at all: the store's stages
            configured = None
        return [str(s) for s in configured] if isinstance(configured, list) else org.funnel_stages(self.ctx)

    def targets(self, model_path: ModelPath, label: str) -> dict[tuple[ScopeKey, str], float]:
        """Each scope's month target of revenue and won deals (plan, then saved targets)."""
        b = self.models.bundle(model_path)
        nodes = kpi_nodes(b)
        scopes = org.scope_index(self.ctx)
        values = plan_targets(b.plan, scopes, Period.MONTH, [label])
        values.update(current_targets(self.ctx.store, b.model.name, [label]))
        out: dict[tuple[ScopeKey, str], float] = {}
        for (node, stype, sid, _period), v in values.items():
            for kpi, nid in nodes.items():
                if nid == node:
                    out[((stype, int(sid or 0)), kpi)] = float(v)
        return out

    # the job ---------------------------------------------------------------------------------
    def run(self, model_path: ModelPath = None, progress: Progress | None = None) -> RunResult:
        """Train, score every open deal and lead, forecast every scope's month; store it."""
        self.ctx.require(Permission.FORECAST_RUN)
        b = self.models.bundle(model_path)
        label = span_of(self.ctx.today(), Period.MONTH, b.model.fiscal_year_start).label
        out = forecast_run.run(
            self.ctx,
            self._stages(model_path),
            self.targets(model_path, label),
            b.model.fiscal_year_start,
            progress,
        )
        lang = self.ctx.lang
        return RunResult(
            deal_model=forecast_views.model_info(repo.latest_model(self.ctx.store, "deal"), lang),
            lead_model=forecast_views.model_info(repo.latest_model(self.ctx.store, "lead"), lang),
            deals=out["deals"],
            leads=out["leads"],
            scopes=out["scopes"],
            period=out["period"],
            seconds=round(out["seconds"], 2),
        )

    def ensure_schedule(self) -> None:
        """The scoring job's schedule (``forecast``: every business day at 06:00), created when
        missing — an existing schedule (changed with ``rashinban jobs``) is never touched."""
        self.ctx.require(Permission.FORECAST_RUN)
        if sched.get_schedule(self.ctx.store, SCHEDULE) is None:
            sched.upsert_schedule(
                self.ctx.store,
                SCHEDULE,
                "forecast",
                {},
                SCHEDULE_SPEC,
                str(
                    (getattr(self.ctx.clock, "zone", None) and getattr(self.ctx.clock.zone, "key", None))
                    or "Asia/Tokyo"
                ),
                now_utc=self.ctx.clock.instant(),
                created_by="rashinban",
            )
            self.ctx.refresh()

    # reads -----------------------------------------------------------------------------------
    def scope(self, model_path: ModelPath, scope: str | None = None) -> ForecastResult:
        """The stored forecast of a scope's current period."""
        b, key = self._board(model_path, scope)
        lang = self.ctx.lang
        rows = repo.scope_forecast_rows(self.ctx.store, key[0], key[1])
        period = rows[0]["period"] if rows else b.month(None).label
        adjustments = repo.adjustments(self.ctx.store, key[0], key[1], period)
        latest: dict[str, float] = {}
        for a in adjustments:
            latest.setdefault(a["kpi"], a["value"])
        return ForecastResult(
            scope=b.scope(key),
            period=period,
            as_of=rows[0]["as_of"] if rows else None,
            computed_at=rows[0]["computed_at"] if rows else None,
            model=forecast_views.model_info(repo.latest_model(self.ctx.store, "deal"), lang),
            kpis=[forecast_views.kpi_forecast(r, latest.get(r["kpi"]), lang) for r in rows],
            adjustments=[Adjustment(**{k: a[k] for k in Adjustment.model_fields}) for a in adjustments],
            scopes=b.choices(),
            can_adjust=self._can_write(key, Permission.FORECAST_ADJUST),
            can_submit=self._can_write(key, Permission.FORECAST_SUBMIT),
        )

    def band(self, model_path: ModelPath, scope: str | None = None) -> HomeBand | None:
        """The revenue band for the home page (None: no stored forecast for the scope)."""
        _, key = self._board(model_path, scope)
        rows = self.ctx.cached(("forecast_rows", key), lambda: repo.scope_forecast_rows(self.ctx.store, *key))
        for r in rows:
            if r["kpi"] == "revenue":
                k = forecast_views.kpi_forecast(r, None, self.ctx.lang)
                return HomeBand(
                    period=r["period"],
                    label=k.label,
                    closed=k.closed,
                    p10=k.p10,
                    p50=k.p50,
                    p90=k.p90,
                    target=k.target,
                    p_achieve=k.p_achieve,
                    run_rate=k.run_rate,
                    computed_at=r["computed_at"],
                )
        return None

    def _members_of(self, b: Board, key: ScopeKey) -> set[int] | None:
        if key[0] == COMPANY:
            return None
        return {m for m in forecast_run.scope_members(b.scopes)[key] if m >= 0}

    def deals(self, model_path: ModelPath, scope: str | None = None, limit: int = 100) -> DealsResult:
        """The open deals of a scope with scores and factors, highest expected value first."""
        b, key = self._board(model_path, scope)
        lang = self.ctx.lang
        info = forecast_views.model_info(repo.latest_model(self.ctx.store, "deal"), lang)
        d = repo.deal_score_frame(self.ctx.store)
        members = self._members_of(b, key)
        if members is not None:
            d = d.loc[d["owner_id"].isin(members)]
        d = d.assign(ev=d["p_period"] * d["amount"].fillna(0)).sort_values(
            ["ev", "deal_id"], ascending=[False, True]
        )
        enough = info.enough if info else False
        me = self.ctx.user.member_id if self.ctx.user else None
        admin = self.ctx.user is None or role_of(self.ctx.user) is Role.ADMIN
        out = []
        for r in d.head(limit).to_dict("records"):
            owner = int(r["owner_id"]) if pd.notna(r["owner_id"]) else None
            override = r["override"] if isinstance(r["override"], str) else None
            out.append(
                DealScore(
                    id=int(r["deal_id"]),
                    name=r["name"],
                    stage=r["stage"],
                    owner=b.member(owner)
                    if owner is not None and (MEMBER, owner) in b.scopes.scopes
                    else None,
                    amount=None if pd.isna(r["amount"]) else float(r["amount"]),
                    expected_close=None if pd.isna(r["expected_close_on"]) else r["expected_close_on"],
                    p_win=float(r["p_win"] if enough else r["p_stage"]),
                    p_win_text=forecast_views.percent_text(float(r["p_win"]), enough, float(r["p_stage"])),
                    p_stage=float(r["p_stage"]),
                    p_period=float(r["p_period"]),
                    category=cast(Category, override or r["default_category"]),
                    default_category=cast(Category, r["default_category"]),
                    overridden=override is not None,
                    can_override=admin
                    or (
                        owner is not None
                        and owner == me
                        and self.ctx.user is not None
                        and self._allowed(Permission.FORECAST_SUBMIT)
                    ),
                    factors=forecast_views.factors(r["factors_json"], lang),
                    model_version=int(r["model_version"]),
                )
            )
        return DealsResult(scope=b.scope(key), model=info, total=len(d), deals=out)

    def leads(self, model_path: ModelPath, scope: str | None = None, limit: int = 100) -> LeadsResult:
        b, key = self._board(model_path, scope)
        lang = self.ctx.lang
        row = repo.latest_model(self.ctx.store, "lead")
        d = repo.lead_score_frame(self.ctx.store)
        members = self._members_of(b, key)
        if members is not None:
            d = d.loc[d["owner_id"].isin(members)]
        d = d.sort_values(["p_won", "lead_id"], ascending=[False, True])
        out = [
            LeadScore(
                id=int(r["lead_id"]),
                channel=r["channel"],
                status=str(r["status"]),
                owner=b.member(int(r["owner_id"]))
                if pd.notna(r["owner_id"]) and (MEMBER, int(r["owner_id"])) in b.scopes.scopes
                else None,
                created_at=r["created_at"],
                p_won=float(r["p_won"]),
                p_base=float(r["p_base"]),
                factors=forecast_views.factors(r["factors_json"], lang),
                model_version=int(r["model_version"]),
            )
            for r in d.head(limit).to_dict("records")
        ]
        horizon = int((row or {}).get("params", {}).get("horizon_days", 90))
        return LeadsResult(
            scope=b.scope(key),
            model=forecast_views.model_info(row, lang),
            horizon_days=horizon,
            total=len(d),
            leads=out,
        )

    def stages(self) -> StagesResult:
        self.ctx.require(Permission.READ)
        row = repo.latest_model(self.ctx.store, "deal")
        params = (row or {}).get("params", {})
        return StagesResult(
            model=forecast_views.model_info(row, self.ctx.lang),
            team_prior=float(params.get("team_prior", 0.0)),
            rows=[StageRow(**r) for r in params.get("table", [])],
        )

    # writes ----------------------------------------------------------------------------------
    def _allowed(self, permission: Permission) -> bool:
        try:
            self.ctx.require(permission)
        except ForbiddenError:
            return False
        return True

    def _can_write(self, key: ScopeKey, permission: Permission) -> bool:
        if not self._allowed(permission):
            return False
        acc = org.access(self.ctx)
        return not acc.read_only and acc.can_see(key)

    def set_category(self, deal_id: int, category: str | None) -> Ok:
        """The owner's (or an admin's) forecast category for an open deal; None: back to the default."""
        return judgment.set_category(self, deal_id, category)

    def adjust(
        self, model_path: ModelPath, scope: str | None, value: float, reason: str, kpi: str = "revenue"
    ) -> Ok:
        """A manager's judgment on the scope's forecast, with a reason (the deals stay as they are)."""
        return judgment.adjust(self, model_path, scope, value, reason, kpi)

    def submit(
        self,
        model_path: ModelPath,
        scope: str | None,
        value: float,
        note: str | None = None,
        kpi: str = "revenue",
    ) -> Ok:
        """A weekly forecast submission for the scope's current period (kept for ever)."""
        return judgment.submit(self, model_path, scope, value, note, kpi)

    def accuracy(self, model_path: ModelPath = None) -> AccuracyResult:
        """Per visible rep and period: the last submission, the model's P50 then, the actual."""
        return judgment.accuracy(self, model_path)

    def backtest(
        self,
        model_path: ModelPath = None,
        start: str | None = None,
        end: str | None = None,
        days: tuple[int, ...] = (5, 10, 15),
        compare: bool = True,
        progress: Any = None,
    ) -> BacktestResult:
        """Run the rolling-origin backtest over the store's history and store its figures."""
        return judgment.backtest(self, model_path, start, end, days, compare, progress)

    def last_backtest(self) -> BacktestResult | None:
        self.ctx.require(Permission.READ)
        row = repo.latest_model(self.ctx.store, "backtest")
        return BacktestResult.model_validate(row["metrics"]) if row else None

    def status_fields(self, rows: list[dict[str, Any]], model_path: ModelPath = None) -> list[dict[str, Any]]:
        """Status rows (``status --json``) with the stored forecast of the KPIs the pipeline
        drives, for the forecast's period: ``forecast`` = {p10, p50, p90, p_achieve, run_rate}."""
        b = self.models.bundle(model_path)
        nodes = {nid: kpi for kpi, nid in kpi_nodes(b).items()}
        stored = repo.all_scope_forecasts(self.ctx.store)
        index = {
            (r["scope_type"], int(r["scope_id"]), r["period"], r["kpi"]): r for r in stored.to_dict("records")
        }
        out = []
        for row in rows:
            r = index.get(
                (row["scope_type"], int(row["scope_id"]), row["period"], nodes.get(row["node"], ""))
            )
            extra = (
                None
                if r is None
                else {
                    "p10": r["p10"],
                    "p50": r["p50"],
                    "p90": r["p90"],
                    "p_achieve": r["p_achieve"],
                    "run_rate": r["run_rate"],
                    "model_version": int(r["model_version"]),
                    "computed_at": str(r["computed_at"]),
                }
            )
            out.append({**row, "forecast": extra})
        return out


__all__ = ["CATEGORIES", "Forecasts", "datetime"]
