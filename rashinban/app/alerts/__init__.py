"""Alerts: rules, evaluation over every scope in one pass, the inbox (acknowledge, snooze,
resolve), escalation, history, deliveries and the weekly digest.

The rules are pure (``rashinban.alerts``); this module reads their facts, keeps the alerts
and their history in the store, tells people and renders messages in their language.  The
review area reads :meth:`Alerts.open_alerts` and :meth:`Alerts.stalled_deals` for its agenda
and adds "action items due" to the digest with ``digest.register_section``.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from rashinban.app import forms, org
from rashinban.app.alerts import digest, dispatch, evaluate, inbox, rulebook, settings
from rashinban.app.alerts.manage import RuleAdmin
from rashinban.app.context import Progress
from rashinban.app.jobs import stored_error
from rashinban.app.results.alerts import (
    AlertDetail,
    AlertItem,
    AlertList,
    DealView,
    DeliveryList,
    DigestPreview,
    DigestRun,
    EvaluationResult,
    MailSettings,
    Preferences,
    RuleList,
    RunState,
)
from rashinban.errors import FormInvalid, NotFoundError, UsageError
from rashinban.i18n import render_error
from rashinban.org.roles import Permission
from rashinban.org.scopes import MEMBER, TEAM
from rashinban.store import alerts as repo
from rashinban.store import jobs as queue
from rashinban.store.users import find_user

ModelPath = str | Path | None
ACTIONS = ("acknowledge", "snooze", "resolve")


class Alerts(RuleAdmin):
    # evaluation ----------------------------------------------------------------------------
    def run(
        self, as_of: str | None = None, model_path: ModelPath = None, progress: Progress | None = None
    ) -> EvaluationResult:
        """Evaluate every enabled rule over every scope, update the alerts, queue messages."""
        self.ctx.require(Permission.MANAGE_ALERTS)
        day = self.ctx.as_of(as_of)
        now = self.ctx.now() if day == self.ctx.today() else datetime.combine(day, time(23, 59, 59))
        problems = self._prepare(model_path)
        rules = rulebook.stored_rules(self.ctx)
        result, _ = evaluate.run(self.ctx, self.models, model_path, rules, day, now, progress)
        queued = dispatch.dispatch(self.ctx, now)
        return result.model_copy(update={"deliveries": queued, "problems": problems})

    def start_run(self, as_of: str | None = None) -> RunState:
        """Evaluate in the background (a job acting as the user): the page follows its progress."""
        self.ctx.require(Permission.MANAGE_ALERTS)
        user = self.ctx.user
        payload: dict[str, Any] = {"lang": self.ctx.lang} | ({"as_of": as_of} if as_of else {})
        job_id = queue.enqueue(
            self.ctx.store,
            "alerts",
            payload,
            now_utc=self.ctx.clock.instant(),
            max_attempts=1,
            owner_user_id=user.id if user else None,
            created_by=user.username if user else "cli",
        )
        self.ctx.refresh()
        return self.run_state(job_id)

    def run_state(self, job_id: int) -> RunState:
        self.ctx.require(Permission.MANAGE_ALERTS)
        row = queue.get(self.ctx.store, job_id)
        user = self.ctx.user
        if (
            row is None
            or row.kind != "alerts"
            or (user is not None and row.owner_user_id not in (None, user.id))
        ):
            raise NotFoundError("job_unknown", id=job_id)
        error = stored_error(row)
        result = (
            EvaluationResult.model_validate(row.result) if row.state == "succeeded" and row.result else None
        )
        return RunState(
            job_id=row.id,
            state=row.state,  # type: ignore[arg-type]
            progress=row.progress.fraction,
            result=result,
            error=render_error(error, self.ctx.lang) if error is not None else None,
        )

    def dispatch(self, digest_run: bool = False) -> int:
        """Queue messages for pending notices (the daily digest run: ``digest_run``)."""
        self.ctx.require(Permission.MANAGE_ALERTS)
        return dispatch.dispatch(self.ctx, self.ctx.now(), digest_run)

    def deliver(self, delivery_id: int, attempt: int = 1, max_attempts: int = 1) -> dict[str, Any]:
        """Send one queued delivery (the delivery job)."""
        self.ctx.require(Permission.MANAGE_ALERTS)
        return dispatch.deliver(self.ctx, delivery_id, attempt, max_attempts)

    def ensure_schedules(self) -> None:
        self.ctx.require(Permission.MANAGE_ALERTS)
        settings.ensure_schedules(self.ctx)

    def set_schedule(self, name: str, spec: str) -> RuleList:
        self.ctx.require(Permission.MANAGE_ALERTS)
        if name not in settings.SCHEDULES:
            raise FormInvalid({"schedule": "bad_choice"})
        settings.set_schedule(self.ctx, name, spec)
        return self.rules()

    # the inbox -----------------------------------------------------------------------------
    def inbox(
        self, state: str = "open", kind: str | None = None, limit: int = 100, offset: int = 0
    ) -> AlertList:
        self.ctx.require(Permission.READ)
        scopes = inbox.visible_scopes(self.ctx)
        states = repo.UNRESOLVED if state == "open" else None
        rows, total = repo.list_alerts(self.ctx.store, scopes, states, kind=kind, limit=limit, offset=offset)
        names = inbox.rule_names(self.ctx)
        acting = inbox.can_act(self.ctx)
        return AlertList(
            alerts=[inbox.item(self.ctx, a, names, acting) for a in rows],
            total=total,
            unacknowledged=self.count(),
            state="open" if state == "open" else "all",
            kind=kind,  # type: ignore[arg-type]
        )

    def count(self) -> int:
        """Open alerts nobody acknowledged yet in the user's inbox (the navigation bar's badge)."""
        scopes = inbox.visible_scopes(self.ctx)
        return self.ctx.alerts_cached(
            ("inbox_count", scopes), lambda: repo.count_unacknowledged(self.ctx.store, scopes)
        )

    def alert(self, alert_id: int) -> AlertDetail:
        self.ctx.require(Permission.READ)
        return inbox.detail(self.ctx, alert_id)

    def act(self, alert_id: int, action: str, data: Mapping[str, Any] | None = None) -> AlertItem:
        """acknowledge | snooze (``until`` a date, ``reason``) | resolve (``note``)."""
        self.ctx.require(Permission.ACT_ON_ALERTS)
        inbox.visible_alert(self.ctx, alert_id)
        data = data or {}
        err = forms.Errors()
        until: date | None = None
        note = None
        if action == "snooze":
            until = _date(err, "until", data.get("until"))
            today = self.ctx.today()
            if until is not None and not today < until <= today + timedelta(days=366):
                err.add("until", "out_of_range")
            note = forms.text(err, "reason", data.get("reason"), required=True, max_len=500)
        elif action == "resolve":
            note = forms.text(err, "note", data.get("note"), max_len=1000)
        elif action != "acknowledge":
            raise NotFoundError("alert_action_unknown", action=action)
        err.check()
        actor = self.ctx.actor or "rashinban"
        row = repo.act(self.ctx.store, alert_id, action, actor, self.ctx.now(), until=until, note=note)
        self.ctx.refresh()
        if row is None:
            raise UsageError("alert_resolved", id=alert_id)
        return inbox.item(self.ctx, row, inbox.rule_names(self.ctx))

    def deal(self, deal_id: int) -> DealView:
        self.ctx.require(Permission.READ)
        return inbox.deal(self.ctx, deal_id)

    def _in_scope(self, scope: str | None, kind: str | None) -> list[AlertItem]:
        self.ctx.require(Permission.READ)
        visible = inbox.visible_scopes(self.ctx)
        scopes = org.scope_index(self.ctx)
        wanted: frozenset[tuple[str, int]] | None = visible
        if scope:
            stype, _, ident = scope.partition(":")
            if stype == TEAM and ident.isdigit():
                team = int(ident)
                keys = {(TEAM, t) for t in scopes.team_parent if team in scopes.team_chain(t)}
                keys |= {(MEMBER, m) for m in scopes.members_of(team)}
            else:
                keys = {(stype, int(ident) if ident.isdigit() else 0)}
            wanted = frozenset(keys if visible is None else keys & visible)
        rows, _ = repo.list_alerts(self.ctx.store, wanted, repo.UNRESOLVED, kind=kind, limit=1000)
        names = inbox.rule_names(self.ctx)
        return [inbox.item(self.ctx, a, names) for a in rows]

    def open_alerts(self, scope: str | None = None) -> list[AlertItem]:
        """Unresolved alerts of a scope (``team:3`` with its teams and members; None: all the
        user sees) — for the review agenda."""
        return self._in_scope(scope, None)

    def stalled_deals(self, scope: str | None = None) -> list[AlertItem]:
        """Unresolved stalled-deal alerts of a scope (each names its deal)."""
        return self._in_scope(scope, "stalled_deal")

    # delivery preferences, the mail server, deliveries --------------------------------------------
    def preferences(self) -> Preferences:
        return settings.preferences(self.ctx, self._signed_in())

    def save_preferences(self, data: Mapping[str, Any]) -> Preferences:
        return settings.save_preferences(self.ctx, self._signed_in(), data)

    def send_test(self) -> DeliveryList:
        return settings.send_test(self.ctx, self._signed_in())

    def deliveries(self, everyone: bool = False, limit: int = 50) -> DeliveryList:
        """The user's own messages (an administrator: everyone's)."""
        if everyone:
            self.ctx.require(Permission.MANAGE_ALERTS)
            return settings.deliveries(self.ctx, None, limit)
        return settings.deliveries(self.ctx, self._signed_in().id, limit)

    def mail_settings(self) -> MailSettings:
        self.ctx.require(Permission.MANAGE_ALERTS)
        return settings.mail_settings(self.ctx)

    def save_mail_settings(self, data: Mapping[str, Any]) -> MailSettings:
        self.ctx.require(Permission.MANAGE_ALERTS)
        return settings.save_mail_settings(self.ctx, data)

    # digests -------------------------------------------------------------------------------
    def digest(self, username: str | None = None, model_path: ModelPath = None) -> DigestPreview:
        """The weekly digest as it would be sent now: one's own, or (administrators) anyone's."""
        self.ctx.require(Permission.READ)
        user = self.ctx.user
        if username is not None and (user is None or username != user.username):
            self.ctx.require(Permission.MANAGE_ALERTS)
            user = find_user(self.ctx.store, username)
            if user is None:
                raise NotFoundError("user_unknown", user=username)
        if user is None:
            raise UsageError("digest_needs_user")
        return digest.preview(self.ctx, self.models, model_path, user, self.ctx.today())

    def send_digests(self, dry_run: bool = False, model_path: ModelPath = None) -> DigestRun:
        """Send every user their weekly digest (at most one per user and channel per week)."""
        self.ctx.require(Permission.MANAGE_ALERTS)
        return digest.send_all(self.ctx, self.models, model_path, dry_run)


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


__all__ = ["ACTIONS", "Alerts"]
