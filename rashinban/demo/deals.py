"""Deals from SQL leads through the default funnel, with stage history, wins and losses."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa

from rashinban.demo.config import TIMING
from rashinban.demo.context import Ctx
from rashinban.demo.leads import LeadBatch
from rashinban.demo.org import CHANNELS
from rashinban.demo.util import NAT, at_time, ext_ids, labels, nullable, office_seconds, seconds

STAGES = ("リード獲得", "アポイント", "初回訪問", "提案・見積", "クロージング", "受注")
LOST = "失注"
WON = len(STAGES) - 1
STAGE_LABELS = (*STAGES, LOST)
PROBABILITY = np.array([10, 20, 30, 50, 70, 100, 0], dtype=np.int64)

# chance to move on from each stage (index = stage left), for an average rep
P_ADVANCE = np.array([0.93, 0.88, 0.78, 0.70, 0.64])
# business days spent in each stage (mean), before moving on or being lost
STAGE_DAYS = np.array([4.0, 6.0, 10.0, 14.0, 10.0])

LOST_REASONS = ("価格", "競合", "時期尚早", "予算なし", "連絡途絶", "要件不一致")
# reason mix by the stage where the deal was lost
LOST_MIX = np.array(
    [
        [0.05, 0.05, 0.30, 0.25, 0.25, 0.10],
        [0.05, 0.10, 0.30, 0.25, 0.20, 0.10],
        [0.10, 0.15, 0.25, 0.25, 0.10, 0.15],
        [0.30, 0.30, 0.15, 0.15, 0.03, 0.07],
        [0.35, 0.35, 0.12, 0.12, 0.02, 0.04],
    ]
)
# product mix by account size (employees < 100, < 1000, larger)
PRODUCT_MIX = np.array(
    [
        [0.52, 0.12, 0.01, 0.08, 0.17, 0.10],
        [0.25, 0.35, 0.08, 0.10, 0.12, 0.10],
        [0.08, 0.25, 0.37, 0.10, 0.10, 0.10],
    ]
)


@dataclass
class DealBatch:
    n: int
    ids: np.ndarray
    local: np.ndarray
    lead: np.ndarray  # index into the lead batch
    owner: np.ndarray  # rep index
    account: np.ndarray
    product: np.ndarray
    channel: np.ndarray
    amount: np.ndarray  # yen (int64)
    valid: np.ndarray
    created: np.ndarray  # datetime64[s]
    entered: np.ndarray  # (n, 6) datetime64[s]: when each stage was entered (NaT: never)
    entered_idx: np.ndarray  # (n, 6) business-day index, −1 never
    final: np.ndarray  # the last stage reached (5 = won)
    lost_at: np.ndarray  # datetime64[s], NaT when not lost
    lost_reason: np.ndarray  # index into LOST_REASONS, −1
    exp_close: np.ndarray  # datetime64[D]: the close date in the CRM at the cutoff
    close_est: np.ndarray  # (n, 6) datetime64[D]: the close date in the CRM as each stage was entered
    lead_ids: np.ndarray  # the leads' ids
    quote_markup: np.ndarray  # quote at 提案・見積 ÷ final amount

    @property
    def won(self) -> np.ndarray:
        out: np.ndarray = self.final == WON
        return out

    @property
    def closed_at(self) -> np.ndarray:
        return np.where(self.won, self.entered[:, WON], self.lost_at)

    def visible(self, cut: np.datetime64) -> tuple[np.ndarray, np.ndarray]:
        """(current stage index into STAGE_LABELS, closed flag) as of ``cut``."""
        seen = self.entered <= cut
        stage = seen.sum(axis=1) - 1
        lost = self.lost_at <= cut
        return np.where(lost, len(STAGES), stage), lost | (self.won & (self.entered[:, WON] <= cut))

    def table(self, ctx: Ctx) -> pa.Table:
        cut = ctx.cut
        stage, closed = self.visible(cut)
        won = closed & self.won
        lost = closed & ~self.won
        acc = ctx.accounts
        prod_names = np.array([p.name for p in ctx.products], dtype=object)
        names = acc.names[self.account] + " / " + prod_names[self.product]
        return pa.table(
            {
                "id": self.ids,
                "source": labels(["demo"], np.zeros(self.n, np.int32)),
                "external_id": ext_ids("demo-deal-", self.local),
                "name": pa.array(names, type=pa.string()),
                "account_id": acc.ids[self.account],
                "owner_id": ctx.org.rep_ids[self.owner],
                "product_id": ctx.product_ids[self.product],
                "lead_id": self.lead_ids,
                "channel": labels(CHANNELS, self.channel),
                "stage": labels(STAGE_LABELS, stage),
                "amount": self.amount,
                "currency": labels(["JPY"], np.zeros(self.n, np.int32)),
                "probability": PROBABILITY[stage],
                "created_at": self.created,
                "expected_close_on": np.where(closed, self.closed_at.astype("datetime64[D]"), self.exp_close),
                "closed_at": nullable(np.where(closed, self.closed_at, NAT)),
                "is_closed": closed,
                "is_won": won,
                "lost_reason": labels(
                    [*LOST_REASONS, None], np.where(lost, self.lost_reason, len(LOST_REASONS))
                ),
                "valid": self.valid,
            }
        )

    def history_table(self, ctx: Ctx) -> pa.Table:
        """One row per stage entered (and one for 失注), up to the cutoff."""
        times = np.concatenate([self.entered, self.lost_at[:, None]], axis=1)  # (n, 7)
        keep = times <= ctx.cut  # NaT compares False
        rows, stage = np.nonzero(keep)
        k = len(rows)
        ids, local = ctx.ids.take("deal_stage_history", k)
        # the amount is known from the proposal on; the quote is a little above the final price
        quote = np.round(self.amount * self.quote_markup, -3).astype(np.int64)
        amount = np.where(stage == 3, quote[rows], self.amount[rows])
        has_amount = stage >= 3
        est = np.concatenate([self.close_est, self.close_est[:, -1:]], axis=1)[rows, stage]
        est = np.where(stage == len(STAGES), self.lost_at[rows].astype("datetime64[D]"), est)
        est = np.where(stage == WON, self.entered[rows, WON].astype("datetime64[D]"), est)
        return pa.table(
            {
                "id": ids,
                "source": labels(["demo"], np.zeros(k, np.int32)),
                "external_id": ext_ids("demo-dsh-", local, 10),
                "deal_id": self.ids[rows],
                "stage": labels(STAGE_LABELS, stage),
                "entered_at": times[rows, stage],
                "amount": nullable(amount, has_amount),
                "expected_close_on": est,
            }
        )


def _bday_index_of(ctx: Ctx, t: np.ndarray) -> np.ndarray:
    return ctx.bd.index_on_or_after(t.astype("datetime64[D]"))


def generate(ctx: Ctx, rng: np.random.Generator, leads: LeadBatch) -> DealBatch:
    """Deals for the leads that convert; also fills the leads' conversion columns."""
    bd = ctx.bd
    org = ctx.org
    sel = np.nonzero(leads.deal_idx >= 0)[0]
    n_all = len(sel)
    created_idx = leads.deal_idx[sel]
    created = at_time(bd.at(created_idx), office_seconds(rng, n_all, 9.0, 18.5))
    created = np.maximum(created, leads.sql_at[sel] + seconds(rng.integers(600, 7200, size=n_all)))
    # deals created after the cutoff do not exist yet (their lead stays an SQL)
    exists = created <= ctx.cut
    sel, created, created_idx = sel[exists], created[exists], created_idx[exists]
    n = len(sel)
    ids, local = ctx.ids.take("deals", n)
    leads.converted_at[sel] = created
    leads.deal_id[sel] = ids

    account = leads.account[sel]
    east = ctx.accounts.east[account]
    # the deal owner: the field rep for the account's region, or the rep who sourced it
    owner = np.empty(n, np.int64)
    e_pool = org.pool("field_east", "field")
    w_pool = org.pool("field_west", "field")
    owner[east] = e_pool[rng.integers(len(e_pool), size=int(east.sum()))]
    owner[~east] = w_pool[rng.integers(len(w_pool), size=int((~east).sum()))]
    lead_owner = leads.owner[sel]
    field_sourced = np.isin(lead_owner, org.pool("field"))
    owner = np.where(field_sourced, lead_owner, owner)
    skill = org.skill[owner]

    employees = ctx.accounts.employees[account]
    size_band = np.digitize(employees, [100, 1000])
    cum = PRODUCT_MIX.cumsum(axis=1)[size_band]
    product = (rng.random(n)[:, None] > cum).sum(axis=1).clip(0, len(ctx.products) - 1)
    list_price = np.array([p.list_price for p in ctx.products], dtype=np.float64)[product]
    size_factor = (employees / 300.0) ** 0.12
    amount = list_price * size_factor * org.size_skill[owner] * rng.lognormal(0.0, 0.45, size=n)
    amount = np.maximum(np.round(amount, -3), 50_000).astype(np.int64)

    valid = rng.random(n) < (0.62 + 0.12 * skill).clip(0.4, 0.92)
    cycle = np.array(TIMING.product_cycle, dtype=np.float64)[product]
    scale = cycle * (amount / 1_000_000.0) ** TIMING.size_exponent / skill**0.3
    dur = rng.gamma(2.0, (STAGE_DAYS / 2.0)[None, :] * scale[:, None], size=(n, WON))
    dur = np.maximum(np.round(dur), 1).astype(np.int64)
    cum_days = np.concatenate([np.zeros((n, 1), np.int64), np.cumsum(dur, axis=1)], axis=1)  # (n, 6)
    entered_idx = created_idx[:, None] + cum_days

    # 年度末: customers spend the year's budget, so closings due in February and March win
    # more often, and a win due in April or May is often pulled into the last days of March
    closing_month = _month_of(bd.at(entered_idx[:, WON - 1]))
    p_adv = P_ADVANCE[None, :] ** (1.0 / skill[:, None])
    p_adv = np.where(valid[:, None], p_adv, p_adv * 0.75)
    p_adv[:, WON - 1] *= np.where(np.isin(closing_month, [2, 3]), 1.2, 1.0)
    advance = rng.random((n, WON)) < p_adv.clip(0.0, 0.97)
    final = np.cumprod(advance, axis=1).sum(axis=1)  # 0..5
    reached = np.arange(len(STAGES))[None, :] <= final[:, None]
    won = final == WON
    close_day = bd.at(entered_idx[:, WON])
    month = _month_of(close_day)
    march_end = _last_march_bday(ctx, close_day)
    p_pull = np.where(month == 4, 0.5, np.where(month == 5, 0.25, 0.0))
    pull = won & (rng.random(n) < p_pull) & (entered_idx[:, WON - 1] < march_end - 1)
    new_close = np.maximum(entered_idx[:, WON - 1] + 1, march_end - rng.integers(0, 8, size=n))
    entered_idx[:, WON] = np.where(pull, new_close, entered_idx[:, WON])
    entered_idx[:, WON] = _slip(rng, entered_idx[:, WON], won & ~pull)
    entered_idx[:, WON] = _bunch(ctx, rng, entered_idx[:, WON - 1], entered_idx[:, WON], won & ~pull)

    entered = at_time(
        bd.at(entered_idx), office_seconds(rng, n * len(STAGES), 9.0, 19.0).reshape(n, len(STAGES))
    )
    entered[:, 0] = created
    entered = np.maximum.accumulate(entered, axis=1)
    entered = np.where(reached, entered, NAT)
    entered_idx = np.where(reached, entered_idx, -1)

    lost = ~won
    stage_of_loss = np.minimum(final, WON - 1)
    lost_idx = entered_idx[np.arange(n), final] + dur[np.arange(n), stage_of_loss]
    lost_at = at_time(bd.at(lost_idx), office_seconds(rng, n, 9.0, 19.0))
    lost_at = np.maximum(lost_at, entered[np.arange(n), final] + seconds(3600))
    lost_at = np.where(lost, lost_at, NAT)
    cum_reason = LOST_MIX.cumsum(axis=1)[stage_of_loss]
    reason = (rng.random(n)[:, None] > cum_reason).sum(axis=1).clip(0, len(LOST_REASONS) - 1)
    close_est = _close_estimates(ctx, rng, created_idx, entered_idx, scale)
    stage_now = np.maximum((entered <= ctx.cut).sum(axis=1) - 1, 0)
    expected = close_est[np.arange(n), stage_now]

    batch = DealBatch(
        n=n,
        ids=ids,
        local=local,
        lead=sel,
        owner=owner,
        account=account,
        product=product,
        channel=leads.channel[sel],
        amount=amount,
        valid=valid,
        created=created,
        entered=entered,
        entered_idx=entered_idx,
        final=final,
        lost_at=lost_at,
        lost_reason=np.where(lost, reason, -1),
        exp_close=expected,
        close_est=close_est,
        lead_ids=leads.ids[sel],
        quote_markup=1.0 + rng.uniform(0.0, 0.15, size=n),
    )
    return batch


def _month_of(days: np.ndarray) -> np.ndarray:
    """Calendar month (1–12) of ``datetime64[D]`` values."""
    out: np.ndarray = days.astype("datetime64[M]").astype(np.int64) % 12 + 1
    return out


def _last_march_bday(ctx: Ctx, days: np.ndarray) -> np.ndarray:
    """Index of the last business day of March in the year of each day."""
    year = days.astype("datetime64[Y]").astype(np.int64) + 1970
    april_first = (year - 1970).astype("datetime64[Y]").astype("datetime64[M]") + np.timedelta64(3, "M")
    return ctx.bd.index_on_or_after(april_first.astype("datetime64[D]")) - 1


def _month_end_idx(ctx: Ctx, idx: np.ndarray) -> np.ndarray:
    """Index of the last business day of the month of each business-day index."""
    days = ctx.bd.at(idx)
    next_month = (days.astype("datetime64[M]") + np.timedelta64(1, "M")).astype("datetime64[D]")
    out: np.ndarray = ctx.bd.index_on_or_after(next_month) - 1
    return out


def _slip(rng: np.random.Generator, close_idx: np.ndarray, which: np.ndarray) -> np.ndarray:
    """Some wins slip at closing (legal review, budget approval): later by a gamma delay."""
    n = len(close_idx)
    slips = which & (rng.random(n) < TIMING.slip_rate)
    delay = np.round(rng.gamma(2.0, TIMING.slip_days / 2.0, size=n)).astype(np.int64)
    out: np.ndarray = close_idx + np.where(slips, np.maximum(delay, 1), 0)
    return out


def _bunch(
    ctx: Ctx, rng: np.random.Generator, closing_idx: np.ndarray, close_idx: np.ndarray, which: np.ndarray
) -> np.ndarray:
    """Wins bunch on the last business days of the month, more at quarter ends and in March;
    a win due just after a quarter end is sometimes pulled back into the quarter."""
    n = len(close_idx)
    month = _month_of(ctx.bd.at(close_idx))
    end = _month_end_idx(ctx, close_idx)
    quarter = np.isin(month, [6, 9, 12])
    p = np.where(
        month == 3, TIMING.fy_end_pull, np.where(quarter, TIMING.quarter_end_pull, TIMING.month_end_pull)
    )
    target = end - rng.integers(0, TIMING.bunch_days, size=n)
    to_end = which & (rng.random(n) < p) & (target > closing_idx) & (target >= close_idx)
    out = np.where(to_end, target, close_idx)
    # pulled back into the quarter just ended (July, October, January: not April, see March)
    prev_end = ctx.bd.index_on_or_after(out_month_start(ctx, out)) - 1
    prev_month = _month_of(ctx.bd.at(prev_end))
    early = (out - prev_end) <= TIMING.pull_back_days
    back = (
        which
        & ~to_end
        & np.isin(prev_month, [6, 9, 12])
        & early
        & (rng.random(n) < TIMING.quarter_pull_back)
        & (prev_end - 1 > closing_idx)
    )
    result: np.ndarray = np.maximum(
        np.where(back, prev_end - rng.integers(0, 2, size=n), out), closing_idx + 1
    )
    return result


def out_month_start(ctx: Ctx, idx: np.ndarray) -> np.ndarray:
    """First calendar day of the month of each business-day index."""
    out: np.ndarray = ctx.bd.at(idx).astype("datetime64[M]").astype("datetime64[D]")
    return out


def _close_estimates(
    ctx: Ctx, rng: np.random.Generator, created_idx: np.ndarray, entered_idx: np.ndarray, scale: np.ndarray
) -> np.ndarray:
    """The close date in the CRM as each stage is entered: an optimistic first guess at a
    month end; a guess that has passed is pushed to the month end the remaining stages
    point to (the pushes the forecast sees)."""
    n = len(created_idx)
    first = created_idx + np.round(
        STAGE_DAYS.sum() * scale * TIMING.close_optimism * rng.lognormal(0, 0.3, size=n)
    ).astype(np.int64)
    est = np.empty((n, len(STAGES)), dtype=np.int64)
    current = _month_end_idx(ctx, first)
    for k in range(len(STAGES)):
        at = np.where(entered_idx[:, k] >= 0, entered_idx[:, k], created_idx)
        remaining = np.round(STAGE_DAYS[k:].sum() * scale * TIMING.close_optimism).astype(np.int64)
        passed = current <= at
        current = np.where(passed, _month_end_idx(ctx, at + np.maximum(remaining, 1)), current)
        est[:, k] = current
    out: np.ndarray = ctx.bd.at(est)
    return out
