"""Managing the rules: list them (the store's and the model files'), show one with its
statistics, create, edit, delete, and tune a team's or member's thresholds."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rashinban.app import forms, org
from rashinban.app.alerts import facts, inbox, render, rulebook, settings
from rashinban.app.context import AppContext
from rashinban.app.models import Models
from rashinban.app.results.alerts import RuleDetail, RuleList, RuleOverride, RuleView
from rashinban.errors import ForbiddenError, FormInvalid, NotFoundError, UsageError
from rashinban.i18n import render_error
from rashinban.org.roles import Permission, allowed
from rashinban.org.scopes import MEMBER, TEAM
from rashinban.org.users import User
from rashinban.store import alerts as repo

ModelPath = str | Path | None


class RuleAdmin:
    def __init__(self, ctx: AppContext, models: Models) -> None:
        self.ctx = ctx
        self.models = models

    # permissions ---------------------------------------------------------------------------
    def _may(self, permission: Permission) -> bool:
        ctx = self.ctx
        return (ctx.user is None and ctx.privileged) or allowed(ctx.user, permission)

    def _signed_in(self) -> User:
        self.ctx.require(Permission.READ)
        if self.ctx.user is None:
            raise ForbiddenError("forbidden_role", role="-")
        return self.ctx.user

    # rules ---------------------------------------------------------------------------------
    def _prepare(self, model_path: ModelPath) -> list[str]:
        """The default rules (once), the model files' rules synced; returns what does not read
        (in the request's language)."""
        rulebook.ensure_defaults(self.ctx)
        groups, unread = facts.bundles(self.ctx, self.models, model_path)
        bad = rulebook.sync_models(self.ctx, [bundle.model for bundle, _ in groups.values()])
        lang = self.ctx.lang
        return [render_error(e, lang) for e in unread] + [render.problem(p, lang) for p in bad]

    def _view(self, rule: rulebook.Rule, open_counts: dict[int, int]) -> RuleView:
        acc = org.access(self.ctx)
        scopes = org.scope_index(self.ctx)
        overrides = [
            RuleOverride(
                scope=f"{o.scope[0]}:{o.scope[1]}",
                name=scopes.scopes[o.scope].name,
                values={k: float(v) for k, v in o.values.items()},
            )
            for o in rule.spec.overrides
            if o.scope in scopes.scopes and acc.can_see(o.scope)
        ]
        return RuleView(
            id=rule.id,
            name=rule.name,
            kind=rule.kind,  # type: ignore[arg-type]
            check=rule.spec.check,
            enabled=rule.enabled,
            origin=rule.origin,
            editable=rule.origin == "store" and self._may(Permission.MANAGE_ALERTS),
            severity=rule.spec.severity,  # type: ignore[arg-type]
            summary=render.summary(rule.spec, self.ctx.lang),
            spec={k: v for k, v in rule.spec.to_json().items() if k != "overrides"},
            overrides=overrides,
            open=open_counts.get(rule.id, 0),
        )

    def rules(self, model_path: ModelPath = None) -> RuleList:
        """Every rule (the store's and the model files'), with who may change what."""
        self.ctx.require(Permission.READ)
        problems = self._prepare(model_path)
        scopes = inbox.visible_scopes(self.ctx)
        rows, _ = repo.list_alerts(self.ctx.store, scopes, repo.UNRESOLVED, limit=100_000)
        counts: dict[int, int] = {}
        for a in rows:
            counts[a.rule_id] = counts.get(a.rule_id, 0) + 1
        views = [self._view(r, counts) for r in rulebook.stored_rules(self.ctx)]
        return RuleList(
            rules=views,
            can_manage=self._may(Permission.MANAGE_ALERTS),
            can_tune=self._may(Permission.TUNE_ALERTS),
            evaluation_schedule=settings.schedule_spec(self.ctx, "alerts"),
            digest_schedule=settings.schedule_spec(self.ctx, "weekly_digest"),
            problems=problems,
        )

    def _rule(self, rule_id: int) -> rulebook.Rule:
        for r in rulebook.stored_rules(self.ctx):
            if r.id == rule_id:
                return r
        raise NotFoundError("alert_rule_unknown", id=rule_id)

    def rule(self, rule_id: int) -> RuleDetail:
        """A rule with its statistics (over the alerts the user may see) and newest alerts."""
        self.ctx.require(Permission.READ)
        rule = self._rule(rule_id)
        stats, rows = inbox.stats(self.ctx, rule)
        names = inbox.rule_names(self.ctx)
        return RuleDetail(
            rule=self._view(rule, {rule.id: stats.open}),
            stats=stats,
            alerts=[inbox.item(self.ctx, a, names) for a in rows[:50]],
        )

    def _write_rule(self, rule_id: int | None, data: Mapping[str, Any]) -> RuleView:
        self.ctx.require(Permission.MANAGE_ALERTS)
        err = forms.Errors()
        name = forms.text(err, "name", data.get("name"), required=True, max_len=200)
        taken = {r.name for r in rulebook.stored_rules(self.ctx) if r.origin == "store" and r.id != rule_id}
        if name in taken:
            err.add("name", "taken")
        try:
            spec = rulebook.read_spec(data, org.scope_index(self.ctx))
        except FormInvalid as e:
            err.fields.update({k: v for k, v in e.fields.items() if k not in err.fields})
            spec = None
        err.check()
        assert name is not None and spec is not None
        enabled = str(data.get("enabled", "true")).lower() in ("1", "on", "true", "yes")
        rid = repo.save_rules(
            self.ctx.store,
            [(rule_id, repo.RuleWrite(name, spec.kind, enabled, spec.to_json()))],
            self.ctx.actor,
            self.ctx.now(),
        )[0]
        self.ctx.refresh()
        return self._view(self._rule(rid), {})

    def create_rule(self, data: Mapping[str, Any]) -> RuleView:
        return self._write_rule(None, data)

    def update_rule(self, rule_id: int, data: Mapping[str, Any]) -> RuleView:
        self.ctx.require(Permission.MANAGE_ALERTS)
        if self._rule(rule_id).origin != "store":
            raise UsageError(
                "alert_rule_in_model", rule=self._rule(rule_id).name, origin=self._rule(rule_id).origin
            )
        return self._write_rule(rule_id, data)

    def delete_rule(self, rule_id: int) -> None:
        self.ctx.require(Permission.MANAGE_ALERTS)
        rule = self._rule(rule_id)
        if rule.origin != "store":
            raise UsageError("alert_rule_in_model", rule=rule.name, origin=rule.origin)
        repo.delete_rule(self.ctx.store, rule_id, self.ctx.actor, self.ctx.now())
        self.ctx.refresh()

    def tune(self, rule_id: int, scope: str, values: Mapping[str, Any]) -> RuleView:
        """Set (or with empty values clear) a team's or member's thresholds of a rule —
        managers for the teams and members they can see."""
        self.ctx.require(Permission.TUNE_ALERTS)
        rule = self._rule(rule_id)
        if rule.origin != "store":
            raise UsageError("alert_rule_in_model", rule=rule.name, origin=rule.origin)
        kind, _, ident = scope.partition(":")
        key = (kind, int(ident)) if kind in (TEAM, MEMBER) and ident.isdigit() else None
        if key is None or key not in org.scope_index(self.ctx).scopes:
            raise FormInvalid({"scope": "bad_scope"})
        org.access(self.ctx).check(key, scope)
        body = rule.spec.to_json()
        kept = [o for o in body["overrides"] if o["scope"] != scope]
        given = {
            k: v
            for k, v in values.items()
            if k in ("enter", "leave", "min_elapsed", "days") and v not in (None, "")
        }
        body["overrides"] = kept + ([{"scope": scope, **given}] if given else [])
        spec = rulebook.read_spec(body, org.scope_index(self.ctx))
        write = repo.RuleWrite(rule.name, rule.kind, rule.enabled, spec.to_json())
        repo.save_rules(self.ctx.store, [(rule.id, write)], self.ctx.actor, self.ctx.now())
        self.ctx.refresh()
        return self._view(self._rule(rule.id), {})


__all__ = ["RuleAdmin"]
