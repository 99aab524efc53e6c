"""Reading alerts as a person: the inbox, one alert with its history, the deal a stalled-deal
alert links to, and a rule's statistics — each limited to the scopes the user may see."""

from __future__ import annotations

import statistics
from collections import Counter
from datetime import datetime, timedelta
from typing import Any

from rashinban.app import org
from rashinban.app.alerts import render
from rashinban.app.alerts.people import inbox_scopes
from rashinban.app.alerts.rulebook import Rule
from rashinban.app.context import AppContext
from rashinban.app.results.alerts import (
    AlertDetail,
    AlertEvent,
    AlertItem,
    DealActivity,
    DealStage,
    DealView,
    RuleStats,
    WeekCount,
)
from rashinban.app.results.common import CompanyRef, MemberRef, ScopeRef, TeamRef
from rashinban.errors import NotFoundError
from rashinban.i18n import format as fmt
from rashinban.i18n.stages import rule_label
from rashinban.org.roles import Permission, allowed
from rashinban.org.scopes import COMPANY, MEMBER, TEAM, ScopeIndex
from rashinban.store import alert_facts as F
from rashinban.store import alerts as repo

Scopes = frozenset[tuple[str, int]] | None


def scope_ref(scopes: ScopeIndex, key: tuple[str, int]) -> ScopeRef | None:
    s = scopes.scopes.get(key)
    if s is None:
        return None
    if s.type == MEMBER:
        return MemberRef(type="member", id=s.id, name=s.name, team_id=s.team_id)
    if s.type == TEAM:
        if s.id in scopes.agency_teams:
            return TeamRef(type="team", id=s.id, name=s.name, kind="agency")
        return TeamRef(type="team", id=s.id, name=s.name, kind="in_house")
    return CompanyRef(type="company", id=0, name=s.name)


def visible_scopes(ctx: AppContext) -> Scopes:
    """The alert scopes of the signed-in user's inbox (None: all — admins, the CLI, jobs)."""
    if ctx.user is None:
        if ctx.privileged:
            return None
        return frozenset()
    return inbox_scopes(ctx.user, org.scope_index(ctx))


def can_act(ctx: AppContext) -> bool:
    return (ctx.user is None and ctx.privileged) or allowed(ctx.user, Permission.ACT_ON_ALERTS)


def item(ctx: AppContext, a: repo.AlertRow, names: dict[int, str], acting: bool | None = None) -> AlertItem:
    scopes = org.scope_index(ctx)
    deal_id = int(a.entity_id) if a.entity_type == "deal" and a.entity_id.isdigit() else None
    return AlertItem(
        id=a.id,
        rule_id=a.rule_id,
        rule=names.get(a.rule_id, f"#{a.rule_id}"),
        kind=a.kind,  # type: ignore[arg-type]
        code=a.code,
        severity=a.severity,  # type: ignore[arg-type]
        state=a.state,  # type: ignore[arg-type]
        message=render.message(a.code, a.params, ctx.lang),
        entity_type=a.entity_type,
        entity_id=a.entity_id,
        period=a.period,
        scope=scope_ref(scopes, (a.scope_type, a.scope_id)),
        values=a.params,
        latest=a.latest,
        latest_message=render.message(a.code, a.latest, ctx.lang) if a.latest else None,
        url=f"/alerts/{a.id}",
        deal_id=deal_id,
        opened_at=a.opened_at,
        acknowledged_at=a.acknowledged_at,
        acknowledged_by=a.acknowledged_by,
        snoozed_until=a.snoozed_until,
        snooze_reason=a.snooze_reason,
        escalated_at=a.escalated_at,
        escalated_to=a.escalated_to,
        resolved_at=a.resolved_at,
        resolved_by=a.resolved_by,
        resolution=a.resolution,
        resolve_note=a.resolve_note,
        can_act=(can_act(ctx) if acting is None else acting) and a.unresolved,
    )


def rule_names(ctx: AppContext) -> dict[int, str]:
    return ctx.cached(
        ("alert_rule_names", ctx.lang),
        lambda: {r.id: rule_label(r.name, ctx.lang) for r in repo.list_rules(ctx.store, True)},
    )


def visible_alert(ctx: AppContext, alert_id: int) -> repo.AlertRow:
    """The alert, when the user may see it (404 otherwise: a refusal says nothing)."""
    a = repo.get_alert(ctx.store, alert_id)
    scopes = visible_scopes(ctx)
    if a is None or (scopes is not None and (a.scope_type, a.scope_id) not in scopes):
        raise NotFoundError("alert_unknown", id=alert_id)
    return a


def events(ctx: AppContext, alert_id: int) -> list[AlertEvent]:
    return [
        AlertEvent(
            at=e.at,
            event=e.event,  # type: ignore[arg-type]
            actor=e.actor,
            text=render.event_text(e.event, e.data, e.actor, ctx.lang),
            data=e.data,
        )
        for e in repo.events(ctx.store, alert_id)
    ]


def detail(ctx: AppContext, alert_id: int) -> AlertDetail:
    a = visible_alert(ctx, alert_id)
    names = rule_names(ctx)
    deal_view = None
    if a.entity_type == "deal" and a.entity_id.isdigit():
        try:
            deal_view = deal(ctx, int(a.entity_id))
        except NotFoundError:
            deal_view = None
    return AlertDetail(alert=item(ctx, a, names), events=events(ctx, alert_id), deal=deal_view)


def deal(ctx: AppContext, deal_id: int) -> DealView:
    """A deal with its stage history and newest activities (when its owner is visible)."""
    row = F.deal(ctx.store, deal_id)
    acc = org.access(ctx)
    owner = row.get("owner_id") if row else None
    key = (MEMBER, int(owner)) if owner is not None else (COMPANY, 0)
    if row is None or not acc.can_see(key):
        raise NotFoundError("deal_unknown", id=deal_id)
    now = ctx.now()
    hist = F.deal_history(ctx.store, deal_id)
    stages = []
    for i, h in enumerate(hist):
        end = hist[i + 1]["entered_at"] if i + 1 < len(hist) else (row["closed_at"] or now)
        days = (end - h["entered_at"]).total_seconds() / 86400 if end else None
        stages.append(
            DealStage(stage=h["stage"], entered_at=h["entered_at"], days=round(days, 1) if days else 0.0)
        )
    acts = F.deal_activities(ctx.store, deal_id)
    last = acts[0]["occurred_at"] if acts else row["created_at"]
    idle = round((now - last).total_seconds() / 86400, 1) if last and not row["is_closed"] else None
    scopes = visible_scopes(ctx)
    mine, _ = repo.list_alerts(ctx.store, scopes, repo.UNRESOLVED, kind="stalled_deal", limit=500)
    names = rule_names(ctx)
    amount = float(row["amount"]) if row["amount"] is not None else None
    return DealView(
        id=row["id"],
        name=row["name"],
        account=row["account"],
        owner=row["owner"],
        owner_id=row["owner_id"],
        stage=row["stage"],
        amount=amount,
        amount_text=fmt.yen(amount, ctx.lang) if amount is not None else "—",
        created_at=row["created_at"],
        expected_close_on=row["expected_close_on"],
        closed_at=row["closed_at"],
        is_closed=bool(row["is_closed"]),
        is_won=bool(row["is_won"]),
        lost_reason=row["lost_reason"],
        idle_days=idle,
        history=stages,
        activities=[DealActivity(**a) for a in acts],
        alerts=[item(ctx, a, names) for a in mine if a.entity_id == str(deal_id)],
    )


def stats(ctx: AppContext, rule: Rule) -> tuple[RuleStats, list[repo.AlertRow]]:
    """How often the rule fired, how long its alerts stayed open, how many were snoozed —
    over the alerts the user may see."""
    scopes = visible_scopes(ctx)
    rows = [
        a
        for a in repo.rule_alerts(ctx.store, rule.id)
        if scopes is None or (a.scope_type, a.scope_id) in scopes
    ]
    snoozed = repo.snoozed_alert_ids(ctx.store, [a.id for a in rows])
    hours = [(a.resolved_at - a.opened_at).total_seconds() / 3600 for a in rows if a.resolved_at is not None]
    today = ctx.today()
    monday = today - timedelta(days=today.weekday())
    weeks = [monday - timedelta(weeks=n) for n in range(11, -1, -1)]
    counted = Counter(_week(a.opened_at) for a in rows)
    n = len(rows)
    out = RuleStats(
        fired=n,
        open=sum(1 for a in rows if a.unresolved),
        resolved=sum(1 for a in rows if a.state == "resolved"),
        acknowledged=sum(1 for a in rows if a.acknowledged_at is not None),
        snoozed=len(snoozed),
        escalated=sum(1 for a in rows if a.escalated_at is not None),
        manual=sum(1 for a in rows if a.resolution == "manual"),
        snoozed_share=round(len(snoozed) / n, 4) if n else None,
        mean_open_hours=round(statistics.fmean(hours), 2) if hours else None,
        median_open_hours=round(statistics.median(hours), 2) if hours else None,
        longest_open_hours=round(max(hours), 2) if hours else None,
        by_week=[WeekCount(week=_week(w), opened=counted.get(_week(w), 0)) for w in weeks],
    )
    return out, sorted(rows, key=lambda a: (a.opened_at, a.id), reverse=True)


def _week(d: Any) -> str:
    y, w, _ = (d.date() if isinstance(d, datetime) else d).isocalendar()
    return f"{y:04d}-W{w:02d}"


__all__ = [
    "deal",
    "detail",
    "events",
    "item",
    "rule_names",
    "scope_ref",
    "stats",
    "visible_alert",
    "visible_scopes",
]
