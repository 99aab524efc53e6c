"""Churn risk and LTV per customer and segment, for the customer-success views.

LTV = ARPU (monthly revenue per customer) × gross margin ÷ monthly churn.  Per customer the
churn is the model's (its risk over the horizon turned into a monthly rate); per segment it
is observed: churn events of the last 12 months ÷ customer-months at risk.  The margin is
the model's ``ltv: {gross_margin: …}`` (default 70 %) or the caller's.  LTV/CAC uses the
channel spend of the last 12 months ÷ the customers whose first contract started then.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from pathlib import Path

import numpy as np

from rashinban.analysis import churn as C
from rashinban.app import org
from rashinban.app.context import AppContext
from rashinban.app.insight_text import scope_ref
from rashinban.app.insights import Insights
from rashinban.app.models import Models
from rashinban.app.results.insights import CalibrationBin, ChurnResult, CustomerRisk, FactorItem, SegmentLtv
from rashinban.errors import UsageError
from rashinban.i18n import t
from rashinban.metrics.backends import ibis_connection
from rashinban.metrics.facts import account_columns, customers, day_number, spend_and_new_customers
from rashinban.org.scopes import COMPANY

DEFAULT_MARGIN = 0.7
MAX_LIFETIME_MONTHS = 120.0
EMPLOYEE_BANDS = (100, 1000)


class Customers:
    def __init__(self, ctx: AppContext, models: Models, insights: Insights) -> None:
        self.ctx = ctx
        self.models = models
        self.insights = insights

    def churn(
        self,
        model_path: str | Path | None = None,
        scope: str | None = None,
        as_of: str | None = None,
        margin: float | None = None,
        horizon_days: int = 182,
        top: int = 50,
        team: str | None = None,
        member: str | None = None,
    ) -> ChurnResult:
        key = self.insights.resolve(scope, team, member)
        if margin is not None and not 0 < margin <= 1:
            raise UsageError("option_bad_ratio", option="--margin", value=margin)
        if not 30 <= horizon_days <= 730:
            raise UsageError("option_bad_ratio", option="--horizon", value=horizon_days)

        def compute() -> ChurnResult:
            m = margin
            if m is None:
                spec = self.models.for_scope(model_path, key).model.extra.get("ltv")
                m = (
                    float(spec.get("gross_margin", DEFAULT_MARGIN))
                    if isinstance(spec, dict)
                    else DEFAULT_MARGIN
                )
            return self._churn(key, self.ctx.as_of(as_of), m, float(horizon_days), top)

        return self.ctx.cached(
            ("churn", model_path, key, as_of, margin, horizon_days, top, self.ctx.lang), compute
        )

    def _churn(self, key: tuple[str, int], day: date, margin: float, horizon: float, top: int) -> ChurnResult:
        scopes = org.scope_index(self.ctx)
        owners = (
            None if key[0] == COMPANY else ([key[1]] if key[0] == "member" else scopes.members_of(key[1]))
        )
        con = ibis_connection(self.ctx.store)
        as_of = day_number(day)
        first, last = C.touch_window(as_of, horizon, C.HISTORY_DAYS)
        raw = customers(con, owners, touches=(_datetime(first), _datetime(last + 1)))
        facts = C.CustomerFacts(**raw)
        bt = C.backtest(facts, as_of, horizon)
        now, model, risk = C.score(facts, as_of, horizon)
        info = _info(account_columns(con, facts.index.accounts), facts.index.accounts)
        lang = self.ctx.lang
        ltv = None
        if model is not None:
            monthly = np.maximum(C.monthly_hazard(risk, horizon), 1.0 / MAX_LIFETIME_MONTHS)
            ltv = now.mrr * margin / monthly
        at_risk = []
        if model is not None:
            order = np.argsort(-risk)[:top]
            contrib = model.factors(now.x[order])
            names = [C.FEATURES[c] for c in model.columns]
            for row, i in enumerate(order):
                acc = int(now.accounts[i])
                items = sorted(zip(names, contrib[row], strict=True), key=lambda kv: -kv[1])[:3]
                at_risk.append(
                    CustomerRisk(
                        account_id=acc,
                        account=str(info["name"][np.searchsorted(facts.index.accounts, acc)]) or None,
                        risk=float(risk[i]),
                        mrr=float(now.mrr[i]),
                        ltv=float(ltv[i]) if ltv is not None else None,
                        factors=[
                            FactorItem(
                                feature=f,
                                label=t(f"churn.feature_{f}", lang),
                                value=float(now.x[i, C.FEATURES.index(f)]),
                                effect=float(e),
                            )
                            for f, e in items
                        ],
                    )
                )
        segments = self._segments(facts, now, info, as_of, margin)
        spent, new = spend_and_new_customers(con, day - timedelta(days=365), day)
        arpu = float(now.mrr.mean()) if len(now.mrr) else None
        seg_all = next((s for s in segments if s.dimension == "all"), None)
        cac = spent / new if new and spent and key[0] == COMPANY else None
        company_ltv = seg_all.ltv if seg_all is not None else None
        return ChurnResult(
            scope=scope_ref(scopes, key),
            as_of=day,
            horizon_days=int(horizon),
            margin=margin,
            customers=len(now.accounts),
            model_rows=model.rows if model is not None else None,
            brier=bt.brier,
            brier_baseline=bt.brier_baseline,
            c_index=bt.c_index,
            c_index_baseline=bt.c_index_baseline,
            test_customers=bt.test_customers,
            test_events=bt.test_events,
            test_cutoff=date(1970, 1, 1) + timedelta(days=int(bt.test_cutoff)),
            calibration=[CalibrationBin(predicted=a, observed=b, n=n) for a, b, n in bt.calibration],
            at_risk=at_risk,
            segments=segments,
            cac=cac,
            ltv=company_ltv if arpu is not None else None,
            ltv_cac=company_ltv / cac if cac and company_ltv else None,
        )

    def _segments(
        self, f: C.CustomerFacts, now: C.Snapshot, info: dict[str, np.ndarray], as_of: float, margin: float
    ) -> list[SegmentLtv]:
        """Observed monthly churn of the last 12 months and ARPU, overall, by industry and size."""
        start = as_of - 365.0
        accounts = f.index.accounts
        # customer-months at risk in the window and churn events in it, per account
        live_from = np.maximum(f.start, start)
        live_to = np.minimum(np.where(np.isnan(f.end), as_of, f.end), as_of)
        live_to = np.where(np.isnan(f.churned), live_to, np.minimum(live_to, f.churned))
        months = np.clip(live_to - live_from, 0, None) / 30.4
        events = (~np.isnan(f.churned)) & (f.churned > start) & (f.churned <= as_of)
        inv = f.index.contract
        exposure_of = np.bincount(inv, weights=months, minlength=len(accounts))
        events_of = np.bincount(inv, weights=events.astype(float), minlength=len(accounts))
        mrr_now = np.full(len(accounts), np.nan)
        mrr_now[np.searchsorted(accounts, now.accounts)] = now.mrr
        emps = np.where(np.isnan(info["employees"]) | (info["employees"] == 0), -1.0, info["employees"])
        bands = np.where(
            emps < 0,
            "",
            np.array(["small", "medium", "large"], dtype=object)[np.digitize(emps, EMPLOYEE_BANDS)],
        )
        known = ~np.isnan(mrr_now)
        out = []
        for dim, labels in (
            ("all", np.full(len(accounts), "", dtype=object)),
            ("industry", info["industry"]),
            ("size_band", bands),
        ):
            values, codes = np.unique(labels.astype(str), return_inverse=True)
            k = len(values)
            # sums in account order, as one customer after another
            exposure = np.bincount(codes, weights=exposure_of, minlength=k)
            churned = np.bincount(codes, weights=events_of, minlength=k)
            mrr_sum = np.bincount(codes[known], weights=mrr_now[known], minlength=k)
            n = np.bincount(codes[known], minlength=k)
            for i, lab in enumerate(values.tolist()):
                if (dim != "all" and not lab) or n[i] == 0:
                    continue
                rate = float(churned[i] / exposure[i]) if exposure[i] > 0 else None
                arpu = float(mrr_sum[i] / n[i])
                ltv = arpu * margin / max(rate, 1.0 / MAX_LIFETIME_MONTHS) if rate is not None else None
                out.append(
                    SegmentLtv(
                        dimension=dim,
                        segment=lab,
                        customers=int(n[i]),
                        arpu=arpu,
                        churn_monthly=rate,
                        ltv=ltv,
                    )
                )
        return out


def _info(cols: dict[str, np.ndarray], accounts: np.ndarray) -> dict[str, np.ndarray]:
    """Name, industry and employees aligned with ``accounts`` (blank where an account is gone)."""
    pos = np.minimum(np.searchsorted(cols["id"], accounts), max(len(cols["id"]) - 1, 0))
    found = cols["id"][pos] == accounts if len(cols["id"]) else np.zeros(len(accounts), bool)
    blank = np.full(len(accounts), "", dtype=object)
    return {
        "name": np.where(found, cols["name"][pos], blank) if len(cols["id"]) else blank,
        "industry": np.where(found, cols["industry"][pos], blank) if len(cols["id"]) else blank,
        "employees": np.where(found, cols["employees"][pos], np.nan)
        if len(cols["id"])
        else np.full(len(accounts), np.nan),
    }


def _datetime(day: float) -> datetime:
    """A day number (days since 1970-01-01) as a naive datetime."""
    return datetime(1970, 1, 1) + timedelta(days=day)
