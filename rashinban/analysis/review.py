"""The arithmetic of the PDCA loop, pure over typed inputs:

* :func:`node_elasticity` — the KGI's % change for +1 % of any node of the tree (a leaf, as
  the planner's levers, or a derived node: its ancestors are recomputed, its inputs held);
* :func:`rank_off_pace` — the KPIs off pace ranked by their effect on the KGI: the month-end
  shortfall against the target (gap, a share of the target) times the node's elasticity (%
  of the KGI per % of the node) times the KGI's target, i.e. the KGI lost to first order if
  nothing changes;
* :func:`funnel_shortfall` — the stage whose conversion fell furthest below the scope's own
  recent months, in units lost at that stage;
* :func:`observed_effect` — an action's KPI before vs after over the same number of business
  days, and the same change in the rest of the company as a control (a difference in
  differences: an observed difference, not proof of cause).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from rashinban.kpi.errors import FormulaError
from rashinban.kpi.model import Model
from rashinban.kpi.tree import eval_node, topo_order

STEP = Fraction(101, 100)
OFF_PACE = ("behind", "at_risk")


def ancestors(model: Model, node: str) -> set[str]:
    """Every node whose formula uses ``node``, directly or through others."""
    parents: dict[str, set[str]] = {}
    for nid, n in model.nodes.items():
        for c in n.children:
            parents.setdefault(c, set()).add(nid)
    out: set[str] = set()
    todo = [node]
    while todo:
        for p in parents.get(todo.pop(), ()):
            if p not in out:
                out.add(p)
                todo.append(p)
    return out


def _kgi_with(
    model: Model, values: Mapping[str, Fraction], node: str, up: set[str], additive: Mapping[str, bool]
) -> Fraction | None:
    vals = dict(values)
    for nid in reversed(topo_order(model)):
        n = model.nodes[nid]
        if nid in up and n.expr is not None:
            try:
                vals[nid] = eval_node(model, n, vals, additive)
            except (FormulaError, KeyError, ZeroDivisionError):
                return None
    return vals.get(model.kgi)


def node_elasticity(
    model: Model, values: Mapping[str, Fraction], node: str, additive: Mapping[str, bool]
) -> Fraction | None:
    """% change of the KGI for +1 % of ``node`` at ``values`` (None: the node does not feed
    the KGI, or a value is missing or zero)."""
    if node == model.kgi:
        return Fraction(100, 100)
    up = ancestors(model, node)
    if model.kgi not in up or not values.get(node):
        return None
    base = _kgi_with(model, values, node, up, additive)
    bumped = _kgi_with(model, {**values, node: values[node] * STEP}, node, up, additive)
    if base is None or bumped is None or base == 0:
        return None
    return (bumped - base) / base * 100


@dataclass(frozen=True)
class PaceInput:
    node: str
    status: str
    target: Fraction | None
    actual: Fraction | None
    projected: Fraction | None
    lower_is_better: bool = False


@dataclass(frozen=True)
class RankedKpi:
    node: str
    status: str
    target: Fraction
    expected: Fraction  # the month-end value the gap is measured on (projection, else actual)
    gap: Fraction  # shortfall as a share of the target (> 0: short)
    elasticity: Fraction  # % of the KGI per 1 % of the node
    effect: Fraction  # KGI lost to first order: gap × elasticity × KGI target


def rank_off_pace(
    model: Model,
    rows: Sequence[PaceInput],
    plan_values: Mapping[str, Fraction],
    additive: Mapping[str, bool],
    kgi_target: Fraction,
) -> list[RankedKpi]:
    """The KPIs (not the KGI) off pace, by their effect on the KGI, largest first; a node
    without a target, an expected value or an elasticity is left out."""
    out: list[RankedKpi] = []
    for r in rows:
        if r.node == model.kgi or r.status not in OFF_PACE or not r.target:
            continue
        expected = r.projected if r.projected is not None else r.actual
        if expected is None:
            continue
        gap = (expected - r.target) / r.target if r.lower_is_better else (r.target - expected) / r.target
        e = node_elasticity(model, plan_values, r.node, additive)
        if e is None or gap <= 0:
            continue
        effect = gap * abs(e) * kgi_target
        out.append(RankedKpi(r.node, r.status, r.target, expected, gap, e, effect))
    out.sort(key=lambda k: (-k.effect, k.node))
    return out


@dataclass(frozen=True)
class StageShortfall:
    stage: str  # the stage reached less often than usual
    previous: str  # the stage before it
    month: str
    conversion: Fraction  # previous → stage in ``month``
    usual: Fraction  # mean of the same conversion in the months before
    lost: Fraction  # units of ``previous`` in ``month`` × (usual − conversion)


def funnel_shortfall(
    months: Sequence[tuple[str, Sequence[tuple[str, int]]]], history: int = 3
) -> StageShortfall | None:
    """``months``: (label, [(stage, count), …]) oldest first; the last one is compared with
    the mean conversion of the ``history`` months before it."""
    if len(months) < 2:
        return None
    label, last = months[-1]
    before = months[-1 - history : -1]
    best: StageShortfall | None = None
    for i in range(1, len(last)):
        (prev_stage, prev_n), (stage, n) = last[i - 1], last[i]
        if not prev_n:
            continue
        conv = Fraction(n, prev_n)
        rates = [Fraction(m[i][1], m[i - 1][1]) for _, m in before if len(m) > i and m[i - 1][1]]
        if not rates:
            continue
        usual = sum(rates, Fraction(0)) / len(rates)
        lost = prev_n * (usual - conv)
        if lost > 0 and (best is None or lost > best.lost):
            best = StageShortfall(stage, prev_stage, label, conv, usual, lost)
    return best


@dataclass(frozen=True)
class Effect:
    kind: str  # rate (a ratio KPI: percentage points) | volume (per business day: relative change)
    before: Fraction | None
    after: Fraction | None
    change: Fraction | None  # pt for a rate, % for a volume
    control_before: Fraction | None
    control_after: Fraction | None
    control_change: Fraction | None
    net: Fraction | None  # change − control_change (None without a control)


def _change(kind: str, before: Fraction | None, after: Fraction | None) -> Fraction | None:
    if before is None or after is None:
        return None
    if kind == "rate":
        return (after - before) * 100
    return (after / before - 1) * 100 if before else None


def observed_effect(
    kind: str,
    before: Fraction | None,
    after: Fraction | None,
    control_before: Fraction | None = None,
    control_after: Fraction | None = None,
) -> Effect:
    """Before vs after (volumes per business day, rates as they are) and the control's
    change; ``net`` is the scope's change less the control's."""
    change = _change(kind, before, after)
    control = _change(kind, control_before, control_after)
    net = change - control if change is not None and control is not None else None
    return Effect(kind, before, after, change, control_before, control_after, control, net)


@dataclass(frozen=True)
class TalkingPoint:
    code: str  # weakest_stage | trend_down | trend_up | off_pace | open_action
    subject: str  # a stage or node id
    value: Fraction | None = None
    reference: Fraction | None = None


def talking_points(
    member_funnel: Sequence[tuple[str, int]],
    team_funnel: Sequence[tuple[str, int]],
    kgi_trend: Sequence[Fraction | None],
    off_pace: Sequence[str],
) -> list[TalkingPoint]:
    """What a 1on1 should start from: the member's weakest stage against the team's
    conversion, the KGI's trend over the last months, the KPIs off pace."""
    out: list[TalkingPoint] = []
    team = dict(team_funnel)
    worst: tuple[Fraction, TalkingPoint] | None = None
    for i in range(1, len(member_funnel)):
        (ps, pn), (s, n) = member_funnel[i - 1], member_funnel[i]
        tp, tn = team.get(ps), team.get(s)
        if not pn or not tp or tn is None:
            continue
        mine, theirs = Fraction(n, pn), Fraction(tn, tp)
        if theirs == 0:
            continue
        ratio = mine / theirs
        if ratio < 1 and (worst is None or ratio < worst[0]):
            worst = (ratio, TalkingPoint("weakest_stage", s, mine, theirs))
    if worst is not None:
        out.append(worst[1])
    known = [v for v in kgi_trend if v is not None]
    if len(known) >= 3:
        first, last = known[-3], known[-1]
        if first and last < first * Fraction(9, 10):
            out.append(TalkingPoint("trend_down", "kgi", last, first))
        elif first and last > first * Fraction(11, 10):
            out.append(TalkingPoint("trend_up", "kgi", last, first))
    out += [TalkingPoint("off_pace", n) for n in off_pace]
    return out


__all__ = [
    "OFF_PACE",
    "Effect",
    "PaceInput",
    "RankedKpi",
    "StageShortfall",
    "TalkingPoint",
    "ancestors",
    "funnel_shortfall",
    "node_elasticity",
    "observed_effect",
    "rank_off_pace",
    "talking_points",
]
