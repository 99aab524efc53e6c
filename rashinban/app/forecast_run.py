"""Training and scoring: the scheduled job's work (``rashinban forecast run``).

At the context's clock instant: train the win model, the in-period model and the lead model
on what is known now, score every open deal and lead, forecast every scope's current month,
and store it all in one write — scores with the model version that made them.
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict
from typing import Any

import numpy as np
import pandas as pd

from rashinban.analysis.forecast import leads as lead_model
from rashinban.analysis.forecast import period as pf
from rashinban.analysis.forecast.data import DealFacts
from rashinban.analysis.forecast.stages import TEAM_PRIOR
from rashinban.app import org
from rashinban.app.context import AppContext, Progress
from rashinban.app.forecast_data import deal_facts, lead_facts
from rashinban.kpi.calendar import BusinessCalendar, Span, span_of
from rashinban.kpi.units import Period
from rashinban.org.scopes import COMPANY, MEMBER, TEAM, ScopeIndex
from rashinban.store import forecasts as repo

TOP = 3


def scope_members(scopes: ScopeIndex) -> dict[tuple[str, int], list[int]]:
    """Every scope → the member ids whose deals it sums (the company: all, and −1 for deals
    without a member)."""
    out: dict[tuple[str, int], list[int]] = {}
    for key in scopes.scopes:
        if key[0] == COMPANY:
            out[key] = [*sorted(scopes.member_team), -1]
        elif key[0] == TEAM:
            out[key] = sorted(scopes.members_of(key[1]))
        elif key[0] == MEMBER:
            out[key] = [key[1]]
    return out


def facts(ctx: AppContext, stages: list[str]) -> DealFacts:
    return ctx.cached(
        ("forecast_facts", tuple(stages)), lambda: deal_facts(ctx.store, org.scope_index(ctx), stages)
    )


def _factors(names: list[str], per: np.ndarray, values: list[str] | None = None) -> list[str]:
    out = []
    for i in range(per.shape[0]):
        order = np.argsort(per[i])
        ups = [j for j in order[::-1][:TOP] if per[i, j] > 0.05]
        downs = [j for j in order[:TOP] if per[i, j] < -0.05]
        out.append(
            json.dumps(
                [[names[j], "", round(float(per[i, j]), 3)] for j in [*ups, *downs]], ensure_ascii=False
            )
        )
    return out


def run(
    ctx: AppContext,
    stages: list[str],
    targets: dict[tuple[tuple[str, int], str], float],
    fiscal_year_start: int,
    progress: Progress | None = None,
) -> dict[str, Any]:
    """Train, score and forecast at the clock's instant; store it all (one write)."""
    t0 = time.perf_counter()
    now = pd.Timestamp(ctx.now()).floor("s")
    step = _Steps(progress, 5)
    f = facts(ctx, stages)
    step("facts")
    models = pf.train(f, now)
    step("deal model")
    scored = pf.score(f, now, models, with_factors=True)
    span = span_of(now.date(), Period.MONTH, fiscal_year_start)
    scopes = scope_members(org.scope_index(ctx))
    cal = BusinessCalendar(org.company_holidays(ctx))
    rows = pf.forecast(
        f, now, span, scored, scopes, targets, cal, categories=repo.category_overrides(ctx.store)
    )
    step("forecast")
    lf = lead_facts(ctx.store, f)
    lm = lead_model.fit(lead_model.training_rows(lf, now))
    open_leads = lead_model.leads_at(lf, now)
    step("lead model")
    with ctx.store.write(timeout=120) as conn:
        deal_version = repo.add_model(conn, _deal_model_row(models, now))
        lead_version = repo.add_model(conn, _lead_model_row(lm, now))
        repo.replace_scores(
            conn,
            _deal_rows(scored, deal_version, now),
            _lead_rows(lm, open_leads, lead_version, now),
            _forecast_rows(rows, span, deal_version, now),
        )
    ctx.refresh()
    step("stored")
    return {
        "deal_version": deal_version,
        "lead_version": lead_version,
        "deals": len(scored.deals),
        "leads": len(open_leads),
        "scopes": len(scopes),
        "period": span.label,
        "seconds": time.perf_counter() - t0,
    }


class _Steps:
    def __init__(self, progress: Progress | None, total: int) -> None:
        self.progress = progress
        self.done = 0
        if progress is not None:
            progress.start("forecast", total, "steps")

    def __call__(self, label: str) -> None:
        self.done += 1
        if self.progress is not None:
            self.progress.advance(self.done, 0)


def _deal_model_row(m: pf.Models, now: pd.Timestamp) -> dict[str, Any]:
    w = m.win
    params = {
        "stages": list(w.table.stages),
        "table": [asdict(r) for r in w.table.rows],
        "team_prior": TEAM_PRIOR,
        "period_model": m.period_model is not None,
        "coefficients": dict(zip(w.encoder.columns, map(float, w.coef), strict=True))
        if w.encoder is not None and w.coef is not None
        else {},
    }
    return {
        "kind": "deal",
        "algorithm": w.algorithm,
        "trained_at": now.to_pydatetime(),
        "as_of": now.to_pydatetime(),
        "won": w.won,
        "lost": w.lost,
        "metrics_json": None,
        "params_json": json.dumps(params, ensure_ascii=False),
    }


def _lead_model_row(m: lead_model.LeadModel, now: pd.Timestamp) -> dict[str, Any]:
    return {
        "kind": "lead",
        "algorithm": m.algorithm,
        "trained_at": now.to_pydatetime(),
        "as_of": now.to_pydatetime(),
        "won": m.positives,
        "lost": m.negatives,
        "metrics_json": None,
        "params_json": json.dumps({"horizon_days": lead_model.HORIZON_DAYS, "channel_rate": m.channel_rate}),
    }


def _deal_rows(s: pf.Scored, version: int, now: pd.Timestamp) -> pd.DataFrame:
    d = s.deals
    factors = [
        json.dumps([[x.factor, x.value, round(x.effect, 3)] for x in fs], ensure_ascii=False)
        for fs in s.factors
    ]
    return pd.DataFrame(
        {
            "deal_id": d["id"].astype("int64"),
            "model_version": version,
            "scored_at": now,
            "p_win": d["p_win"].astype(float),
            "p_stage": d["p_stage"].astype(float),
            "p_period": d["p_period"].astype(float),
            "category": d["category"].astype(str),
            "factors_json": factors if factors else [None] * len(d),
        }
    )


def _lead_rows(m: lead_model.LeadModel, snap: pd.DataFrame, version: int, now: pd.Timestamp) -> pd.DataFrame:
    names, per = m.contributions(snap)
    return pd.DataFrame(
        {
            "lead_id": snap["id"].astype("int64"),
            "model_version": version,
            "scored_at": now,
            "p_won": m.predict(snap).astype(float),
            "p_base": m.baseline(snap).astype(float),
            "factors_json": _factors(names, per) if names else [None] * len(snap),
        }
    )


def _forecast_rows(rows: list[pf.ScopeRow], span: Span, version: int, now: pd.Timestamp) -> pd.DataFrame:
    out = []
    for i, r in enumerate(rows, 1):
        s = r.summary
        out.append(
            {
                "id": i,
                "model_version": version,
                "computed_at": now,
                "as_of": now.date(),
                "scope_type": r.key[0],
                "scope_id": r.key[1],
                "period": span.label,
                "kpi": r.kpi,
                "closed": r.closed,
                "open_expected": r.open_expected,
                "new_expected": r.new_expected,
                "mean": s.mean,
                "p10": s.p10,
                "p50": s.p50,
                "p90": s.p90,
                "run_rate": r.run_rate,
                "weighted": r.weighted,
                "target": r.target,
                "p_achieve": s.p_achieve,
                "commit": r.commit,
                "best_case": r.best_case,
            }
        )
    return pd.DataFrame(out)
