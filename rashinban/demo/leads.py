"""Leads: channel, owner, account, and the path new → MQL → SQL → deal (or disqualified)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from rashinban.demo.context import Ctx
from rashinban.demo.org import CHANNELS
from rashinban.demo.util import NAT, at_time, ext_ids, labels, nullable, office_seconds, seconds

CH = {c: i for i, c in enumerate(CHANNELS)}
#                        web   seminar referral outbound ad   partner
CHANNEL_MIX = np.array([0.28, 0.12, 0.08, 0.27, 0.18, 0.07])
P_VALID = np.array([0.80, 0.88, 0.95, 0.70, 0.65, 0.85])
P_MQL = np.array([0.60, 0.70, 0.90, 0.55, 0.50, 0.75])  # given valid
P_SQL = np.array([0.62, 0.62, 0.82, 0.66, 0.52, 0.72])  # given MQL, for an average owner
P_DEAL = 0.9  # given SQL
# leads that arrive outside office hours (forms, ads): they may be dated on a weekend
P_OFF_HOURS = np.array([0.15, 0.0, 0.0, 0.0, 0.15, 0.0])

LEADS_PER_REP_MONTH = 40.0

# A/B test on inbound leads of the last months: a new subject line for the first email
EXPERIMENT = "初回メール件名テスト"
EXPERIMENT_VARIANTS = ("A", "B")
EXPERIMENT_DAYS = 180  # the test runs over the last 180 days before the cutoff
EXPERIMENT_LIFT = (
    1.3  # variant B: replies × 1.3 (opens × √1.3)  # at intensity 1, for a 20-business-day month
)


@dataclass
class LeadBatch:
    n: int
    ids: np.ndarray
    local: np.ndarray
    channel: np.ndarray  # index into CHANNELS
    owner: np.ndarray  # rep index
    account: np.ndarray  # account index
    b0: np.ndarray  # business-day index of the first working day
    created: np.ndarray  # datetime64[s]
    valid: np.ndarray
    mql_at: np.ndarray
    sql_at: np.ndarray
    disq_at: np.ndarray
    deal_idx: np.ndarray  # business-day index of the deal's creation, −1 when none
    touch_end: np.ndarray  # business-day index where prospecting stops
    converted_at: np.ndarray  # filled in by the deals generator
    deal_id: np.ndarray  # −1 when none
    variant: np.ndarray  # A/B test of the first email: −1 not in it, 0 control, 1 new subject line

    def table(self, ctx: Ctx) -> pa.Table:
        cut = ctx.cut
        mql = np.where(self.mql_at <= cut, self.mql_at, NAT)
        sql = np.where(self.sql_at <= cut, self.sql_at, NAT)
        disq = np.where(self.disq_at <= cut, self.disq_at, NAT)
        conv = self.converted_at
        status = np.zeros(self.n, np.int8)  # new
        status[~np.isnat(mql)] = 1
        status[~np.isnat(sql)] = 2
        status[~np.isnat(disq)] = 3
        status[~np.isnat(conv)] = 4
        has_deal = self.deal_id >= 0
        return pa.table(
            {
                "id": self.ids,
                "source": labels(["demo"], np.zeros(self.n, np.int32)),
                "external_id": ext_ids("demo-lead-", self.local),
                "account_id": ctx.accounts.ids[self.account],
                "owner_id": ctx.org.rep_ids[self.owner],
                "channel": labels(CHANNELS, self.channel),
                "status": labels(["new", "mql", "sql", "disqualified", "converted"], status),
                "valid": self.valid,
                "created_at": self.created,
                "mql_at": nullable(mql),
                "sql_at": nullable(sql),
                "disqualified_at": nullable(disq),
                "converted_at": nullable(conv),
                "converted_deal_id": nullable(self.deal_id, has_deal),
            }
        )


def _owners(ctx: Ctx, rng: np.random.Generator, channel: np.ndarray, east: np.ndarray) -> np.ndarray:
    org = ctx.org
    n = len(channel)
    owner = np.empty(n, np.int64)

    def pick(mask: np.ndarray, pool: np.ndarray) -> None:
        k = int(mask.sum())
        if k:
            owner[mask] = pool[rng.integers(len(pool), size=k)]

    inbound = np.isin(channel, [CH["web"], CH["seminar"], CH["ad"]])
    pick(inbound, org.pool("is", "field"))
    outbound = channel == CH["outbound"]
    to_agency = outbound & (rng.random(n) < 0.55)
    pick(to_agency, org.pool("agency", "is", "field"))
    pick(outbound & ~to_agency, org.pool("is", "agency", "field"))
    direct = np.isin(channel, [CH["referral"], CH["partner"]])
    pick(direct & east, org.pool("field_east", "field"))
    pick(direct & ~east, org.pool("field_west", "field"))
    return owner


def _lag(rng: np.random.Generator, mean: float, n: int) -> np.ndarray:
    """Business days of waiting: geometric with the given mean (0 allowed)."""
    return rng.geometric(1.0 / (mean + 1.0), size=n) - 1


def generate(ctx: Ctx, rng: np.random.Generator, n: int, day_lo: int, day_hi: int) -> LeadBatch:
    """``n`` leads whose first working day falls in business days [day_lo, day_hi)."""
    org = ctx.org
    bd = ctx.bd
    ids, local = ctx.ids.take("leads", n)
    channel = rng.choice(len(CHANNELS), size=n, p=CHANNEL_MIX / CHANNEL_MIX.sum())
    account = rng.integers(len(ctx.accounts), size=n)
    east = ctx.accounts.east[account]
    owner = _owners(ctx, rng, channel, east)
    skill = org.skill[owner]

    b0 = np.sort(rng.integers(day_lo, day_hi, size=n))
    created = at_time(bd.at(b0), office_seconds(rng, n, 8.5, 19.0))
    off = rng.random(n) < P_OFF_HOURS[channel]
    # an off-hours lead arrived the evening before its first working day (maybe a Sunday)
    prev_evening = (bd.at(b0) - np.timedelta64(1, "D")).astype("datetime64[s]") + seconds(
        rng.integers(19 * 3600, 24 * 3600, size=n)
    )
    created = np.where(off, prev_evening, created)

    valid = rng.random(n) < P_VALID[channel]
    is_mql = valid & (rng.random(n) < P_MQL[channel])
    p_sql = P_SQL[channel] ** (1.0 / skill)
    is_sql = is_mql & (rng.random(n) < p_sql)
    has_deal = is_sql & (rng.random(n) < P_DEAL)

    mql_idx = b0 + _lag(rng, 2.0, n)
    sql_idx = mql_idx + 1 + _lag(rng, 5.0, n)
    deal_idx = sql_idx + _lag(rng, 1.5, n)

    def stamp(idx: np.ndarray, after: np.ndarray, lo: float = 9.0, hi: float = 19.0) -> np.ndarray:
        t = at_time(bd.at(idx), office_seconds(rng, n, lo, hi))
        out: np.ndarray = np.maximum(t, after + seconds(rng.integers(300, 5400, size=n)))
        return out

    mql_at = np.where(is_mql, stamp(mql_idx, created), NAT)
    sql_at = np.where(is_sql, stamp(sql_idx, np.where(is_mql, mql_at, created)), NAT)

    # disqualified: invalid leads quickly; stalled MQLs and cold leads after nurturing
    disq_idx = np.full(n, -1, np.int64)
    invalid = ~valid
    disq_idx[invalid] = b0[invalid] + rng.integers(0, 4, size=int(invalid.sum()))
    stalled = is_mql & ~is_sql & (rng.random(n) < 0.5)
    disq_idx[stalled] = mql_idx[stalled] + rng.integers(10, 41, size=int(stalled.sum()))
    cold = valid & ~is_mql & (rng.random(n) < 0.3)
    disq_idx[cold] = b0[cold] + rng.integers(20, 61, size=int(cold.sum()))
    last_before = np.where(is_mql, mql_at, created)
    disq_at = np.where(disq_idx >= 0, stamp(np.maximum(disq_idx, 0), last_before), NAT)

    touch_end = np.where(is_sql, sql_idx, np.where(disq_idx >= 0, disq_idx, b0 + 15))
    return LeadBatch(
        n=n,
        ids=ids,
        local=local,
        channel=channel,
        owner=owner,
        account=account,
        b0=b0,
        created=created,
        valid=valid,
        mql_at=mql_at,
        sql_at=sql_at,
        disq_at=disq_at,
        deal_idx=np.where(has_deal, deal_idx, -1),
        touch_end=touch_end,
        variant=_variants(ctx, rng, channel, created),
        converted_at=np.full(n, NAT),
        deal_id=np.full(n, -1, np.int64),
    )


def _variants(ctx: Ctx, rng: np.random.Generator, channel: np.ndarray, created: np.ndarray) -> np.ndarray:
    start = ctx.cut - np.timedelta64(EXPERIMENT_DAYS, "D")
    inbound = np.isin(channel, [CH["web"], CH["seminar"], CH["ad"]])
    in_test = inbound & (created >= start) & (created <= ctx.cut)
    return np.where(in_test, rng.integers(0, 2, size=len(channel)), -1)


def experiment_table(ctx: Ctx, leads: LeadBatch) -> pa.Table:
    """One row per lead in the A/B test (unit_type 'lead', assigned when it arrived)."""
    sel = np.nonzero(leads.variant >= 0)[0]
    k = len(sel)
    ids, local = ctx.ids.take("experiments", k)
    return pa.table(
        {
            "id": ids,
            "source": labels(["demo"], np.zeros(k, np.int32)),
            "external_id": ext_ids("demo-exp-", local),
            "experiment": labels([EXPERIMENT], np.zeros(k, np.int32)),
            "variant": labels(EXPERIMENT_VARIANTS, leads.variant[sel]),
            "unit_type": labels(["lead"], np.zeros(k, np.int32)),
            "unit_id": leads.ids[sel],
            "assigned_at": leads.created[sel],
        }
    )
