"""One period forecast at one instant: train (or take) the models, score the open deals,
simulate, and summarise per scope with the naive projections next to it."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rashinban.analysis.forecast import simulate as sim
from rashinban.analysis.forecast import training, winprob
from rashinban.analysis.forecast.data import DealFacts, deals_at, sample
from rashinban.analysis.forecast.features import CATEGORIES
from rashinban.analysis.forecast.stages import PeriodTable, fit_period_table
from rashinban.kpi.calendar import BusinessCalendar, Span

CATEGORY_EDGES = (("commit", 0.7), ("best_case", 0.4), ("pipeline", 0.1))
NEW_MONTHS = 6
TRAIN_SNAPSHOTS = 40


def category(p: float) -> str:
    """The default forecast category of a deal from its win probability."""
    for name, edge in CATEGORY_EDGES:
        if p >= edge:
            return name
    return "omitted"


@dataclass(frozen=True)
class Models:
    """The win model (eventual outcome) and the in-period model: the same features trained on
    deals open at the same day of past months, labelled "won before that month ended" — so
    the calendar (closes bunching at month end, slow products, pushed close dates) is in it.
    ``period_model`` is None when that history is too thin: then the stage × age table of
    in-period shares scales the win probability."""

    win: winprob.WinModel
    period: PeriodTable
    trained_at: pd.Timestamp
    period_model: winprob.WinModel | None = None
    month_sigma: float = 0.0  # sd of the month's shared log-factor on in-period chances


def train(
    f: DealFacts,
    t: pd.Timestamp,
    snapshots: int = TRAIN_SNAPSHOTS,
    algorithm: str = "logistic",
    rows: pd.DataFrame | None = None,
    in_period: bool = True,
) -> Models:
    """The models at ``t`` (``rows``: the labelled snapshots, when already built;
    ``in_period=False``: the win model only)."""
    if rows is None:
        small = sample(f)
        rows = training.labelled(small, t, training.snapshot_times(t, small.start, snapshots))
    if not len(rows):
        model = _empty_model(f)
    elif algorithm == "logistic":
        model = select(f, rows)
    else:
        model = winprob.fit(rows, f.stages, algorithm)
    m = Models(model, PeriodTable({}, {}, 0.3), t)
    return with_period(f, t, m) if in_period else m


CANDIDATES: tuple[tuple[str, float], ...] = (
    ("logistic", winprob.C),
    ("logistic", 0.01),
    ("stage_table", 0.0),
)
HOLDOUT = 0.3  # the newest share of the snapshot instants that picks the candidate


def select(f: DealFacts, rows: pd.DataFrame) -> winprob.WinModel:
    """The candidate with the best Brier score on the newest snapshots when trained on the
    older ones (a backtest inside the training data), refitted on all rows.  On data where
    the features carry no signal (Maven's) the stage table or the heavily regularised model
    wins over the default one."""
    times = np.sort(rows["t"].unique())
    cut = times[int(len(times) * (1 - HOLDOUT))] if len(times) >= 4 else None
    if cut is None:
        return winprob.fit(rows, f.stages, "logistic")
    old, new = rows.loc[rows["t"] < cut], rows.loc[rows["t"] >= cut]
    scores = []
    for alg, c in CANDIDATES:
        m = winprob.fit(old, f.stages, alg, c=c)
        if m.algorithm != alg:  # too little data for a logistic model: the stage table decides
            continue
        brier = 0.0
        for t, g in new.groupby("t"):
            p = m.predict(g, training.Context.at(f, pd.Timestamp(str(t))))
            brier += float(((p - g["won"].to_numpy(float)) ** 2).sum())
        scores.append((brier / len(new), alg, c))
    _, alg, c = min(scores, key=lambda x: x[0])
    return winprob.fit(rows, f.stages, alg, c=c)


def with_period(f: DealFacts, t: pd.Timestamp, m: Models) -> Models:
    """``m`` with the in-period model and table refitted for the day of ``t``."""
    rows = training.in_period_rows(sample(f), t)
    if rows.empty:
        return Models(m.win, PeriodTable({}, {}, 0.3), m.trained_at)
    table = fit_period_table(rows, m.win.table)
    pm = winprob.fit(rows, f.stages, "logistic", CATEGORIES)
    pm_ok = pm if pm.algorithm == "logistic" else None
    return Models(m.win, table, m.trained_at, pm_ok, month_sigma(f, rows, pm_ok, table))


def month_sigma(f: DealFacts, rows: pd.DataFrame, pm: winprob.WinModel | None, table: PeriodTable) -> float:
    """How much whole months differ beyond chance: each past month's wins within the month
    ÷ what the in-period model expected for it, as logs; their variance less the part
    Bernoulli draws alone would give (a method-of-moments random effect, ≥ 0)."""
    logs, noise = [], []
    for t, g in rows.groupby("t"):
        ctx = training.Context.at(f, pd.Timestamp(str(t)))
        if pm is not None:
            p = pm.predict(g, ctx)
        else:
            p = table.q(g["stage_idx"].to_numpy(int), g["days_in_stage"].to_numpy(float)) * 0.5
        expected, wins = float(p.sum()), float(g["won_in_period"].sum())
        if expected >= 5 and wins > 0:
            logs.append(np.log(wins / expected))
            noise.append(float((p * (1 - p)).sum()) / expected**2)
    if len(logs) < 4:
        return 0.0
    return float(np.sqrt(max(0.0, float(np.var(logs, ddof=1)) - float(np.mean(noise)))))


def _empty_model(f: DealFacts) -> winprob.WinModel:
    from rashinban.analysis.forecast.stages import fit_stage_table

    empty = pd.DataFrame({"stage_idx": [], "days_in_stage": [], "won": [], "team": []})
    return winprob.WinModel("stage_table", fit_stage_table(empty, f.stages), 0, 0)


@dataclass(frozen=True)
class Scored:
    deals: pd.DataFrame  # the open deals at t with p_win, p_stage, p_period, category, member
    factors: list[list[winprob.Factor]] = field(default_factory=list)
    month_sigma: float = 0.0


def score(f: DealFacts, t: pd.Timestamp, m: Models, with_factors: bool = False) -> Scored:
    snap = deals_at(f, t)
    if snap.empty:
        return Scored(snap.assign(p_win=[], p_stage=[], p_period=[], category=[]))
    ctx = training.Context.at(f, t)
    team = snap["owner_id"].map(lambda o: f.member_team.get(int(o))).fillna(-1).to_numpy(int)
    p_win = m.win.predict(snap, ctx, team)
    stage_idx = snap["stage_idx"].to_numpy(int)
    days = snap["days_in_stage"].to_numpy(float)
    snap["p_win"] = p_win
    snap["p_stage"] = m.win.table.p(stage_idx, days, team)
    if m.period_model is not None:
        p_period = m.period_model.predict(snap, ctx)
    else:
        p_period = p_win * m.period.q(stage_idx, days)
    snap["p_period"] = np.clip(np.minimum(p_period, p_win), 0.0, 1.0)
    snap["category"] = [category(p) for p in p_win]
    return Scored(snap, m.win.factors(snap, ctx) if with_factors else [], m.month_sigma)


def created_and_won(f: DealFacts, t: pd.Timestamp, months: int = NEW_MONTHS) -> pd.DataFrame:
    """Deals of the past ``months`` months created after that month's same instant as ``t``
    and won before that month ended (all known at ``t``)."""
    d = f.deals
    parts = []
    for tm, end in training.month_same_day(t, months):
        sel = (d["created_at"] > tm) & (d["created_at"] < end) & d["is_won"] & (d["closed_at"] < end)
        parts.append(d.loc[sel, ["owner_id", "amount"]])
    return pd.concat(parts, ignore_index=True) if parts else pd.DataFrame({"owner_id": [], "amount": []})


@dataclass(frozen=True)
class ScopeRow:
    key: tuple[str, int]
    kpi: str  # revenue | won_deals
    closed: float
    open_expected: float
    new_expected: float
    summary: sim.Summary
    run_rate: float | None
    weighted: float | None
    commit: float | None
    best_case: float | None
    target: float | None


def forecast(
    f: DealFacts,
    t: pd.Timestamp,
    span: Span,
    scored: Scored,
    scopes: dict[tuple[str, int], list[int]],
    targets: dict[tuple[tuple[str, int], str], float],
    calendar: BusinessCalendar,
    draws: int = sim.DRAWS,
    categories: dict[int, str] | None = None,
) -> list[ScopeRow]:
    """Every scope's forecast of revenue and won deals for ``span`` as of ``t``.

    ``scopes``: scope key → the member ids it sums (−1: deals without a member, which only
    the company counts)."""
    start = pd.Timestamp(span.start)
    end = pd.Timestamp(span.end) + pd.Timedelta(days=1)
    members = np.array(sorted({m for ms in scopes.values() for m in ms} | {-1}), dtype=np.int64)
    index = {int(m): i for i, m in enumerate(members)}
    d = f.deals
    won = d.loc[d["is_won"] & (d["closed_at"] >= start) & (d["closed_at"] <= t)]
    owner_idx = won["owner_id"].map(lambda o: index.get(int(o), index[-1])).to_numpy(int)
    closed_rev = np.bincount(
        owner_idx, weights=won["amount"].fillna(0).to_numpy(float), minlength=len(members)
    )
    closed_won = np.bincount(owner_idx, minlength=len(members)).astype(float)
    deals = scored.deals
    open_idx = deals["owner_id"].map(lambda o: index.get(int(o), index[-1])).to_numpy(int)
    amount = deals["amount"].astype(float).fillna(0.0).to_numpy()
    cw = created_and_won(f, t)
    rate, pool = sim.new_deal_rates(cw, members, NEW_MONTHS)
    inp = sim.PeriodInputs(
        members,
        open_idx,
        deals["p_period"].to_numpy(float),
        amount,
        closed_rev,
        closed_won,
        rate,
        pool,
        scored.month_sigma,
    )
    draws_ = sim.simulate(inp, draws)
    as_of = (t - pd.Timedelta(seconds=1)).date()
    share = float(calendar.elapsed_share(span, as_of))
    cats = deals["category"].copy()
    if categories:
        cats = deals["id"].map(categories).fillna(cats)
    due = deals["expected_close"].isna() | (deals["expected_close"] < end)
    in_span = (
        deals["expected_close"].notna() & (deals["expected_close"] >= start) & (deals["expected_close"] < end)
    )
    fixed = deals["stage"].map(f.stage_probability).fillna(0.0).to_numpy(float)
    avg_new = float(pool.mean()) if len(pool) else 0.0
    out = []
    for key, ms in scopes.items():
        rows = [index[m] for m in ms if m in index]
        sel = np.isin(open_idx, rows)
        for kpi, dr, closed, weight in (
            ("revenue", draws_.revenue, closed_rev, amount),
            ("won_deals", draws_.won, closed_won, np.ones(len(amount))),
        ):
            c = float(closed[rows].sum())
            target = targets.get((key, kpi))
            commit = c + float(weight[sel & due.to_numpy() & (cats == "commit").to_numpy()].sum())
            best = commit + float(weight[sel & due.to_numpy() & (cats == "best_case").to_numpy()].sum())
            out.append(
                ScopeRow(
                    key=key,
                    kpi=kpi,
                    closed=c,
                    open_expected=float((deals["p_period"].to_numpy() * weight)[sel].sum()),
                    new_expected=float(rate[rows].sum() * (avg_new if kpi == "revenue" else 1.0)),
                    summary=sim.summarise(sim.scope_draws(dr, rows), target),
                    run_rate=c / share if share > 0 else None,
                    weighted=c + float((weight * fixed)[sel & in_span.to_numpy()].sum()),
                    commit=commit,
                    best_case=best,
                    target=target,
                )
            )
    return out


def actuals(
    f: DealFacts, span: Span, scopes: dict[tuple[str, int], list[int]]
) -> dict[tuple[str, int], tuple[float, float]]:
    """(revenue, won deals) per scope in ``span`` — what the forecast is checked against."""
    start = pd.Timestamp(span.start)
    end = pd.Timestamp(span.end) + pd.Timedelta(days=1)
    d = f.deals
    won = d.loc[d["is_won"] & (d["closed_at"] >= start) & (d["closed_at"] < end)]
    by = won.groupby("owner_id")["amount"].agg(["sum", "count"])
    known = {int(m) for ms in scopes.values() for m in ms if m >= 0}
    out = {}
    for key, ms in scopes.items():
        ids = [m for m in ms if m >= 0]
        rev = float(by.loc[by.index.isin(ids), "sum"].sum())
        cnt = float(by.loc[by.index.isin(ids), "count"].sum())
        if -1 in ms:  # the company: every deal, with or without a (known) member
            other = by.loc[~by.index.isin(known)]
            rev += float(other["sum"].sum())
            cnt += float(other["count"].sum())
        out[key] = (rev, cnt)
    return out
