"""Reverse calculation (逆算): from the KGI target down to every node of the tree.

Each node's value comes from one of four sources:

* ``stated``  — a target written in the model (or ``--set`` on a node without assumption);
* ``assumed`` — an assumption used to work backwards (a rate, a unit price);
* ``implied`` — computed forward from stated/assumed values below it;
* ``solved``  — worked backwards from its parent's value, the one unknown of the parent's
  formula.  Whole-number units (counts, yen) are rounded in the node's own period, up for
  higher-is-better nodes and down for lower-is-better ones, so that the KGI is still reached;
  what the rounding does to the KGI is reported (``rounding_effect``).

Stated values at several levels are compared with what the stated values below them imply;
a disagreement beyond the model's tolerance is an ``inconsistent_targets`` finding, with the
value each lower stated node would need for the two to agree.
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from fractions import Fraction
from itertools import pairwise

from rashinban.kpi.allocate import Allocation, AllocationMode, allocate
from rashinban.kpi.errors import FormulaError, ModelError
from rashinban.kpi.findings import Finding, Severity, sort_findings
from rashinban.kpi.formula import solve_for
from rashinban.kpi.model import Model
from rashinban.kpi.tree import additivity, eval_node, forward, inputs_for, period_factor, topo_order
from rashinban.kpi.units import WHOLE_UNITS, Direction, Period, Unit

ELASTICITY_STEP = Fraction(1, 100)


class Source(StrEnum):
    STATED = "stated"
    ASSUMED = "assumed"
    IMPLIED = "implied"
    SOLVED = "solved"
    MISSING = "missing"


@dataclass(frozen=True, slots=True)
class PlanValue:
    node: str
    value: Fraction | None
    source: Source
    period: Period
    rounded_from: Fraction | None = None
    overridden: bool = False


@dataclass(frozen=True, slots=True)
class Lever:
    node: str
    value: Fraction
    elasticity: Fraction | None  # % change of the KGI for +1 % of the leaf
    kgi_delta: Fraction | None  # absolute change of the KGI for +1 % of the leaf


@dataclass(frozen=True, slots=True)
class Plan:
    model: Model
    values: dict[str, PlanValue]
    findings: list[Finding]
    levers: list[Lever]
    allocations: list[Allocation]
    kgi_target: Fraction | None
    kgi_forward: Fraction | None  # the KGI evaluated forward from the leaves' final values
    additive: dict[str, bool] = field(default_factory=dict)

    def value(self, node: str) -> Fraction | None:
        return self.values[node].value

    @property
    def rounding_effect(self) -> Fraction | None:
        if self.kgi_target is None or self.kgi_forward is None:
            return None
        return self.kgi_forward - self.kgi_target


def _check_override(model: Model, nid: str, value: Fraction) -> None:
    if nid not in model.nodes:
        close = difflib.get_close_matches(nid, list(model.nodes), n=1)
        raise ModelError("set_unknown_node", file=model.file, node=nid, suggestion=close[0] if close else "")
    node = model.nodes[nid]
    if value < 0:
        raise ModelError("model_negative", file=model.file, node=nid, field="--set", value=float(value))
    if node.unit is Unit.RATIO and value > 1:
        raise ModelError(
            "model_ratio_above_one", file=model.file, node=nid, field="--set", value=float(value)
        )
    if node.unit is Unit.RATIO and value == 0 and node.direction is Direction.HIGHER:
        raise ModelError("model_zero_rate", file=model.file, node=nid, field="--set")


def _round(model: Model, nid: str, value: Fraction) -> Fraction:
    node = model.nodes[nid]
    if node.unit not in WHOLE_UNITS or value.denominator == 1:
        return value
    whole = math.ceil(value) if node.direction is Direction.HIGHER else math.floor(value)
    return Fraction(whole)


def _implied(model: Model, nid: str, value: Fraction) -> PlanValue:
    """An implied value; counts and yen whole (1,329.85件 of appointments is 1,330件)."""
    rounded = _round(model, nid, value)
    return PlanValue(
        nid, rounded, Source.IMPLIED, model.period_of(nid), rounded_from=value if rounded != value else None
    )


def solve(
    model: Model,
    overrides: Mapping[str, Fraction] | None = None,
    mode: AllocationMode = AllocationMode.EQUAL,
) -> Plan:
    """Work the model's targets backwards and allocate them to members."""
    overrides = dict(overrides or {})
    for nid, v in overrides.items():
        _check_override(model, nid, v)
    additive = additivity(model)
    order = topo_order(model)
    findings: list[Finding] = []

    fixed: dict[str, tuple[Fraction, Source, bool]] = {}
    for nid, node in model.nodes.items():
        if nid in overrides:
            src = Source.ASSUMED if node.assume is not None and node.target is None else Source.STATED
            fixed[nid] = (overrides[nid], src, True)
        elif node.target is not None:
            fixed[nid] = (node.target, Source.STATED, False)
        elif node.assume is not None:
            fixed[nid] = (node.assume, Source.ASSUMED, False)

    # Bottom-up: what the stated and assumed values imply for the nodes above them.
    bottom: dict[str, Fraction] = {}
    for nid in reversed(order):
        node = model.nodes[nid]
        implied = None
        if node.expr is not None and all(c in bottom for c in node.children):
            implied = _eval(model, nid, bottom, additive)
        if nid in fixed:
            bottom[nid] = fixed[nid][0]
            if implied is not None and fixed[nid][1] is Source.STATED:
                _consistency(model, nid, fixed[nid][0], implied, bottom, additive, findings)
        elif implied is not None:
            bottom[nid] = implied

    values: dict[str, PlanValue] = {}
    for nid, (v, src, over) in fixed.items():
        values[nid] = PlanValue(nid, v, src, model.period_of(nid), overridden=over)
    for nid in order:
        if nid not in values and nid in bottom:
            values[nid] = _implied(model, nid, bottom[nid])

    # Top-down: each formula with exactly one unknown input is solved for it.
    for nid in order:
        node = model.nodes[nid]
        if node.expr is None or nid not in values or values[nid].value is None:
            continue
        unknown = [c for c in node.children if c not in values]
        if not unknown:
            continue
        if len(unknown) > 1:
            findings.append(
                Finding(
                    "underdetermined",
                    Severity.WARNING,
                    "structure",
                    nid,
                    node.line_of("formula"),
                    {"unknowns": ", ".join(unknown)},
                )
            )
            continue
        child = unknown[0]
        known = inputs_for(
            model, nid, {k: pv.value for k, pv in values.items() if pv.value is not None}, additive
        )
        parent_value = values[nid].value
        assert parent_value is not None
        try:
            x = solve_for(node.expr, child, parent_value, known)
        except FormulaError as e:
            findings.append(
                Finding(
                    "not_solvable",
                    Severity.WARNING,
                    "structure",
                    nid,
                    node.line_of("formula"),
                    {"child": child, "reason": e.code},
                )
            )
            continue
        if additive[child]:
            x = x / period_factor(model, child, nid)
        if x < 0:
            findings.append(
                Finding(
                    "negative_solution",
                    Severity.ERROR,
                    "consistency",
                    child,
                    model.nodes[child].line,
                    {"value": float(x), "parent": nid},
                )
            )
        if model.nodes[child].unit is Unit.RATIO and x > 1:
            findings.append(
                Finding(
                    "ratio_solution_above_one",
                    Severity.ERROR,
                    "consistency",
                    child,
                    model.nodes[child].line,
                    {"value": float(x), "parent": nid},
                )
            )
        rounded = _round(model, child, x)
        values[child] = PlanValue(
            child,
            rounded,
            Source.SOLVED,
            model.period_of(child),
            rounded_from=x if rounded != x else None,
        )

    # Monitoring KPIs built from solved nodes (商談単価 = 費用 ÷ 送客数): forward from their inputs.
    for nid in reversed(order):
        node = model.nodes[nid]
        if nid in values or node.expr is None or not all(c in values for c in node.children):
            continue
        known = {c: cv for c in node.children if (cv := values[c].value) is not None}
        if len(known) == len(node.children):
            try:
                value = eval_node(model, node, known, additive)
            except FormulaError:
                continue
            values[nid] = _implied(model, nid, value)
    for nid in order:
        if nid not in values:
            values[nid] = PlanValue(nid, None, Source.MISSING, model.period_of(nid))
    kgi_pv = values[model.kgi]
    if kgi_pv.value is None:
        findings.append(
            Finding("kgi_no_target", Severity.ERROR, "structure", model.kgi, model.nodes[model.kgi].line)
        )

    leaf_values = {
        nid: pv.value for nid, pv in values.items() if pv.value is not None and not model.nodes[nid].derived
    }
    fwd = forward(model, leaf_values, additive)
    kgi_forward = fwd.get(model.kgi)
    levers = _levers(model, leaf_values, additive, kgi_forward)
    ordered = {nid: values[nid] for nid in order}
    allocations = allocate(
        model, {k: v.value for k, v in ordered.items() if v.value is not None}, additive, mode
    )
    return Plan(
        model=model,
        values=ordered,
        findings=sort_findings(findings),
        levers=levers,
        allocations=allocations,
        kgi_target=kgi_pv.value,
        kgi_forward=kgi_forward,
        additive=additive,
    )


def _eval(
    model: Model, nid: str, values: Mapping[str, Fraction], additive: Mapping[str, bool]
) -> Fraction | None:
    try:
        return eval_node(model, model.nodes[nid], values, additive)
    except FormulaError as e:
        raise ModelError(
            "plan_div_zero",
            file=model.file,
            line=model.nodes[nid].line_of("formula"),
            node=nid,
            divisor=e.params.get("divisor", "?"),
        ) from None


def _consistency(
    model: Model,
    nid: str,
    stated: Fraction,
    implied: Fraction,
    bottom: Mapping[str, Fraction],
    additive: Mapping[str, bool],
    findings: list[Finding],
) -> None:
    scale = max(abs(stated), abs(implied))
    if scale == 0 or abs(stated - implied) <= model.tolerance * scale:
        return
    needed = []
    for leaf in model.leaves(nid):
        if leaf == nid:
            continue
        req = required_value(model, nid, leaf, stated, bottom, additive)
        if req is not None:
            needed.append({"node": leaf, "current": bottom.get(leaf), "required": req})
    findings.append(
        Finding(
            "inconsistent_targets",
            Severity.ERROR,
            "consistency",
            nid,
            model.nodes[nid].line_of("target"),
            {
                "stated": stated,
                "implied": implied,
                "gap": implied - stated,
                "gap_ratio": (implied - stated) / stated if stated else None,
                "unit": model.nodes[nid].unit.value,
                "period": model.period_of(nid).value,
                "needed": needed,
            },
        )
    )


def required_value(
    model: Model,
    root: str,
    leaf: str,
    root_value: Fraction,
    values: Mapping[str, Fraction],
    additive: Mapping[str, bool],
) -> Fraction | None:
    """The value ``leaf`` needs, all else as in ``values``, for ``root`` to equal ``root_value``."""
    path = _path(model, root, leaf)
    if path is None:
        return None
    target = root_value
    for parent, child in pairwise(path):
        node = model.nodes[parent]
        assert node.expr is not None
        known = inputs_for(model, parent, {k: v for k, v in values.items() if k != child}, additive)
        try:
            target = solve_for(node.expr, child, target, known)
        except FormulaError:
            return None
        if additive[child]:
            target = target / period_factor(model, child, parent)
    return target


def _path(model: Model, root: str, leaf: str) -> list[str] | None:
    """The one path from root to leaf; None when there is none or more than one."""
    paths: list[list[str]] = []

    def walk(nid: str, acc: list[str]) -> None:
        if len(paths) > 1:
            return
        if nid == leaf:
            paths.append([*acc, nid])
            return
        for c in model.nodes[nid].children:
            walk(c, [*acc, nid])

    walk(root, [])
    return paths[0] if len(paths) == 1 else None


def _levers(
    model: Model, leaf_values: Mapping[str, Fraction], additive: Mapping[str, bool], kgi: Fraction | None
) -> list[Lever]:
    out: list[Lever] = []
    for leaf in model.leaves():
        if leaf not in leaf_values:
            continue
        base = leaf_values[leaf]
        if kgi is None or kgi == 0 or base == 0:
            out.append(Lever(leaf, base, None, None))
            continue
        bumped = dict(leaf_values)
        bumped[leaf] = base * (1 + ELASTICITY_STEP)
        new = forward(model, bumped, additive).get(model.kgi)
        if new is None:
            out.append(Lever(leaf, base, None, None))
            continue
        delta = new - kgi
        out.append(Lever(leaf, base, (delta / kgi) / ELASTICITY_STEP, delta))
    return sorted(out, key=lambda lv: -abs(lv.elasticity) if lv.elasticity is not None else 1)
