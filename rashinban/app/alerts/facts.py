"""The typed inputs of the rules, read once per evaluation (and cached on the data version):
status rows of every scope for the current month (one metrics-engine pass per model),
members' entry statistics, open deals, the learned stage P90s, sources' last data."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from pathlib import Path

from rashinban.alerts.rules import EntryStats, OpenDeal, PaceRow, SourceSeen
from rashinban.alerts.spec import RuleSpec
from rashinban.app import org
from rashinban.app.context import AppContext
from rashinban.app.dashboards.board import Board
from rashinban.app.models import Bundle, Models
from rashinban.errors import ModelError, NotFoundError, RashinbanError
from rashinban.kpi.calendar import BusinessCalendar
from rashinban.kpi.model import Model
from rashinban.kpi.units import Direction
from rashinban.org.access import EVERYTHING
from rashinban.store import alert_facts as F

ModelPath = str | Path | None


@dataclass(frozen=True)
class ModelRows:
    """One model's status rows for the scopes that use it."""

    model: Model
    mains: tuple[str, ...]
    period: str
    rows: tuple[PaceRow, ...]


def pace_rows(
    ctx: AppContext, models: Models, model_path: ModelPath, as_of: date, extra: frozenset[str] = frozenset()
) -> list[ModelRows]:
    """Every scope's main KPIs (and the ``extra`` nodes the rules name) for the month of
    ``as_of``: scopes grouped by the model they use, one metrics-engine pass per model
    (cached on the data version)."""

    def compute() -> list[ModelRows]:
        scopes = org.scope_index(ctx)
        groups, _ = bundles(ctx, models, model_path)
        return [
            _model_rows(Board(ctx.store, bundle, scopes, EVERYTHING, as_of), keys, extra)
            for bundle, keys in groups.values()
        ]

    return ctx.cached(("alerts_pace", str(model_path), as_of, extra), compute)


def bundles(
    ctx: AppContext, models: Models, model_path: ModelPath
) -> tuple[dict[object, tuple[Bundle, list[tuple[str, int]]]], list[RashinbanError]]:
    """The scopes grouped by the model they use, and the models that could not be read (a
    store without a model still gets its entry, deal and data alerts; a file given on
    purpose that does not read is an error)."""
    groups: dict[object, tuple[Bundle, list[tuple[str, int]]]] = {}
    problems: dict[str, RashinbanError] = {}
    for key in org.scope_index(ctx).scopes:
        try:
            bundle = models.for_scope(model_path, key)
        except (ModelError, NotFoundError) as e:
            if model_path is not None:
                raise
            problems.setdefault(e.code + str(sorted(e.params.items())), e)
            continue
        groups.setdefault(bundle.ref, (bundle, []))[1].append(key)
    return groups, list(problems.values())


def _model_rows(board: Board, keys: list[tuple[str, int]], extra: frozenset[str]) -> ModelRows:
    model = board.model
    span = board.month(None)
    elapsed = BusinessCalendar(model.holidays).elapsed_share(span, board.as_of)
    wanted = list(dict.fromkeys([*board.main_kpis(), *(n for n in sorted(extra) if n in model.nodes)]))
    status = board.status(keys, [span], wanted)
    rows: list[PaceRow] = []
    for (key, _label), by_node in status.items():
        for nid, r in by_node.items():
            node = model.nodes[nid]
            projected: Fraction | None = None
            if r.projected is not None and r.target:
                if node.direction is Direction.LOWER:
                    projected = r.target / r.projected if r.projected else None
                else:
                    projected = r.projected / r.target
            rows.append(
                PaceRow(
                    key,
                    board.scopes.scopes[key].name,
                    nid,
                    node.name,
                    node.name_en,
                    str(node.unit),
                    span.label,
                    r.target,
                    r.actual,
                    r.pace,
                    projected,
                    elapsed,
                )
            )
    return ModelRows(model, tuple(board.main_kpis()), span.label, tuple(rows))


def window(calendar: BusinessCalendar, today: date, days: int) -> date:
    """The first day of the last ``days`` business days before ``today``."""
    d, found = today, 0
    for _ in range(days * 7 + 60):
        d -= timedelta(days=1)
        if calendar.is_business_day(d):
            found += 1
            if found >= days:
                break
    return d


def entry_stats(
    ctx: AppContext, spec: RuleSpec, now: datetime, calendar: BusinessCalendar
) -> list[EntryStats]:
    """Members' activities in the rule's window: the last ``window_days`` business days
    before today; for ``rate`` and ``lag`` the window ends ``within_hours`` before now (so
    every activity counted has had its hours to be logged).  Inactive members, members not
    yet there when the window opened and members outside ``member_roles`` are left out;
    members without activities count with zero."""
    start_day = window(calendar, now.date(), spec.window_days)
    start = datetime.combine(start_day, time())
    end = datetime.combine(now.date(), time())
    if spec.check in ("rate", "lag"):
        end = min(end, now - timedelta(hours=spec.within_hours))
    kind = spec.activity_type if spec.check == "count" else "any"
    key = ("alerts_entry", start, end, now, spec.within_hours, kind)
    stats = ctx.cached(key, lambda: F.entry_stats(ctx.store, start, end, now, spec.within_hours, kind))
    members = ctx.cached(("alerts_members",), lambda: F.active_members(ctx.store))
    scopes = org.scope_index(ctx)
    out = []
    for m in members:
        if ("member", m.id) not in scopes.scopes:
            continue
        if spec.member_roles and (m.role or "") not in spec.member_roles:
            continue
        if m.joined_on is not None and m.joined_on > start_day:
            continue
        s = stats.get(m.id)
        if s is None:
            out.append(EntryStats(m.id, m.name, 0, 0, 0, None))
        else:
            out.append(EntryStats(m.id, m.name, s.activities, s.logged, s.within, s.median_lag_hours))
    return out


def open_deals(ctx: AppContext, now: datetime) -> list[OpenDeal]:
    def load() -> list[OpenDeal]:
        return [
            OpenDeal(
                d.id,
                d.name,
                d.owner_id,
                d.amount,
                d.stage,
                d.stage_since,
                d.last_activity,
                d.created_at,
                d.expected_close,
            )
            for d in F.open_deals(ctx.store, now)
        ]

    return ctx.cached(("alerts_open_deals", now), load)


def stage_p90(ctx: AppContext, spec: RuleSpec, now: datetime) -> dict[str, tuple[float, int]]:
    """Learned per day, kept until the stage history changes (not on every activity logged)."""
    since = datetime.combine(now.date() - timedelta(days=spec.history_days), time())
    until = datetime.combine(now.date(), time())
    key = ("alerts_p90", since, until, F.history_stamp(ctx.store))
    return ctx.cached_forever(key, lambda: F.stage_p90(ctx.store, since, until))


def sources(ctx: AppContext, spec: RuleSpec, now: datetime) -> list[SourceSeen]:
    """Every source with an activity or a finished import; those silent for longer than
    ``lookback_days`` are gone rather than stale (unless the rule names them)."""
    from rashinban.ingest.presets import builtin_presets

    source_of = {p.name: p.source for p in builtin_presets()}
    acts = F.source_activity(ctx.store, now)
    imports: dict[str, datetime] = {}
    for preset, at in F.last_imports(ctx.store, now).items():
        src = source_of.get(preset, preset)
        imports[src] = max(at, imports.get(src, at))
    horizon = now - timedelta(days=spec.lookback_days)
    out = []
    for src in sorted(set(acts) | set(imports)):
        seen = SourceSeen(src, imports.get(src), acts.get(src))
        last = seen.last
        if src in spec.sources or (last is not None and last >= horizon):
            out.append(seen)
    return out


__all__ = ["ModelRows", "bundles", "entry_stats", "open_deals", "pace_rows", "sources", "stage_p90", "window"]
