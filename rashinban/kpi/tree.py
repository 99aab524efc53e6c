"""Structure of a model's tree: order, additivity, period conversion, forward evaluation."""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction

from rashinban.kpi.errors import FormulaError
from rashinban.kpi.formula import BinOp, Call, Expr, Neg, Ref, evaluate
from rashinban.kpi.model import Model, Node
from rashinban.kpi.units import ADDITIVE_UNITS, PERIODS_PER_YEAR, Period, Unit


def topo_order(model: Model) -> list[str]:
    """Every node id, each parent before all of its children; the KGI's tree first."""
    parents = model.parents()
    indeg = {nid: len(ps) for nid, ps in parents.items()}
    preferred = {nid: i for i, nid in enumerate(model.reachable())}
    ready = sorted((n for n, d in indeg.items() if d == 0), key=lambda n: preferred.get(n, 10**9))
    out: list[str] = []
    while ready:
        nid = ready.pop(0)
        out.append(nid)
        for child in model.nodes[nid].children:
            indeg[child] -= 1
            if indeg[child] == 0:
                ready.append(child)
                ready.sort(key=lambda n: preferred.get(n, 10**9))
    return out


def _product_factors(expr: Expr) -> list[str] | None:
    """Node ids of a pure product of references (``a * b * c``), else ``None``."""
    if isinstance(expr, Ref):
        return [expr.name]
    if isinstance(expr, BinOp) and expr.op == "*":
        left = _product_factors(expr.left)
        right = _product_factors(expr.right)
        if left is not None and right is not None:
            return left + right
    return None


def _has_division(expr: Expr) -> bool:
    if isinstance(expr, BinOp):
        return expr.op == "/" or _has_division(expr.left) or _has_division(expr.right)
    if isinstance(expr, Neg):
        return _has_division(expr.operand)
    if isinstance(expr, Call):
        return any(_has_division(a) for a in expr.args)
    return False


def additivity(model: Model) -> dict[str, bool]:
    """Whether each node's values add up across members and sub-periods.

    An explicit ``additive:`` wins.  Otherwise counts and yen are additive and ratios,
    durations and scores are not — except that in a product under an additive node
    (``売上 = 受注件数 × 顧客単価``) only one factor carries the volume: the first count, else
    the first yen factor; the other factors are per-unit values (単価) and not additive.
    A yen node defined as ``x / count`` is also per-unit.
    """
    out: dict[str, bool] = {
        nid: n.additive if n.additive is not None else n.unit in ADDITIVE_UNITS
        for nid, n in model.nodes.items()
    }
    explicit = {nid for nid, n in model.nodes.items() if n.additive is not None}
    for nid in topo_order(model):
        node = model.nodes[nid]
        if node.expr is None:
            continue
        if nid not in explicit and isinstance(node.expr, BinOp) and node.expr.op == "/":
            right = node.expr.right
            if isinstance(right, Ref) and model.nodes[right.name].unit is Unit.COUNT:
                out[nid] = False
        if not out[nid]:
            if not _has_division(node.expr):
                # 単価 = 基本単価 + アップセル率 × アップセル額: parts of a per-unit value are per-unit
                for child in node.children:
                    if child not in explicit and model.nodes[child].unit in (Unit.YEN, Unit.USD):
                        out[child] = False
            continue
        factors = _product_factors(node.expr)
        if factors is None or len(factors) < 2:
            continue
        candidates = [f for f in factors if out[f]]
        if len(candidates) < 2:
            continue
        counts = [f for f in candidates if model.nodes[f].unit is Unit.COUNT]
        volume = counts[0] if counts else candidates[0]
        for f in candidates:
            if f != volume and f not in explicit:
                out[f] = False
    return out


def per_year(model: Model, period: Period) -> int:
    if period is Period.DAY and model.business_days_per_year:
        return model.business_days_per_year
    return PERIODS_PER_YEAR[period]


def period_factor(model: Model, child: str, parent: str) -> Fraction:
    """How many of the child's periods make one of the parent's period (12 months → year)."""
    return Fraction(per_year(model, model.period_of(child)), per_year(model, model.period_of(parent)))


def inputs_for(
    model: Model, parent: str, values: Mapping[str, Fraction], additive: Mapping[str, bool]
) -> dict[str, Fraction]:
    """The parent's children's values, converted to the parent's period where additive."""
    out: dict[str, Fraction] = {}
    for child in model.nodes[parent].children:
        if child in values:
            v = values[child]
            out[child] = v * period_factor(model, child, parent) if additive[child] else v
    return out


def eval_node(
    model: Model, node: Node, values: Mapping[str, Fraction], additive: Mapping[str, bool]
) -> Fraction:
    assert node.expr is not None
    return evaluate(node.expr, inputs_for(model, node.id, values, additive))


def forward(
    model: Model, leaf_values: Mapping[str, Fraction], additive: Mapping[str, bool]
) -> dict[str, Fraction]:
    """Evaluate every derived node bottom-up from the given leaf values.

    Derived nodes whose inputs are incomplete are left out.  A zero divisor leaves the
    node out as well (it has no value, which is not the same as 0).
    """
    values = {k: v for k, v in leaf_values.items() if not model.nodes[k].derived}
    for nid in reversed(topo_order(model)):
        node = model.nodes[nid]
        if node.expr is None or not all(c in values for c in node.children):
            continue
        try:
            values[nid] = eval_node(model, node, values, additive)
        except FormulaError:
            continue
    return values
