"""The rules themselves: pure functions from typed facts to the entities in alert.

Each function takes a rule's :class:`~rashinban.alerts.spec.RuleSpec`, the facts of its
kind and the keys of the rule's unresolved alerts (``open_keys``: (entity type, entity id,
period)), and returns a :class:`Hit` for every entity in alert *now*.  Hysteresis is here:
an entity without an unresolved alert enters at ``enter``; one with an alert stays in alert
until its value reaches ``leave``.  The caller opens alerts for new hits and resolves the
unresolved alerts that are no longer hit.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from rashinban.alerts.spec import RuleSpec
from rashinban.kpi.numbers import to_float
from rashinban.org.scopes import COMPANY, MEMBER, TEAM, ScopeIndex

ScopeKey = tuple[str, int]
OpenKey = tuple[str, str, str]  # (entity type, entity id, period)
DAY = 86_400.0


@dataclass(frozen=True)
class Hit:
    """An entity in alert: which one, whose it is (``scope``), and the message's values."""

    entity_type: str  # company | team | member | deal | source
    entity_id: str
    period: str  # "" when the alert is not about a period
    scope: ScopeKey  # whose alert it is: who sees it and who is told
    code: str  # the message: catalogue ``alerts.msg.<code>``
    params: Mapping[str, Any] = field(default_factory=dict)
    value: float | None = None

    @property
    def key(self) -> OpenKey:
        return (self.entity_type, self.entity_id, self.period)


def in_alert(
    value: Fraction | float | None,
    enter: Fraction | None,
    leave: Fraction | None,
    below: bool,
    was_open: bool,
) -> bool:
    """Hysteresis: a below-check enters under ``enter`` and leaves at ``leave`` or above (an
    above-check the mirror image).  No value: not in alert."""
    if value is None or enter is None:
        return False
    v = Fraction(value) if not isinstance(value, Fraction) else value
    bound = (leave if leave is not None else enter) if was_open else enter
    return v < bound if below else v > bound


def thresholds(spec: RuleSpec, key: ScopeKey, scopes: ScopeIndex) -> dict[str, Fraction | None]:
    """The rule's thresholds for a scope: the member's override, else the nearest team's
    (the member's team and up), else the rule's own (company default → team → member)."""
    out: dict[str, Fraction | None] = {
        "enter": spec.enter,
        "leave": spec.leave,
        "min_elapsed": spec.min_elapsed,
        "days": Fraction(spec.days),
    }
    if not spec.overrides or key[0] == COMPANY:
        return out
    by_scope = {o.scope: o.values for o in spec.overrides}
    team = scopes.member_team.get(key[1]) if key[0] == MEMBER else key[1]
    chain: list[ScopeKey] = [(TEAM, t) for t in reversed(scopes.team_chain(team))]
    if key[0] == MEMBER:
        chain.append(key)
    gap = (spec.leave - spec.enter) if spec.enter is not None and spec.leave is not None else Fraction(0)
    for scope in chain:  # top team first: nearer ones overwrite
        values = by_scope.get(scope, {})
        if "enter" in values and "leave" not in values:  # an entering threshold alone keeps the gap
            leave = max(Fraction(0), values["enter"] + gap)
            out["leave"] = min(leave, Fraction(1)) if spec.check == "rate" else leave
        out.update(values)
    if out["enter"] is not None and out["leave"] is not None:
        # a team's leave must not fall on the wrong side of a member's enter
        lo, hi = sorted((out["enter"], out["leave"]))
        out["enter"], out["leave"] = (lo, hi) if spec.below else (hi, lo)
    return out


def _f(v: Fraction | float | None) -> float | int | None:
    return to_float(v) if isinstance(v, Fraction) else v


# --- off pace ---------------------------------------------------------------------------
@dataclass(frozen=True)
class PaceRow:
    """A KPI of a scope in a period, as the status rows grade it."""

    scope: ScopeKey
    scope_name: str
    node: str
    node_name: str
    node_name_en: str | None
    unit: str
    period: str
    target: Fraction | None
    actual: Fraction | None
    pace: Fraction | None
    projected_achievement: Fraction | None
    elapsed: Fraction  # share of the period's business days passed


def off_pace(
    spec: RuleSpec, rows: Iterable[PaceRow], open_keys: Collection[OpenKey], scopes: ScopeIndex
) -> list[Hit]:
    hits: list[Hit] = []
    for row in rows:
        if row.scope[0] not in spec.scope_types or row.target is None:
            continue
        value = row.pace if spec.check == "pace" else row.projected_achievement
        entity = (row.scope[0], f"{row.scope[1]}/{row.node}", row.period)
        th = thresholds(spec, row.scope, scopes)
        was_open = entity in open_keys
        min_elapsed = th["min_elapsed"] or Fraction(0)
        if not was_open and row.elapsed < min_elapsed:
            continue
        if in_alert(value, th["enter"], th["leave"], True, was_open):
            params = {
                "scope": row.scope_name,
                "node": row.node_name,
                "node_en": row.node_name_en or row.node_name,
                "unit": row.unit,
                "value": _f(value),
                "enter": _f(th["enter"]),
                "leave": _f(th["leave"]),
                "target": _f(row.target),
                "actual": _f(row.actual),
                "elapsed": _f(row.elapsed),
                "period": row.period,
                "node_id": row.node,
            }
            code = "off_pace" if spec.check == "pace" else "off_projection"
            hits.append(Hit(entity[0], entity[1], row.period, row.scope, code, params, _f(value)))
    return hits


# --- late entry (入力遅延) ----------------------------------------------------------------
@dataclass(frozen=True)
class EntryStats:
    """A member's activities in the rule's window."""

    member_id: int
    name: str
    activities: int  # of the rule's activity type (any: all), logged by now
    logged: int  # of those, with a logged_at (entry time known)
    within: int  # of those, logged within ``within_hours`` of occurring
    median_lag_hours: float | None


def late_entry(
    spec: RuleSpec, stats: Iterable[EntryStats], open_keys: Collection[OpenKey], scopes: ScopeIndex
) -> list[Hit]:
    hits: list[Hit] = []
    for s in stats:
        key = (MEMBER, s.member_id)
        entity = (MEMBER, str(s.member_id), "")
        th = thresholds(spec, key, scopes)
        value: Fraction | float | None
        if spec.check == "rate":
            value = Fraction(s.within, s.logged) if s.logged >= spec.min_activities else None
        elif spec.check == "lag":
            value = s.median_lag_hours if s.logged >= spec.min_activities else None
        else:
            value = Fraction(s.activities)
        if not in_alert(value, th["enter"], th["leave"], spec.below, entity in open_keys):
            continue
        params = {
            "member": s.name,
            "value": _f(value),
            "enter": _f(th["enter"]),
            "leave": _f(th["leave"]),
            "within_hours": spec.within_hours,
            "window_days": spec.window_days,
            "activity_type": spec.activity_type,
            "activities": s.activities,
            "logged": s.logged,
            "within": s.within,
        }
        hits.append(Hit(MEMBER, str(s.member_id), "", key, f"late_{spec.check}", params, _f(value)))
    return hits


# --- stalled deals ----------------------------------------------------------------------
@dataclass(frozen=True)
class OpenDeal:
    """A deal open at the evaluation time, with its stage and last activity then."""

    id: int
    name: str | None
    owner_id: int | None
    amount: float | None
    stage: str
    stage_since: datetime | None  # None: the deal has no stage history
    last_activity: datetime | None
    created_at: datetime | None
    expected_close: date | None


def stage_limit(spec: RuleSpec, stage: str, learned: Mapping[str, tuple[float, int]], days: float) -> float:
    """Days a deal may stay in ``stage``: the rule's fixed limit for the stage, else the
    stage's P90 when learned from at least ``min_samples`` stays (``limit: p90``), else
    ``days``."""
    if stage in spec.stage_limits:
        return float(spec.stage_limits[stage])
    p90, samples = learned.get(stage, (0.0, 0))
    if spec.limit == "p90" and samples >= spec.min_samples:
        return p90
    return float(days)


def stalled_deals(
    spec: RuleSpec,
    deals: Iterable[OpenDeal],
    now: datetime,
    scopes: ScopeIndex,
    learned: Mapping[str, tuple[float, int]] | None = None,
) -> list[Hit]:
    """Stalled deals (no hysteresis: a deal is stalled or it is not).  ``learned``: stage →
    (P90 of days in stage, number of stays) for ``stage_time``."""
    hits: list[Hit] = []
    limits: dict[ScopeKey, float] = {}  # the owner's days (thresholds are per scope, not per deal)
    for d in deals:
        owner: ScopeKey = (COMPANY, 0)
        if d.owner_id is not None and (MEMBER, d.owner_id) in scopes.scopes:
            owner = (MEMBER, d.owner_id)
        days = limits.get(owner)
        if days is None:
            found = thresholds(spec, owner, scopes)["days"]
            days = limits[owner] = float(found if found is not None else spec.days)
        base = {"deal": d.name or f"#{d.id}", "deal_id": d.id, "stage": d.stage, "amount": d.amount}
        owner_name = scopes.scopes[owner].name if owner[0] == MEMBER else None
        base["owner"] = owner_name
        if spec.check == "no_activity":
            since = d.last_activity or d.created_at
            if since is None:
                continue
            idle = (now - since).total_seconds() / DAY
            if idle > days:
                params = {
                    **base,
                    "days": int(idle),
                    "limit": int(days),
                    "last": since.isoformat(" ", "minutes"),
                }
                hits.append(Hit("deal", str(d.id), "", owner, "stalled_idle", params, round(idle, 2)))
        elif spec.check == "stage_time":
            if d.stage_since is None:
                continue
            limit = stage_limit(spec, d.stage, learned or {}, days)
            stay = (now - d.stage_since).total_seconds() / DAY
            if stay > limit:
                params = {**base, "days": int(stay), "limit": round(limit, 1)}
                params["since"] = d.stage_since.isoformat(" ", "minutes")
                hits.append(Hit("deal", str(d.id), d.stage, owner, "stalled_stage", params, round(stay, 2)))
        elif d.expected_close is not None:
            late = (now.date() - d.expected_close).days
            if late > days:
                params = {**base, "days": late, "close": d.expected_close.isoformat()}
                period = d.expected_close.isoformat()
                hits.append(Hit("deal", str(d.id), period, owner, "stalled_close", params, float(late)))
    return hits


# --- stale data -------------------------------------------------------------------------
@dataclass(frozen=True)
class SourceSeen:
    """When a source last sent anything: its last import and its last activity."""

    source: str
    last_import: datetime | None
    last_activity: datetime | None

    @property
    def last(self) -> datetime | None:
        times = [t for t in (self.last_import, self.last_activity) if t is not None]
        return max(times) if times else None


def stale_sources(spec: RuleSpec, sources: Iterable[SourceSeen], now: datetime) -> list[Hit]:
    hits: list[Hit] = []
    for s in sources:
        if spec.sources and s.source not in spec.sources:
            continue
        last = s.last
        if last is None:
            continue
        age = (now - last).total_seconds() / DAY
        if age > spec.days:
            params = {
                "source": s.source,
                "days": int(age),
                "limit": spec.days,
                "last": last.isoformat(" ", "minutes"),
            }
            hits.append(Hit("source", s.source, "", (COMPANY, 0), "stale_source", params, round(age, 2)))
    return hits


__all__ = [
    "EntryStats",
    "Hit",
    "OpenDeal",
    "OpenKey",
    "PaceRow",
    "SourceSeen",
    "in_alert",
    "late_entry",
    "off_pace",
    "stage_limit",
    "stale_sources",
    "stalled_deals",
    "thresholds",
]
