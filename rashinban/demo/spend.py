"""Monthly marketing and sales spend per channel, consistent with the leads it bought."""

from __future__ import annotations

from datetime import date

import numpy as np
import pyarrow as pa

from rashinban.demo.context import Ctx
from rashinban.demo.org import CHANNELS
from rashinban.demo.util import labels, nullable

# yen: (fixed per month, per lead) for web, seminar, referral, outbound, ad, partner
FIXED = np.array([800_000, 0, 0, 300_000, 200_000, 0], dtype=np.float64)
PER_LEAD = np.array([3_000, 0, 20_000, 1_500, 12_000, 50_000], dtype=np.float64)
SEMINAR_COST = 450_000  # per event, about 40 leads each
AGENCY_FEE_PER_REP = 650_000  # 営業代行: monthly fee per agency rep


def month_spend(
    ctx: Ctx, rng: np.random.Generator, month_start: date, leads_by_channel: np.ndarray
) -> pa.Table:
    """One row per channel for the month (zero-lead channels still cost their fixed part)."""
    intensity = ctx.cfg.intensity
    amount = FIXED * intensity + PER_LEAD * leads_by_channel
    seminar = CHANNELS.index("seminar")
    amount[seminar] = max(1, round(leads_by_channel[seminar] / 40)) * SEMINAR_COST
    outbound = CHANNELS.index("outbound")
    agency_reps = len(ctx.org.pool("agency"))
    amount[outbound] += AGENCY_FEE_PER_REP * agency_reps * intensity
    amount = np.round(amount * rng.lognormal(0.0, 0.08, size=len(CHANNELS)), -3).astype(np.int64)
    nxt = date(month_start.year + (month_start.month == 12), month_start.month % 12 + 1, 1)
    last = np.datetime64(nxt, "D") - np.timedelta64(1, "D")
    k = len(CHANNELS)
    ids, _ = ctx.ids.take("spend", k)
    team = np.full(k, -1, np.int64)
    team[outbound] = ctx.org.team_by_key["agency"].id
    ym = f"{month_start.year:04d}-{month_start.month:02d}"
    return pa.table(
        {
            "id": ids,
            "source": labels(["demo"], np.zeros(k, np.int32)),
            "external_id": pa.array([f"demo-spend-{ym}-{c}" for c in CHANNELS]),
            "channel": pa.array(list(CHANNELS)),
            "period_start": np.full(k, np.datetime64(month_start, "D")),
            "period_end": np.full(k, last),
            "amount": amount,
            "team_id": nullable(team, team >= 0),
        }
    )
