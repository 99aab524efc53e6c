"""The backtest's figures: per as-of day and scope level, the MAPE of the forecast (P50) and
of each naive baseline, the forecast's MAPE relative to the best baseline, the P10–P90
coverage; Brier, log loss, AUC, ECE and reliability of the win probabilities (each
algorithm, and stage only), of the lead scores (and their channel rates) and of P(KGI
achieved); and the issue's goals, met or missed."""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

import numpy as np

from rashinban.analysis.forecast.backtest import Outcome
from rashinban.analysis.forecast.scoring import coverage, mape, probability_score

BASELINES = ("run_rate", "last_period", "last_year", "weighted")
MID_MONTH = 15


def levels(out: Outcome) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    s = out.scopes
    if s.empty:
        return rows
    for day in sorted(s["day"].unique()):
        for level in ("company", "team", "member"):
            x = s.loc[(s["day"] == day) & (s["level"] == level)]
            if x.empty:
                continue
            a = x["actual"].to_numpy(float)
            ours = mape(x["p50"].to_numpy(float), a)
            base = {}
            for b in BASELINES:
                v = x[b].to_numpy(float)
                ok = ~np.isnan(v)
                base[b] = mape(v[ok], a[ok]) if ok.sum() >= max(1, 0.5 * len(a)) else None
            known = {k: v for k, v in base.items() if v is not None}
            best = min(known, key=lambda k: known[k]) if known else None
            rows.append(
                {
                    "day": int(day),
                    "level": level,
                    "n": int((a > 0).sum()),
                    "mape": ours,
                    "baselines": base,
                    "best_baseline": best,
                    "relative": ours / known[best] if best and ours is not None and known[best] else None,
                    "coverage": coverage(x["p10"].to_numpy(float), x["p90"].to_numpy(float), a),
                }
            )
    return rows


def probabilities(out: Outcome) -> list[dict[str, Any]]:
    rows = []
    d = out.deals
    if not d.empty:
        for col, method in (
            ("p_logistic", "model"),
            ("p_naive_bayes", "naive_bayes"),
            ("p_stage_table", "stage_table"),
            ("p_stage", "stage_only"),
            ("p_owner", "owner_rate"),
        ):
            if col in d:
                rows.append(
                    {
                        "kind": "deal",
                        "method": method,
                        **asdict(probability_score(d[col].to_numpy(float), d["y"].to_numpy(int))),
                    }
                )
    lead = out.leads
    if not lead.empty:
        rows.append(
            {
                "kind": "lead",
                "method": "logistic",
                **asdict(probability_score(lead["p_model"].to_numpy(float), lead["y"].to_numpy(int))),
            }
        )
        rows.append(
            {
                "kind": "lead",
                "method": "channel_rate",
                **asdict(probability_score(lead["p_base"].to_numpy(float), lead["y"].to_numpy(int))),
            }
        )
    s = out.scopes
    if not s.empty:
        x = s.loc[s["p_achieve"].notna() & s["achieved"].notna()]
        if len(x):
            score = probability_score(x["p_achieve"].to_numpy(float), x["achieved"].to_numpy(int))
            rows.append({"kind": "kgi", "method": "simulation", **asdict(score)})
    for r in rows:
        r["bins"] = [dict(b) if isinstance(b, dict) else b for b in r["bins"]]
    return rows


def goals(level_rows: list[dict[str, Any]], prob_rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's goals at mid-month (day 15, or the latest day run)."""
    days = sorted({r["day"] for r in level_rows})
    day = MID_MONTH if MID_MONTH in days else (days[-1] if days else None)
    mid = {r["level"]: r for r in level_rows if r["day"] == day}
    out = []
    for level, need in (("team", 0.7), ("member", 0.7), ("company", 1.0)):
        rel = mid.get(level, {}).get("relative")
        out.append(
            {
                "name": f"mape_{level}",
                "target": f"≤ {need:.2f} × best baseline",
                "value": rel,
                "met": None if rel is None else rel <= need,
            }
        )
    covs = [r["coverage"] for r in mid.values() if r["coverage"] is not None]
    cov = float(np.mean(covs)) if covs else None
    out.append(
        {
            "name": "coverage",
            "target": "0.80 ± 0.05",
            "value": cov,
            "met": None if cov is None else abs(cov - 0.8) <= 0.05,
        }
    )
    prob = {(r["kind"], r["method"]): r for r in prob_rows}
    lr, st = prob.get(("deal", "model")), prob.get(("deal", "stage_only"))
    ece = lr["ece"] if lr else None
    out.append({"name": "ece", "target": "< 0.05", "value": ece, "met": None if ece is None else ece < 0.05})
    gain = 1 - lr["brier"] / st["brier"] if lr and st and lr["brier"] is not None and st["brier"] else None
    out.append(
        {
            "name": "brier_gain",
            "target": "≥ 0.10 better than stage only",
            "value": gain,
            "met": None if gain is None else gain >= 0.10,
        }
    )
    return out
