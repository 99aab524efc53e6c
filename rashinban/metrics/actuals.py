"""Actual values of a model's KPI tree, per scope and period, from measure results.

A node bound to a measure takes the measure's value; a derived node is its formula over
its inputs' actuals (all of the same scope and period); anything else has no actual and
says why.  No value is ever made up: a missing input gives ``None`` with a reason.
"""

from __future__ import annotations

from typing import Any

from rashinban.kpi.errors import FormulaError
from rashinban.kpi.formula import evaluate, solve_for
from rashinban.kpi.model import Model
from rashinban.kpi.tree import topo_order
from rashinban.metrics.engine import Cell, Results, Value
from rashinban.metrics.measures import Measure, catalogue, sides
from rashinban.metrics.tables import CLOSING_SIDE, SOURCING_SIDE
from rashinban.org.scopes import COMPANY


def model_measures(model: Model) -> dict[str, Measure]:
    """The built-in catalogue with the model's own ``measures:`` on top."""
    spec: Any = model.extra.get("measures") or {}
    return catalogue(spec if isinstance(spec, dict) else {})


def bound_measures(model: Model) -> list[str]:
    return [n.measure for n in model.nodes.values() if n.measure]


def node_actuals(
    model: Model, results: Results, manual: dict[Cell, dict[str, Value]] | None = None
) -> dict[Cell, dict[str, Value]]:
    """Every node's actual per cell; ``manual``: the values entered for manual KPIs."""
    order = list(reversed(topo_order(model)))
    out: dict[Cell, dict[str, Value]] = {}
    entered = manual or {}
    for cell in set(results.values) | set(entered):
        measured = results.values.get(cell, {})
        typed = entered.get(cell, {})
        values: dict[str, Value] = {}
        for nid in order:
            node = model.nodes[nid]
            if node.manual and not node.measure:
                values[nid] = typed.get(nid, Value(None, "manual"))
            elif node.measure:
                values[nid] = measured.get(node.measure, Value(None, "no_data"))
            elif node.expr is not None:
                inputs = [values[c] for c in node.children]
                if any(v.value is None for v in inputs):
                    values[nid] = Value(None, "missing_input")
                    continue
                try:
                    env = {
                        c: v.value for c, v in zip(node.children, inputs, strict=True) if v.value is not None
                    }
                    values[nid] = Value(evaluate(node.expr, env))
                except FormulaError:
                    values[nid] = Value(None, "division_by_zero")
            else:
                values[nid] = Value(None, "manual" if node.manual else "not_measured")
        _implied_leaves(model, values)
        out[cell] = values
    return out


def _implied_leaves(model: Model, values: dict[str, Value]) -> None:
    """An unmeasured leaf (a rate with only an assumption) whose parent has an actual and
    whose siblings all have actuals takes the value that makes the parent's formula hold:
    商談化率 = 商談数 ÷ リード数 without a measure of its own."""
    for nid in topo_order(model):
        node = model.nodes[nid]
        own = values.get(nid)
        if node.expr is None or own is None or own.value is None:
            continue
        missing = [c for c in node.children if values[c].value is None and values[c].reason == "not_measured"]
        if len(missing) != 1 or any(values[c].value is None for c in node.children if c not in missing):
            continue
        known = {c: v for c in node.children if (v := values[c].value) is not None}
        try:
            values[missing[0]] = Value(solve_for(node.expr, missing[0], own.value, known))
        except FormulaError:
            values[missing[0]] = Value(None, "division_by_zero")


def crosses_sides(model: Model, nid: str, measures: dict[str, Measure]) -> bool:
    """Whether a formula links the sourcing side with the closing side (商談数 = リード数 ×
    商談化率: inside sales' leads, field sales' deals): it holds for the company only."""
    node = model.nodes[nid]
    found: set[str] = set()
    for n in [nid, *node.children]:
        m = model.nodes[n].measure
        if m:
            found |= sides(m, measures)
    return bool(found & SOURCING_SIDE and found & CLOSING_SIDE)


def formula_check(model: Model, results: Results) -> list[tuple[Cell, str, Value, Value]]:
    """Cells where a derived node's formula over measured inputs differs from its own measure
    (a formula across the hand-off is checked for the company, where both sides meet)."""
    measures = model_measures(model)
    across = {
        nid
        for nid in model.nodes
        if model.nodes[nid].expr is not None and crosses_sides(model, nid, measures)
    }
    bad = []
    for cell, measured in results.values.items():
        for node in model.nodes.values():
            if not (node.measure and node.expr is not None):
                continue
            if node.id in across and cell[0] != COMPANY:
                continue
            own = measured.get(node.measure, Value(None, "no_data"))
            ins = {c: measured.get(model.nodes[c].measure or "", Value(None)) for c in node.children}
            if own.value is None or any(v.value is None for v in ins.values()):
                continue
            try:
                computed = evaluate(node.expr, {c: v.value for c, v in ins.items() if v.value is not None})
            except FormulaError:
                continue
            if computed != own.value:
                bad.append((cell, node.id, own, Value(computed)))
    return bad
