"""Review meetings (週次 / 月次 / 四半期 for a scope): an agenda built from the numbers as of
its creation (see ``agenda.py``), reordered and completed by the facilitator, notes and a
decision per item, action items and KPI revision proposals; frozen with the snapshot of
every number it showed.  Seed 000's strategy meeting (数値報告, 成功・失敗要因, 市場動向,
施策提案, 次アクション) is the built-in template; teams save their own."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cached_property
from pathlib import Path
from typing import Any

from rashinban.app import forms, org
from rashinban.app.context import AppContext
from rashinban.app.diagnose import Diagnose
from rashinban.app.models import Models
from rashinban.app.reports import Reports
from rashinban.app.results import reviews as review_results  # the area's result types (the edges')
from rashinban.app.results.common import MemberRef
from rashinban.app.results.reviews import (
    AgendaItemView,
    AgendaSnapshot,
    MeetingList,
    MeetingSummary,
    MeetingView,
    Section,
)
from rashinban.app.reviews import agenda
from rashinban.app.reviews.actions import Actions
from rashinban.app.reviews.common import ScopeKey, node_labels, parse_scope_key, scope_ref, user_names
from rashinban.app.reviews.oneonone import OneOnOnes
from rashinban.app.reviews.revisions import Revisions
from rashinban.app.reviews.templates import CADENCES, TemplatesAndCadences
from rashinban.errors import ForbiddenError, NotFoundError, UsageError
from rashinban.org.roles import Permission, allowed
from rashinban.org.scopes import COMPANY, MEMBER, TEAM
from rashinban.store import actions as actions_repo
from rashinban.store import reviews as repo

ModelPath = str | Path | None


class Reviews(TemplatesAndCadences):
    """The area's root: meetings here; ``actions``, ``one_on_ones``, ``revisions``, ``reports``
    and ``diagnose`` (the 運用診断) beside them, over the same context."""

    def __init__(self, ctx: AppContext, dashboards: Any, insights: Any, forecasts: Any, alerts: Any) -> None:
        self.ctx = ctx
        self.models: Models = dashboards.models
        self.sources = agenda.Sources(dashboards, insights, forecasts, alerts)

    @cached_property
    def actions(self) -> Actions:
        return Actions(self.ctx, self.models)

    @cached_property
    def revisions(self) -> Revisions:
        return Revisions(self.ctx, self.models)

    @cached_property
    def one_on_ones(self) -> OneOnOnes:
        return OneOnOnes(self.ctx, self.models, self.sources.dashboards, self.actions)

    @cached_property
    def reports(self) -> Reports:
        return Reports(self.ctx, self.sources.dashboards, self, self.one_on_ones)

    @cached_property
    def diagnose(self) -> Diagnose:
        return Diagnose(self.ctx, self.models, self.sources.dashboards)

    # permissions ---------------------------------------------------------------------------
    def _may_run(self, key: ScopeKey) -> bool:
        ctx = self.ctx
        if ctx.user is None:
            return ctx.privileged
        acc = org.access(ctx)
        return allowed(ctx.user, Permission.RUN_REVIEWS) and not acc.read_only and acc.can_see(key)

    def _load(self, meeting_id: int) -> dict[str, Any]:
        self.ctx.require(Permission.READ)
        m = repo.get_meeting(self.ctx.store, meeting_id)
        if m is None or not org.access(self.ctx).can_see((m["scope_type"], m["scope_id"])):
            raise NotFoundError("meeting_unknown", id=meeting_id)
        return m

    def _editable(self, meeting_id: int) -> dict[str, Any]:
        m = self._load(meeting_id)
        if not self._may_run((m["scope_type"], m["scope_id"])):
            raise ForbiddenError("forbidden_role", role=self.ctx.user.role if self.ctx.user else "-")
        if m["state"] == "frozen":
            raise UsageError("meeting_frozen", id=meeting_id)
        return m

    # reads ---------------------------------------------------------------------------------
    def meetings(self) -> MeetingList:
        ctx = self.ctx
        ctx.require(Permission.READ)
        acc = org.access(ctx)
        rows = repo.list_meetings(ctx.store, None if acc.everything else list(acc.visible or ()))
        scopes = org.scope_index(ctx)
        options = self.sources.dashboards.scopes()
        return MeetingList(
            meetings=[
                MeetingSummary(
                    id=r["id"],
                    title=r["title"],
                    scope=scope_ref(scopes, (r["scope_type"], r["scope_id"])),
                    cadence=r["cadence"],
                    period=r["period"],
                    state=r["state"],
                    facilitator=r["facilitator"],
                    created_at=r["created_at"],
                    frozen_at=r["frozen_at"],
                )
                for r in rows
            ],
            templates=self.templates(),
            scopes=options,
            can_create=any(self._may_run(parse_scope_key(o.value) or (COMPANY, 0)) for o in options),
            cadence=self.cadences(),
        )

    def meeting(self, meeting_id: int) -> MeetingView:
        ctx = self.ctx
        m = self._load(meeting_id)
        key = (m["scope_type"], m["scope_id"])
        scopes = org.scope_index(ctx)
        b = self.models.for_scope(None, key)
        names = user_names(ctx.store)
        owners = self._owners(key)
        return MeetingView(
            id=m["id"],
            title=m["title"],
            scope=scope_ref(scopes, key),
            cadence=m["cadence"],
            period=m["period"],
            as_of=m["as_of"],
            state=m["state"],
            template=m["template"],
            sections=[Section(**s) for s in m["template_sections"]],
            facilitator=m["facilitator"],
            created_by=m["created_by"],
            created_at=m["created_at"],
            held_at=m["held_at"],
            frozen_at=m["frozen_at"],
            snapshot=AgendaSnapshot.model_validate(m["snapshot"]),
            items=[_item_view(i) for i in repo.items_of(ctx.store, meeting_id)],
            actions=self.actions.for_meeting(meeting_id),
            revisions=self.revisions.for_meeting(meeting_id, m["title"]),
            previous_id=m["previous_id"],
            can_edit=m["state"] != "frozen" and self._may_run(key),
            owners=[
                MemberRef(
                    type="member",
                    id=mid,
                    name=scopes.scopes[(MEMBER, mid)].name,
                    team_id=scopes.member_team.get(mid),
                )
                for mid, _ in owners
            ],
            owner_users={uid: names.get(uid, str(uid)) for _, uid in owners} | self._managers(names),
            nodes=node_labels(b.model, ctx.lang),
        )

    def _owners(self, key: ScopeKey) -> list[tuple[int, int]]:
        """(member, user) of the scope's members who have a user."""
        scopes = org.scope_index(self.ctx)
        if key[0] == MEMBER:
            mids = [key[1]]
        elif key[0] == TEAM:
            mids = scopes.members_of(key[1])
        else:
            mids = list(scopes.member_team)
        users = actions_repo.member_users(self.ctx.store)
        return [(m, u) for m in sorted(mids) for u in users.get(m, [])[:1]]

    def _managers(self, names: Mapping[int, str]) -> dict[int, str]:
        user = self.ctx.user
        return {user.id: names.get(user.id, user.username)} if user is not None else {}

    # writes --------------------------------------------------------------------------------
    def create(self, data: Mapping[str, Any], model_path: ModelPath = None) -> MeetingView:
        """A new meeting of a scope; its agenda is built from the numbers as of now."""
        ctx = self.ctx
        ctx.require(Permission.READ)
        err = forms.Errors()
        key = parse_scope_key(data.get("scope"))
        if key is None:
            err.add("scope", "required")
        cadence = str(data.get("cadence") or "weekly")
        if cadence not in CADENCES:
            err.add("cadence", "bad_choice")
        title = forms.text(err, "title", data.get("title"), max_len=200)
        facilitator = forms.text(err, "facilitator", data.get("facilitator"), max_len=100)
        period = forms.text(err, "period", data.get("period"), max_len=30)
        sections, template = self._template(err, data.get("template"))
        err.check()
        assert key is not None
        if key not in org.scope_index(ctx).scopes:
            raise NotFoundError("scope_unknown", kind=key[0], value=str(key[1]))
        if not self._may_run(key):
            org.access(ctx).check(key)
            raise ForbiddenError("forbidden_role", role=ctx.user.role if ctx.user else "-")
        previous = repo.latest_meeting(ctx.store, key)
        snap, items = self._build(key, period, model_path, previous)
        scope_name = org.scope_index(ctx).scopes[key].name
        from rashinban.i18n import t

        b = self.models.for_scope(model_path, key)
        mid = repo.create_meeting(
            ctx.store,
            {
                "scope_type": key[0],
                "scope_id": key[1],
                "cadence": cadence,
                "period": snap.period,
                "title": title or t(f"review.title_{cadence}", ctx.lang, scope=scope_name, date=ctx.today()),
                "template": template,
                "template_sections": [s.model_dump() for s in sections],
                "state": "draft",
                "facilitator": facilitator or ctx.actor,
                "model": b.model.name,
                "model_version": self.models.version_of(b.model),
                "as_of": ctx.today(),
                "previous_id": previous["id"] if previous else None,
                "snapshot": snap.model_dump(mode="json"),
                "created_by": ctx.actor,
            },
            agenda.place(items, sections),
            ctx.now(),
        )
        ctx.refresh()
        return self.meeting(mid)

    def _build(
        self, key: ScopeKey, period: str | None, model_path: ModelPath, previous: dict[str, Any] | None
    ) -> tuple[AgendaSnapshot, list[dict[str, Any]]]:
        prev_actions = self.actions.for_meeting(previous["id"]) if previous else []
        b = self.models.for_scope(model_path, key)
        return agenda.build(self.ctx, self.sources, b, key, period, model_path, previous, prev_actions)

    def refresh(self, meeting_id: int, model_path: ModelPath = None) -> MeetingView:
        """A draft's numbers as of now (notes kept); a held or frozen meeting keeps its own."""
        m = self._editable(meeting_id)
        if m["state"] != "draft":
            raise UsageError("meeting_not_draft", id=meeting_id)
        key = (m["scope_type"], m["scope_id"])
        previous = repo.get_meeting(self.ctx.store, m["previous_id"]) if m["previous_id"] else None
        snap, items = self._build(key, m["period"], model_path, previous)
        sections = [Section(**s) for s in m["template_sections"]]
        placed = [i for i in agenda.place(items, sections) if i["kind"] != "free"]
        repo.replace_generated(
            self.ctx.store, meeting_id, placed, snap.model_dump(mode="json"), self.ctx.now()
        )
        self.ctx.refresh()
        return self.meeting(meeting_id)

    def add_item(self, meeting_id: int, data: Mapping[str, Any]) -> MeetingView:
        m = self._editable(meeting_id)
        err = forms.Errors()
        title = forms.text(err, "title", data.get("title"), required=True, max_len=300)
        section = str(data.get("section") or "")
        if section not in [s["key"] for s in m["template_sections"]]:
            err.add("section", "bad_choice")
        notes = forms.text(err, "notes", data.get("notes"), max_len=20000)
        err.check()
        assert title is not None
        item = {"section": section, "kind": "free", "title": title, "notes": notes}
        repo.add_item(self.ctx.store, meeting_id, item, self.ctx.actor, self.ctx.now())
        self.ctx.refresh()
        return self.meeting(meeting_id)

    def update_item(self, meeting_id: int, item_id: int, data: Mapping[str, Any]) -> MeetingView:
        """Notes and the decision of an item (a free item's title too)."""
        self._editable(meeting_id)
        item = self._item(meeting_id, item_id)
        err = forms.Errors()
        values: dict[str, Any] = {}
        for field, size in (("notes", 20000), ("decision", 4000)):
            if field in data:
                values[field] = forms.text(err, field, data.get(field), max_len=size)
        if item["kind"] == "free" and data.get("title") is not None:
            values["title"] = forms.text(err, "title", data.get("title"), required=True, max_len=300)
        err.check()
        repo.update_item(self.ctx.store, item_id, self.ctx.actor, self.ctx.now(), **values)
        self.ctx.refresh()
        return self.meeting(meeting_id)

    def _item(self, meeting_id: int, item_id: int) -> dict[str, Any]:
        for i in repo.items_of(self.ctx.store, meeting_id):
            if i["id"] == item_id:
                return i
        raise NotFoundError("item_unknown", id=item_id)

    def delete_item(self, meeting_id: int, item_id: int) -> MeetingView:
        self._editable(meeting_id)
        if self._item(meeting_id, item_id)["kind"] != "free":
            raise UsageError("item_generated", id=item_id)
        repo.delete_item(self.ctx.store, item_id)
        self.ctx.refresh()
        return self.meeting(meeting_id)

    def reorder(self, meeting_id: int, order: Sequence[int]) -> MeetingView:
        self._editable(meeting_id)
        repo.reorder(self.ctx.store, meeting_id, [int(i) for i in order], self.ctx.now())
        self.ctx.refresh()
        return self.meeting(meeting_id)

    def move(self, meeting_id: int, item_id: int, step: int) -> MeetingView:
        """Move an item one place up (``step`` −1) or down (+1)."""
        self._editable(meeting_id)
        ids = [i["id"] for i in repo.items_of(self.ctx.store, meeting_id)]
        if item_id not in ids:
            raise NotFoundError("item_unknown", id=item_id)
        i = ids.index(item_id)
        j = max(0, min(len(ids) - 1, i + (1 if step > 0 else -1)))
        ids[i], ids[j] = ids[j], ids[i]
        return self.reorder(meeting_id, ids)

    def hold(self, meeting_id: int) -> MeetingView:
        """The meeting took place: its numbers stay as they were built."""
        m = self._editable(meeting_id)
        if m["state"] == "draft":
            repo.update_meeting(
                self.ctx.store, meeting_id, self.ctx.now(), state="held", held_at=self.ctx.now()
            )
            self.ctx.refresh()
        return self.meeting(meeting_id)

    def freeze(self, meeting_id: int) -> MeetingView:
        """Frozen: nothing of it changes any more (the snapshot, notes, decisions)."""
        m = self._editable(meeting_id)
        now = self.ctx.now()
        repo.update_meeting(
            self.ctx.store,
            meeting_id,
            now,
            state="frozen",
            frozen_at=now,
            frozen_by=self.ctx.actor,
            held_at=m["held_at"] or now,
        )
        self.ctx.refresh()
        return self.meeting(meeting_id)

    def add_action(
        self, meeting_id: int, data: Mapping[str, Any], model_path: ModelPath = None
    ) -> MeetingView:
        m = self._editable(meeting_id)
        key = (m["scope_type"], m["scope_id"])
        item = data.get("item_id")
        item_id = int(item) if item not in (None, "") and str(item).isdigit() else None
        self.actions.create(
            data, meeting_id=meeting_id, item_id=item_id, default_scope=key, model_path=model_path
        )
        return self.meeting(meeting_id)

    def propose_revision(
        self, meeting_id: int, data: Mapping[str, Any], model_path: ModelPath = None
    ) -> MeetingView:
        m = self._editable(meeting_id)
        self.revisions.propose(m, data, model_path)
        return self.meeting(meeting_id)

    def decide_revision(
        self, revision_id: int, decision: str, model_path: ModelPath = None
    ) -> MeetingView | None:
        rev = self.revisions.get_row(revision_id)
        if rev["meeting_id"] is None:
            self.revisions.decide(rev, decision, None, model_path)
            return None
        m = self._editable(rev["meeting_id"])
        self.revisions.decide(rev, decision, m, model_path)
        return self.meeting(m["id"])


def _item_view(i: dict[str, Any]) -> AgendaItemView:
    data = i["data"] or {}
    return AgendaItemView(
        id=i["id"],
        position=i["position"],
        section=i["section"],
        kind=i["kind"],
        title=i["title"],
        ref=data.get("ref") if isinstance(data, dict) else None,
        notes=i["notes"],
        decision=i["decision"],
    )


__all__ = ["CADENCES", "Reviews", "review_results"]

# the weekly digest's "action items due" (the alerts area's extension point)
from rashinban.app.alerts import digest as _digest  # noqa: E402
from rashinban.app.reviews.actions import digest_section as _section  # noqa: E402

_digest.register_section("action_items", _section)
