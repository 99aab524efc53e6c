"""The period a planner plans: which periods the page offers (this one, the next ones, those
with saved targets), the inputs of a period's saved revision (so the page reopens on what was
saved, not on the model's defaults), and the business days that turn a member's activity
targets into a day's worth (架電 1日あたり 42件)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from fractions import Fraction

from rashinban.app import org, plan_scope
from rashinban.app.context import AppContext
from rashinban.errors import LimitError, PeriodError
from rashinban.kpi.calendar import BusinessCalendar, Span, parse_period, span_of, spans_in
from rashinban.kpi.model import Model
from rashinban.kpi.units import Unit
from rashinban.metrics.actuals import model_measures
from rashinban.org.scopes import COMPANY, MEMBER, TEAM
from rashinban.store.targets import current_targets, history

NEXT_PERIODS = 3  # the current period and this many after it


@dataclass(frozen=True)
class PeriodOption:
    label: str
    tag: str  # current | next | saved | plan
    saved: bool


@dataclass(frozen=True)
class SavedRevision:
    """The newest saved revision of a period in the planner's scope."""

    period: str
    author: str | None
    reason: str | None
    created_at: datetime
    values: dict[str, Fraction]  # input node → its saved value at the planner's top scope
    weights: dict[str, Fraction]  # model member name → its share of the KGI (sums to 1)


def span(model: Model, label: str) -> Span | None:
    try:
        return parse_period(label, model.fiscal_year_start)
    except (PeriodError, LimitError):
        return None


def _top(ctx: AppContext) -> tuple[str, int | None]:
    scope = plan_scope.plan_scope(ctx)
    return (COMPANY, None) if scope is None else (TEAM, scope.root)


def saved_periods(ctx: AppContext, model: Model) -> set[str]:
    top = _top(ctx)
    rows = current_targets(ctx.store, model.name, None)
    return {p for (nid, stype, sid, p) in rows if nid == model.kgi and (stype, sid) == top}


def options(ctx: AppContext, model: Model, chosen: str) -> list[PeriodOption]:
    """This period, the next ones, the plan period and every period with saved targets."""
    fys = model.fiscal_year_start
    cur = span_of(ctx.today(), model.period, fys)
    tags: dict[str, str] = {cur.label: "current"}
    s = cur
    for _ in range(NEXT_PERIODS):
        s = span_of(s.end + timedelta(days=1), model.period, fys)
        tags.setdefault(s.label, "next")
    saved = saved_periods(ctx, model) if ctx.has_store else set()
    for label in sorted(saved):
        tags.setdefault(label, "saved")
    if model.plan_period:
        tags.setdefault(model.plan_period, "plan")
    if chosen:
        tags.setdefault(chosen, "saved" if chosen in saved else "plan")

    def start(label: str) -> tuple[int, str]:
        sp = span(model, label)
        return (sp.start.toordinal() if sp else 0, label)

    return [PeriodOption(lbl, tags[lbl], lbl in saved) for lbl in sorted(tags, key=start)]


def default_period(ctx: AppContext, model: Model) -> str:
    return model.plan_period or span_of(ctx.today(), model.period, model.fiscal_year_start).label


def resolve(ctx: AppContext, model: Model, chosen: str | None) -> str:
    """A period label; ``current`` and ``next`` (a link's words) the model period of today and
    the one after it; nothing: the plan period (else the current one)."""
    if not chosen:
        return default_period(ctx, model)
    word = chosen.strip().lower()
    if word in ("current", "next"):
        cur = span_of(ctx.today(), model.period, model.fiscal_year_start)
        if word == "current":
            return cur.label
        return span_of(cur.end + timedelta(days=1), model.period, model.fiscal_year_start).label
    label = chosen.strip()
    return label if span(model, label) is not None else default_period(ctx, model)


def saved_revision(ctx: AppContext, model: Model, inputs: list[str], period: str) -> SavedRevision | None:
    """The inputs of ``period``'s saved targets in the planner's scope, or None."""
    if not ctx.has_store or not period:
        return None
    top = _top(ctx)
    rows = current_targets(ctx.store, model.name, [period])
    values = {nid: rows[(nid, *top, period)] for nid in inputs if (nid, *top, period) in rows}
    if model.kgi not in values:
        return None
    ids = plan_scope.member_ids(ctx, model)
    kgi = {m: rows.get((model.kgi, MEMBER, sid, period)) for m, sid in ids.items()}
    total = sum((v for v in kgi.values() if v is not None), Fraction(0))
    weights = {m: v / total for m, v in kgi.items() if v is not None and total > 0}
    revs = [
        r
        for r in history(ctx.store, model.name)
        if r.period == period and r.tier == "target" and (r.scope_type, r.scope_id) == top
    ]
    if not revs:
        return None
    last = revs[0]  # newest first
    return SavedRevision(period, last.author, last.reason, last.created_at, values, weights)


def weights_from_shares(model: Model, shares: dict[str, Fraction]) -> dict[str, Fraction]:
    """Weights that give these shares of the KGI: on the model's own scale when its weights
    do (the usual case), else on the smallest whole scale that makes every weight a number
    of two decimals (3 : 1 : 1 saved → 3, 1, 1), else the model's scale to two decimals.
    The shares come from a whole-yen split, so they match within a yen of the KGI."""
    if not shares or any(m.name not in shares for m in model.members):
        return {}
    total = sum((m.weight for m in model.members), Fraction(0)) or Fraction(len(model.members))
    for scale in (total, *map(Fraction, range(1, 1001))):
        hundredths = {m.name: shares[m.name] * scale * 100 for m in model.members}
        if all(abs(v - round(v)) <= scale * 100 * Fraction(1, 10**7) for v in hundredths.values()):
            return {name: Fraction(round(v), 100) for name, v in hundredths.items()}
    return {m.name: Fraction(round(shares[m.name] * total * 100), 100) for m in model.members}


def business_days(model: Model, label: str) -> int | None:
    """Business days of the model period the plan is for (the first one in ``label``)."""
    sp = span(model, label)
    if sp is None:
        return None
    unit = spans_in(sp, model.period, model.fiscal_year_start)[0]
    days = BusinessCalendar(model.holidays).business_days(unit.start, unit.end)
    return days or None


def activity_nodes(model: Model) -> set[str]:
    """Nodes counted from logged activities (架電, 訪問, アポイント …): the ones a rep does daily."""
    measures = model_measures(model)
    out = set()
    for nid, node in model.nodes.items():
        m = measures.get(node.measure or "")
        if node.unit is Unit.COUNT and m is not None and m.table == "activities":
            out.add(nid)
    return out


def member_names(ctx: AppContext, model: Model) -> dict[str, str]:
    """Model member (id or name) → the member's name in the store."""
    if not ctx.has_store:
        return {}
    scopes = org.scope_index(ctx)
    return {m: scopes.scopes[(MEMBER, sid)].name for m, sid in plan_scope.member_ids(ctx, model).items()}
