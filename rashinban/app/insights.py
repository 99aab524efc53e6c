"""Insights over the KPI tree: the bottleneck, the drivers of a KGI change, the miss diagnosis
(and the review agenda's section made of the three) — per scope and month, checked for the
user's role and scope, cached per data version."""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from pathlib import Path
from typing import Any, TypeVar

from rashinban.analysis.attribution import ChildChange, Tree, attribute, mix_split
from rashinban.analysis.bottleneck import BASES, Bottleneck, history_reference, peer_reference, rank
from rashinban.app import org
from rashinban.app.context import AppContext
from rashinban.app.insight_data import (
    Frame,
    children_of,
    heads,
    month_span,
    months_back,
    peers_of,
    read_frame,
)
from rashinban.app.insight_diagnosis import diagnosis_result
from rashinban.app.insight_text import driver_sentence, gap_item, kgi_value, scope_ref
from rashinban.app.models import Bundle, Models
from rashinban.app.results.insights import (
    BottleneckResult,
    ChildEffect,
    DiagnosisResult,
    DriverItem,
    ExplainResult,
    ReviewSection,
)
from rashinban.errors import NotFoundError, UsageError
from rashinban.i18n import t
from rashinban.kpi.calendar import parse_period
from rashinban.kpi.errors import FormulaError
from rashinban.kpi.units import Direction
from rashinban.org.access import ScopeKey
from rashinban.org.roles import Permission
from rashinban.org.scopes import COMPANY, MEMBER, TEAM

HISTORY = 6
R = TypeVar("R")
ModelPath = str | Path | None


def parse_scope_arg(text: str | None) -> ScopeKey | None:
    if not text:
        return None
    if text == COMPANY:
        return (COMPANY, 0)
    kind, _, ident = text.partition(":")
    if kind in (TEAM, MEMBER) and ident.isdigit():
        return (kind, int(ident))
    raise UsageError("scope_unknown", kind="scope", value=text)


class Insights:
    def __init__(self, ctx: AppContext, models: Models) -> None:
        self.ctx = ctx
        self.models = models

    # plumbing ----------------------------------------------------------------------------------
    def _cached(self, key: tuple[Any, ...], compute: Callable[[], R]) -> R:
        return self.ctx.cached(("insights", *key, self.ctx.today(), self.ctx.lang), compute)

    def resolve(
        self, scope: str | None = None, team: str | None = None, member: str | None = None
    ) -> ScopeKey:
        """The asked scope (``company``/``team:ID``/``member:ID`` or a team/member name) checked
        against the user's access; default: the user's home scope (the company for the CLI)."""
        self.ctx.require(Permission.READ)
        scopes = org.scope_index(self.ctx)
        acc = org.access(self.ctx)
        key = parse_scope_arg(scope)
        for kind, text in ((TEAM, team), (MEMBER, member)):
            if text is not None:
                found = scopes.find(text, kind)
                if found is None:
                    raise UsageError("scope_unknown", kind=kind, value=text)
                key = (kind, found.id)
        if key is None:
            if acc.home is None:
                acc.check((COMPANY, 0), "-")
            key = acc.home or (COMPANY, 0)
        if key not in scopes.scopes:
            raise NotFoundError("scope_unknown", kind=key[0], value=str(key[1]))
        acc.check(key, scopes.scopes[key].name)
        return key

    def _bundle(self, model_path: ModelPath, key: ScopeKey) -> Bundle:
        return self.models.for_scope(model_path, key)

    # bottleneck --------------------------------------------------------------------------------
    def bottleneck(
        self,
        model_path: ModelPath = None,
        period: str | None = None,
        scope: str | None = None,
        basis: str | None = None,
        as_of: str | None = None,
        team: str | None = None,
        member: str | None = None,
    ) -> BottleneckResult:
        """The leaf whose shortfall costs the KGI most (and the runner-up) for a scope and month."""
        key = self.resolve(scope, team, member)
        if basis is not None and basis not in BASES:
            raise UsageError("option_bad_choice", option="--basis", value=basis, choices=", ".join(BASES))

        def compute() -> BottleneckResult:
            b = self._bundle(model_path, key)
            day = self.ctx.as_of(as_of)
            span = month_span(period, day, b.model.fiscal_year_start)
            months = months_back(span, HISTORY + 1, b.model.fiscal_year_start)
            scopes = org.scope_index(self.ctx)
            peers = peers_of(scopes, key)
            frame = read_frame(self.ctx.store, b, scopes, [key, *peers], months, day)
            result = bottleneck_of(
                b, frame, key, span.label, [m.label for m in months[:-1]], peers, basis, scopes
            )
            return _bottleneck_result(b, key, span.label, day, result, self.ctx.lang, scopes)

        return self._cached(("bottleneck", model_path, key, period, basis, as_of), compute)

    # attribution -------------------------------------------------------------------------------
    def explain(
        self,
        model_path: ModelPath = None,
        period: str | None = None,
        vs: str | None = None,
        scope: str | None = None,
        as_of: str | None = None,
        method: str = "shapley",
        team: str | None = None,
        member: str | None = None,
    ) -> ExplainResult:
        """The KGI change from ``vs`` (a month, default the month before; or ``target``) to
        ``period`` split over the tree's leaves and, one level down, over child scopes."""
        key = self.resolve(scope, team, member)
        if method not in ("shapley", "log"):
            raise UsageError("option_bad_choice", option="--method", value=method, choices="shapley, log")

        def compute() -> ExplainResult:
            b = self._bundle(model_path, key)
            day = self.ctx.as_of(as_of)
            fys = b.model.fiscal_year_start
            span = month_span(period, day, fys)
            if vs is None or vs == "target":
                base = months_back(span, 2, fys)[0]
            else:
                base = parse_period(vs, fys)
                if base.kind != "month":
                    raise UsageError("option_not_month", option="--vs", value=vs)
            spans = sorted({base.start: base, span.start: span}.values(), key=lambda s: s.start)
            scopes = org.scope_index(self.ctx)
            acc = org.access(self.ctx)
            kids = [k for k in children_of(scopes, key) if acc.can_see(k)]
            frame = read_frame(self.ctx.store, b, scopes, [key, *kids], spans, day)
            to_target = vs == "target"
            return explain_of(
                b, frame, key, span.label, base.label, to_target, kids, method, self.ctx.lang, scopes, day
            )

        return self._cached(("explain", model_path, key, period, vs, method, as_of), compute)

    # diagnosis ---------------------------------------------------------------------------------
    def diagnose(
        self,
        model_path: ModelPath = None,
        period: str | None = None,
        scope: str | None = None,
        as_of: str | None = None,
        team: str | None = None,
        member: str | None = None,
    ) -> DiagnosisResult:
        """Design, execution or market: why the scope missed (or will miss) its KGI."""
        key = self.resolve(scope, team, member)

        def compute() -> DiagnosisResult:
            b = self._bundle(model_path, key)
            day = self.ctx.as_of(as_of)
            return diagnosis_result(
                self.ctx.store, b, org.scope_index(self.ctx), key, period, day, self.ctx.lang
            )

        return self._cached(("diagnose", model_path, key, period, as_of), compute)

    def review_section(
        self,
        model_path: ModelPath = None,
        period: str | None = None,
        scope: str | None = None,
        as_of: str | None = None,
    ) -> ReviewSection:
        """What the review agenda shows for a scope: bottleneck, drivers vs last month, diagnosis."""
        try:
            explained: ExplainResult | None = self.explain(model_path, period, None, scope, as_of)
        except (FormulaError, UsageError):
            explained = None
        return ReviewSection(
            bottleneck=self.bottleneck(model_path, period, scope, None, as_of),
            explain=explained,
            diagnosis=self.diagnose(model_path, period, scope, as_of),
        )


# pure-ish helpers over a frame ---------------------------------------------------------------
def leaf_values(b: Bundle, frame: Frame, key: ScopeKey, label: str) -> dict[str, Fraction] | None:
    tree = Tree.from_model(b.model)
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
    tree = Tree.from_model(b.model)
    values = leaf_values(b, frame, key, label)
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


def _bottleneck_result(
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
    tree = Tree.from_model(model)

    def before_of(k: ScopeKey, node: str) -> Fraction | None:
        return frame.target(k, label, node) if to_target else frame.value(k, base, node)

    after = leaf_values(b, frame, key, label)
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
