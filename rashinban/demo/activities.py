"""Activities: calls, emails, visits and web meetings with outcomes and entry lag.

Activities are built in parts (prospecting touches on leads, meetings and follow-ups on
deals, customer-success touches on contracts), then stamped with ``logged_at`` and cut at
the cutoff: an activity not logged yet by then does not exist yet.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from rashinban.demo.context import Ctx
from rashinban.demo.deals import WON, DealBatch
from rashinban.demo.leads import EXPERIMENT_LIFT, LeadBatch
from rashinban.demo.util import at_time, ext_ids, labels, nullable, office_seconds, seconds, spread

TYPES = ("call", "email", "visit", "web_meeting")
CALL, EMAIL, VISIT, WEB = range(4)
OUTCOMES = ("connected", "no_answer", "appointment", "sent", "opened", "replied", "completed")
CONNECTED, NO_ANSWER, APPOINTMENT, SENT, OPENED, REPLIED, COMPLETED = range(7)
SUBJECTS = (
    "新規架電",
    "フォローアップ架電",
    "アポイント獲得",
    "資料送付メール",
    "フォローメール",
    "初回訪問",
    "初回オンライン商談",
    "提案・見積説明",
    "見積書送付",
    "クロージング面談",
    "オンボーディング",
    "定例ミーティング",
    "利用状況ヒアリング",
    "更新のご案内",
)
S = {s: i for i, s in enumerate(SUBJECTS)}
# calls per lead while prospecting, by channel (web, seminar, referral, outbound, ad, partner)
CALLS_PER_LEAD = np.array([2.0, 1.8, 1.0, 3.6, 2.2, 1.0])
EMAILS_PER_LEAD = np.array([1.6, 1.6, 0.8, 1.0, 1.4, 1.0])
# entry lag mixture: (logged right away, within hours, days later)
LAG_MIX = np.array([0.72, 0.22, 0.06])
LAG_MIX_LATE = np.array([0.35, 0.30, 0.35])
# of the agency's MQLs that never became an SQL: the share that had an appointment (declined)
P_DECLINED = 0.35


@dataclass
class Acts:
    """Activity parts, concatenated into one table per chunk."""

    parts: list[dict[str, np.ndarray]] = field(default_factory=list)

    def add(
        self,
        *,
        member: np.ndarray,
        type_: np.ndarray | int,
        outcome: np.ndarray | int,
        subject: np.ndarray | int,
        account: np.ndarray,
        day: np.ndarray,
        secs: np.ndarray,
        lead_id: np.ndarray | None = None,
        deal_id: np.ndarray | None = None,
        minutes: np.ndarray | None = None,
        occurred: np.ndarray | None = None,
        logged_by: np.ndarray | None = None,
    ) -> None:
        n = len(member)
        if n == 0:
            return

        def full(v: np.ndarray | int | None, fill: int = -1) -> np.ndarray:
            if v is None:
                return np.full(n, fill, np.int64)
            if isinstance(v, int | np.integer):
                return np.full(n, int(v), np.int64)
            return np.asarray(v, np.int64)

        self.parts.append(
            {
                "member": full(member),
                "type": full(type_),
                "outcome": full(outcome),
                "subject": full(subject),
                "account": full(account),
                "day": full(day),
                "secs": full(secs),
                "lead_id": full(lead_id),
                "deal_id": full(deal_id),
                "minutes": full(minutes),
                "occurred": occurred if occurred is not None else np.full(n, np.datetime64("NaT", "s")),
                "logged_by": logged_by if logged_by is not None else np.full(n, np.datetime64("NaT", "s")),
            }
        )

    def __len__(self) -> int:
        return sum(len(p["member"]) for p in self.parts)

    def table(self, ctx: Ctx, rng: np.random.Generator) -> pa.Table:
        cols = {k: np.concatenate([p[k] for p in self.parts]) for k in self.parts[0]} if self.parts else None
        if cols is None:
            return empty_table()
        bd = ctx.bd
        n = len(cols["member"])
        occurred = at_time(bd.at(cols["day"]), cols["secs"])
        occurred = np.where(np.isnat(cols["occurred"]), occurred, cols["occurred"])
        late = ctx.org.late[cols["member"]]
        u = rng.random(n)
        mix = np.where(late[:, None], LAG_MIX_LATE.cumsum()[None, :], LAG_MIX.cumsum()[None, :])
        kind = (u[:, None] > mix).sum(axis=1)
        minutes = np.maximum(cols["minutes"], 0)
        quick = minutes * 60 + rng.exponential(12 * 60, size=n) + np.where(cols["type"] == VISIT, 40 * 60, 0)
        hours = minutes * 60 + rng.lognormal(np.log(3 * 3600), 0.6, size=n)
        later_days = rng.geometric(0.45, size=n)
        occurred_day = bd.index_on_or_after(occurred.astype("datetime64[D]"))
        days_logged = at_time(
            bd.at(occurred_day + later_days), rng.integers(17 * 3600, 21 * 3600 + 1800, size=n)
        )
        logged = np.where(
            kind == 0,
            occurred + seconds(quick),
            np.where(kind == 1, occurred + seconds(hours), days_logged),
        )
        # an activity logged at the latest by a given time (the appointment by its lead's SQL)
        by = cols["logged_by"]
        logged = np.where(np.isnat(by), logged, np.maximum(occurred, np.minimum(logged, by)))
        keep = (occurred >= ctx.window_start) & (occurred <= ctx.cut) & (logged <= ctx.cut)
        idx = np.nonzero(keep)[0]
        k = len(idx)
        ids, local = ctx.ids.take("activities", k)
        lead_id = cols["lead_id"][idx]
        deal_id = cols["deal_id"][idx]
        mins = cols["minutes"][idx]
        return pa.table(
            {
                "id": ids,
                "source": labels(["demo"], np.zeros(k, np.int32)),
                "external_id": ext_ids("demo-act-", local, 10),
                "member_id": ctx.org.rep_ids[cols["member"][idx]],
                "type": labels(TYPES, cols["type"][idx]),
                "outcome": labels(OUTCOMES, cols["outcome"][idx]),
                "lead_id": nullable(lead_id, lead_id >= 0),
                "deal_id": nullable(deal_id, deal_id >= 0),
                "account_id": ctx.accounts.ids[cols["account"][idx]],
                "subject": labels(SUBJECTS, cols["subject"][idx]),
                "duration_minutes": nullable(mins, mins >= 0),
                "occurred_at": occurred[idx],
                "logged_at": logged[idx],
            }
        )


def empty_table() -> pa.Table:
    return pa.table({"id": pa.array([], pa.int64())})


def _call_outcomes(rng: np.random.Generator, skill: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(outcome, minutes) of ordinary calls: skill raises the contact rate."""
    n = len(skill)
    p = (0.30 * skill**0.8).clip(0.08, 0.7)
    connected = rng.random(n) < p
    minutes = np.where(connected, np.round(rng.lognormal(np.log(6), 0.5, size=n)), 1).astype(np.int64)
    return np.where(connected, CONNECTED, NO_ANSWER), minutes


def _email_outcomes(
    rng: np.random.Generator, skill: np.ndarray, reply_boost: float | np.ndarray = 1.0
) -> np.ndarray:
    n = len(skill)
    opened = rng.random(n) < 0.38 * reply_boost**0.5
    replied = opened & (rng.random(n) < (0.18 * skill * reply_boost).clip(0.03, 0.8))
    return np.where(replied, REPLIED, np.where(opened, OPENED, SENT))


def lead_touches(ctx: Ctx, rng: np.random.Generator, leads: LeadBatch, acts: Acts) -> None:
    """Prospecting calls and emails by the lead's owner, and the call that set the appointment."""
    skill_all = ctx.org.skill
    # calls
    parent = np.repeat(np.arange(leads.n), rng.poisson(CALLS_PER_LEAD[leads.channel]))
    skill = skill_all[leads.owner[parent]]
    outcome, minutes = _call_outcomes(rng, skill)
    first = np.zeros(len(parent), bool)
    first[np.unique(parent, return_index=True)[1]] = True
    acts.add(
        member=leads.owner[parent],
        type_=CALL,
        outcome=outcome,
        subject=np.where(first, S["新規架電"], S["フォローアップ架電"]),
        account=leads.account[parent],
        day=spread(rng, leads.b0[parent], leads.touch_end[parent]),
        secs=office_seconds(rng, len(parent), 9.0, 18.5),
        lead_id=leads.ids[parent],
        minutes=minutes,
    )
    # emails
    parent = np.repeat(np.arange(leads.n), rng.poisson(EMAILS_PER_LEAD[leads.channel]))
    skill = skill_all[leads.owner[parent]]
    first = np.zeros(len(parent), bool)
    first[np.unique(parent, return_index=True)[1]] = True
    acts.add(
        member=leads.owner[parent],
        type_=EMAIL,
        outcome=_email_outcomes(
            rng, skill, np.where(first & (leads.variant[parent] == 1), EXPERIMENT_LIFT, 1.0)
        ),
        subject=np.where(first, S["資料送付メール"], S["フォローメール"]),
        account=leads.account[parent],
        day=np.where(first, leads.b0[parent], spread(rng, leads.b0[parent], leads.touch_end[parent])),
        secs=office_seconds(rng, len(parent), 8.0, 21.0),
        lead_id=leads.ids[parent],
    )
    # the appointment: a connected call just before the lead became an SQL (送客)
    sql = np.nonzero(~np.isnat(leads.sql_at))[0]
    occurred = leads.sql_at[sql] - seconds(rng.integers(5 * 60, 40 * 60, size=len(sql)))
    occurred = np.maximum(occurred, leads.created[sql] + seconds(60))
    # keep it on the SQL's business day (office hours)
    acts.add(
        member=leads.owner[sql],
        type_=CALL,
        outcome=APPOINTMENT,
        subject=S["アポイント獲得"],
        account=leads.account[sql],
        day=np.zeros(len(sql), np.int64),
        secs=np.zeros(len(sql), np.int64),
        lead_id=leads.ids[sql],
        minutes=np.round(rng.lognormal(np.log(12), 0.4, size=len(sql))).astype(np.int64),
        occurred=_on_business_day(ctx, occurred, leads.sql_at[sql]),
        # logged by the time the lead is handed off: no hand-off without its appointment on record
        logged_by=leads.sql_at[sql],
    )


def declined_appointments(ctx: Ctx, leads: LeadBatch, acts: Acts) -> None:
    """Appointments the agency set that its client did not accept as a hand-off: some of the
    agency's MQLs that never became an SQL had one (held, judged no valid opportunity), so the
    agency's hand-off acceptance (送客数 ÷ アポイント数) is a rate below 100 %, not a constant.
    Drawn from their own generator: the rest of the demo stays as it was."""
    if leads.n == 0:
        return
    rng = np.random.default_rng([ctx.cfg.seed, 16, int(leads.ids[0])])
    agency = np.isin(leads.owner, ctx.org.pools.get("agency", np.empty(0, np.int64)))
    cand = np.nonzero(agency & ~np.isnat(leads.mql_at) & np.isnat(leads.sql_at))[0]
    sel = cand[rng.random(len(cand)) < P_DECLINED]
    if len(sel) == 0:
        return
    lo = ctx.bd.index_on_or_after(leads.mql_at[sel].astype("datetime64[D]")) + 1
    hi = np.maximum(lo, leads.touch_end[sel] - 1)
    day = lo + (rng.random(len(sel)) * (hi - lo + 1)).astype(np.int64)
    t = at_time(ctx.bd.at(day), rng.integers(9 * 3600, 18 * 3600, size=len(sel)))
    acts.add(
        member=leads.owner[sel],
        type_=CALL,
        outcome=APPOINTMENT,
        subject=S["アポイント獲得"],
        account=leads.account[sel],
        day=np.zeros(len(sel), np.int64),
        secs=np.zeros(len(sel), np.int64),
        lead_id=leads.ids[sel],
        minutes=np.round(rng.lognormal(np.log(12), 0.4, size=len(sel))).astype(np.int64),
        occurred=np.maximum(t, leads.mql_at[sel] + seconds(600)),
    )


def _on_business_day(ctx: Ctx, t: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """``t`` when it falls on a business day, else ``fallback``."""
    day = t.astype("datetime64[D]")
    idx = np.searchsorted(ctx.bd.days, day).clip(0, len(ctx.bd.days) - 1)
    return np.where(ctx.bd.days[idx] == day, t, fallback)


def deal_touches(ctx: Ctx, rng: np.random.Generator, deals: DealBatch, acts: Acts) -> None:
    """Meetings when a deal enters 初回訪問, 提案・見積 and クロージング; follow-ups throughout."""
    n = deals.n
    if n == 0:
        return
    skill_all = ctx.org.skill
    for stage, visit_subject, web_subject in (
        (2, "初回訪問", "初回オンライン商談"),
        (3, "提案・見積説明", "提案・見積説明"),
        (4, "クロージング面談", "クロージング面談"),
    ):
        sel = np.nonzero(deals.final >= stage)[0]
        k = len(sel)
        big = ctx.accounts.employees[deals.account[sel]] >= 300
        visit = rng.random(k) < np.where(big, 0.65, 0.4)
        minutes = np.where(
            visit,
            np.round(rng.lognormal(np.log(60), 0.3, size=k)),
            np.round(rng.lognormal(np.log(45), 0.3, size=k)),
        ).astype(np.int64)
        start = deals.entered[sel, stage] - seconds(minutes * 60)
        acts.add(
            member=deals.owner[sel],
            type_=np.where(visit, VISIT, WEB),
            outcome=COMPLETED,
            subject=np.where(visit, S[visit_subject], S[web_subject]),
            account=deals.account[sel],
            day=np.zeros(k, np.int64),
            secs=np.zeros(k, np.int64),
            deal_id=deals.ids[sel],
            minutes=minutes,
            occurred=_on_business_day(ctx, start, deals.entered[sel, stage]),
        )
    # the quote goes out the next business day after the proposal meeting
    sel = np.nonzero(deals.final >= 3)[0]
    acts.add(
        member=deals.owner[sel],
        type_=EMAIL,
        outcome=_email_outcomes(rng, skill_all[deals.owner[sel]], reply_boost=2.0),
        subject=S["見積書送付"],
        account=deals.account[sel],
        day=deals.entered_idx[sel, 3] + 1,
        secs=office_seconds(rng, len(sel), 9.0, 19.0),
        deal_id=deals.ids[sel],
    )
    # follow-up calls and emails between creation and close (or a little after the last stage)
    last = deals.entered_idx[np.arange(n), np.minimum(deals.final, WON)]
    end = np.where(deals.final == WON, last, last + 5)
    start = deals.entered_idx[:, 0]
    for type_, per_stage in ((CALL, 0.9), (EMAIL, 0.8)):
        parent = np.repeat(np.arange(n), rng.poisson(per_stage * (deals.final + 1)))
        skill = skill_all[deals.owner[parent]]
        follow_minutes: np.ndarray | None = None
        if type_ == CALL:
            outcome, follow_minutes = _call_outcomes(rng, skill)
            subject = S["フォローアップ架電"]
        else:
            outcome = _email_outcomes(rng, skill, 1.5)
            subject = S["フォローメール"]
        acts.add(
            member=deals.owner[parent],
            type_=type_,
            outcome=outcome,
            subject=subject,
            account=deals.account[parent],
            day=spread(rng, start[parent], end[parent]),
            secs=office_seconds(rng, len(parent), 9.0, 19.0),
            deal_id=deals.ids[parent],
            minutes=follow_minutes,
        )
