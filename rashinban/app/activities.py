"""The activity log: validate and store one activity, list recent ones."""

from __future__ import annotations

import dataclasses
import unicodedata
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from rashinban.app import audit, forms, org
from rashinban.app.context import AppContext
from rashinban.app.results.activities import (
    ActivityLogged,
    ActivityRow,
    ActivityTarget,
    ActivityTargets,
    RecentActivities,
)
from rashinban.errors import ConflictError, ForbiddenError, FormInvalid, NotFoundError
from rashinban.i18n import t
from rashinban.i18n.stages import stage_label
from rashinban.org.roles import Permission, require
from rashinban.store import activities as A
from rashinban.store import activity_edits as E
from rashinban.store import audit as store_audit
from rashinban.store.admin import member_exists
from rashinban.store.org import MemberChoice
from rashinban.store.refs import account_in_scope, owner_of

TYPES = A.TYPES
OUTCOMES = A.OUTCOMES
LoggedActivity = A.LoggedActivity
TARGET_KINDS = E.KINDS
UNDO_MINUTES = 10
PICK_LIMIT = 20


def fold(text: str) -> str:
    """Text as the picker compares it: full/half width and case folded (ＡＢＣ → abc, ｱ → ア)."""
    return unicodedata.normalize("NFKC", text).casefold()


class Activities:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def members(self) -> list[MemberChoice]:
        """Members the signed-in user may log activities for."""
        return org.writable_members(self.ctx)

    def log(self, data: Mapping[str, Any], idempotency_key: str | None = None) -> ActivityLogged:
        """Validate and store one activity; returns the row and whether it was ``created``
        (False: the key was used before, the first row is returned).

        ``data``: type, outcome, occurred_at (default now), member_id (default: the user's
        member), note, duration_minutes, deal_id.  Raises :class:`FormInvalid` with field
        errors, ``ForbiddenError`` for a member outside the user's scope or a read-only user.
        """
        ctx = self.ctx
        user = require(ctx.user, Permission.LOG_ACTIVITY)
        err = forms.Errors()
        kind = forms.text(err, "type", data.get("type"), required=True, max_len=20)
        if kind is not None and kind not in A.TYPES:
            err.add("type", "bad_choice")
            kind = None
        outcome = forms.text(err, "outcome", data.get("outcome"), required=True, max_len=30)
        if kind and outcome is not None and outcome not in A.OUTCOMES[kind]:
            err.add("outcome", "bad_choice")
        now = ctx.now()
        occurred = forms.timestamp(err, "occurred_at", data.get("occurred_at")) or now
        if occurred > now + timedelta(minutes=10):
            err.add("occurred_at", "in_future")
        elif occurred < now - timedelta(days=400):
            err.add("occurred_at", "too_old")
        member_id = forms.integer(err, "member_id", data.get("member_id"), lo=1)
        note = forms.text(err, "note", data.get("note"), max_len=300)
        duration = forms.integer(err, "duration_minutes", data.get("duration_minutes"), lo=0, hi=24 * 60)
        deal_id = forms.integer(err, "deal_id", data.get("deal_id"), lo=1)
        lead_id = forms.integer(err, "lead_id", data.get("lead_id"), lo=1)
        account_id = forms.integer(err, "account_id", data.get("account_id"), lo=1)
        key = forms.text(err, "idempotency_key", idempotency_key or data.get("idempotency_key"), max_len=100)
        picked = forms.text(err, "target_text", data.get("target_text"), max_len=300)
        if picked and deal_id is None and lead_id is None and account_id is None:
            err.add("target_text", "pick_from_list")  # typed a name but picked nothing from the list
        if member_id is None:
            member_id = user.member_id
            if member_id is None:
                err.add("member_id", "required")
        err.check()
        assert kind is not None and outcome is not None and member_id is not None
        allowed = org.writable_member_ids(ctx)
        if (allowed is not None and member_id not in allowed) or not self._active(member_id):
            if not member_exists(ctx.store, member_id):
                raise FormInvalid({"member_id": "unknown_member"})
            raise ForbiddenError("forbidden_member", member=member_id)
        self._check_refs(allowed, deal_id, lead_id, account_id)
        given = data.get("occurred_at") not in (None, "")  # a replay compares it only when sent
        new = A.NewActivity(
            member_id, kind, outcome, occurred, note, duration, deal_id, lead_id, account_id, given
        )
        row, created = A.log_activity(ctx.store, new, A.external_id_for(user.id, key), now)
        ctx.refresh()
        return ActivityLogged(**_fields(row), created=created)

    def _check_refs(
        self, members: frozenset[int] | None, deal: int | None, lead: int | None, account: int | None
    ) -> None:
        """A deal, lead or account the activity names must exist and be the user's to write
        to (owned by a member they may log for; an account: one of those members works it).
        One message for "no such row" and "not yours": nothing to learn about other scopes."""
        err = forms.Errors()
        for field, table, rid in (("deal_id", "deals", deal), ("lead_id", "leads", lead)):
            if rid is not None:
                exists, owner = owner_of(self.ctx.store, table, rid)
                if not exists or (members is not None and owner not in members):
                    err.add(field, "unknown_" + table[:-1])
        if account is not None and not account_in_scope(self.ctx.store, account, members):
            err.add("account_id", "unknown_account")
        err.check()

    def _active(self, member_id: int) -> bool:
        ids = self.ctx.org_cached(
            ("active_members",), lambda: frozenset(m.id for m in org.active_members_all(self.ctx))
        )
        return member_id in ids

    def recent(self, mine: bool = True, limit: int = 20) -> RecentActivities:
        """The newest logged activities: the user's own member, or everyone in scope."""
        user = self.ctx.user
        if user is None:
            ids: list[int] | None = None
        elif mine:
            ids = [user.member_id] if user.member_id is not None else []
        else:
            allowed = org.writable_member_ids(self.ctx)
            ids = None if allowed is None else sorted(allowed)
        rows = A.recent_activities(self.ctx.store, ids, max(1, min(limit, 200)))
        return RecentActivities(activities=[ActivityRow(**_fields(r)) for r in rows])

    def targets(self, kind: str, q: str, limit: int = PICK_LIMIT) -> ActivityTargets:
        """Deals, leads or accounts the user may name on an activity (the rule of
        :meth:`_check_refs`) whose name or account name holds every word of ``q`` (or whose
        id is ``q``); at most ``limit``, newest first."""
        ctx = self.ctx
        require(ctx.user, Permission.LOG_ACTIVITY)
        if kind not in E.KINDS:
            raise FormInvalid({"kind": "bad_choice"})
        allowed = org.writable_member_ids(ctx)

        def load() -> list[tuple[str, E.Candidate]]:
            rows = E.candidates(ctx.store, kind, allowed)
            return [(fold(" ".join(filter(None, (c.name, c.account)))), c) for c in rows]

        rows = ctx.cached(("activity_targets", kind, allowed), load)
        words = fold(q).split()
        ident = int(words[0].lstrip("#")) if len(words) == 1 and words[0].lstrip("#").isdigit() else None
        out: list[ActivityTarget] = []
        for hay, c in rows:
            if c.id == ident or (words and all(w in hay for w in words)) or not words:
                detail = _detail(kind, c.detail, ctx.lang)
                out.append(ActivityTarget(**{**dataclasses.asdict(c), "detail": detail}))
                if len(out) >= max(1, min(limit, 50)):
                    break
        return ActivityTargets(kind=kind, query=q, targets=out)

    def undo(self, activity_id: int, key: str | None) -> ActivityRow:
        """Delete an entry the user just logged (they hold its idempotency key): only the
        member's last entry here, within ``UNDO_MINUTES``; audited.  Anything else is refused
        (``undo_unknown`` 404 — also for another's entry —, ``undo_too_late``, ``undo_not_last``)."""
        ctx = self.ctx
        user = require(ctx.user, Permission.LOG_ACTIVITY)
        row = E.find(ctx.store, activity_id, A.external_id_for(user.id, key)) if key else None
        allowed = org.writable_member_ids(ctx)
        if row is None or (allowed is not None and row.member_id not in allowed):
            raise NotFoundError("undo_unknown")
        ev_now = ctx.now()

        def trail(conn: Any, before: dict[str, Any]) -> None:
            ev = audit.event(
                ctx, "activity_undone", store_audit.DATA, table="activities", key=str(row.id), before=before
            )
            store_audit.record(conn, ev, ev_now)

        why = E.undo(ctx.store, row, ev_now - timedelta(minutes=UNDO_MINUTES), trail)
        if why == "gone":
            raise NotFoundError("undo_unknown")
        if why == "too_late":
            raise ConflictError("undo_too_late", minutes=UNDO_MINUTES)
        if why == "not_last":
            raise ConflictError("undo_not_last")
        ctx.refresh()
        return ActivityRow(**_fields(row))


def _detail(kind: str, value: str | None, lang: str) -> str | None:
    """A deal's stage or a lead's status as the reader reads it (a stage the organisation
    named itself: as written)."""
    if value is None:
        return None
    if kind == "deal":
        return stage_label(value, lang)
    key = f"customer.lead_status.{value}"
    text = t(key, lang)
    return value if text == key else text


def _fields(row: A.LoggedActivity) -> dict[str, Any]:
    return {f.name: getattr(row, f.name) for f in dataclasses.fields(row)}
