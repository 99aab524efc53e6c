"""Target tiers: 目標 (target), ストレッチ目標 (stretch) and 最低ライン (floor).

A model states the target tier as before (``target:``) and may add ``stretch:`` and ``floor:``
on any node.  Each extra tier is worked backwards like the target: its plan uses the tier's
values where they are stated and the same assumptions (rates, unit prices); stated targets on
the path of a tiered node (its ancestors and descendants) give way, since they are solved
from the tiered node, while targets of unrelated KPIs stay as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from fractions import Fraction

from rashinban.kpi.allocate import AllocationMode
from rashinban.kpi.model import TIERS, Model, Node
from rashinban.kpi.solve import Plan, solve

EXTRA_TIERS = tuple(t for t in TIERS if t != "target")


def tiers_of(model: Model) -> list[str]:
    """The tiers the model states: always ``target``, then ``stretch``/``floor`` when given."""
    out = ["target"]
    for tier in EXTRA_TIERS:
        if any(
            n.tier_value(tier) is not None or n.relative_of(tier) is not None for n in model.nodes.values()
        ):
            out.append(tier)
    return out


def _descendants(model: Model, nid: str) -> set[str]:
    return set(model.reachable(nid))


def _ancestors(model: Model, nid: str) -> set[str]:
    parents = model.parents()
    out: set[str] = set()
    stack = [nid]
    while stack:
        for p in parents.get(stack.pop(), []):
            if p not in out:
                out.add(p)
                stack.append(p)
    return out


def tier_model(model: Model, tier: str) -> Model:
    """The model whose targets are the tier's (see the module doc)."""
    if tier == "target":
        return model
    tiered = [nid for nid, n in model.nodes.items() if n.tier_value(tier) is not None]
    path: set[str] = set()
    for nid in tiered:
        path |= _descendants(model, nid) | _ancestors(model, nid)
    nodes: dict[str, Node] = {}
    for nid, node in model.nodes.items():
        value = node.tier_value(tier)
        if value is not None:
            nodes[nid] = replace(node, target=value)
        elif nid in path:
            nodes[nid] = replace(node, target=None)
        else:
            nodes[nid] = node
    return replace(model, nodes=nodes)


def solve_tiers(
    model: Model,
    overrides: Mapping[str, Fraction] | None = None,
    mode: AllocationMode = AllocationMode.EQUAL,
    tier_overrides: Mapping[str, Mapping[str, Fraction]] | None = None,
) -> dict[str, Plan]:
    """A plan per tier the model states (``tier_overrides``: a tier's own ``--set`` values,
    e.g. the stretch KGI typed on the planning page)."""
    extra = dict(tier_overrides or {})
    out = {"target": solve(model, overrides or {}, mode)}
    tiers = set(tiers_of(model)) | {t for t, v in extra.items() if v}
    for tier in EXTRA_TIERS:
        if tier not in tiers:
            continue
        m = model
        given = dict(extra.get(tier) or {})
        if given:
            m = replace(
                model,
                nodes={
                    nid: n.with_value(tier, given[nid]) if nid in given else n
                    for nid, n in model.nodes.items()
                },
            )
        keep = {k: v for k, v in (overrides or {}).items() if model.nodes[k].target is None}
        out[tier] = solve(tier_model(m, tier), keep, mode)
    return out
