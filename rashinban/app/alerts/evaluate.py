"""One evaluation: every enabled rule over every scope in one pass, then the alerts' state.

For each rule the facts are read (shared between rules of the same kind), the pure rule
returns the entities in alert now, and the outcome follows:

* a hit without an unresolved alert opens one (unless its key was resolved by hand and has
  not cleared since — a *latch*); the owners (and, with ``notify_manager``, their managers)
  get a notice;
* a hit with an unresolved alert keeps it (its latest values are updated);
* an unresolved alert that is no longer hit resolves (``cleared``; ``period_ended`` when its
  month is over; ``rule_disabled`` when its rule is off or gone);
* a snoozed alert whose date has come opens again (and its people hear of it again);
* an open alert nobody acknowledged for ``escalate_after_days`` business days escalates to
  the nearest managers above the people already told.
"""

from __future__ import annotations

import time as _time  # monotonic only (durations), never the time of day
from collections import defaultdict
from datetime import date, datetime
from typing import Any

from rashinban.alerts import rules as R
from rashinban.app import org
from rashinban.app.alerts import dispatch, facts
from rashinban.app.alerts.people import People
from rashinban.app.alerts.rulebook import Rule
from rashinban.app.context import AppContext, Progress
from rashinban.app.models import Models
from rashinban.app.results.alerts import EvaluationResult, RuleRun
from rashinban.kpi.calendar import BusinessCalendar
from rashinban.store import alert_deliveries as D
from rashinban.store import alert_outcome as outcome
from rashinban.store import alerts as repo


def hits_of(
    ctx: AppContext,
    models: Models,
    model_path: Any,
    rule: Rule,
    open_keys: set[R.OpenKey],
    as_of: date,
    now: datetime,
    calendar: BusinessCalendar,
    extra: frozenset[str] = frozenset(),
) -> tuple[list[R.Hit], set[str]]:
    """The rule's hits now, and the periods it looked at (off pace: the current months)."""
    spec = rule.spec
    scopes = org.scope_index(ctx)
    if rule.kind == "off_pace":
        hits: list[R.Hit] = []
        periods: set[str] = set()
        for group in facts.pace_rows(ctx, models, model_path, as_of, extra):
            nodes = set(spec.nodes) if spec.nodes else set(group.mains)
            rows = [r for r in group.rows if r.node in nodes]
            hits += R.off_pace(spec, rows, open_keys, scopes)
            periods.add(group.period)
        return hits, periods
    if rule.kind == "late_entry":
        return R.late_entry(spec, facts.entry_stats(ctx, spec, now, calendar), open_keys, scopes), set()
    if rule.kind == "stalled_deal":
        learned = facts.stage_p90(ctx, spec, now) if spec.check == "stage_time" else {}
        return R.stalled_deals(spec, facts.open_deals(ctx, now), now, scopes, learned), set()
    return R.stale_sources(spec, facts.sources(ctx, spec, now), now), set()


def run(
    ctx: AppContext,
    models: Models,
    model_path: Any,
    rules: list[Rule],
    as_of: date,
    now: datetime,
    progress: Progress | None = None,
) -> tuple[EvaluationResult, outcome.Outcome]:
    started = _time.monotonic()
    scopes = org.scope_index(ctx)
    calendar = BusinessCalendar(org.company_holidays(ctx))
    people = People(D.active_users(ctx.store), scopes)
    unresolved = repo.live_alerts(ctx.store)
    by_rule: dict[int, list[repo.LiveAlert]] = defaultdict(list)
    for a in unresolved:
        by_rule[a.rule_id].append(a)
    enabled = [r for r in rules if r.enabled]
    rule_of = {r.id: r for r in rules}
    out = outcome.Outcome(push=dispatch.pushed_users(ctx, people.users))
    named = frozenset(n for r in enabled if r.kind == "off_pace" for n in r.spec.nodes)
    runs: list[RuleRun] = []
    kept = 0
    if progress is not None:
        progress.start("alerts", len(enabled) + 1, "rules")
    for i, rule in enumerate(enabled):
        mine = by_rule.get(rule.id, [])
        live = {a.key: a for a in mine if a.unresolved}
        latched = {a.key: a for a in mine if a.latched and not a.unresolved}
        hits, periods = hits_of(ctx, models, model_path, rule, set(live), as_of, now, calendar, named)
        hit_keys = {h.key for h in hits}
        opened = resolved = 0
        for h in hits:
            if h.key in live:
                out.latest[live[h.key].id] = dict(h.params)
                kept += 1
            elif h.key not in latched:
                told = people.told_at_open(h.scope, rule.spec.notify_manager)
                out.opened.append(
                    outcome.NewAlert(
                        rule.id,
                        rule.kind,
                        h.entity_type,
                        h.entity_id,
                        h.period,
                        h.scope,
                        rule.spec.severity,
                        h.code,
                        dict(h.params),
                        tuple(u.id for u in told),
                    )
                )
                opened += 1
        for key, a in live.items():
            if key not in hit_keys:
                ended = rule.kind == "off_pace" and a.period not in periods
                out.resolved.append((a.id, "period_ended" if ended else "cleared"))
                resolved += 1
        out.unlatched += [a.id for key, a in latched.items() if key not in hit_keys]
        runs.append(
            RuleRun(rule_id=rule.id, name=rule.name, in_alert=len(hits), opened=opened, resolved=resolved)
        )
        if progress is not None:
            progress.advance(i + 1, len(hits))
    enabled_ids = {r.id for r in enabled}
    for rule_id, mine in by_rule.items():
        if rule_id not in enabled_ids:
            out.resolved += [(a.id, "rule_disabled") for a in mine if a.unresolved]
            out.unlatched += [a.id for a in mine if a.latched and not a.unresolved]
    gone = {a for a, _ in out.resolved}
    _wake_and_escalate(out, unresolved, gone, rule_of, people, calendar, now)
    counts = outcome.apply_evaluation(ctx.store, out, now)
    ctx.refresh()
    if progress is not None:
        progress.advance(len(enabled) + 1, 0)
        progress.finish()
    result = EvaluationResult(
        as_of=as_of,
        evaluated_at=now,
        rules=runs,
        opened=counts["opened"],
        resolved=counts["resolved"],
        kept=kept,
        unsnoozed=counts["unsnoozed"],
        escalated=counts["escalated"],
        deliveries=0,
        seconds=round(_time.monotonic() - started, 3),
    )
    return result, out


def _wake_and_escalate(
    out: outcome.Outcome,
    unresolved: list[repo.LiveAlert],
    gone: set[int],
    rule_of: dict[int, Rule],
    people: People,
    calendar: BusinessCalendar,
    now: datetime,
) -> None:
    today = now.date()
    for a in unresolved:
        rule = rule_of.get(a.rule_id)
        if a.id in gone or rule is None or not rule.enabled:
            continue
        scope = (a.scope_type, a.scope_id)
        told = people.told_at_open(scope, rule.spec.notify_manager)
        if a.state == "snoozed" and a.snoozed_until is not None and a.snoozed_until <= today:
            out.unsnoozed.append((a.id, tuple(u.id for u in told)))
            continue
        after = rule.spec.escalate_after_days
        if a.state != "open" or a.escalated_at is not None or after <= 0:
            continue
        start = (a.escalate_from or a.opened_at).date()
        if start >= today or calendar.business_days(date.fromordinal(start.toordinal() + 1), today) < after:
            continue
        targets = people.escalation(scope, {u.id for u in told})
        if targets:
            names = ", ".join(u.label for u in targets)
            out.escalated.append((a.id, tuple(u.id for u in targets), names))


__all__ = ["hits_of", "run"]
