"""The rolling-origin backtest: for every month and every as-of day, forecast from what was
known at that instant only (models trained then, deals as they were then), and compare with
what happened — against the naive projections a manager would otherwise use.

Origins: day ``d`` of a month means "known through the end of day d" (the instant is the
next midnight).  Models are trained once per month at its first origin (the scheduled job
retrains weekly; monthly keeps the backtest affordable and can only make it worse).  The
period table (the calendar within the month) and the new-deal rates are refitted at every
origin.  Targets for P(KGI achieved): each scope's mean of the three months before × 1.1
(the demo plan's rule), known at the origin.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pandas as pd

from rashinban.analysis.forecast import leads as lead_model
from rashinban.analysis.forecast import period as pf
from rashinban.analysis.forecast import training
from rashinban.analysis.forecast.data import DealFacts, sample
from rashinban.analysis.forecast.leads import LeadFacts
from rashinban.kpi.calendar import BusinessCalendar, Span, month_span

Progress = Callable[[str, int, int], None]
ALGORITHMS = ("logistic", "naive_bayes", "stage_table")


@dataclass(frozen=True)
class Setup:
    months: tuple[pd.Period, ...]
    days: tuple[int, ...] = (5, 10, 15)
    draws: int = 1000
    snapshots: int = pf.TRAIN_SNAPSHOTS
    compare: bool = True  # also score the other algorithms on the same deals
    leads: bool = True


@dataclass(frozen=True)
class Outcome:
    scopes: pd.DataFrame  # origin, day, month, level, scope_type, scope_id, actual, p10, p50, p90, …
    deals: pd.DataFrame  # origin, id, y, p_<algorithm>, p_stage
    leads: pd.DataFrame  # origin, id, y, p_model, p_base


def _span(m: pd.Period) -> Span:
    return month_span(m.year, m.month)


def monthly_actuals(
    f: DealFacts, months: list[pd.Period], scopes: dict[tuple[str, int], list[int]]
) -> dict[pd.Period, dict[tuple[str, int], tuple[float, float]]]:
    return {m: pf.actuals(f, _span(m), scopes) for m in months}


def run(
    f: DealFacts,
    lf: LeadFacts | None,
    scopes: dict[tuple[str, int], list[int]],
    calendar: BusinessCalendar,
    setup: Setup,
    progress: Progress | None = None,
) -> Outcome:
    report = progress or (lambda label, done, total: None)
    need = sorted({m - k for m in setup.months for k in (0, 1, 2, 3, 12)})
    acts = monthly_actuals(f, need, scopes)
    end = f.end
    rows, deal_rows, lead_rows = [], [], []
    total = len(setup.months) * len(setup.days)
    done = 0
    for month in setup.months:
        span = _span(month)
        models: dict[str, pf.Models] = {}
        for day in setup.days:
            t = pd.Timestamp(span.start) + pd.Timedelta(days=day)
            if t > end:
                continue
            if not models:
                small = sample(f)
                train_rows = training.labelled(
                    small, t, training.snapshot_times(t, small.start, setup.snapshots)
                )
                for alg in ALGORITHMS if setup.compare else ("logistic",):
                    models[alg] = pf.train(f, t, setup.snapshots, alg, train_rows, in_period=False)
                if lf is not None and setup.leads:
                    lead_rows.append(_leads(lf, t, end))
            m = models["logistic"]
            m = pf.with_period(f, t, m)
            scored = pf.score(f, t, m)
            targets = _targets(acts, month, scopes)
            for r in pf.forecast(f, t, span, scored, scopes, targets, calendar, setup.draws):
                if r.kpi != "revenue":
                    continue
                actual = acts[month][r.key][0]
                rows.append(
                    {
                        "origin": t,
                        "day": day,
                        "month": str(month),
                        "level": r.key[0],
                        "scope_type": r.key[0],
                        "scope_id": r.key[1],
                        "actual": actual,
                        "p10": r.summary.p10,
                        "p50": r.summary.p50,
                        "p90": r.summary.p90,
                        "p_achieve": r.summary.p_achieve,
                        "target": r.target,
                        "achieved": None if r.target is None else float(actual >= r.target),
                        "run_rate": r.run_rate,
                        "weighted": r.weighted,
                        "last_period": acts[month - 1][r.key][0],
                        "last_year": acts[month - 12][r.key][0]
                        if (month - 12) >= f.start.to_period("M")
                        else None,
                    }
                )
            if day == setup.days[0]:
                deal_rows.append(_deal_eval(f, t, end, scored, models))
            done += 1
            report(f"{month} day {day}", done, total)
    return Outcome(
        pd.DataFrame(rows),
        pd.concat(deal_rows, ignore_index=True) if deal_rows else pd.DataFrame(),
        pd.concat(lead_rows, ignore_index=True) if lead_rows else pd.DataFrame(),
    )


def _targets(
    acts: dict[pd.Period, dict[tuple[str, int], tuple[float, float]]],
    month: pd.Period,
    scopes: dict[tuple[str, int], list[int]],
) -> dict[tuple[tuple[str, int], str], float]:
    out = {}
    for key in scopes:
        prev = [acts[month - k][key][0] for k in (1, 2, 3)]
        if np.mean(prev) > 0:
            out[(key, "revenue")] = float(np.mean(prev) * 1.1)
    return out


def _deal_eval(
    f: DealFacts, t: pd.Timestamp, end: pd.Timestamp, scored: pf.Scored, models: dict[str, pf.Models]
) -> pd.DataFrame:
    """The deals open at ``t`` whose outcome is known by the end of the data, with each
    algorithm's probability and the stage-only baseline."""
    d = f.deals.set_index("id")
    s = scored.deals
    known = s["id"].map(d["closed_at"]).notna().to_numpy()
    s = s.loc[known].reset_index(drop=True)
    out = pd.DataFrame({"origin": t, "id": s["id"], "y": s["id"].map(d["is_won"]).astype(int)})
    out["p_logistic"] = s["p_win"].to_numpy()
    win = models["logistic"].win
    out["p_stage"] = win.table.p_stage_only(s["stage_idx"].to_numpy(int))
    from rashinban.analysis.forecast.training import Context

    ctx = Context.at(f, t)
    out["p_owner"] = s["owner_id"].map(ctx.owner_rate).fillna(ctx.base).to_numpy(float)
    for alg, m in models.items():
        if alg != "logistic":
            out[f"p_{alg}"] = m.win.predict(s, ctx)
    return out


def _leads(lf: LeadFacts, t: pd.Timestamp, end: pd.Timestamp) -> pd.DataFrame:
    """Open leads at ``t`` scored by a model trained at ``t``; labelled when the horizon has
    passed by the end of the data."""
    if t + pd.Timedelta(days=lead_model.HORIZON_DAYS) > end or lf.leads.empty:
        return pd.DataFrame()
    model = lead_model.fit(lead_model.training_rows(lf, t))
    snap = lead_model.leads_at(lf, t)
    return pd.DataFrame(
        {
            "origin": t,
            "id": snap["id"],
            "y": lead_model.label(lf, snap, t),
            "p_model": model.predict(snap),
            "p_base": model.baseline(snap),
        }
    )
