"""Contracts (MRR, yearly renewals, churn), NPS/CSAT surveys and customer-success touches.

Each customer has a latent health: healthy customers answer NPS high and renew; unhealthy
ones complain, score low and churn — so the surveys predict churn as in real data.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from rashinban.demo.activities import CALL, COMPLETED, EMAIL, VISIT, WEB, Acts, S, _email_outcomes
from rashinban.demo.context import Ctx
from rashinban.demo.deals import DealBatch
from rashinban.demo.util import NAT, at_time, ext_ids, labels, nullable, office_seconds

DAY = np.timedelta64(1, "D")
CONTRACT_STATUS = ("active", "churned", "renewed")


def _add_months(days: np.ndarray, months: int) -> np.ndarray:
    return (days.astype("datetime64[M]") + np.timedelta64(months, "M")).astype("datetime64[D]")


def generate(ctx: Ctx, rng: np.random.Generator, deals: DealBatch, acts: Acts) -> tuple[pa.Table, pa.Table]:
    """(contracts, surveys) for the won subscription deals; CS touches go into ``acts``."""
    subscription = np.array([p.subscription for p in ctx.products])
    addon = np.array([p.addon for p in ctx.products])
    closed = deals.closed_at
    sel = np.nonzero(deals.won & subscription[deals.product] & (closed <= ctx.cut))[0]
    n = len(sel)
    cs_pool = ctx.org.pool("cs", "field")
    health = rng.normal(0.0, 1.0, size=n) + 0.8 * (ctx.org.skill[deals.owner[sel]] - 1.0)
    # contracts start on the first of the month after the order (翌月1日開始)
    start = (closed[sel].astype("datetime64[M]") + np.timedelta64(1, "M")).astype("datetime64[D]")
    return _terms(
        ctx,
        rng,
        acts,
        account=deals.account[sel],
        owner=cs_pool[rng.integers(len(cs_pool), size=n)],
        health=health,
        mrr=np.round(deals.amount[sel] / 12.0).astype(np.int64),
        start=start,
        deal_id=deals.ids[sel],
        expansion=addon[deals.product[sel]],
    )


INSTALLED_SHARE = 0.05  # accounts that were customers before the window
INSTALLED_MRR = np.array([50_000, 150_000, 400_000])  # by account size band (median)


def installed_base(ctx: Ctx, rng: np.random.Generator, acts: Acts) -> tuple[pa.Table, pa.Table]:
    """Customers won before the window (no deal in the data): contracts started up to three
    years earlier, so renewals and churn happen from the first month on."""
    acc = ctx.accounts
    n = max(1, round(len(acc) * INSTALLED_SHARE))
    account = np.sort(rng.choice(len(acc), size=n, replace=False))
    band = np.digitize(acc.employees[account], [100, 1000])
    mrr = np.round(INSTALLED_MRR[band] * rng.lognormal(0.0, 0.35, size=n), -3).astype(np.int64)
    first = np.datetime64(ctx.cfg.start, "M")
    start = (first - rng.integers(1, 37, size=n).astype("timedelta64[M]")).astype("datetime64[D]")
    cs_pool = ctx.org.pool("cs", "field")
    return _terms(
        ctx,
        rng,
        acts,
        account=account,
        owner=cs_pool[rng.integers(len(cs_pool), size=n)],
        health=rng.normal(0.2, 1.0, size=n),
        mrr=mrr,
        start=start,
        deal_id=np.full(n, -1, np.int64),
        expansion=np.zeros(n, bool),
    )


def _terms(
    ctx: Ctx,
    rng: np.random.Generator,
    acts: Acts,
    *,
    account: np.ndarray,
    owner: np.ndarray,
    health: np.ndarray,
    mrr: np.ndarray,
    start: np.ndarray,
    deal_id: np.ndarray,
    expansion: np.ndarray,
) -> tuple[pa.Table, pa.Table]:
    """Yearly terms for each customer: renewed (price up a little), churned mid-term or at the
    renewal, or still running at the cutoff.  One contract row per term."""
    n = len(start)
    cut_day = ctx.cut.astype("datetime64[D]")
    start = start.copy()
    mrr = mrr.copy()
    health = health.copy()
    alive = start <= cut_day
    rows: list[dict[str, np.ndarray]] = []
    surveys: list[dict[str, np.ndarray]] = []
    while alive.any():
        i = np.nonzero(alive)[0]
        k = len(i)
        s = start[i]
        end = _add_months(s, 12) - DAY
        h = health[i]
        churn_mid = rng.random(k) < 0.035 * (1.0 + np.maximum(0.0, -h))
        churn_day = s + (rng.integers(60, 330, size=k)).astype("timedelta64[D]")
        renew = ~churn_mid & (rng.random(k) < 1.0 / (1.0 + np.exp(-(2.0 + 1.5 * h))))
        churned_mid = churn_mid & (churn_day <= cut_day)
        ended = end < cut_day
        status = np.where(churned_mid, 1, np.where(ended, np.where(renew, 2, 1), 0))
        churned_on = np.where(churned_mid, churn_day, np.where(ended & ~renew & ~churn_mid, end + DAY, NAT))
        churned_on = churned_on.astype("datetime64[D]")
        rows.append(
            {
                "i": i,
                "start": s,
                "end": end,
                "status": status,
                "churned_on": churned_on,
                "renewed": np.where(status == 2, 1, np.where(ended | churned_mid, 0, -1)),
                "mrr": mrr[i],
            }
        )
        stop = np.where(np.isnat(churned_on), end, churned_on)
        _surveys(rng, surveys, s, stop, h, account[i], owner[i])
        _cs_touches(ctx, rng, acts, s, stop, end, account[i], owner[i], h)
        alive = np.zeros(n, bool)
        alive[i] = (status == 2) & ended
        start[i] = end + DAY
        alive &= start <= cut_day
        mrr[i] = np.round(mrr[i] * rng.uniform(1.0, 1.08, size=k)).astype(np.int64)
        health[i] = h + rng.normal(0, 0.3, size=k)
    return _contract_table(ctx, account, owner, deal_id, expansion, rows), _survey_table(ctx, surveys)


def _contract_table(
    ctx: Ctx,
    account: np.ndarray,
    owner: np.ndarray,
    deal_id: np.ndarray,
    expansion: np.ndarray,
    rows: list[dict[str, np.ndarray]],
) -> pa.Table:
    if not rows:
        z = np.zeros(0, np.int64)
        day = z.astype("datetime64[D]")
        col = {"i": z, "start": day, "end": day, "status": z, "churned_on": day, "renewed": z, "mrr": z}
    else:
        col = {k: np.concatenate([r[k] for r in rows]) for k in rows[0]}
    k = len(col["i"])
    ids, local = ctx.ids.take("contracts", k)
    i = col["i"]
    renewed = col["renewed"]
    deal = deal_id[i]
    return pa.table(
        {
            "id": ids,
            "source": labels(["demo"], np.zeros(k, np.int32)),
            "external_id": ext_ids("demo-contract-", local),
            "account_id": ctx.accounts.ids[account[i]],
            "deal_id": nullable(deal, deal >= 0),
            "owner_id": ctx.org.rep_ids[owner[i]],
            "start_on": col["start"],
            "end_on": col["end"],
            "mrr": col["mrr"],
            "status": labels(CONTRACT_STATUS, col["status"]),
            "churned_on": nullable(col["churned_on"]),
            "renewed": nullable(renewed == 1, renewed >= 0),
            "expansion": expansion[i],
        }
    )


def _surveys(
    rng: np.random.Generator,
    out: list[dict[str, np.ndarray]],
    start: np.ndarray,
    stop: np.ndarray,
    health: np.ndarray,
    account: np.ndarray,
    owner: np.ndarray,
) -> None:
    """NPS 3 and 9 months into each term; CSAT after onboarding and after support cases."""
    k = len(start)
    parts: list[tuple[np.ndarray, np.ndarray, int]] = []  # (row index, day, kind 0 nps / 1 csat)
    for offset, kind in ((90, 0), (270, 0), (30, 1)):
        day = start + np.timedelta64(offset, "D")
        ok = np.nonzero(day < stop)[0]
        parts.append((ok, day[ok], kind))
    support = np.repeat(np.arange(k), rng.poisson(1.2, size=k))
    span = np.maximum((stop - start)[support].astype(np.int64), 1)
    day = start[support] + (rng.random(len(support)) * span).astype("timedelta64[D]")
    parts.append((support, day, 1))
    for row, day, kind in parts:
        m = len(row)
        h = health[row]
        if kind == 0:
            score = np.clip(np.round(7.2 + 1.6 * h + rng.normal(0, 1.2, size=m)), 0, 10)
            referral = (score >= 9) & (rng.random(m) < 0.35)
            complaint = np.zeros(m, bool)
        else:
            score = np.clip(np.round(3.9 + 0.7 * h + rng.normal(0, 0.7, size=m)), 1, 5)
            referral = np.zeros(m, bool)
            complaint = (score <= 2) & (rng.random(m) < 0.6)
        out.append(
            {
                "account": account[row],
                "owner": owner[row],
                "kind": np.full(m, kind, np.int64),
                "score": score.astype(np.int64),
                "answered": at_time(day, office_seconds(rng, m, 9.0, 21.0)),
                "referral": referral,
                "complaint": complaint,
            }
        )


def _survey_table(ctx: Ctx, parts: list[dict[str, np.ndarray]]) -> pa.Table:
    parts = [p for p in parts if len(p["kind"])]
    if not parts:
        z = np.zeros(0, np.int64)
        parts = [
            {
                "account": z,
                "owner": z,
                "kind": z,
                "score": z,
                "answered": z.astype("datetime64[s]"),
                "referral": z.astype(bool),
                "complaint": z.astype(bool),
            }
        ]
    col = {key: np.concatenate([p[key] for p in parts]) for key in parts[0]}
    keep = np.nonzero((col["answered"] >= ctx.window_start) & (col["answered"] <= ctx.cut))[0]
    order = keep[np.argsort(col["answered"][keep], kind="stable")]
    k = len(order)
    ids, local = ctx.ids.take("surveys", k)
    return pa.table(
        {
            "id": ids,
            "source": labels(["demo"], np.zeros(k, np.int32)),
            "external_id": ext_ids("demo-survey-", local),
            "account_id": ctx.accounts.ids[col["account"][order]],
            "owner_id": ctx.org.rep_ids[col["owner"][order]],
            "kind": labels(["nps", "csat"], col["kind"][order]),
            "score": col["score"][order],
            "answered_at": col["answered"][order],
            "referral": col["referral"][order],
            "complaint": col["complaint"][order],
        }
    )


def _cs_touches(
    ctx: Ctx,
    rng: np.random.Generator,
    acts: Acts,
    start: np.ndarray,
    stop: np.ndarray,
    end: np.ndarray,
    account: np.ndarray,
    owner: np.ndarray,
    health: np.ndarray,
) -> None:
    """Onboarding, quarterly check-ins, calls and emails, and the renewal notice."""
    bd = ctx.bd
    k = len(start)
    first = bd.index_on_or_after(start)
    last = bd.index_on_or_after(stop) - 1
    # onboarding web meeting in the first week
    day = first + rng.integers(0, 5, size=k)
    acts.add(
        member=owner,
        type_=WEB,
        outcome=COMPLETED,
        subject=S["オンボーディング"],
        account=account,
        day=day,
        secs=office_seconds(rng, k, 10.0, 17.0),
        minutes=np.full(k, 60, np.int64),
    )
    # quarterly check-ins
    for q in (1, 2, 3):
        when = bd.index_on_or_after(start + np.timedelta64(91 * q, "D")) + rng.integers(0, 8, size=k)
        ok = np.nonzero(when <= last)[0]
        visit = rng.random(len(ok)) < 0.3
        acts.add(
            member=owner[ok],
            type_=np.where(visit, VISIT, WEB),
            outcome=COMPLETED,
            subject=S["定例ミーティング"],
            account=account[ok],
            day=when[ok],
            secs=office_seconds(rng, len(ok), 10.0, 17.0),
            minutes=np.where(visit, 60, 30).astype(np.int64),
        )
    # calls (more for unhealthy customers) and emails
    calls = np.repeat(np.arange(k), rng.poisson(np.clip(2.0 - 0.6 * health, 0.5, 5.0)))
    span = np.maximum(last - first, 0)
    day = first[calls] + (rng.random(len(calls)) * (span[calls] + 1)).astype(np.int64)
    acts.add(
        member=owner[calls],
        type_=CALL,
        outcome=np.where(rng.random(len(calls)) < 0.6, 0, 1),
        subject=S["利用状況ヒアリング"],
        account=account[calls],
        day=day,
        secs=office_seconds(rng, len(calls), 9.5, 18.0),
        minutes=np.round(rng.lognormal(np.log(8), 0.5, size=len(calls))).astype(np.int64),
    )
    emails = np.repeat(np.arange(k), rng.poisson(3.0, size=k))
    day = first[emails] + (rng.random(len(emails)) * (span[emails] + 1)).astype(np.int64)
    acts.add(
        member=owner[emails],
        type_=EMAIL,
        outcome=_email_outcomes(rng, ctx.org.skill[owner[emails]], 1.8),
        subject=S["フォローメール"],
        account=account[emails],
        day=day,
        secs=office_seconds(rng, len(emails), 8.5, 20.0),
    )
    # renewal notice two months before the end
    when = bd.index_on_or_after(end - np.timedelta64(60, "D"))
    ok = np.nonzero(when <= last)[0]
    acts.add(
        member=owner[ok],
        type_=EMAIL,
        outcome=_email_outcomes(rng, ctx.org.skill[owner[ok]], 2.0),
        subject=S["更新のご案内"],
        account=account[ok],
        day=when[ok],
        secs=office_seconds(rng, len(ok), 9.0, 18.0),
    )
