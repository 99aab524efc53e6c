"""The effect follow-up of a done action: its KPI in its scope over the business days since
it started against as many business days before, and the same change in the rest of the
company (the company less the scope) as a control — an observed difference, not proof."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from rashinban.analysis.review import Effect, observed_effect
from rashinban.app import org
from rashinban.app.context import AppContext
from rashinban.app.models import Bundle
from rashinban.app.results.reviews import EffectView
from rashinban.i18n import format as fmt
from rashinban.i18n import t
from rashinban.kpi.calendar import BusinessCalendar, Span
from rashinban.kpi.formula import BinOp, Ref
from rashinban.kpi.units import Unit
from rashinban.metrics.actuals import node_actuals
from rashinban.metrics.backends import ibis_connection
from rashinban.metrics.engine import MetricsEngine
from rashinban.org.scopes import COMPANY

MAX_DAYS = 20  # business days per window
MIN_DAYS = 3


def windows(cal: BusinessCalendar, start: date, today: date) -> tuple[Span, Span, int] | None:
    """(before, after, business days each): after = from ``start`` to yesterday (at most
    ``MAX_DAYS`` business days), before = as many business days ending the day before."""
    after_days: list[date] = []
    d = start
    while d < today and len(after_days) < MAX_DAYS:
        if cal.is_business_day(d):
            after_days.append(d)
        d += timedelta(days=1)
    n = len(after_days)
    if n < MIN_DAYS:
        return None
    before_days: list[date] = []
    d = start - timedelta(days=1)
    while len(before_days) < n:
        if cal.is_business_day(d):
            before_days.append(d)
        d -= timedelta(days=1)
    before = Span(before_days[-1], before_days[0], "range", "before")
    after = Span(after_days[0], after_days[-1], "range", "after")
    return before, after, n


def _values(b: Bundle, res: Any, key: tuple[str, int], start: date) -> tuple[dict[str, Any], dict[str, Any]]:
    cell = (key[0], key[1], start)
    nodes = node_actuals(b.model, res).get(cell, {})
    return {k: v.value for k, v in nodes.items()}, {k: v.value for k, v in res.values.get(cell, {}).items()}


def measure(
    ctx: AppContext, b: Bundle, node: str, key: tuple[str, int], start: date, today: date
) -> tuple[Effect | None, str | None, tuple[Span, Span, int] | None]:
    """The observed effect (or why there is none) and the windows."""
    model = b.model
    if node not in model.nodes:
        return None, "unknown_node", None
    cal = BusinessCalendar(model.holidays)
    w = windows(cal, start, today)
    if w is None:
        return None, "too_early", None
    n_node = model.nodes[node]
    rate = not b.plan.additive.get(node, False)
    if rate and n_node.unit is not Unit.RATIO:
        return None, "not_comparable", w
    scopes = org.scope_index(ctx)
    keys = [key] if key == (COMPANY, 0) else [key, (COMPANY, 0)]
    engine = MetricsEngine(ibis_connection(ctx.store), scopes, model.fiscal_year_start, only=keys)
    out: dict[str, tuple[Fraction | None, Fraction | None]] = {}
    for label, span in (("before", w[0]), ("after", w[1])):
        res = engine.compute(b.measures, b.bound, span, None)
        mine, mine_raw = _values(b, res, key, span.start)
        control: Fraction | None = None
        if key != (COMPANY, 0):
            comp, comp_raw = _values(b, res, (COMPANY, 0), span.start)
            control = _rest(b, node, rate, mine, mine_raw, comp, comp_raw)
        value = mine.get(node)
        if not rate:
            value = value / w[2] if value is not None else None
            control = control / w[2] if control is not None else None
        out[label] = (value, control)
    eff = observed_effect("rate" if rate else "volume", out["before"][0], out["after"][0], *_ctl(out))
    return eff, None if eff.change is not None else "no_data", w


def _ctl(out: dict[str, tuple[Fraction | None, Fraction | None]]) -> tuple[Fraction | None, Fraction | None]:
    return out["before"][1], out["after"][1]


def _rest(
    b: Bundle,
    node: str,
    rate: bool,
    mine: dict[str, Any],
    mine_raw: dict[str, Any],
    comp: dict[str, Any],
    comp_raw: dict[str, Any],
) -> Fraction | None:
    """The node's value in the company less the scope (a ratio from its parts)."""
    if not rate:
        if mine.get(node) is None or comp.get(node) is None:
            return None
        return Fraction(comp[node]) - Fraction(mine[node])
    mid = b.model.nodes[node].measure
    m = b.measures.get(mid) if mid else None
    expr = m.expr if m is not None else None
    if not (
        isinstance(expr, BinOp)
        and expr.op == "/"
        and isinstance(expr.left, Ref)
        and isinstance(expr.right, Ref)
    ):
        return None  # only a plain ratio of two measures splits into parts
    num, den = expr.left.name, expr.right.name
    raw = [comp_raw.get(num), mine_raw.get(num), comp_raw.get(den), mine_raw.get(den)]
    if any(v is None for v in raw):
        return None
    vals = [Fraction(v) for v in raw if v is not None]
    rest_den = vals[2] - vals[3]
    return (vals[0] - vals[1]) / rest_den if rest_den else None


def _f(v: Fraction | None) -> float | None:
    return float(v) if v is not None else None


def view(
    ctx: AppContext,
    b: Bundle,
    action: dict[str, Any],
    eff: Effect | None,
    reason: str | None,
    w: tuple[Span, Span, int] | None,
) -> EffectView:
    lang = ctx.lang
    node = b.model.nodes.get(action["node"] or "")
    unit = str(node.unit) if node is not None else "number"
    expected = action["expected_change"]
    caveat = t("actions.caveat", lang)
    if eff is None or reason is not None:
        return EffectView(
            measurable=False,
            reason=reason,
            kind=eff.kind if eff else None,  # type: ignore[arg-type]
            days=w[2] if w else 0,
            before_from=w[0].start if w else None,
            before_to=w[0].end if w else None,
            after_from=w[1].start if w else None,
            after_to=w[1].end if w else None,
            before=None,
            after=None,
            change=None,
            control_before=None,
            control_after=None,
            control_change=None,
            net=None,
            expected=_f(expected),
            expected_unit=action["expected_unit"],
            text=t(f"actions.effect_{reason or 'no_data'}", lang),
            caveat=caveat,
        )
    assert w is not None
    suffix = "pt" if eff.kind == "rate" else "%"

    def sgn(v: Fraction | None) -> str:
        return "—" if v is None else f"{float(v):+.1f}{suffix}"

    def shown(v: Fraction | None) -> str:
        if v is None:
            return "—"
        return fmt.value(v, unit, lang) if eff.kind == "rate" else fmt.number(v, 1)

    key = "actions.effect_text" if eff.net is not None else "actions.effect_text_no_control"
    text = t(
        key,
        lang,
        days=w[2],
        before=shown(eff.before),
        after=shown(eff.after),
        change=sgn(eff.change),
        control=sgn(eff.control_change),
        net=sgn(eff.net),
    )
    return EffectView(
        measurable=True,
        reason=None,
        kind=eff.kind,  # type: ignore[arg-type]
        days=w[2],
        before_from=w[0].start,
        before_to=w[0].end,
        after_from=w[1].start,
        after_to=w[1].end,
        before=_f(eff.before),
        after=_f(eff.after),
        change=_f(eff.change),
        control_before=_f(eff.control_before),
        control_after=_f(eff.control_after),
        control_change=_f(eff.control_change),
        net=_f(eff.net),
        expected=_f(expected),
        expected_unit=action["expected_unit"],
        text=text,
        caveat=caveat,
    )


__all__ = ["MAX_DAYS", "MIN_DAYS", "measure", "view", "windows"]
