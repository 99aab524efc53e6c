"""Planning: the reverse calculation (逆算), checks, templates, periods, and saving targets
as revisions — for the CLI (``plan``, ``check``, ``period``) and the planning page."""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from datetime import timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

from rashinban import templates
from rashinban.analysis.achievability import AchievabilityRule, achievability_findings
from rashinban.analysis.targets import plan_targets
from rashinban.app import audit, forms, org, plan_history, plan_input, plan_scope, targeting
from rashinban.app.context import AppContext
from rashinban.app.models import Models
from rashinban.app.plan_history import HistoryPage
from rashinban.app.results.planning import PlanningView, PlanSaved, PlanView, TargetRevision
from rashinban.app.tracking import KIND_OF_SPAN, Tracking, bounded_spans
from rashinban.errors import FormInvalid, LimitError, ModelError, NotFoundError, PeriodError, UsageError
from rashinban.kpi.allocate import AllocationMode
from rashinban.kpi.calendar import BusinessCalendar, parse_period, public_holiday_name
from rashinban.kpi.findings import Finding, sort_findings
from rashinban.kpi.limits import MAX_TARGET_ROWS
from rashinban.kpi.model import Model
from rashinban.kpi.numbers import parse_number, to_float
from rashinban.kpi.smart import plan_findings, smart_findings
from rashinban.kpi.solve import Plan, solve
from rashinban.org.roles import Permission, require
from rashinban.org.scopes import COMPANY, MEMBER, TEAM
from rashinban.store.audit import CONFIG
from rashinban.store.targets import TargetRow, history, save_targets


def parse_sets(items: list[str] | tuple[str, ...]) -> dict[str, Fraction]:
    """``node=value`` pairs from ``--set`` (values as in model files: 1200万, 25%, 0.25)."""
    out: dict[str, Fraction] = {}
    for item in items:
        key, sep, raw = item.partition("=")
        value = parse_number(raw) if sep else None
        if not key.strip() or value is None:
            raise UsageError("set_bad_format", value=item)
        out[key.strip()] = value
    return out


class Planning:
    def __init__(self, ctx: AppContext, models: Models, tracking: Tracking) -> None:
        self.ctx = ctx
        self.models = models
        self.tracking = tracking

    # the reverse calculation ----------------------------------------------------------------
    def plan(
        self,
        path: str | Path | None,
        sets: Mapping[str, Fraction] | None = None,
        mode: AllocationMode | None = None,
        tier_sets: Mapping[str, Mapping[str, Fraction]] | None = None,
    ) -> Plan:
        """The target tier's plan (relative targets resolved; mode None: the model's weights
        when it gives any — the planning page's split)."""
        return self.plans(path, sets, mode, tier_sets)["target"]

    def default_mode(self, model: Model) -> AllocationMode:
        """The split the CLI and the page share: by the model's weights when it gives any."""
        return targeting.default_mode(model)

    def plans(
        self,
        path: str | Path | None,
        sets: Mapping[str, Fraction] | None = None,
        mode: AllocationMode | None = None,
        tier_sets: Mapping[str, Mapping[str, Fraction]] | None = None,
        period: str | None = None,
    ) -> dict[str, Plan]:
        """The plan of every tier: target, and stretch / floor where the model or ``tier_sets`` give them."""
        return targeting.plan_tiers(self.ctx, self.models.load(path), sets, mode, tier_sets, period)

    def check(self, path: str | Path | None, as_of: str | None = None) -> tuple[Model, list[Finding]]:
        """SMART findings, the plan's consistency findings and — when a store with history is
        at hand — achievability (A)."""
        model = self.models.load(path)
        plan = self.plan(path)
        findings = smart_findings(model) + plan.findings + plan_findings(plan)
        if self.models._store_usable():
            history_ = self.tracking.history_for_check(model, self.ctx.as_of(as_of))
            rule = AchievabilityRule.from_model(model.extra.get("achievability"))
            findings += achievability_findings(plan, history_, rule)
        return model, sort_findings(findings)

    def templates(self) -> list[templates.TemplateInfo]:
        return templates.list_templates()

    def init_model(self, template: str, path: str | Path, force: bool = False) -> Path:
        p = Path(path)
        if p.exists() and not force:
            raise UsageError("file_exists", path=str(p))
        text = templates.template_text(template)
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(text, encoding="utf-8")
        return p

    def period_info(
        self,
        name: str,
        model_path: str | Path | None = None,
        as_of: str | None = None,
        target: str | None = None,
    ) -> dict[str, Any]:
        """Business days of a period and (optionally) a target prorated to ``as_of``."""
        model = self.models.load(model_path) if model_path else None
        span = parse_period(name, model.fiscal_year_start if model else 4)
        cal = BusinessCalendar(model.holidays if model else ())
        day = self.ctx.as_of(as_of)
        amount = None
        if target is not None:
            amount = parse_number(target)
            if amount is None:
                raise UsageError("option_not_number", option="--target", value=target)
        holidays = []
        d = span.start
        while d <= span.end:
            hname = public_holiday_name(d)
            if hname or d in cal.company_holidays:
                holidays.append({"date": d.isoformat(), "name": hname or "company"})
            d += timedelta(days=1)
        share = cal.elapsed_share(span, day)
        return {
            "label": span.label,
            "kind": span.kind,
            "start": span.start.isoformat(),
            "end": span.end.isoformat(),
            "as_of": day.isoformat(),
            "business_days": cal.business_days(span.start, span.end),
            "business_days_elapsed": cal.business_days(span.start, min(day, span.end)),
            "elapsed_share": float(share),
            "holidays": holidays,
            "target": to_float(amount),
            "prorated": to_float(amount * share) if amount is not None else None,
        }

    # saving targets ------------------------------------------------------------------------
    def save(
        self,
        path: str | Path | None,
        period: str | None,
        author: str | None,
        reason: str | None,
        sets: Mapping[str, Fraction] | None = None,
        mode: AllocationMode | None = None,
        tier_sets: Mapping[str, Mapping[str, Fraction]] | None = None,
    ) -> int:
        """Store the plan's company, team and member targets (every tier) as a new revision (CLI)."""
        label = period or self.models.load(path).plan_period
        plans = self.plans(path, sets, mode, tier_sets, label)
        return sum(self._save(p, label, author, reason, tier) for tier, p in plans.items())

    def _save(
        self, plan: Plan, period: str | None, author: str | None, reason: str | None, tier: str = "target"
    ) -> int:
        model = plan.model
        label = period or model.plan_period
        if label is None:
            raise UsageError("plan_period_missing", option="--period")
        span = parse_period(label, model.fiscal_year_start)
        kind = KIND_OF_SPAN.get(span.kind, model.period)
        scopes = plan_scope.index_for(self.ctx)  # a manager's plan splits over their branch only
        labels = [p.label for p in bounded_spans(span, kind, model.fiscal_year_start)]
        targets = plan_targets(plan, scopes, kind, labels)
        rows = [
            TargetRow(node, stype, sid, plabel, value, tier)
            for (node, stype, sid, plabel), value in targets.items()
            if stype in (COMPANY, TEAM, MEMBER) and plan_scope.keep_row(self.ctx, model, node, stype, sid)
        ]
        if len(rows) > MAX_TARGET_ROWS:
            raise LimitError("too_many_targets", count=len(rows), max=MAX_TARGET_ROWS, period=label)
        version = self.models.version_of(model)
        saved = save_targets(self.ctx.store, model.name, rows, author, reason, self.ctx.now(), version)
        detail = {"model": model.name, "period": label, "rows": len(rows), "reason": reason, "tier": tier}
        audit.record(self.ctx, audit.event(self.ctx, "targets_saved", CONFIG, table="targets", detail=detail))
        return saved

    # the planning page ---------------------------------------------------------------------
    def inputs(
        self, path: str | Path | None, values: Mapping[str, str], weights: Mapping[str, str]
    ) -> tuple[Model, dict[str, Fraction], dict[str, Fraction], dict[str, str]]:
        """Parse the planning form: node values (KGI target, assumptions) and member weights.

        Returns (model with the weights, overrides, weights, field errors)."""
        model = plan_scope.model_for(self.ctx, self.models.load(path))  # the planner's branch
        errors: dict[str, str] = {}
        sets: dict[str, Fraction] = {}
        for nid, raw in values.items():
            if nid not in model.nodes or raw is None or not str(raw).strip():
                continue
            v, bad = plan_input.parse_value(raw, model.nodes[nid].unit)
            field = f"node.{nid}"
            if v is None:
                errors[field] = bad or "not_number"
            elif nid == model.kgi and v == 0:
                errors[field] = "zero"
            else:
                sets[nid] = v
        ws: dict[str, Fraction] = {}
        for m in model.members:
            wraw = weights.get(m.name)
            if wraw is None or not str(wraw).strip():
                ws[m.name] = m.weight
                continue
            w, bad = forms.parse_amount(wraw)
            if w is None:
                errors[f"weight.{m.name}"] = bad or "not_number"
            elif w < 0:
                errors[f"weight.{m.name}"] = "negative"
            else:
                ws[m.name] = w
        if model.members and not errors and sum(ws.values(), Fraction(0)) <= 0:
            errors[f"weight.{model.members[0].name}"] = "weights_zero"
        if model.members and len(ws) == len(model.members):
            model = dataclasses.replace(
                model, members=tuple(dataclasses.replace(m, weight=ws[m.name]) for m in model.members)
            )
        return model, sets, ws, errors

    def live(
        self,
        path: str | Path | None,
        values: Mapping[str, str],
        weights: Mapping[str, str],
        mode: AllocationMode = AllocationMode.WEIGHTS,
    ) -> tuple[Plan | None, dict[str, str]]:
        """The reverse calculation for the planning page (no writes)."""
        model, sets, _, errors = self.inputs(path, values, weights)
        if errors:
            return None, errors
        try:
            return solve(model, sets, mode), {}
        except ModelError as e:
            return None, {f"node.{e.node}" if e.node else "form": e.code}

    def save_form(
        self,
        path: str | Path | None,
        values: Mapping[str, str],
        weights: Mapping[str, str],
        mode: AllocationMode,
        period: str | None,
        reason: str | None,
    ) -> PlanSaved:
        """Save the planning form's targets (company, teams, members) as a new revision."""
        user = require(self.ctx.user, Permission.PLAN)
        err = forms.Errors()
        why = forms.text(err, "reason", reason, required=True, max_len=500)
        model, sets, _, errors = self.inputs(path, values, weights)
        label = forms.text(err, "period", period, max_len=30) or model.plan_period
        if label is None:
            err.add("period", "required")
        else:
            try:
                parse_period(label, model.fiscal_year_start)
            except (PeriodError, LimitError):
                err.add("period", "bad_period")
        for k, v in errors.items():
            err.add(k, v)
        err.check()
        try:
            plan = solve(model, sets, mode)
        except ModelError as e:
            raise FormInvalid({f"node.{e.node}" if e.node else "form": e.code}) from None
        return PlanSaved(saved=self._save(plan, label, user.username, why))

    def page(
        self,
        path: str | None,
        form: Mapping[str, str] | None = None,
        period: str | None = None,
        preview: bool = False,
    ) -> dict[str, Any]:
        """The planning page's read model (planners only); without a form, ``period``'s saved
        revision (default: the plan period) fills the inputs.  ``preview``: only what a live
        preview redraws (not the periods on offer)."""
        from rashinban.app.planning_page import page

        self.ctx.require(Permission.PLAN)
        return page(self, path, form, period, preview)

    def member_labels(self, path: str | Path | None) -> dict[str, str]:
        """The model's members (ids such as rep001) → their names in the store (opened)."""
        from rashinban.app.plan_period import member_names

        self.ctx.store  # noqa: B018 - opened here: the CLI asked with --db
        return member_names(self.ctx, self.models.load(path))

    def history_page(self, path: str | None, page: int = 1) -> HistoryPage:
        """The revision history one page of saves at a time (every save, no cap)."""
        self.ctx.require(Permission.PLAN)
        scope = plan_scope.plan_scope(self.ctx)
        top = (COMPANY, None) if scope is None else (TEAM, scope.root)
        model = self.models.load(path)
        tree = model.reachable() + [n for n in model.nodes if n not in model.reachable()]
        order = {nid: i for i, nid in enumerate(tree)}
        return plan_history.paginate(plan_history.group(self.history(path, limit=None), top, order), page)

    def api_view(self, path: str | None, limit: int = 100) -> PlanningView:
        """The planning page's JSON twin: the model's plan and the revision history."""
        from rashinban.app.planning_page import api_view

        self.ctx.require(Permission.PLAN)
        return api_view(self, path, limit)

    def preview(
        self, path: str | None, values: Mapping[str, str], weights: Mapping[str, str], mode: AllocationMode
    ) -> PlanView:
        """The reverse calculation as data (FormInvalid with field codes when it cannot run)."""
        from rashinban.app.planning_page import plan_result

        self.ctx.require(Permission.PLAN)
        plan, codes = self.live(path, values, weights, mode)
        if plan is None:
            raise FormInvalid(codes)
        return plan_result(plan, self.ctx.lang)

    def history(self, path: str | Path | None, limit: int | None = 200) -> list[TargetRevision]:
        """Every stored target revision (newest first) with scope names, old → new."""
        self.ctx.require(Permission.PLAN)
        model = self.models.load(path)
        scopes = org.scope_index(self.ctx)
        revs = [
            r
            for r in history(self.ctx.store, model.name)
            if plan_scope.keep_row(self.ctx, model, r.node, r.scope_type, r.scope_id)
        ][:limit]  # None: every revision
        lang = self.ctx.lang
        out = []
        for r in revs:
            key = (r.scope_type, r.scope_id if r.scope_id is not None else 0)
            scope = scopes.scopes.get(key)
            node = model.nodes.get(r.node)
            row = {
                "node": r.node,
                "node_name": (node.name_en if lang == "en" and node.name_en else node.name)
                if node
                else r.node,
                "unit": node.unit.value if node else "count",
                "scope_type": r.scope_type,
                "scope_id": r.scope_id,
                "scope": scope.name if scope else r.scope_type,
                "period": r.period,
                "tier": r.tier,
                "revision": r.revision,
                "old": to_float(r.previous),
                "new": to_float(r.value),
                "author": r.author,
                "reason": r.reason,
                "created_at": r.created_at,
            }
            out.append(TargetRevision.model_validate(row))  # the store's strings, checked
        return out


__all__ = ["NotFoundError", "Planning", "parse_sets"]
