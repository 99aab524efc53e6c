"""The forecast's judgment side — categories, managers' adjustments, weekly submissions,
accuracy per rep — and the backtest, for :class:`app.forecasts.Forecasts`."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from rashinban.analysis.forecast import backtest as bt
from rashinban.analysis.forecast import report
from rashinban.analysis.forecast.period import actuals
from rashinban.app import forecast_run, org
from rashinban.app.dashboards.board import Board
from rashinban.app.forecast_data import lead_facts
from rashinban.app.results.common import Ok
from rashinban.app.results.forecasts import AccuracyResult, AccuracyRow, BacktestResult
from rashinban.errors import ForbiddenError, NotFoundError, UsageError
from rashinban.kpi.calendar import BusinessCalendar, parse_period, span_of
from rashinban.kpi.units import Period
from rashinban.org.access import ScopeKey
from rashinban.org.roles import Permission, Role, role_of
from rashinban.org.scopes import MEMBER
from rashinban.store import forecasts as repo

if TYPE_CHECKING:
    from rashinban.app.forecasts import Forecasts, ModelPath

CATEGORIES = ("commit", "best_case", "pipeline", "omitted")
KPIS = ("revenue", "won_deals")


def set_category(fc: Forecasts, deal_id: int, category: str | None) -> Ok:
    """The owner's (or an admin's) forecast category for an open deal; None: back to the default."""
    user = fc.ctx.require(Permission.FORECAST_SUBMIT)
    if category is not None and category not in CATEGORIES:
        raise UsageError("forecast_bad_category", value=category)
    d = repo.deal_score_frame(fc.ctx.store)
    row = d.loc[d["deal_id"] == deal_id]
    if row.empty:
        raise NotFoundError("forecast_deal_unknown", deal=deal_id)
    owner = row["owner_id"].iloc[0]
    if (
        user is not None
        and role_of(user) is not Role.ADMIN
        and (user.member_id is None or owner != user.member_id)
    ):
        raise ForbiddenError("forecast_not_owner", deal=deal_id)
    repo.set_category(fc.ctx.store, deal_id, category, fc.ctx.actor, fc.ctx.now())
    return Ok(ok=True)


def _writable(
    fc: Forecasts, model_path: ModelPath, scope: str | None, permission: Permission
) -> tuple[Board, ScopeKey]:
    fc.ctx.require(permission)
    b, key = fc._board(model_path, scope)
    if not fc._can_write(key, permission):
        raise ForbiddenError("forbidden_scope", kind=key[0], value=str(key[1]))
    return b, key


def _p50(fc: Forecasts, key: ScopeKey, kpi: str) -> tuple[str, float | None]:
    rows = repo.scope_forecast_rows(fc.ctx.store, key[0], key[1])
    for r in rows:
        if r["kpi"] == kpi:
            return r["period"], float(r["p50"])
    return span_of(fc.ctx.today(), Period.MONTH).label, None


def adjust(
    fc: Forecasts, model_path: ModelPath, scope: str | None, value: float, reason: str, kpi: str = "revenue"
) -> Ok:
    """A manager's judgment on the scope's forecast, with a reason (the deals stay as they are)."""
    _, key = _writable(fc, model_path, scope, Permission.FORECAST_ADJUST)
    if kpi not in KPIS or value < 0 or not reason.strip():
        raise UsageError("forecast_bad_adjustment", kpi=kpi)
    period, p50 = _p50(fc, key, kpi)
    repo.add_adjustment(
        fc.ctx.store,
        {
            "scope_type": key[0],
            "scope_id": key[1],
            "period": period,
            "kpi": kpi,
            "value": float(value),
            "model_p50": p50,
            "reason": reason.strip(),
            "author": fc.ctx.actor,
            "created_at": fc.ctx.now(),
        },
    )
    return Ok(ok=True)


def submit(
    fc: Forecasts,
    model_path: ModelPath,
    scope: str | None,
    value: float,
    note: str | None = None,
    kpi: str = "revenue",
) -> Ok:
    """A weekly forecast submission for the scope's current period (kept for ever)."""
    _, key = _writable(fc, model_path, scope, Permission.FORECAST_SUBMIT)
    user = fc.ctx.user
    if role_of(user) is Role.MEMBER and user is not None and key != (MEMBER, user.member_id):
        raise ForbiddenError("forbidden_scope", kind=key[0], value=str(key[1]))  # a rep submits their own
    if kpi not in KPIS or value < 0:
        raise UsageError("forecast_bad_adjustment", kpi=kpi)
    period, p50 = _p50(fc, key, kpi)
    repo.add_submission(
        fc.ctx.store,
        {
            "scope_type": key[0],
            "scope_id": key[1],
            "period": period,
            "kpi": kpi,
            "week": repo.week_of(fc.ctx.today()),
            "value": float(value),
            "model_p50": p50,
            "note": (note or "").strip() or None,
            "author": fc.ctx.actor,
            "submitted_at": fc.ctx.now(),
        },
    )
    return Ok(ok=True)


def accuracy(fc: Forecasts, model_path: ModelPath = None) -> AccuracyResult:
    """Per visible rep and period: the last submission, the model's P50 then, the actual."""
    b, _ = fc._board(model_path, None)
    visible = [m for (kind, m) in b.scopes.scopes if kind == MEMBER and b.access.can_see((MEMBER, m))]
    subs = repo.submissions(fc.ctx.store, MEMBER, visible)
    last: dict[tuple[int, str], dict[str, Any]] = {}
    for s in subs:
        if s["kpi"] == "revenue":
            last[(int(s["scope_id"]), s["period"])] = s
    facts = forecast_run.facts(fc.ctx, fc._stages(model_path))
    rows: list[AccuracyRow] = []
    errs: dict[int, tuple[list[float], list[float]]] = {}
    today = fc.ctx.today()
    for (mid, period), s in sorted(last.items(), key=lambda kv: (kv[0][1], kv[0][0])):
        span = parse_period(period)
        actual = actuals(facts, span, {(MEMBER, mid): [mid]})[(MEMBER, mid)][0] if span.end < today else None
        e_s = abs(s["value"] - actual) / actual if actual else None
        e_m = abs(s["model_p50"] - actual) / actual if actual and s["model_p50"] is not None else None
        rows.append(
            AccuracyRow(
                member=b.member(mid),
                period=period,
                submitted=s["value"],
                model_p50=s["model_p50"],
                actual=actual,
                error_submitted=e_s,
                error_model=e_m,
            )
        )
        errs.setdefault(mid, ([], []))
        if e_s is not None:
            errs[mid][0].append(e_s)
        if e_m is not None:
            errs[mid][1].append(e_m)
    reps = {
        str(m): {"submitted": sum(a) / len(a) if a else None, "model": sum(c) / len(c) if c else None}
        for m, (a, c) in errs.items()
    }
    return AccuracyResult(rows=rows, reps=reps)


def backtest(
    fc: Forecasts,
    model_path: ModelPath = None,
    start: str | None = None,
    end: str | None = None,
    days: tuple[int, ...] = (5, 10, 15),
    compare: bool = True,
    progress: Any = None,
) -> BacktestResult:
    """Run the rolling-origin backtest over the store's history and store its figures."""
    fc.ctx.require(Permission.FORECAST_RUN)
    f = forecast_run.facts(fc.ctx, fc._stages(model_path))
    first = f.start.to_period("M") + 6
    last = (f.end - pd.Timedelta(days=1)).to_period("M") - 1
    months = pd.period_range(start or str(first), end or str(last), freq="M")
    if not len(months) or months[0] < f.start.to_period("M") + 3:
        raise UsageError("forecast_backtest_range", first=str(first), last=str(last))
    lf = lead_facts(fc.ctx.store, f)
    setup = bt.Setup(tuple(months), tuple(days), compare=compare)
    cal = BusinessCalendar(org.company_holidays(fc.ctx))
    out = bt.run(f, lf, forecast_run.scope_members(org.scope_index(fc.ctx)), cal, setup, progress)
    levels, probs = report.levels(out), report.probabilities(out)
    body = {
        "source": fc.ctx.store.url.rsplit("/", 1)[-1],
        "months": [str(m) for m in months],
        "days": list(days),
        "computed_at": fc.ctx.now().isoformat(),
        "levels": levels,
        "probabilities": probs,
        "goals": report.goals(levels, probs),
    }
    with fc.ctx.store.write() as conn:
        repo.add_model(
            conn,
            {
                "kind": "backtest",
                "algorithm": "rolling_origin",
                "trained_at": fc.ctx.now(),
                "as_of": fc.ctx.now(),
                "won": int(out.deals["y"].sum()) if len(out.deals) else 0,
                "lost": int((1 - out.deals["y"]).sum()) if len(out.deals) else 0,
                "metrics_json": json.dumps(body, ensure_ascii=False, default=str),
                "params_json": None,
            },
        )
    return BacktestResult.model_validate(body)
