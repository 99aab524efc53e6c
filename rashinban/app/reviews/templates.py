"""The review meetings' agenda templates (seed 000's strategy meeting built in, the teams'
own saved) and the cadence each scope's reviews are expected at (read by the 運用診断)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from rashinban.app import forms, org
from rashinban.app.context import AppContext
from rashinban.app.results.reviews import Section, TemplateView
from rashinban.app.reviews import agenda
from rashinban.app.reviews.common import ScopeKey, parse_scope_key
from rashinban.errors import ForbiddenError, UsageError
from rashinban.org.scopes import COMPANY, TEAM
from rashinban.store import admin as settings_store
from rashinban.store import reviews as repo

CADENCES = ("weekly", "monthly", "quarterly")
CADENCE_SETTING = "review_cadence"


class TemplatesAndCadences:
    ctx: AppContext

    def _may_run(self, key: ScopeKey) -> bool:
        raise NotImplementedError

    def templates(self) -> list[TemplateView]:
        lang = self.ctx.lang
        out = [
            TemplateView(
                id=None, team_id=None, name=_builtin_name(lang), sections=agenda.default_sections(lang)
            )
        ]
        acc = org.access(self.ctx)
        for r in repo.templates(self.ctx.store):
            if r["team_id"] is None or acc.can_see((TEAM, r["team_id"])):
                secs = [
                    Section(**s) if isinstance(s, dict) else Section(key=str(s), label=str(s))
                    for s in r["sections"]
                ]
                out.append(TemplateView(id=r["id"], team_id=r["team_id"], name=r["name"], sections=secs))
        return out

    def _template(self, err: forms.Errors, value: Any) -> tuple[list[Section], str]:
        raw = str(value or "").strip()
        for tv in self.templates():
            if (tv.id is None and raw in ("", "default")) or (tv.id is not None and raw == str(tv.id)):
                return list(tv.sections), tv.name
        err.add("template", "bad_choice")
        return [], ""

    def save_template(self, data: Mapping[str, Any]) -> list[TemplateView]:
        """A team's template: a name and its sections, one per line (a built-in section's
        name or key keeps what the agenda puts there)."""
        ctx = self.ctx
        err = forms.Errors()
        name = forms.text(err, "name", data.get("name"), required=True, max_len=100)
        team_key = parse_scope_key(data.get("team")) if data.get("team") else None
        if data.get("team") and (team_key is None or team_key[0] != TEAM):
            err.add("team", "bad_choice")
        lines = [x.strip() for x in str(data.get("sections") or "").splitlines() if x.strip()]
        if not lines:
            err.add("sections", "required")
        elif len(lines) > 12 or any(len(x) > 100 for x in lines):
            err.add("sections", "too_long")
        err.check()
        key = team_key or (COMPANY, 0)
        if not self._may_run(key) or (
            team_key is None and ctx.user is not None and not org.access(ctx).everything
        ):
            raise ForbiddenError("forbidden_role", role=ctx.user.role if ctx.user else "-")
        builtin = {s.label: s.key for lang in ("ja", "en") for s in agenda.default_sections(lang)}
        builtin |= {k: k for k in agenda.SECTIONS}
        sections = [{"key": builtin.get(x, f"custom{i}"), "label": x} for i, x in enumerate(lines)]
        assert name is not None
        repo.save_template(ctx.store, team_key[1] if team_key else None, name, sections, ctx.actor, ctx.now())
        ctx.refresh()
        return self.templates()

    def cadences(self) -> dict[str, Any]:
        value = org.settings(self.ctx).get(CADENCE_SETTING)
        return dict(value) if isinstance(value, dict) else {"company": "weekly"}

    def set_cadence(self, scope: str, cadence: str | None) -> dict[str, Any]:
        """The cadence a scope's reviews are expected at (None: not expected)."""
        ctx = self.ctx
        key = parse_scope_key(scope)
        if key is None or (cadence is not None and cadence not in CADENCES):
            raise UsageError(
                "option_bad_choice", option="--cadence", value=str(cadence), allowed=", ".join(CADENCES)
            )
        if not self._may_run(key):
            raise ForbiddenError("forbidden_role", role=ctx.user.role if ctx.user else "-")
        value = self.cadences()
        text = COMPANY if key[0] == COMPANY else f"{key[0]}:{key[1]}"
        if cadence is None:
            value.pop(text, None)
        else:
            value[text] = cadence
        settings_store.set_setting(ctx.store, CADENCE_SETTING, value, ctx.actor, ctx.now())
        ctx.refresh()
        return value


def _builtin_name(lang: str) -> str:
    from rashinban.i18n import t

    return t("review.template_builtin", lang)


__all__ = ["CADENCES", "CADENCE_SETTING", "TemplatesAndCadences"]
