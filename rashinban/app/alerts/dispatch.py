"""From notices to messages: group each user's pending notices into one message per channel
(at most one per user and channel per run), respect quiet hours and the digest mode, queue
a delivery job per message, and send one delivery (called by that job).

In-app is always on (the inbox); e-mail, Slack, Teams and the webhook are the user's choice
(``alert_preferences``).  Messages are rendered in the user's language when queued and sent
unchanged on every retry.
"""

from __future__ import annotations

import secrets as _secrets
import time as _time
import uuid
from collections import defaultdict
from datetime import datetime, time, timedelta
from typing import Any

from rashinban.alerts.message import Item, Message
from rashinban.alerts.notify import SmtpConfig, notifier_for
from rashinban.app import org
from rashinban.app.alerts import render
from rashinban.app.context import AppContext
from rashinban.errors import RashinbanError
from rashinban.i18n import t
from rashinban.org.users import User
from rashinban.store import admin as settings_store
from rashinban.store import alert_deliveries as D
from rashinban.store import alerts as repo
from rashinban.store import jobs as queue
from rashinban.store.db import StoreBusy
from rashinban.store.schema import app_secrets

SMTP_SETTING = "alerts_smtp"
URL_SETTING = "alerts_public_url"
SMTP_PASSWORD = "alerts_smtp_password"
DELIVERY_ATTEMPTS = 5
DELIVERY_KIND = "alert_delivery"


def smtp_config(ctx: AppContext) -> SmtpConfig | None:
    raw = org.settings(ctx).get(SMTP_SETTING)
    if not isinstance(raw, dict) or not raw.get("host"):
        return None
    return SmtpConfig(
        host=str(raw["host"]),
        port=int(raw.get("port") or 587),
        security=str(raw.get("security") or "starttls"),
        username=raw.get("username") or None,
        password=get_secret(ctx, SMTP_PASSWORD),
        sender=str(raw.get("sender") or "rashinban@localhost"),
        verify=bool(raw.get("verify", True)),
        cafile=raw.get("cafile") or None,
    )


def get_secret(ctx: AppContext, key: str) -> str | None:
    import sqlalchemy as sa

    with ctx.store.engine.connect() as conn:
        value = conn.execute(sa.select(app_secrets.c.value).where(app_secrets.c.key == key)).scalar()
    return str(value) if value is not None else None


def set_secret(ctx: AppContext, key: str, value: str | None) -> None:
    import sqlalchemy as sa

    with ctx.store.write() as conn:
        conn.execute(sa.delete(app_secrets).where(app_secrets.c.key == key))
        if value:
            conn.execute(app_secrets.insert().values(key=key, value=value, created_at=ctx.now()))


def public_url(ctx: AppContext) -> str:
    value = org.settings(ctx).get(URL_SETTING)
    return str(value).rstrip("/") if value else "http://127.0.0.1:8000"


def prefs_of(ctx: AppContext, user: User, stored: dict[int, D.Prefs], emails: dict[int, str]) -> D.Prefs:
    """The user's saved preferences, else the defaults: e-mail to the member's address when a
    mail server is configured, immediately, weekly digest on."""
    p = stored.get(user.id)
    if p is not None:
        return p
    email = emails.get(user.member_id) if user.member_id is not None else None
    channels = ("email",) if email and smtp_config(ctx) is not None else ()
    return D.Prefs(user.id, channels=channels, email=email)


def pushed_users(ctx: AppContext, users: list[User]) -> frozenset[int]:
    """The users with at least one push channel (the others read their inbox)."""
    stored, emails = D.all_prefs(ctx.store), D.member_emails(ctx.store)
    out = set()
    for u in users:
        p = prefs_of(ctx, u, stored, emails)
        if any(p.target(c) for c in p.channels):
            out.add(u.id)
    return frozenset(out)


def quiet(p: D.Prefs, now: datetime) -> bool:
    """Whether ``now`` (business time) falls in the user's quiet hours (may cross midnight)."""
    if not p.quiet_start or not p.quiet_end:
        return False
    start, end = time.fromisoformat(p.quiet_start), time.fromisoformat(p.quiet_end)
    at = now.time()
    if start == end:
        return False
    return start <= at < end if start < end else (at >= start or at < end)


def user_lang(user: User) -> str:
    return user.locale if user.locale in ("ja", "en") else "ja"


def alert_message(
    ctx: AppContext, user: User, rows: list[tuple[repo.AlertRow, str]], now: datetime
) -> Message:
    """One message for a user about several alerts (opened, escalated, unsnoozed)."""
    lang = user_lang(user)
    base = public_url(ctx)
    items = []
    for a, reason in rows:
        text = render.message(a.code, a.params, lang)
        if reason != "opened":
            text = t(f"alerts.reason.{reason}", lang) + " " + text
        items.append(Item(text, f"{base}/alerts/{a.id}", a.severity))
    first = render.message(rows[0][0].code, rows[0][0].params, lang)
    subject = t("alerts.mail.subject", lang, count=len(rows), first=first[:60])
    data = {
        "event": "alerts",
        "user": user.username,
        "alerts": [
            {
                "id": a.id,
                "rule_id": a.rule_id,
                "kind": a.kind,
                "code": a.code,
                "severity": a.severity,
                "reason": reason,
                "entity_type": a.entity_type,
                "entity_id": a.entity_id,
                "period": a.period,
                "scope": {"type": a.scope_type, "id": a.scope_id},
                "message": render.message(a.code, a.params, lang),
                "values": a.params,
                "opened_at": a.opened_at.isoformat(),
                "url": f"{base}/alerts/{a.id}",
            }
            for a, reason in rows
        ],
    }
    return Message(
        subject=subject,
        title=t("alerts.mail.title", lang, count=len(rows)),
        items=tuple(items),
        created_at=now.replace(tzinfo=ctx.clock.zone),
        message_id=message_id(),
        intro=t("alerts.mail.intro", lang, name=user.label),
        footer=t("alerts.mail.footer", lang),
        url=f"{base}/alerts",
        url_label=t("alerts.mail.open_inbox", lang),
        data=data,
    )


def message_id() -> str:
    """A Message-ID, stored with the message: every retry sends the same one."""
    return f"<{uuid.uuid4().hex}@rashinban>"


def enqueue_delivery(ctx: AppContext, run_after: datetime | None = None) -> Any:
    """``enqueue(conn, delivery_id) -> job id`` for :func:`D.create_batch` (``run_after``: an
    aware instant, e.g. the end of the user's quiet hours)."""

    def enqueue(conn: Any, delivery_id: int) -> int:
        return queue.enqueue(
            ctx.store,
            DELIVERY_KIND,
            {"delivery": delivery_id},
            now_utc=ctx.clock.instant(),
            run_after=run_after,
            max_attempts=DELIVERY_ATTEMPTS,
            created_by="alerts",
            conn=conn,
        )

    return enqueue


def quiet_end(p: D.Prefs, now: datetime, zone: Any) -> datetime | None:
    """When the user's quiet hours that hold ``now`` end (an aware instant), else None."""
    if not quiet(p, now) or not p.quiet_end:
        return None
    end = datetime.combine(now.date(), time.fromisoformat(p.quiet_end))
    if end <= now:
        end += timedelta(days=1)
    return end.replace(tzinfo=zone)


def dispatch(ctx: AppContext, now: datetime, digest: bool = False) -> int:
    """Queue one message per user and channel for their pending notices; returns how many.
    ``digest``: the daily digest run (users in digest mode get theirs; others too)."""
    pending = D.pending_notices(ctx.store)
    if not pending:
        return 0
    users = {u.id: u for u in D.active_users(ctx.store)}
    stored = D.all_prefs(ctx.store)
    emails = D.member_emails(ctx.store)
    by_user: dict[int, list[D.Notice]] = defaultdict(list)
    for n in pending:
        by_user[n.user_id].append(n)
    closing: dict[str, list[int]] = {"dropped": [], "in_app": []}
    prefs: dict[int, D.Prefs] = {}
    for user_id, notices in list(by_user.items()):
        user = users.get(user_id)
        if user is None:
            closing["dropped"] += [n.id for n in notices]
            del by_user[user_id]
            continue
        prefs[user_id] = p = prefs_of(ctx, user, stored, emails)
        if not any(p.target(c) for c in p.channels):  # in-app only: the inbox is the message
            closing["in_app"] += [n.id for n in notices]
            del by_user[user_id]
    found = repo.alerts_by_id(ctx.store, [n.alert_id for ns in by_user.values() for n in ns])
    queued = 0
    for user_id, notices in by_user.items():
        user = users.get(user_id)
        rows: list[tuple[repo.AlertRow, str]] = []
        seen: set[int] = set()
        ids: list[int] = []
        for n in notices:
            a = found.get(n.alert_id)
            if user is None or a is None or a.state not in ("open", "snoozed") or a.id in seen:
                closing["dropped"].append(n.id)
                continue
            seen.add(a.id)
            rows.append((a, n.reason))
            ids.append(n.id)
        if user is None or not rows:
            continue
        p = prefs[user_id]
        targets = [(c, p.target(c)) for c in p.channels if p.target(c)]
        if quiet(p, now) or (p.mode == "digest" and not digest):
            continue  # stays pending: the next run after the quiet hours (or the digest) takes it
        message = alert_message(ctx, user, rows, now).to_json()
        kind = "digest" if p.mode == "digest" else "alerts"
        alert_ids = tuple(a.id for a, _ in rows)
        news = [D.NewDelivery(user.id, c, kind, str(target), message, alert_ids) for c, target in targets]
        queued += len(D.create_batch(ctx.store, news, ids, now, enqueue_delivery(ctx)))
    for state, ids in closing.items():
        if ids:
            D.close_notices(ctx.store, ids, state)
    ctx.refresh()
    return queued


def deliver(ctx: AppContext, delivery_id: int, attempt: int, max_attempts: int) -> dict[str, Any]:
    """Send one delivery (the delivery job): nothing if it was sent already; a failure is
    recorded on the delivery and raised again for the runner to retry (or to give up)."""
    row = D.get_delivery(ctx.store, delivery_id)
    if row is None:
        return {"delivery": delivery_id, "state": "missing"}
    if row.state == "sent":
        return {"delivery": delivery_id, "state": "sent", "skipped": True}
    secret = None
    if row.channel == "webhook":
        secret = D.all_prefs(ctx.store).get(row.user_id, D.Prefs(row.user_id)).webhook_secret
    try:
        notifier = notifier_for(row.channel, smtp_config(ctx), secret)
        notifier.send(Message.from_json(row.message), row.target)
    except RashinbanError as e:
        final = not e.retryable or attempt >= max_attempts
        error = {"code": e.code, "params": {k: str(v) for k, v in e.params.items()}}
        _record(ctx, delivery_id, error=error, final=final)
        raise
    _record(ctx, delivery_id, error=None, final=True)
    return {"delivery": delivery_id, "state": "sent", "channel": row.channel}


def _record(ctx: AppContext, delivery_id: int, *, error: dict[str, Any] | None, final: bool) -> None:
    """Record an attempt, waiting out a busy store: a message that went out must be marked
    sent, or its retry would send it twice."""
    for _ in range(20):
        try:
            D.record_attempt(ctx.store, delivery_id, ctx.now(), error=error, final=final)
            ctx.refresh()
            return
        except StoreBusy:
            _time.sleep(0.5)
    D.record_attempt(ctx.store, delivery_id, ctx.now(), error=error, final=final)


def new_webhook_secret() -> str:
    return "whsec_" + _secrets.token_urlsafe(24)


def save_smtp(ctx: AppContext, values: dict[str, Any], password: str | None) -> None:
    settings_store.set_setting(ctx.store, SMTP_SETTING, values or None, ctx.actor, ctx.now())
    if password is not None:
        set_secret(ctx, SMTP_PASSWORD, password or None)
    ctx.refresh()


__all__ = [
    "DELIVERY_ATTEMPTS",
    "DELIVERY_KIND",
    "alert_message",
    "deliver",
    "dispatch",
    "get_secret",
    "message_id",
    "new_webhook_secret",
    "prefs_of",
    "public_url",
    "pushed_users",
    "quiet",
    "quiet_end",
    "save_smtp",
    "set_secret",
    "smtp_config",
    "user_lang",
]
