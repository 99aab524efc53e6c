"""The tree insights of one scope over a frame: bottleneck ranking, driver attribution."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from rashinban.analysis.attribution import ChildChange, Tree, attribute, mix_split
from rashinban.analysis.bottleneck import BASES, Bottleneck, history_reference, peer_reference, rank
from rashinban.app.insight_data import Frame, heads
from rashinban.app.insight_text import driver_sentence, gap_item, kgi_value, scope_ref
from rashinban.app.models import Bundle
from rashinban.app.results.insights import BottleneckResult, ChildEffect, DriverItem, ExplainResult
from rashinban.i18n import t
from rashinban.kpi.errors import FormulaError
from rashinban.kpi.units import Direction
from rashinban.org.access import ScopeKey

HISTORY = 6


# pure-ish helpers over a frame ---------------------------------------------------------------
def scope_tree(b: Bundle, frame: Frame, key: ScopeKey, *labels: str) -> Tree:
    """The model's tree as it holds on the scope's actuals of ``labels`` (``Tree.holding``:
    a field team's 商談数 is its own leaf; the company keeps the whole tree)."""
    tree = Tree.from_model(b.model)
    for label in labels:
        tree = tree.holding(frame.values.get((key, label), {}))
    return tree


def leaf_values(
    b: Bundle, frame: Frame, key: ScopeKey, label: str, tree: Tree | None = None
) -> dict[str, Fraction] | None:
    tree = tree or scope_tree(b, frame, key, label)
    out = {}
    for leaf in tree.leaves:
        v = frame.value(key, label, leaf)
        if v is None:
            return None
        out[leaf] = v
    return out


def bottleneck_of(
    b: Bundle,
    frame: Frame,
    key: ScopeKey,
    label: str,
    history: list[str],
    peers: list[ScopeKey],
    basis: str | None,
    scopes: Any,
) -> tuple[Bottleneck, list[str]] | None:
    tree = scope_tree(b, frame, key, label)
    values = leaf_values(b, frame, key, label, tree)
    if values is None:
        return None
    refs: dict[str, dict[str, Fraction | None]] = {basis_: {} for basis_ in BASES}
    own = heads(scopes, key)
    for leaf in tree.leaves:
        refs["target"][leaf] = frame.target(key, label, leaf)
        refs["history"][leaf] = history_reference([frame.value(key, h, leaf) for h in history], HISTORY)
        refs["peers"][leaf] = peer_reference(
            [(frame.value(p, label, leaf), heads(scopes, p)) for p in peers],
            own,
            bool(b.plan.additive.get(leaf)),
        )
    chosen = basis or next(
        (x for x in BASES if all(refs[x].get(leaf) is not None for leaf in tree.leaves)), "history"
    )
    lower = frozenset(n for n in tree.leaves if b.model.nodes[n].direction is Direction.LOWER)
    try:
        result = rank(tree, values, refs[chosen], chosen, lower)
    except FormulaError:
        return None
    return result, [x for x in BASES if any(v is not None for v in refs[x].values())]


def bottleneck_result(
    b: Bundle,
    key: ScopeKey,
    label: str,
    day: Any,
    found: tuple[Bottleneck, list[str]] | None,
    lang: str,
    scopes: Any,
) -> BottleneckResult:
    model = b.model
    if found is None:
        return BottleneckResult(
            model=model.name,
            scope=scope_ref(scopes, key),
            period=label,
            as_of=day,
            basis="history",
            bases=[],
            kgi=kgi_value(model, None, lang),
            bottleneck=None,
            runner_up=None,
            items=[],
        )
    result, bases = found
    items = [gap_item(model, r, lang) for r in result.rows]
    top, second = result.top, result.runner_up
    return BottleneckResult(
        model=model.name,
        scope=scope_ref(scopes, key),
        period=label,
        as_of=day,
        basis=result.basis,  # type: ignore[arg-type]
        bases=bases,  # type: ignore[arg-type]
        kgi=kgi_value(model, result.kgi_value, lang),
        bottleneck=items[0] if top is not None else None,
        runner_up=items[1] if second is not None else None,
        items=items,
    )


def explain_of(
    b: Bundle,
    frame: Frame,
    key: ScopeKey,
    label: str,
    base: str,
    to_target: bool,
    kids: list[ScopeKey],
    method: str,
    lang: str,
    scopes: Any,
    day: Any,
) -> ExplainResult:
    model = b.model
    tree = scope_tree(b, frame, key, label) if to_target else scope_tree(b, frame, key, label, base)

    def before_of(k: ScopeKey, node: str) -> Fraction | None:
        return frame.target(k, label, node) if to_target else frame.value(k, base, node)

    after = leaf_values(b, frame, key, label, tree)
    before = {leaf: before_of(key, leaf) for leaf in tree.leaves}
    if after is None or any(v is None for v in before.values()):  # no value is made up: say so
        return ExplainResult(
            model=model.name,
            scope=scope_ref(scopes, key),
            period=label,
            vs="target" if to_target else base,
            as_of=day,
            kgi=kgi_value(model, None, lang),
            before=None,
            after=None,
            change=None,
            method="shapley",
            residual=0.0,
            drivers=[],
            volume_node=None,
            children=[],
            other=None,
            sentence=t("insights.explain_no_data", lang, period=label, vs="target" if to_target else base),
        )
    res = attribute(tree, {k: v for k, v in before.items() if v is not None}, after, method)
    drivers = [
        DriverItem(
            node=r.leaf,
            label=_label(model, r.leaf, lang),
            unit=str(model.nodes[r.leaf].unit),  # type: ignore[arg-type]
            before=float(r.before),
            after=float(r.after),
            contribution=float(r.contribution),
        )
        for r in res.rows
    ]
    kgi_expr_children = model.nodes[model.kgi].children
    volume = next((c for c in kgi_expr_children if b.plan.additive.get(c)), None)
    children: list[ChildEffect] = []
    other = None
    if volume is not None and b.plan.additive.get(model.kgi):
        changes = []
        for k in kids:
            vals = (
                before_of(k, volume),
                frame.value(k, label, volume),
                before_of(k, model.kgi),
                frame.value(k, label, model.kgi),
            )
            changes.append(ChildChange(k, *(v if v is not None else Fraction(0) for v in vals)))
        rows = mix_split(changes)
        children = [
            ChildEffect(
                scope=scope_ref(scopes, r.key),
                before=float(r.kgi_before),
                after=float(r.kgi_after),
                change=float(r.change),
                volume=float(r.volume),
                mix=float(r.mix),
                rate=float(r.rate),
            )
            for r in rows
        ]
        other = float(res.change - sum((r.change for r in rows), Fraction(0))) if rows else None
    return ExplainResult(
        model=model.name,
        scope=scope_ref(scopes, key),
        period=label,
        vs="target" if to_target else base,
        as_of=day,
        kgi=kgi_value(model, res.kgi_after, lang),
        before=float(res.kgi_before),
        after=float(res.kgi_after),
        change=float(res.change),
        method=res.method,  # type: ignore[arg-type]
        residual=float(res.residual),
        drivers=drivers,
        volume_node=volume,
        children=children,
        other=other,
        sentence=driver_sentence(model, res, lang),
    )


def _label(model: Any, nid: str, lang: str) -> str:
    node = model.nodes[nid]
    return str(node.name_en if lang == "en" and node.name_en else node.name)
