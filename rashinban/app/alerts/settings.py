"""Settings of the alerts area: each user's delivery preferences, the mail server and the
links in messages (administrators), the schedules, and the deliveries people can check."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from rashinban.alerts.message import Item, Message
from rashinban.alerts.notify import CHANNELS, SECURITY
from rashinban.app import forms, org
from rashinban.app.alerts import dispatch
from rashinban.app.context import AppContext
from rashinban.app.results.alerts import DeliveryItem, DeliveryList, MailSettings, Preferences
from rashinban.errors import FormInvalid, RashinbanError
from rashinban.i18n import render_error, t
from rashinban.org.users import User
from rashinban.store import alert_deliveries as D
from rashinban.store import schedules as sched

EMAIL = re.compile(r"^[^@\s<>,;]+@[^@\s<>,;]+\.[^@\s<>,;]+$")
HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")
SCHEDULES = {  # name → (job kind, default spec)
    "alerts": ("alerts", "hourly business"),
    "alert_digest": ("alert_digest", "business 08:30"),
    "weekly_digest": ("digest", "weekly mon 08:00"),
}


def zone_name(ctx: AppContext) -> str:
    return str(getattr(ctx.clock.zone, "key", None) or "Asia/Tokyo")


def ensure_schedules(ctx: AppContext) -> None:
    """Create the alerts' schedules when missing (an existing schedule is never changed)."""
    for name, (kind, spec) in SCHEDULES.items():
        if sched.get_schedule(ctx.store, name) is None:
            sched.upsert_schedule(
                ctx.store,
                name,
                kind,
                {},
                spec,
                zone_name(ctx),
                now_utc=ctx.clock.instant(),
                created_by="rashinban",
            )
    ctx.refresh()


def schedule_spec(ctx: AppContext, name: str) -> str | None:
    row = sched.get_schedule(ctx.store, name)
    return row.spec if row is not None and row.enabled else None


def set_schedule(ctx: AppContext, name: str, spec: str) -> None:
    kind, _ = SCHEDULES[name]
    sched.upsert_schedule(
        ctx.store, name, kind, {}, spec, zone_name(ctx), now_utc=ctx.clock.instant(), created_by=ctx.actor
    )
    ctx.refresh()


# a user's preferences ----------------------------------------------------------------------
def _prefs_view(ctx: AppContext, p: D.Prefs) -> Preferences:
    return Preferences(
        channels=[c for c in p.channels if c in CHANNELS],  # type: ignore[misc]
        email=p.email,
        slack_url=p.slack_url,
        teams_url=p.teams_url,
        webhook_url=p.webhook_url,
        webhook_secret=p.webhook_secret,
        quiet_start=p.quiet_start,
        quiet_end=p.quiet_end,
        mode=p.mode,  # type: ignore[arg-type]
        weekly_digest=p.weekly_digest,
        email_ready=dispatch.smtp_config(ctx) is not None,
    )


def current(ctx: AppContext, user: User) -> D.Prefs:
    return dispatch.prefs_of(ctx, user, D.all_prefs(ctx.store), D.member_emails(ctx.store))


def preferences(ctx: AppContext, user: User) -> Preferences:
    return _prefs_view(ctx, current(ctx, user))


def save_preferences(ctx: AppContext, user: User, data: Mapping[str, Any]) -> Preferences:
    err = forms.Errors()
    raw = data.get("channels")
    if isinstance(raw, str):
        raw = [c for c in re.split(r"[,\s]+", raw) if c]
    chosen = [str(c) for c in (raw or [])] if isinstance(raw, list | tuple) else []
    for c in CHANNELS:  # forms send one checkbox per channel
        if str(data.get(f"channel_{c}", "")).lower() in ("1", "on", "true", "yes") and c not in chosen:
            chosen.append(c)
    if any(c not in CHANNELS for c in chosen):
        err.add("channels", "bad_choice")
    email = forms.text(err, "email", data.get("email"), max_len=200)
    if email and not EMAIL.match(email):
        err.add("email", "bad_email")
    urls = {}
    for key in ("slack_url", "teams_url", "webhook_url"):
        url = forms.text(err, key, data.get(key), max_len=1000)
        if url and not url.lower().startswith(("https://", "http://")):
            err.add(key, "bad_url")
        urls[key] = url
    for ch, key in (
        ("email", "email"),
        ("slack", "slack_url"),
        ("teams", "teams_url"),
        ("webhook", "webhook_url"),
    ):
        if ch in chosen and not (email if key == "email" else urls[key]):
            err.add(key, "required")
    quiet = {}
    for key in ("quiet_start", "quiet_end"):
        value = forms.text(err, key, data.get(key), max_len=5)
        if value and not HHMM.match(value):
            err.add(key, "bad_time")
        quiet[key] = value
    if bool(quiet["quiet_start"]) != bool(quiet["quiet_end"]):
        err.add("quiet_end" if quiet["quiet_start"] else "quiet_start", "required")
    mode = str(data.get("mode") or "immediate")
    if mode not in ("immediate", "digest"):
        err.add("mode", "bad_choice")
    weekly = str(data.get("weekly_digest", "true")).lower() in ("1", "on", "true", "yes")
    err.check()
    old = current(ctx, user)
    secret = old.webhook_secret
    if urls["webhook_url"] and (
        not secret or str(data.get("rotate_secret", "")).lower() in ("1", "on", "true")
    ):
        secret = dispatch.new_webhook_secret()
    p = D.Prefs(
        user.id,
        tuple(c for c in CHANNELS if c in chosen),
        email,
        urls["slack_url"],
        urls["teams_url"],
        urls["webhook_url"],
        secret,
        quiet["quiet_start"],
        quiet["quiet_end"],
        mode,
        weekly,
    )
    D.save_prefs(ctx.store, p, ctx.now())
    ctx.refresh()
    return _prefs_view(ctx, p)


def send_test(ctx: AppContext, user: User) -> DeliveryList:
    """Queue a test message on each of the user's channels."""
    p = current(ctx, user)
    lang = dispatch.user_lang(user) if ctx.user is None else ctx.lang
    base = dispatch.public_url(ctx)
    message = Message(
        subject=t("alerts.test.subject", lang),
        title=t("alerts.test.title", lang),
        items=(Item(t("alerts.test.body", lang, name=user.label), f"{base}/alerts/settings", "info"),),
        created_at=ctx.clock.instant(),
        message_id=dispatch.message_id(),
        url=f"{base}/alerts",
        url_label=t("alerts.mail.open_inbox", lang),
        data={"event": "test", "user": user.username},
    ).to_json()
    news = [D.NewDelivery(user.id, c, "test", str(p.target(c)), message) for c in p.channels if p.target(c)]
    if not news:
        raise FormInvalid({"channels": "no_channel"})
    D.create_batch(ctx.store, news, [], ctx.now(), dispatch.enqueue_delivery(ctx))
    ctx.refresh()
    return deliveries(ctx, user.id, limit=len(news))


def deliveries(ctx: AppContext, user_id: int | None, limit: int = 50) -> DeliveryList:
    out = []
    for d in D.list_deliveries(ctx.store, user_id, limit):
        error = None
        if d.error:
            error = render_error(
                RashinbanError(d.error.get("code", "delivery_failed"), **d.error.get("params", {})), ctx.lang
            )
        out.append(
            DeliveryItem(
                id=d.id,
                channel=d.channel,  # type: ignore[arg-type]
                kind=d.kind,  # type: ignore[arg-type]
                state=d.state,  # type: ignore[arg-type]
                subject=str(d.message.get("subject", "")),
                attempts=d.attempts,
                error=error,
                created_at=d.created_at,
                sent_at=d.sent_at,
            )
        )
    return DeliveryList(deliveries=out)


# the mail server (administrators) ------------------------------------------------------------
def mail_settings(ctx: AppContext) -> MailSettings:
    raw = org.settings(ctx).get(dispatch.SMTP_SETTING)
    raw = raw if isinstance(raw, dict) else {}
    url = org.settings(ctx).get(dispatch.URL_SETTING)
    return MailSettings(
        host=raw.get("host"),
        port=int(raw.get("port") or 587),
        security=raw.get("security") or "starttls",
        username=raw.get("username"),
        sender=raw.get("sender"),
        has_password=dispatch.get_secret(ctx, dispatch.SMTP_PASSWORD) is not None,
        verify=bool(raw.get("verify", True)),
        cafile=raw.get("cafile"),
        public_url=str(url) if url else None,
    )


def save_mail_settings(ctx: AppContext, data: Mapping[str, Any]) -> MailSettings:
    err = forms.Errors()
    host = forms.text(err, "host", data.get("host"), max_len=200)
    port = forms.integer(err, "port", data.get("port") or 587, lo=1, hi=65535)
    security = str(data.get("security") or "starttls")
    if security not in SECURITY:
        err.add("security", "bad_choice")
    username = forms.text(err, "username", data.get("username"), max_len=200)
    sender = forms.text(err, "sender", data.get("sender"), max_len=200)
    if host and not sender:
        err.add("sender", "required")
    if sender and not EMAIL.match(sender.rsplit("<", 1)[-1].rstrip(">")):
        err.add("sender", "bad_email")
    url = forms.text(err, "public_url", data.get("public_url"), max_len=300)
    if url and not url.lower().startswith(("https://", "http://")):
        err.add("public_url", "bad_url")
    verify = str(data.get("verify", "true")).lower() in ("1", "on", "true", "yes")
    cafile = forms.text(err, "cafile", data.get("cafile"), max_len=500)
    err.check()
    values = {"host": host, "port": port, "security": security, "username": username, "sender": sender}
    values |= {"verify": verify, "cafile": cafile}
    password = data.get("password")
    dispatch.save_smtp(ctx, values if host else {}, None if password in (None, "") else str(password))
    from rashinban.store import admin as settings_store

    settings_store.set_setting(
        ctx.store, dispatch.URL_SETTING, url.rstrip("/") if url else None, ctx.actor, ctx.now()
    )
    ctx.refresh()
    return mail_settings(ctx)


__all__ = [
    "SCHEDULES",
    "deliveries",
    "ensure_schedules",
    "mail_settings",
    "preferences",
    "save_mail_settings",
    "save_preferences",
    "schedule_spec",
    "send_test",
    "set_schedule",
]
