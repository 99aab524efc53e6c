"""Action items: who does what by when to move which KPI of which scope, by how much; their
inbox, their escalation when overdue, the digest's "action items due", and each done
action's observed effect."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from rashinban.alerts.message import Item, Message
from rashinban.app import forms, org
from rashinban.app.alerts import dispatch
from rashinban.app.alerts.people import People
from rashinban.app.context import AppContext
from rashinban.app.models import Models
from rashinban.app.results.alerts import DigestItem, DigestSection
from rashinban.app.results.reviews import ActionList, ActionView
from rashinban.app.reviews import effect
from rashinban.app.reviews.common import node_label, parse_scope_key, scope_ref, user_names
from rashinban.errors import ForbiddenError, NotFoundError
from rashinban.i18n import format as fmt
from rashinban.i18n import t
from rashinban.kpi.numbers import parse_number
from rashinban.org.roles import Permission, Role, allowed, role_of
from rashinban.org.scopes import MEMBER
from rashinban.org.users import User
from rashinban.store import actions as repo
from rashinban.store import alert_deliveries as D
from rashinban.store.users import get_user

ModelPath = str | Path | None
STATUSES = ("open", "in_progress", "done", "cancelled")
UNITS = ("pt", "pct", "abs")


class Actions:
    def __init__(self, ctx: AppContext, models: Models) -> None:
        self.ctx = ctx
        self.models = models

    # permissions ---------------------------------------------------------------------------
    def _may_assign(self) -> bool:
        ctx = self.ctx
        if ctx.user is None:
            return ctx.privileged
        return allowed(ctx.user, Permission.RUN_REVIEWS) or allowed(ctx.user, Permission.HOLD_ONE_ON_ONES)

    def _visible(self, a: dict[str, Any]) -> bool:
        user = self.ctx.user
        if user is not None and a["owner_user_id"] == user.id:
            return True
        return org.access(self.ctx).can_see((a["scope_type"], a["scope_id"]))

    def _editable(self, a: dict[str, Any]) -> bool:
        """The owner may change the status; a reviewer who sees the scope may change anything."""
        user = self.ctx.user
        if user is None:
            return self.ctx.privileged
        if a["owner_user_id"] == user.id:
            return True
        acc = org.access(self.ctx)
        return self._may_assign() and not acc.read_only and acc.can_see((a["scope_type"], a["scope_id"]))

    def _load(self, action_id: int) -> dict[str, Any]:
        self.ctx.require(Permission.READ)
        a = repo.get_action(self.ctx.store, action_id)
        if a is None or not self._visible(a):
            raise NotFoundError("action_unknown", id=action_id)
        return a

    # reads ---------------------------------------------------------------------------------
    def view(
        self, a: dict[str, Any], names: Mapping[int, str] | None = None, with_effect: bool = True
    ) -> ActionView:
        ctx = self.ctx
        key = (a["scope_type"], a["scope_id"])
        scopes = org.scope_index(ctx)
        b = self.models.for_scope(None, key)
        eff = None
        if with_effect and a["status"] == "done" and a["node"]:
            measured, reason, w = effect.measure(ctx, b, a["node"], key, a["started_on"], ctx.today())
            eff = effect.view(ctx, b, a, measured, reason, w)
        names = names if names is not None else user_names(ctx.store)
        return ActionView(
            id=a["id"],
            title=a["title"],
            detail=a["detail"],
            owner_id=a["owner_user_id"],
            owner=names.get(a["owner_user_id"], str(a["owner_user_id"])),
            node=a["node"],
            node_label=node_label(b.model, a["node"], ctx.lang) if a["node"] else None,
            scope=scope_ref(scopes, key),
            expected_change=float(a["expected_change"]) if a["expected_change"] is not None else None,
            expected_unit=a["expected_unit"],
            expected_text=expected_text(b.model, a, ctx.lang),
            due_on=a["due_on"],
            status=a["status"],
            overdue=a["status"] in repo.OPEN_STATES and a["due_on"] < ctx.today(),
            started_on=a["started_on"],
            done_at=a["done_at"],
            meeting_id=a["meeting_id"],
            one_on_one_id=a["one_on_one_id"],
            escalated_at=a["escalated_at"],
            effect=eff,
            url=f"/actions/{a['id']}",
            can_edit=self._editable(a),
        )

    def get(self, action_id: int) -> ActionView:
        return self.view(self._load(action_id))

    def inbox(self, mine: bool = True, status: str = "open") -> ActionList:
        """The user's own actions (``mine``) or every action of the scopes they see."""
        ctx = self.ctx
        ctx.require(Permission.READ)
        states = repo.OPEN_STATES if status == "open" else None
        user = ctx.user
        if mine and user is not None:
            rows = repo.list_actions(ctx.store, owner=user.id, states=states)
        else:
            acc = org.access(ctx)
            visible = None if acc.everything else list(acc.visible or ())
            rows = repo.list_actions(ctx.store, scopes=visible, states=states)
            if user is not None:
                rows += [
                    r for r in repo.list_actions(ctx.store, owner=user.id, states=states) if r not in rows
                ]
        names = user_names(ctx.store)
        views = [self.view(r, names, with_effect=False) for r in rows]
        return ActionList(
            actions=views, overdue=sum(v.overdue for v in views), mine=mine and user is not None
        )

    def for_meeting(self, meeting_id: int, with_effect: bool = True) -> list[ActionView]:
        names = user_names(self.ctx.store)
        rows = repo.list_actions(self.ctx.store, meeting=meeting_id)
        return [self.view(r, names, with_effect) for r in rows if self._visible(r)]

    def for_one_on_one(self, one_id: int) -> list[ActionView]:
        names = user_names(self.ctx.store)
        return [self.view(r, names) for r in repo.list_actions(self.ctx.store, one_on_one=one_id)]

    # writes --------------------------------------------------------------------------------
    def create(
        self,
        data: Mapping[str, Any],
        meeting_id: int | None = None,
        item_id: int | None = None,
        one_on_one_id: int | None = None,
        default_scope: tuple[str, int] | None = None,
        model_path: ModelPath = None,
    ) -> ActionView:
        ctx = self.ctx
        ctx.require(Permission.READ)
        if not self._may_assign():
            raise ForbiddenError("forbidden_role", role=ctx.user.role if ctx.user else "-")
        err = forms.Errors()
        title = forms.text(err, "title", data.get("title"), required=True, max_len=300)
        detail = forms.text(err, "detail", data.get("detail"), max_len=4000)
        key = parse_scope_key(data.get("scope")) or default_scope
        if key is None or key not in org.scope_index(ctx).scopes:
            err.add("scope", "required" if key is None else "bad_choice")
        owner = self._owner(err, data.get("owner"))
        due = _date(err, "due_on", data.get("due_on"))
        b = self.models.for_scope(model_path, key) if key is not None and "scope" not in err.fields else None
        node = (str(data.get("node") or "").strip()) or None
        if node is not None and b is not None and node not in b.model.nodes:
            err.add("node", "bad_choice")
        change, unit = _expected(err, data)
        err.check()
        assert key is not None and owner is not None and due is not None and title is not None
        acc = org.access(ctx)
        acc.check(key)
        if acc.read_only:
            raise ForbiddenError("forbidden_role", role=ctx.user.role if ctx.user else "-")
        aid = repo.create_action(
            ctx.store,
            {
                "title": title,
                "detail": detail,
                "owner_user_id": owner.id,
                "model": b.model.name if b is not None else None,
                "node": node,
                "scope_type": key[0],
                "scope_id": key[1],
                "expected_change": change,
                "expected_unit": unit,
                "due_on": due,
                "status": "open",
                "meeting_id": meeting_id,
                "item_id": item_id,
                "one_on_one_id": one_on_one_id,
                "started_on": ctx.today(),
                "created_by": ctx.actor,
            },
            ctx.now(),
        )
        ctx.refresh()
        return self.get(aid)

    def _owner(self, err: forms.Errors, value: Any) -> User | None:
        text = str(value or "").strip()
        if not text:
            err.add("owner", "required")
            return None
        user = get_user(self.ctx.store, int(text)) if text.isdigit() else None
        if user is None:
            err.add("owner", "bad_choice")
        return user

    def update(self, action_id: int, data: Mapping[str, Any]) -> ActionView:
        """``status`` (the owner or a reviewer); ``title``, ``due_on``, ``detail`` (a reviewer)."""
        ctx = self.ctx
        a = self._load(action_id)
        if not self._editable(a):
            raise ForbiddenError("forbidden_role", role=ctx.user.role if ctx.user else "-")
        err = forms.Errors()
        values: dict[str, Any] = {}
        status = data.get("status")
        if status is not None:
            if status not in STATUSES:
                err.add("status", "bad_choice")
            else:
                values["status"] = status
                values["done_at"] = ctx.now() if status == "done" else None
        reviewer = ctx.user is None or a["owner_user_id"] != ctx.user.id or self._may_assign()
        if reviewer:
            if data.get("title") is not None:
                values["title"] = forms.text(err, "title", data.get("title"), required=True, max_len=300)
            if data.get("detail") is not None:
                values["detail"] = forms.text(err, "detail", data.get("detail"), max_len=4000)
            if data.get("due_on") is not None:
                values["due_on"] = _date(err, "due_on", data.get("due_on"))
        err.check()
        if values:
            repo.update_action(ctx.store, action_id, ctx.now(), **values)
            ctx.refresh()
        return self.get(action_id)

    # escalation and the digest ------------------------------------------------------------
    def escalate(self) -> int:
        """Tell the owner's managers (or admins) about actions overdue and not escalated yet."""
        ctx = self.ctx
        ctx.require(Permission.MANAGE_ALERTS)
        today = ctx.today()
        due = [
            a
            for a in repo.list_actions(ctx.store, states=repo.OPEN_STATES, due_before=today, limit=5000)
            if a["escalated_at"] is None
        ]
        if not due:
            return 0
        users = D.active_users(ctx.store)
        by_id = {u.id: u for u in users}
        people = People(users, org.scope_index(ctx))
        stored, emails = D.all_prefs(ctx.store), D.member_emails(ctx.store)
        now = ctx.now()
        news: list[D.NewDelivery] = []
        base = dispatch.public_url(ctx)
        for a in due:
            owner = by_id.get(a["owner_user_id"])
            scope = (
                (MEMBER, owner.member_id) if owner and owner.member_id else (a["scope_type"], a["scope_id"])
            )
            told = {owner.id} if owner else set()
            recipients = ([owner] if owner else []) + people.escalation(scope, told)
            names = ", ".join(u.username for u in recipients)
            for u in recipients:
                lang = dispatch.user_lang(u)
                p = dispatch.prefs_of(ctx, u, stored, emails)
                text = t(
                    "actions.overdue_line",
                    lang,
                    title=a["title"],
                    due=a["due_on"].isoformat(),
                    owner=owner.label if owner else "-",
                )
                msg = Message(
                    subject=t("actions.overdue_subject", lang, title=a["title"]),
                    title=t("actions.overdue_subject", lang, title=a["title"]),
                    items=(Item(text, f"{base}/actions/{a['id']}", "warning"),),
                    created_at=ctx.clock.instant(),
                    message_id=dispatch.message_id(),
                    footer=t("alerts.mail.footer", lang),
                    url=f"{base}/actions",
                    data={"event": "action_overdue", "action": a["id"]},
                ).to_json()
                news += [
                    D.NewDelivery(u.id, c, "alerts", str(p.target(c)), msg) for c in p.channels if p.target(c)
                ]
            repo.mark_escalated(ctx.store, [a["id"]], names, now)
        if news:
            D.create_batch(ctx.store, news, [], now, dispatch.enqueue_delivery(ctx))
        ctx.refresh()
        return len(due)


def digest_section(ctx: AppContext, user: User, as_of: date) -> DigestSection | None:
    """The weekly digest's "action items due": the user's open actions due within a week."""
    rows = [
        a
        for a in repo.list_actions(ctx.store, owner=user.id, states=repo.OPEN_STATES)
        if a["due_on"] <= as_of + timedelta(days=7)
    ]
    if not rows:
        return None
    lang = dispatch.user_lang(user)
    base = dispatch.public_url(ctx)
    items = []
    for a in rows:
        key = "actions.digest_overdue" if a["due_on"] < as_of else "actions.digest_due"
        text = t(key, lang, title=a["title"], due=a["due_on"].isoformat())
        items.append(DigestItem(text=text, url=f"{base}/actions/{a['id']}", due=a["due_on"]))
    return DigestSection(key="action_items", title=t("actions.digest_title", lang), items=items)


def expected_text(model: Any, a: Mapping[str, Any], lang: str) -> str:
    change, unit = a["expected_change"], a["expected_unit"]
    if change is None or unit is None:
        return "—"
    label = node_label(model, a["node"], lang) if a["node"] else ""
    sign = "+" if change >= 0 else "−"
    mag = abs(change)
    if unit == "pt":
        shown = f"{sign}{fmt.number(mag, 1)} pt"
    elif unit == "pct":
        shown = f"{sign}{fmt.number(mag, 1)}%"
    else:
        node = model.nodes.get(a["node"] or "")
        shown = sign + fmt.value(mag, str(node.unit) if node else "number", lang)
    return f"{label} {shown}".strip()


def _date(err: forms.Errors, field: str, value: Any) -> date | None:
    if value in (None, ""):
        err.add(field, "required")
        return None
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        err.add(field, "bad_date")
        return None


def _expected(err: forms.Errors, data: Mapping[str, Any]) -> tuple[Any, str | None]:
    raw = data.get("expected_change")
    if raw in (None, ""):
        return None, None
    value = parse_number(str(raw))
    if value is None:
        err.add("expected_change", "not_number")
        return None, None
    unit = str(data.get("expected_unit") or "pct")
    if unit not in UNITS:
        err.add("expected_unit", "bad_choice")
        return None, None
    return value, unit


def is_member(user: User | None) -> bool:
    return role_of(user) is Role.MEMBER


__all__ = ["STATUSES", "UNITS", "Actions", "digest_section", "expected_text"]
