"""KPI revisions as part of the loop: from a meeting, propose a new target for a node, scope
and period, or a new version of the model, with the reason; applying it writes the target
revision (its reason names the meeting) or pushes the model version (its message names the
meeting), and the revision history shows which meeting decided what."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from rashinban.app import forms, org
from rashinban.app.context import AppContext
from rashinban.app.models import Models
from rashinban.app.results.reviews import RevisionList, RevisionView
from rashinban.app.reviews.common import node_label, parse_scope_key
from rashinban.errors import ForbiddenError, NotFoundError, UsageError
from rashinban.i18n import format as fmt
from rashinban.i18n import t
from rashinban.kpi.modelfile import parse_model
from rashinban.kpi.numbers import parse_number
from rashinban.org.roles import Permission
from rashinban.org.scopes import COMPANY
from rashinban.store import actions as repo
from rashinban.store import reviews as meetings_repo
from rashinban.store.targets import TargetRow, current_targets, save_targets

ModelPath = str | Path | None


class Revisions:
    def __init__(self, ctx: AppContext, models: Models) -> None:
        self.ctx = ctx
        self.models = models

    def get_row(self, revision_id: int) -> dict[str, Any]:
        self.ctx.require(Permission.READ)
        rev = repo.get_revision(self.ctx.store, revision_id)
        if rev is None or not self._visible(rev):
            raise NotFoundError("revision_unknown", id=revision_id)
        return rev

    def _visible(self, rev: dict[str, Any]) -> bool:
        acc = org.access(self.ctx)
        if rev["scope_type"] is not None:
            return acc.can_see((rev["scope_type"], rev["scope_id"] or 0))
        return acc.everything

    def propose(self, meeting: dict[str, Any], data: Mapping[str, Any], model_path: ModelPath) -> int:
        ctx = self.ctx
        key = (meeting["scope_type"], meeting["scope_id"])
        b = self.models.for_scope(model_path, key)
        err = forms.Errors()
        kind = str(data.get("kind") or "target")
        reason = forms.text(err, "reason", data.get("reason"), required=True, max_len=2000)
        values: dict[str, Any] = {"meeting_id": meeting["id"], "kind": kind, "model": b.model.name}
        if kind == "target":
            node = str(data.get("node") or "")
            if node not in b.model.nodes:
                err.add("node", "bad_choice")
            scope = parse_scope_key(data.get("scope")) or key
            if scope not in org.scope_index(ctx).scopes or not org.access(ctx).can_see(scope):
                err.add("scope", "bad_choice")
            period = forms.text(err, "period", data.get("period"), max_len=30) or meeting["period"]
            new = parse_number(str(data.get("value") or ""))
            if new is None:
                err.add("value", "not_number")
            err.check()
            sid = None if scope[0] == COMPANY else scope[1]
            old = current_targets(ctx.store, b.model.name, [period]).get((node, scope[0], sid, period))
            values |= {"node": node, "scope_type": scope[0], "scope_id": scope[1], "period": period}
            values |= {"old_value": old, "new_value": new}
        elif kind == "model":
            text = str(data.get("model_text") or "")
            if not text.strip():
                err.add("model_text", "required")
            elif len(text) > 500_000:
                err.add("model_text", "too_long")
            err.check()
            parse_model(text, f"meeting {meeting['id']}")  # a model that does not parse is refused
            values |= {"model_text": text, "scope_type": key[0], "scope_id": key[1]}
        else:
            err.add("kind", "bad_choice")
            err.check()
        assert reason is not None
        rid = repo.propose(ctx.store, {**values, "reason": reason, "proposed_by": ctx.actor}, ctx.now())
        ctx.refresh()
        return rid

    def decide(
        self, rev: dict[str, Any], decision: str, meeting: dict[str, Any] | None, model_path: ModelPath
    ) -> None:
        """``apply``: write the target revision / push the model version; ``reject``."""
        ctx = self.ctx
        if rev["state"] != "proposed":
            raise UsageError("revision_decided", id=rev["id"])
        if decision == "reject":
            repo.decide(ctx.store, rev["id"], "rejected", ctx.actor, ctx.now())
            ctx.refresh()
            return
        if decision != "apply":
            raise UsageError("option_bad_choice", option="decision", value=decision, allowed="apply, reject")
        label = t("review.decided_in", ctx.lang, id=meeting["id"], title=meeting["title"]) if meeting else ""
        reason = f"{label}: {rev['reason']}" if label else rev["reason"]
        version = None
        if rev["kind"] == "target":
            ctx.require(Permission.PLAN)
            if rev["scope_type"] == COMPANY:
                ctx.require(Permission.PLAN_COMPANY)
            sid = None if rev["scope_type"] == COMPANY else rev["scope_id"]
            row = TargetRow(rev["node"], rev["scope_type"], sid, rev["period"], rev["new_value"])
            b = self.models.for_scope(model_path, (rev["scope_type"], rev["scope_id"]))
            version = self.models.version_of(b.model)
            save_targets(ctx.store, rev["model"], [row], ctx.actor, reason[:4000], ctx.now(), version)
        else:
            ctx.require(Permission.MANAGE_MODELS)
            version = self.models.push_text(
                rev["model_text"], f"meeting {rev['meeting_id']}", rev["model"], reason
            )
        if not repo.decide(ctx.store, rev["id"], "applied", ctx.actor, ctx.now(), model_version=version):
            raise UsageError("revision_decided", id=rev["id"])
        ctx.refresh()

    # reads ---------------------------------------------------------------------------------
    def view(self, rev: dict[str, Any], titles: Mapping[int, str]) -> RevisionView:
        ctx = self.ctx
        scopes = org.scope_index(ctx)
        key = (rev["scope_type"], rev["scope_id"]) if rev["scope_type"] else None
        b = self.models.for_scope(None, key)
        node = b.model.nodes.get(rev["node"] or "")
        unit = str(node.unit) if node is not None else "number"

        def shown(v: Any) -> str:
            return fmt.value(v, unit, ctx.lang) if v is not None else "—"

        return RevisionView(
            id=rev["id"],
            meeting_id=rev["meeting_id"],
            meeting_title=titles.get(rev["meeting_id"]) if rev["meeting_id"] else None,
            kind=rev["kind"],
            model=rev["model"],
            node=rev["node"],
            node_label=node_label(b.model, rev["node"], ctx.lang) if rev["node"] else None,
            scope=scopes.scopes[key].name if key and key in scopes.scopes else None,
            period=rev["period"],
            old_value=float(rev["old_value"]) if rev["old_value"] is not None else None,
            new_value=float(rev["new_value"]) if rev["new_value"] is not None else None,
            old_text=shown(rev["old_value"]) if rev["kind"] == "target" else "—",
            new_text=shown(rev["new_value"])
            if rev["kind"] == "target"
            else f"v{rev['model_version'] or '?'}",
            reason=rev["reason"],
            state=rev["state"],
            proposed_by=rev["proposed_by"],
            proposed_at=rev["proposed_at"],
            decided_by=rev["decided_by"],
            decided_at=rev["decided_at"],
            model_version=rev["model_version"],
        )

    def for_meeting(self, meeting_id: int, title: str) -> list[RevisionView]:
        rows = repo.list_revisions(self.ctx.store, meeting=meeting_id)
        return [self.view(r, {meeting_id: title}) for r in rows]

    def history(self) -> RevisionList:
        """Every revision proposal the user may see, newest first, with its meeting."""
        self.ctx.require(Permission.READ)
        rows = [r for r in repo.list_revisions(self.ctx.store) if self._visible(r)]
        titles: dict[int, str] = {}
        for mid in {r["meeting_id"] for r in rows if r["meeting_id"]}:
            m = meetings_repo.get_meeting(self.ctx.store, mid)
            if m is not None:
                titles[mid] = m["title"]
        return RevisionList(revisions=[self.view(r, titles) for r in rows])


def _forbidden(ctx: AppContext) -> ForbiddenError:
    return ForbiddenError("forbidden_role", role=ctx.user.role if ctx.user else "-")


__all__ = ["Revisions"]
