"""Insights over the KPI tree: the bottleneck, the drivers of a KGI change, the miss diagnosis
(and the review agenda's section made of the three) — per scope and month, checked for the
user's role and scope, cached per data version."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from rashinban.analysis.bottleneck import BASES
from rashinban.app import org
from rashinban.app.context import AppContext
from rashinban.app.insight_data import (
    children_of,
    month_span,
    months_back,
    peers_of,
    read_frame,
)
from rashinban.app.insight_diagnosis import build_result, diagnosis_result, frame_for, market
from rashinban.app.insight_tree import bottleneck_of, bottleneck_result, explain_of
from rashinban.app.models import Bundle, Models
from rashinban.app.results.insights import (
    BottleneckResult,
    DiagnosisResult,
    ExplainResult,
    ReviewSection,
)
from rashinban.errors import NotFoundError, UsageError
from rashinban.kpi.calendar import parse_period
from rashinban.kpi.errors import FormulaError
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
            frame = read_frame(
                self.ctx.store, b, scopes, [key, *peers], months, day, target_labels=[span.label]
            )
            result = bottleneck_of(
                b, frame, key, span.label, [m.label for m in months[:-1]], peers, basis, scopes
            )
            return bottleneck_result(b, key, span.label, day, result, self.ctx.lang, scopes)

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
            frame = read_frame(
                self.ctx.store, b, scopes, [key, *kids], spans, day, target_labels=[span.label]
            )
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

    def every_scope(
        self, model_path: ModelPath = None, period: str | None = None, as_of: str | None = None
    ) -> list[ReviewSection]:
        """Bottleneck, drivers and diagnosis of every visible scope, each under its own model
        (its team's bound model; ``model_path``: that file for all), from one read of the store
        per model: for the review of all teams, jobs and the benchmark."""
        self.ctx.require(Permission.READ)
        acc = org.access(self.ctx)
        scopes = org.scope_index(self.ctx)
        keys = [k for k in scopes.scopes if acc.can_see(k)]
        groups: dict[int, tuple[Bundle, list[ScopeKey]]] = {}
        for key in keys:
            b = self._bundle(model_path, key)
            groups.setdefault(id(b), (b, []))[1].append(key)
        day = self.ctx.as_of(as_of)
        out: dict[ScopeKey, ReviewSection] = {}
        clients: dict[int, str | None] = {}
        for b, group in groups.values():
            out.update(self._sections(b, group, acc, scopes, period, day, clients))
        return [out[k] for k in keys]

    def _sections(
        self,
        b: Bundle,
        keys: list[ScopeKey],
        acc: Any,
        scopes: Any,
        period: str | None,
        day: Any,
        clients: dict[int, str | None],
    ) -> dict[ScopeKey, ReviewSection]:
        """The sections of scopes that share one model, from one frame."""
        span = month_span(period, day, b.model.fiscal_year_start)
        months = months_back(span, HISTORY + 1, b.model.fiscal_year_start)
        history = [m.label for m in months[:-1]]
        frame = frame_for(self.ctx.store, b, scopes, keys, months, day)
        mk = market(self.ctx.store, b, scopes, frame, span.label, months, day)
        lang = self.ctx.lang
        out = {}
        for key in keys:
            found = bottleneck_of(b, frame, key, span.label, history, peers_of(scopes, key), None, scopes)
            kids = [k for k in children_of(scopes, key) if acc.can_see(k)]
            out[key] = ReviewSection(
                bottleneck=bottleneck_result(b, key, span.label, day, found, lang, scopes),
                explain=explain_of(
                    b, frame, key, span.label, history[-1], False, kids, "shapley", lang, scopes, day
                ),
                diagnosis=build_result(
                    self.ctx.store, b, scopes, frame, mk, key, span.label, months, day, lang, clients
                ),
            )
        return out
