"""The read side of the web dashboards: home, KPI tree, node detail, team and member pages.

Each function computes only the scopes and periods its page shows (the metrics engine's
``only`` filter, one month or the last twelve) and returns plain JSON-ready data.  The
parsed model (with its plan and measures) and the scope index are cached per store and
checked against the model file's mtime and a cheap fingerprint of teams and members;
actuals and stored targets are read on every call, so logged activity shows at once.
"""

from __future__ import annotations

import threading
import time
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from fractions import Fraction
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from rashinban.analysis.funnel import FunnelRow
from rashinban.analysis.status import StatusRow, status_rows
from rashinban.analysis.targets import Key, plan_targets
from rashinban.auth.access import Access, ScopeKey, access_for
from rashinban.auth.users import User
from rashinban.errors import ForbiddenError, NotFoundError
from rashinban.i18n import format as fmt
from rashinban.kpi.calendar import BusinessCalendar, Span, parse_period, span_of, spans_in
from rashinban.kpi.model import Model
from rashinban.kpi.solve import Plan, solve
from rashinban.kpi.units import Period
from rashinban.metrics.actuals import bound_measures, model_measures, node_actuals
from rashinban.metrics.backends import ibis_connection, load_scope_index
from rashinban.metrics.engine import MetricsEngine
from rashinban.metrics.measures import Measure
from rashinban.metrics.scopes import COMPANY, MEMBER, TEAM, ScopeIndex
from rashinban.store import Store
from rashinban.store.targets import current_targets

TREND_MONTHS = 12
SCOPE_TTL = 60.0  # seconds: re-read teams and members at least this often


# caches ------------------------------------------------------------------------------------
@dataclass
class Bundle:
    """A parsed model with what every dashboard call derives from it."""

    model: Model
    plan: Plan
    measures: dict[str, Measure]
    bound: list[str]
    key: tuple[Any, ...]
    plan_targets: dict[str, tuple[ScopeIndex, dict[Key, Fraction]]] = field(default_factory=dict)


@dataclass
class _StoreCache:
    lock: threading.Lock = field(default_factory=threading.Lock)
    bundle: Bundle | None = None
    scopes: ScopeIndex | None = None
    scopes_print: tuple[Any, ...] | None = None
    scopes_at: float = 0.0


_CACHES: weakref.WeakKeyDictionary[sa.Engine, _StoreCache] = weakref.WeakKeyDictionary()  # per store
_CACHES_LOCK = threading.Lock()


def _cache(store: Store) -> _StoreCache:
    with _CACHES_LOCK:
        c = _CACHES.get(store.engine)
        if c is None:
            c = _CACHES[store.engine] = _StoreCache()
        return c


def model_bundle(store: Store, path: str | Path, read: Any, version: Any = None) -> Bundle:
    """The model at ``path`` (parsed by ``read``), re-read when the file or ``version`` (the
    store's settings that ``read`` applies) changes."""
    p = Path(path)
    try:
        st = p.stat()
        key: tuple[Any, ...] = (str(p), st.st_mtime_ns, st.st_size, version)
    except OSError:
        key = (str(p), -1, -1, version)
    c = _cache(store)
    b = c.bundle
    if b is not None and b.key == key:
        return b
    model = read(p)  # raises ModelError for a missing or broken file
    b = Bundle(model, solve(model), model_measures(model), bound_measures(model), key)
    with c.lock:
        c.bundle = b
    return b


_FINGERPRINT = sa.text(
    "SELECT (SELECT COUNT(*) FROM teams),"
    " (SELECT COALESCE(SUM(id + 7 * COALESCE(parent_id, 0) + 13 * LENGTH(name) + LENGTH(kind)), 0)"
    " FROM teams),"
    " (SELECT COUNT(*) FROM members),"
    " (SELECT COALESCE(SUM(id + 7 * COALESCE(team_id, 0) + 13 * LENGTH(name)), 0) FROM members)"
)


def scope_index(store: Store) -> ScopeIndex:
    """The store's scope index, re-read when teams or members change (or after a minute)."""
    c = _cache(store)
    with store.engine.connect() as conn:
        row = conn.execute(_FINGERPRINT).one()
    fp = tuple(int(v or 0) for v in row)
    now = time.monotonic()
    if c.scopes is not None and c.scopes_print == fp and now - c.scopes_at < SCOPE_TTL:
        return c.scopes
    scopes = load_scope_index(store)
    with c.lock:
        c.scopes, c.scopes_print, c.scopes_at = scopes, fp, now
    return scopes


def _plan_targets(b: Bundle, scopes: ScopeIndex, labels: list[str]) -> dict[Key, Fraction]:
    """The plan's monthly targets for every scope (cached per model and scope index)."""
    out: dict[Key, Fraction] = {}
    for label in labels:
        cached = b.plan_targets.get(label)
        if cached is None or cached[0] is not scopes:
            if len(b.plan_targets) > 64:
                b.plan_targets.clear()
            cached = (scopes, plan_targets(b.plan, scopes, Period.MONTH, [label]))
            b.plan_targets[label] = cached
        out.update(cached[1])
    return out


# values ------------------------------------------------------------------------------------
def num(v: Fraction | None) -> float | None:
    return float(v) if v is not None else None


def short_value(v: Fraction | float | None, unit: str, lang: str) -> str:
    """A value for a summary card: yen as 万円/億円 rounded to 万 (ja) or ¥12.3M (en)."""
    if v is None:
        return "—"
    if unit != "yen":
        return fmt.value(v, unit, lang)
    x = float(v)
    if lang == "ja":
        return fmt.yen_ja(round(x / 10_000) * 10_000 if abs(x) >= 10_000 else round(x))
    for size, suffix in ((10**9, "B"), (10**6, "M"), (10**3, "K")):
        if abs(x) >= size:
            text = f"{abs(x) / size:,.1f}".removesuffix(".0")
            return f"{'-' if x < 0 else ''}¥{text}{suffix}"
    return fmt.yen_full(round(x))


@dataclass
class Context:
    """Everything one dashboard request works with."""

    store: Store
    bundle: Bundle
    scopes: ScopeIndex
    access: Access
    as_of: date

    @property
    def model(self) -> Model:
        return self.bundle.model

    def month(self, label: str | None) -> Span:
        if label is None:
            return span_of(self.as_of, Period.MONTH, self.model.fiscal_year_start)
        span = parse_period(label, self.model.fiscal_year_start)
        if span.kind != "month":
            span = span_of(span.start, Period.MONTH, self.model.fiscal_year_start)
        return span

    def months(self, n: int = TREND_MONTHS, last: Span | None = None) -> list[Span]:
        end = last or self.month(None)
        y, m = divmod(end.start.year * 12 + end.start.month - 1 - (n - 1), 12)
        first = parse_period(f"{y:04d}-{m + 1:02d}", self.model.fiscal_year_start)
        return spans_in(Span(first.start, end.end, "range", ""), Period.MONTH, self.model.fiscal_year_start)

    def scope(self, key: ScopeKey) -> dict[str, Any]:
        s = self.scopes.scopes[key]
        out: dict[str, Any] = {"type": s.type, "id": s.id, "name": s.name}
        if s.type == MEMBER:
            out["team_id"] = s.team_id
        if s.type == TEAM:
            out["kind"] = "agency" if s.id in self.scopes.agency_teams else "in_house"
        return out

    def resolve(self, key: ScopeKey | None) -> ScopeKey:
        """The asked scope (404 unknown, 403 not visible) or the user's home scope."""
        if key is None:
            if self.access.home is None:
                raise ForbiddenError("forbidden_scope", kind="scope", value="-")
            return self.access.home
        if key not in self.scopes.scopes:
            raise NotFoundError("scope_unknown", kind=key[0], value=str(key[1]))
        self.access.check(key)
        return key

    def status(
        self, keys: Iterable[ScopeKey], spans: list[Span], nodes: list[str] | None = None
    ) -> dict[tuple[ScopeKey, str], dict[str, StatusRow]]:
        """Status rows by (scope, period label) → node, for these scopes and months only."""
        wanted = [k for k in dict.fromkeys(keys) if k in self.scopes.scopes]
        if not wanted or not spans:
            return {}
        model = self.model
        engine = MetricsEngine(ibis_connection(self.store), self.scopes, model.fiscal_year_start, wanted)
        names = self.bundle.bound
        if nodes is not None:
            keep = set()
            for nid in nodes:
                keep.update(model.reachable(nid))
            names = [model.nodes[n].measure or "" for n in keep if model.nodes[n].measure]
        whole = Span(spans[0].start, spans[-1].end, "range", "")
        results = engine.compute(self.bundle.measures, names, whole, Period.MONTH)
        actuals = node_actuals(model, results)
        labels = [s.label for s in spans]
        targets = _plan_targets(self.bundle, self.scopes, labels)
        targets.update(current_targets(self.store, model.name, labels))
        rows = status_rows(
            model,
            actuals,
            targets,
            self.scopes,
            spans,
            self.as_of,
            self.bundle.plan.additive,
            wanted,
            BusinessCalendar(model.holidays),
        )
        out: dict[tuple[ScopeKey, str], dict[str, StatusRow]] = {}
        for r in rows:
            if nodes is None or r.node in nodes:
                out.setdefault(((r.scope_type, r.scope_id), r.period), {})[r.node] = r
        return out

    def node_json(self, nid: str, row: StatusRow | None, lang: str) -> dict[str, Any]:
        node = self.model.nodes[nid]
        label = node.name_en if lang == "en" and node.name_en else node.name
        out: dict[str, Any] = {
            "id": nid,
            "name": node.name,
            "name_en": node.name_en,
            "label": label,
            "unit": str(node.unit),
            "direction": str(node.direction),
            "role": node.role,
        }
        if row is None:
            out.update(target=None, actual=None, achievement=None, pace=None, projected=None)
            out.update(status="no_data", reason="no_data", target_text="—", actual_text="—")
            return out
        out.update(
            target=num(row.target),
            actual=num(row.actual),
            achievement=num(row.achievement),
            pace=num(row.pace),
            projected=num(row.projected),
            status=row.status,
            reason=row.reason,
            target_text=short_value(row.target, out["unit"], lang),
            actual_text=short_value(row.actual, out["unit"], lang),
        )
        return out

    def main_kpis(self) -> list[str]:
        model = self.model
        mains = [nid for nid, n in model.nodes.items() if n.role == "main" and nid != model.kgi]
        if not mains:
            mains = [c for c in model.nodes[model.kgi].children]
        return mains[: max(1, min(model.max_main_kpis, 5))]


def context(
    store: Store, model_path: str | Path, read: Any, user: User | None, as_of: date, version: Any = None
) -> Context:
    bundle = model_bundle(store, model_path, read, version)
    scopes = scope_index(store)
    return Context(store, bundle, scopes, access_for(user, scopes), as_of)


# pages -------------------------------------------------------------------------------------
def _head(ctx: Context, key: ScopeKey, span: Span) -> dict[str, Any]:
    return {
        "model": ctx.model.name,
        "scope": ctx.scope(key),
        "period": span.label,
        "as_of": ctx.as_of.isoformat(),
        "periods": [s.label for s in reversed(ctx.months())],
    }


def home(ctx: Context, key: ScopeKey | None, period: str | None, lang: str) -> dict[str, Any]:
    """The KGI and the main KPIs of one scope in one month."""
    key = ctx.resolve(key)
    span = ctx.month(period)
    kgi = ctx.model.kgi
    kpis = ctx.main_kpis()
    rows = ctx.status([key], [span], [kgi, *kpis]).get((key, span.label), {})
    return {
        **_head(ctx, key, span),
        "kgi": ctx.node_json(kgi, rows.get(kgi), lang),
        "kpis": [ctx.node_json(n, rows.get(n), lang) for n in kpis],
    }


def tree(ctx: Context, key: ScopeKey | None, period: str | None, lang: str) -> dict[str, Any]:
    """Every node of the model with its status, linked by formulas (roots: the KGI first)."""
    key = ctx.resolve(key)
    span = ctx.month(period)
    rows = ctx.status([key], [span]).get((key, span.label), {})
    model = ctx.model
    parents = model.parents()
    nodes = []
    for nid in model.nodes:
        item = ctx.node_json(nid, rows.get(nid), lang)
        item["children"] = [c for c in model.nodes[nid].children if c in model.nodes]
        item["formula"] = model.nodes[nid].formula_text
        item["definition"] = model.nodes[nid].definition
        nodes.append(item)
    roots = [model.kgi] + [nid for nid in model.nodes if not parents[nid] and nid != model.kgi]
    return {**_head(ctx, key, span), "kgi": model.kgi, "roots": roots, "nodes": nodes}


def _child_scopes(ctx: Context, key: ScopeKey) -> list[ScopeKey]:
    """Direct sub-teams and members of a scope (the company: its top teams), skipping a lone
    intermediate team so that the breakdown shows more than one bar."""
    scopes = ctx.scopes
    if key[0] == MEMBER:
        return []
    parent = None if key[0] == COMPANY else key[1]
    for _ in range(10):
        teams = [(TEAM, t) for t, p in scopes.team_parent.items() if p == parent]
        members = [(MEMBER, m) for m, t in scopes.member_team.items() if t == parent and t is not None]
        if len(teams) == 1 and not members:
            parent = teams[0][1]
            continue
        return teams + members
    return []


def node_detail(
    ctx: Context, nid: str, key: ScopeKey | None, period: str | None, lang: str
) -> dict[str, Any]:
    """A node's trend over the last twelve months and its breakdown by team/member."""
    if nid not in ctx.model.nodes:
        raise NotFoundError("node_unknown", node=nid)
    key = ctx.resolve(key)
    span = ctx.month(period)
    months = ctx.months(last=span)
    trend_rows = ctx.status([key], months, [nid])
    children = ctx.access.filter(_child_scopes(ctx, key))
    parts = ctx.status(children, [span], [nid])
    trend = []
    for s in months:
        r = trend_rows.get((key, s.label), {}).get(nid)
        trend.append({"period": s.label, **_values(ctx.node_json(nid, r, lang))})
    breakdown = []
    for c in children:
        r = parts.get((c, span.label), {}).get(nid)
        breakdown.append({"scope": ctx.scope(c), **_values(ctx.node_json(nid, r, lang))})
    return {
        **_head(ctx, key, span),
        "node": ctx.node_json(nid, trend_rows.get((key, span.label), {}).get(nid), lang),
        "trend": trend,
        "breakdown": breakdown,
    }


VALUE_KEYS: tuple[str, ...] = ("target", "actual", "achievement", "pace", "projected", "status", "reason")
VALUE_KEYS += ("target_text", "actual_text")


def _values(item: dict[str, Any]) -> dict[str, Any]:
    keys = (
        "target",
        "actual",
        "achievement",
        "pace",
        "projected",
        "status",
        "reason",
        "target_text",
        "actual_text",
    )
    return {k: item[k] for k in keys}


def _ranking(ctx: Context, members: list[ScopeKey], span: Span, lang: str) -> list[dict[str, Any]]:
    kgi = ctx.model.kgi
    rows = ctx.status(members, [span], [kgi])
    out = []
    for m in members:
        r = rows.get((m, span.label), {}).get(kgi)
        out.append({"member": ctx.scope(m), **_values(ctx.node_json(kgi, r, lang))})
    out.sort(key=lambda x: (x["achievement"] is None, -(x["achievement"] or 0), x["member"]["name"]))
    for i, item in enumerate(out, 1):
        item["rank"] = i
    return out


def _scope_page(ctx: Context, key: ScopeKey, period: str | None, lang: str) -> dict[str, Any]:
    span = ctx.month(period)
    kgi = ctx.model.kgi
    kpis = ctx.main_kpis()
    rows = ctx.status([key], [span], [kgi, *kpis]).get((key, span.label), {})
    months = ctx.months(last=span)
    trend_rows = ctx.status([key], months, [kgi])
    return {
        **_head(ctx, key, span),
        "kgi": ctx.node_json(kgi, rows.get(kgi), lang),
        "kpis": [ctx.node_json(n, rows.get(n), lang) for n in kpis],
        "trend": [
            {
                "period": s.label,
                **_values(ctx.node_json(kgi, trend_rows.get((key, s.label), {}).get(kgi), lang)),
            }
            for s in months
        ],
    }


def team(ctx: Context, team_id: int, period: str | None, lang: str) -> dict[str, Any]:
    key = ctx.resolve((TEAM, team_id))
    out = _scope_page(ctx, key, period, lang)
    span = ctx.month(period)
    members = ctx.access.filter([(MEMBER, m) for m in sorted(ctx.scopes.members_of(team_id))])
    out["ranking"] = _ranking(ctx, members, span, lang)
    subs = [(TEAM, t) for t, p in sorted(ctx.scopes.team_parent.items()) if p == team_id]
    out["subteams"] = [ctx.scope(k) for k in ctx.access.filter(subs)]
    parent = ctx.scopes.team_parent.get(team_id)
    out["parent"] = ctx.scope((TEAM, parent)) if parent and ctx.access.can_see((TEAM, parent)) else None
    return out


def member(ctx: Context, member_id: int, period: str | None, lang: str) -> dict[str, Any]:
    key = ctx.resolve((MEMBER, member_id))
    out = _scope_page(ctx, key, period, lang)
    team_id = ctx.scopes.member_team.get(member_id)
    visible_team = team_id is not None and ctx.access.can_see((TEAM, team_id))
    out["team"] = ctx.scope((TEAM, team_id)) if visible_team and team_id is not None else None
    return out


def teams(ctx: Context, period: str | None, lang: str) -> dict[str, Any]:
    """The visible teams (in hierarchy order) with their KGI for the month."""
    span = ctx.month(period)
    order: list[ScopeKey] = []

    def walk(parent: int | None, depth: int) -> None:
        for t, p in sorted(ctx.scopes.team_parent.items()):
            if p == parent and (TEAM, t) not in order and depth < 20:
                order.append((TEAM, t))
                depths[t] = depth
                walk(t, depth + 1)

    depths: dict[int, int] = {}
    walk(None, 0)
    visible = ctx.access.filter(order)
    kgi = ctx.model.kgi
    rows = ctx.status(visible, [span], [kgi])
    items = []
    for k in visible:
        r = rows.get((k, span.label), {}).get(kgi)
        item = {"team": ctx.scope(k), "depth": depths.get(k[1], 0)}
        item["members"] = len(ctx.scopes.members_of(k[1]))
        item.update(_values(ctx.node_json(kgi, r, lang)))
        items.append(item)
    return {
        "model": ctx.model.name,
        "period": span.label,
        "as_of": ctx.as_of.isoformat(),
        "periods": [s.label for s in reversed(ctx.months())],
        "kgi": ctx.node_json(kgi, None, lang) | {"status": None, "reason": None},
        "teams": items,
    }


def scope_choices(ctx: Context) -> list[dict[str, Any]]:
    """The visible scopes for a selector: company, teams in hierarchy order, members."""
    out: list[dict[str, Any]] = []
    if ctx.access.can_see((COMPANY, 0)):
        out.append({**ctx.scope((COMPANY, 0)), "value": COMPANY, "depth": 0})

    def walk(parent: int | None, depth: int, seen: set[int]) -> None:
        for t, p in sorted(ctx.scopes.team_parent.items()):
            if p == parent and t not in seen and depth < 20:
                seen.add(t)
                if ctx.access.can_see((TEAM, t)):
                    out.append({**ctx.scope((TEAM, t)), "value": f"team:{t}", "depth": depth})
                walk(t, depth + 1, seen)

    walk(None, 0, set())
    for m in sorted(ctx.scopes.member_team):
        if ctx.access.can_see((MEMBER, m)):
            out.append({**ctx.scope((MEMBER, m)), "value": f"member:{m}", "depth": 0})
    return out


FUNNEL_MONTHS = 6


def funnel_span(ctx: Context, period: str | None) -> Span:
    """A month or a range of months; default: the last six months."""
    if period is not None:
        return parse_period(period, ctx.model.fiscal_year_start)
    months = ctx.months(FUNNEL_MONTHS)
    return Span(months[0].start, months[-1].end, "range", f"{months[0].label}..{months[-1].label}")


def funnel(ctx: Context, key: ScopeKey, span: Span, rows: list[FunnelRow], lang: str) -> dict[str, Any]:
    """Stage counts, conversion and drop-off of one scope, per entry month and in total."""
    configured = ctx.model.extra.get("funnel")
    stages = [str(x) for x in configured] if isinstance(configured, list) and configured else []
    mine = [r for r in rows if (r.scope_type, r.scope_id) == key]
    if not stages:
        stages = [stage for _, stage in sorted({(r.index, r.stage) for r in mine})]
    by_period: dict[str, list[FunnelRow]] = {}
    for r in mine:
        by_period.setdefault(r.period, []).append(r)
    periods = []
    totals = [0] * len(stages)
    for label in sorted(by_period):
        items = sorted(by_period[label], key=lambda r: r.index)
        for r in items:
            if r.index < len(totals):
                totals[r.index] += r.count
        periods.append({"period": label, "stages": [_funnel_row(r) for r in items]})
    total = []
    for i, stage in enumerate(stages):
        prev = totals[i - 1] if i else None
        nxt = totals[i + 1] if i + 1 < len(totals) else None
        total.append(
            {
                "stage": stage,
                "index": i,
                "count": totals[i],
                "conversion": totals[i] / prev if prev else None,
                "cumulative": totals[i] / totals[0] if totals[0] else None,
                "drop_off": totals[i] - nxt if nxt is not None else None,
                "median_days": None,
            }
        )
    return {
        "model": ctx.model.name,
        "scope": ctx.scope(key),
        "period": span.label,
        "as_of": ctx.as_of.isoformat(),
        "stages": stages,
        "total": total,
        "periods": periods,
        "scopes": [c for c in scope_choices(ctx) if c["type"] != MEMBER or (MEMBER, c["id"]) == key],
    }


def _funnel_row(r: FunnelRow) -> dict[str, Any]:
    return {
        "stage": r.stage,
        "index": r.index,
        "count": r.count,
        "conversion": num(r.conversion),
        "cumulative": num(r.cumulative),
        "drop_off": r.drop_off,
        "median_days": r.median_days,
    }


def parse_scope(text: str | None) -> ScopeKey | None:
    """``company``, ``team:7`` or ``member:3`` (validated by the route's pattern)."""
    if not text:
        return None
    if text == COMPANY:
        return (COMPANY, 0)
    kind, _, ident = text.partition(":")
    return (kind, int(ident))


__all__ = [
    "Context",
    "context",
    "funnel",
    "funnel_span",
    "home",
    "member",
    "node_detail",
    "parse_scope",
    "scope_choices",
    "scope_index",
    "team",
    "teams",
    "tree",
]
