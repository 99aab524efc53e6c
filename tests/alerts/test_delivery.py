"""Deliveries through the jobs runner to real receivers on loopback: an SMTP server
(aiosmtpd, STARTTLS with login, and implicit TLS) and an HTTP server standing in for Slack,
Teams and a webhook.  Messages are UTF-8 Japanese, failures are retried with backoff and
recorded, and nothing is sent twice."""

from __future__ import annotations

import email
import hashlib
import hmac
import re
import ssl
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.policy import default as default_policy
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from rashinban.clock import FixedClock
from rashinban.service import Rashinban
from rashinban.store import Store
from rashinban.store import alert_deliveries as D
from tests.alerts.conftest import HttpReceiver, as_user, free_port
from tests.alerts.helpers import calls_in_window, floor_rule, only, rep_under_manager, runner


@dataclass
class Smtp:
    port: int
    messages: list[bytes] = field(default_factory=list)
    rcpts: list[str] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    fail_data: int = 0  # answer 451 to this many DATA commands first
    refuse_rcpt: bool = False


class Handler:
    def __init__(self, box: Smtp) -> None:
        self.box = box

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if self.box.refuse_rcpt:
            return "550 5.1.1 No such user here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.box.fail_data:
            self.box.fail_data -= 1
            return "451 4.3.0 Temporary failure, try again"
        self.box.messages.append(envelope.original_content or envelope.content)
        self.box.rcpts += envelope.rcpt_tos
        return "250 2.0.0 Queued"


def _server(tls_cert: tuple[Path, Path], implicit: bool) -> Iterator[Smtp]:
    cert, key = tls_cert
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(str(cert), str(key))
    box = Smtp(free_port())

    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = auth_data.login == b"rashinban" and auth_data.password == b"s3cret-\xe3\x83\x91"  # "s3cret-パ"
        if ok:
            box.logins.append(auth_data.login.decode())
        return AuthResult(success=ok)

    kwargs: dict[str, Any] = {"hostname": "127.0.0.1", "port": box.port, "authenticator": authenticator}
    if implicit:
        kwargs |= {"ssl_context": context, "auth_require_tls": False}
    else:
        kwargs |= {"tls_context": context, "require_starttls": True}
    controller = Controller(Handler(box), **kwargs)
    controller.start()
    try:
        yield box
    finally:
        controller.stop()


@pytest.fixture
def smtp(tls_cert: tuple[Path, Path]) -> Iterator[Smtp]:
    yield from _server(tls_cert, implicit=False)


@pytest.fixture
def smtps(tls_cert: tuple[Path, Path]) -> Iterator[Smtp]:
    yield from _server(tls_cert, implicit=True)


def mail_setup(system: Rashinban, port: int, cert: Path, security: str = "starttls") -> None:
    system.alerts.save_mail_settings(
        {
            "host": "127.0.0.1",
            "port": port,
            "security": security,
            "username": "rashinban",
            "password": "s3cret-パ",
            "sender": "alerts@rashinban.example.jp",
            "verify": "true",
            "cafile": str(cert),
            "public_url": "https://rashinban.example.jp",
        }
    )


def one_alert(system: Rashinban, store: Store, clock: FixedClock) -> tuple[Any, int]:
    rep, _ = rep_under_manager(store)
    count = calls_in_window(store, rep.member_id, clock.now())
    (rid,) = only(system, floor_rule(rep, count + 50, notify_manager=False))
    return rep, rid


def test_a_failed_smtp_server_is_retried_then_delivered_once(
    system: Rashinban, store: Store, clock: FixedClock, smtp: Smtp, tls_cert: tuple[Path, Path]
) -> None:
    mail_setup(system, smtp.port, tls_cert[0])
    rep, _ = one_alert(system, store, clock)
    as_user(store, clock, rep.username).alerts.save_preferences(
        {"channel_email": "on", "email": "rep@example.jp"}
    )
    smtp.fail_data = 1
    result = system.alerts.run()
    assert (result.opened, result.deliveries) == (1, 1)
    r = runner(store, clock)
    assert len(r.run_until_idle()) == 1  # attempt 1: 451
    (d,) = D.list_deliveries(store)
    assert (d.state, d.attempts, d.error["code"]) == ("queued", 1, "delivery_failed")
    assert "451" in d.error["params"]["reason"] and smtp.messages == []
    assert r.run_until_idle() == []  # backoff: not yet
    clock.advance(seconds=31)
    assert len(r.run_until_idle()) == 1  # attempt 2: delivered
    clock.advance(hours=1)
    r.run_until_idle()
    (d,) = D.list_deliveries(store)
    assert (d.state, d.attempts, d.error) == ("sent", 2, None)
    assert len(smtp.messages) == 1 and smtp.rcpts == ["rep@example.jp"] and smtp.logins == ["rashinban"] * 2
    msg = email.message_from_bytes(smtp.messages[0], policy=default_policy)
    raw_subject = re.search(rb"(?:^|\r\n)Subject: ([^\r]*)", smtp.messages[0]).group(1)  # type: ignore[union-attr]
    assert raw_subject.startswith(b"=?utf-8?b?")  # RFC 2047, not raw UTF-8 in the header
    alert = system.alerts.inbox().alerts[0]
    assert msg["Subject"] == f"【羅針盤】アラート 1件：{alert.message[:60]}"
    text = msg.get_body(("plain",))
    assert text["Content-Transfer-Encoding"] == "base64" and text.get_content_charset() == "utf-8"
    body = text.get_content()
    assert alert.message in body and f"https://rashinban.example.jp/alerts/{alert.id}" in body
    html = msg.get_body(("html",)).get_content()
    assert f'href="https://rashinban.example.jp/alerts/{alert.id}"' in html
    events = [e.event for e in system.alerts.alert(alert.id).events]
    assert events.count("delivered") == 1


def test_implicit_tls_and_a_refused_address_is_not_retried(
    system: Rashinban, store: Store, clock: FixedClock, smtps: Smtp, tls_cert: tuple[Path, Path]
) -> None:
    mail_setup(system, smtps.port, tls_cert[0], security="ssl")
    rep, _ = one_alert(system, store, clock)
    me = as_user(store, clock, rep.username, lang="en")
    me.alerts.save_preferences({"channel_email": "on", "email": "rep@example.jp"})
    me.alerts.send_test()
    r = runner(store, clock)
    r.run_until_idle()
    (d,) = D.list_deliveries(store)
    assert d.state == "sent" and len(smtps.messages) == 1
    sent = email.message_from_bytes(smtps.messages[0], policy=default_policy)
    assert sent["Subject"] == "[Rashinban] Test message"
    smtps.refuse_rcpt = True
    me.alerts.send_test()
    r.run_until_idle()
    newest = D.list_deliveries(store)[0]
    assert (newest.state, newest.attempts, newest.error["code"]) == ("failed", 1, "delivery_rejected")
    shown = me.alerts.deliveries().deliveries[0]
    assert shown.state == "failed" and "550" in (shown.error or "") and "refused" in (shown.error or "")


def test_slack_teams_and_a_signed_webhook(
    system: Rashinban, store: Store, clock: FixedClock, http_receiver: HttpReceiver
) -> None:
    rep, _ = one_alert(system, store, clock)
    me = as_user(store, clock, rep.username)
    prefs = me.alerts.save_preferences(
        {
            "channels": ["slack", "teams", "webhook"],
            "slack_url": f"{http_receiver.url}/slack",
            "teams_url": f"{http_receiver.url}/teams",
            "webhook_url": f"{http_receiver.url}/hook",
        }
    )
    http_receiver.fail_next = [503]  # the first POST (Slack's) is refused for now
    assert system.alerts.run().deliveries == 3
    r = runner(store, clock)
    r.run_until_idle()
    clock.advance(seconds=31)
    r.run_until_idle()
    by_path = {req.path: req for req in http_receiver.requests}
    assert sorted(by_path) == ["/hook", "/slack", "/teams"] and len(http_receiver.requests) == 3
    alert = me.alerts.inbox().alerts[0]
    slack = by_path["/slack"].json
    assert slack["text"].startswith("【羅針盤】アラート 1件") and slack["blocks"][0]["type"] == "header"
    assert any(alert.message in b["text"]["text"] for b in slack["blocks"] if b["type"] == "section")
    teams = by_path["/teams"].json
    att = teams["attachments"][0]
    assert teams["type"] == "message" and att["contentType"] == "application/vnd.microsoft.card.adaptive"
    assert att["content"]["type"] == "AdaptiveCard" and att["content"]["version"] == "1.4"
    assert any(alert.message in b["text"] for b in att["content"]["body"])
    hook = by_path["/hook"]
    stamp = hook.headers["X-Rashinban-Timestamp"]
    good = hmac.new(
        prefs.webhook_secret.encode(), stamp.encode() + b"." + hook.body, hashlib.sha256
    ).hexdigest()
    assert hook.headers["X-Rashinban-Signature"] == f"sha256={good}"
    assert hook.json["alerts"][0]["id"] == alert.id and hook.json["alerts"][0]["message"] == alert.message
    forged = hmac.new(b"someone-else", stamp.encode() + b"." + hook.body, hashlib.sha256).hexdigest()
    assert hook.headers["X-Rashinban-Signature"] != f"sha256={forged}"
    states = {(d.channel, d.state, d.attempts) for d in D.list_deliveries(store)}
    assert states == {("slack", "sent", 2), ("teams", "sent", 1), ("webhook", "sent", 1)}


def test_a_gone_webhook_fails_at_once(
    system: Rashinban, store: Store, clock: FixedClock, http_receiver: HttpReceiver
) -> None:
    rep, _ = one_alert(system, store, clock)
    me = as_user(store, clock, rep.username)
    me.alerts.save_preferences({"channels": "webhook", "webhook_url": f"{http_receiver.url}/gone"})
    http_receiver.fail_next = [404]
    system.alerts.run()
    runner(store, clock).run_until_idle()
    (d,) = D.list_deliveries(store)
    assert (d.state, d.attempts, d.error["code"]) == ("failed", 1, "delivery_rejected")
