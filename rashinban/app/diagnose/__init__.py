"""運用診断: seed 004's checklist 「本記事のチェックリストを活用して自社のKPI設定・運用状況を
診断」 evaluated from the system's own state (the model, targets, data arriving, sign-ins,
settings, alert rules, leads, meetings, actions, revisions), plus what forecasting needs
from the data; each item pass / partial / fail with its evidence and the one fixing step.

(Not to be confused with the insights' ``diagnose-miss``: why a scope missed its KGI.)"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, timedelta
from typing import Any

from rashinban.app import forms, org
from rashinban.app.alerts import rulebook
from rashinban.app.context import AppContext
from rashinban.app.diagnose import checks
from rashinban.app.models import Models
from rashinban.app.results.diagnose import CheckItem, DiagnoseResult, InputRules
from rashinban.errors import RashinbanError
from rashinban.i18n import format as fmt
from rashinban.i18n import t
from rashinban.org.roles import Permission
from rashinban.org.scopes import COMPANY
from rashinban.store import actions as actions_repo
from rashinban.store import admin as settings_store
from rashinban.store import reviews as reviews_repo
from rashinban.store.diagnose import facts

INPUT_RULES = "input_rules"
FIELDS = ("outcome", "deal", "lead", "account", "duration", "subject")
FIX_URLS = {
    "kgi": "/planning",
    "tree": "/planning",
    "focus": "/planning",
    "targets": "/planning",
    "definitions": "/planning",
    "automation": "/import",
    "dashboard": "/",
    "input_rules": "/admin/diagnose#input-rules",
    "entry_alerts": "/alerts/settings",
    "lead_definition": "/planning",
    "handoff": "/funnel",
    "reviews": "/reviews",
    "improvement": "/reviews",
    "revision": "/reviews/revisions",
    "won_deals": "/import",
    "lost_deals": "/import",
    "history": "/import",
}


class Diagnose:
    def __init__(self, ctx: AppContext, models: Models, dashboards: Any) -> None:
        self.ctx = ctx
        self.models = models
        self.dashboards = dashboards
        self._kgi_text: str | None = None
        self._kgi_name: str | None = None

    def input_rules(self) -> InputRules:
        value = org.settings(self.ctx).get(INPUT_RULES)
        r = value if isinstance(value, dict) else {}
        return InputRules(
            required=[str(x) for x in r.get("required") or []],
            timing_hours=r.get("timing_hours"),
            note=r.get("note"),
        )

    def save_input_rules(self, data: Mapping[str, Any]) -> InputRules:
        """The written input rules: required fields and the timing (hours after the event)."""
        ctx = self.ctx
        ctx.require(Permission.ADMINISTER)
        err = forms.Errors()
        raw = data.get("required")
        items = raw if isinstance(raw, list) else [x for x in str(raw or "").replace(",", " ").split() if x]
        required = [str(x) for x in items]
        if any(x not in FIELDS for x in required):
            err.add("required", "bad_choice")
        hours = forms.integer(err, "timing_hours", data.get("timing_hours"), lo=1, hi=24 * 14)
        note = forms.text(err, "note", data.get("note"), max_len=4000)
        err.check()
        value = (
            {"required": required, "timing_hours": hours, "note": note} if required or hours or note else None
        )
        settings_store.set_setting(ctx.store, INPUT_RULES, value, ctx.actor, ctx.now())
        ctx.refresh()
        return self.input_rules()

    def run(self, model_path: Any = None) -> DiagnoseResult:
        ctx = self.ctx
        ctx.require(Permission.ADMINISTER)
        lang = ctx.lang
        state = self._state(model_path)
        items = []
        for i, (key, text) in enumerate(checks.ITEMS, start=1):
            status, figs = checks.CHECKS[key](state)
            items.append(self._item(key, i, text, status, figs, lang))
        ready = [
            self._item(k, 0, t(f"diagnose.item_{k}", "ja"), s, f, lang) for k, s, f in checks.readiness(state)
        ]
        counts = {v: sum(1 for x in items if x.status == v) for v in ("pass", "partial", "fail")}
        return DiagnoseResult(
            as_of=ctx.today(),
            model=state.model.name if state.model is not None else None,
            items=items,
            readiness=ready,
            passed=counts["pass"],
            partial=counts["partial"],
            failed=counts["fail"],
            score=round((counts["pass"] + counts["partial"] / 2) / len(items), 3),
            input_rules=self.input_rules(),
        )

    def _item(
        self, key: str, number: int, text: str, status: str, figs: dict[str, Any], lang: str
    ) -> CheckItem:
        params = {k: ("—" if v is None else v) for k, v in figs.items()}
        if key == "kgi" and self._kgi_text:
            params["target"] = self._kgi_text
        if key == "kgi" and self._kgi_name:  # the KGI by its name in the reader's language
            params["kgi"] = self._kgi_name
        if isinstance(figs.get("share"), float):
            params["share"] = f"{figs['share'] * 100:.0f}%"
        if isinstance(figs.get("on_time"), float):
            params["on_time"] = f"{figs['on_time'] * 100:.0f}%"
        return CheckItem(
            key=key,
            number=number,
            text=text,
            title=text if lang == "ja" else t(f"diagnose.item_{key}", lang),
            status=status,  # type: ignore[arg-type]
            evidence=t(f"diagnose.ev_{key}", lang, **params),
            figures=figs,
            fix=None if status == "pass" else t(f"diagnose.fix_{key}", lang),
            fix_url=None if status == "pass" else FIX_URLS.get(key),
        )

    def _state(self, model_path: Any) -> checks.State:
        ctx = self.ctx
        model = None
        kgi_target = None
        main_with = main_total = 0
        try:
            model = self.models.for_scope(model_path, (COMPANY, 0)).model
            tree = self.dashboards.tree(model_path, None, COMPANY)
            for n in tree.nodes:
                if n.id == model.kgi:
                    self._kgi_name = n.label
                if n.id == model.kgi and n.target is not None:
                    kgi_target = n.target
                    self._kgi_text = fmt.value(n.target, n.unit, ctx.lang)
                if n.role == "main" or n.id == model.kgi:
                    main_total += 1
                    main_with += n.target is not None
        except RashinbanError:
            pass
        rules = self.input_rules()
        instant = ctx.clock.instant().astimezone(UTC).replace(tzinfo=None)
        f = facts(ctx.store, ctx.now(), instant, checks.FRESH_DAYS, rules.timing_hours)
        kinds = {r.kind for r in rulebook.stored_rules(ctx) if r.enabled}
        cadence = org.settings(ctx).get("review_cadence")
        state = checks.State(
            today=ctx.today(),
            model=model,
            kgi_target=kgi_target,
            main_with_target=main_with,
            main_total=main_total,
            facts=f,
            input_rules=rules.model_dump(),
            alert_kinds=kinds,
            cadences=dict(cadence) if isinstance(cadence, dict) else {"company": "weekly"},
            meetings=f["meetings"],
        )
        since = ctx.now() - timedelta(days=90)
        for m in reviews_repo.list_meetings(ctx.store, None):
            if m["created_at"] < since:
                continue
            full = reviews_repo.get_meeting(ctx.store, m["id"])
            for k in (full or {}).get("snapshot", {}).get("kpis", []):
                state.missed.append((m["id"], str(k["node"])))
        state.acted = {
            (int(a["meeting_id"]), str(a["node"])) for a in _actions(ctx) if a["meeting_id"] and a["node"]
        }
        return state


def _actions(ctx: AppContext) -> list[dict[str, Any]]:
    return actions_repo.list_actions(ctx.store, limit=100_000)


__all__ = ["FIELDS", "INPUT_RULES", "Diagnose"]
