"""Notifiers: one Protocol, one class per channel.

``send(message, target)`` delivers or raises :class:`DeliveryFailed` (worth retrying: the
server is down, busy, or answered 4xx-temporary / 5xx) or :class:`DeliveryRejected` (it
will fail the same way again: a refused address, a 404 webhook).  The jobs runner retries
the first with backoff and gives up on the second at once.

* :class:`EmailNotifier` — SMTP with STARTTLS, implicit TLS (SMTPS) or plain (a relay on
  the same host), optional login; a UTF-8 message whose Japanese subject is RFC 2047
  encoded and whose text and HTML parts are base64, with a stable Message-ID.
* :class:`SlackNotifier`, :class:`TeamsNotifier`, :class:`WebhookNotifier` — see
  :mod:`rashinban.alerts.webhooks`.
"""

from __future__ import annotations

import base64
import html
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Protocol

from rashinban.alerts.message import Message
from rashinban.errors import RashinbanError

CHANNELS = ("email", "slack", "teams", "webhook")
SECURITY = ("starttls", "ssl", "none")


class DeliveryFailed(RashinbanError):
    """A delivery that may succeed later (the job retries it with backoff)."""

    retryable = True

    def __init__(self, channel: str, reason: str) -> None:
        super().__init__("delivery_failed", channel=channel, reason=reason[:300])


class DeliveryRejected(RashinbanError):
    """A delivery the receiver refused for good (no retry)."""

    retryable = False

    def __init__(self, channel: str, reason: str) -> None:
        super().__init__("delivery_rejected", channel=channel, reason=reason[:300])


class Notifier(Protocol):
    """Sends a message to a target (an address or a URL) on one channel."""

    channel: str

    def send(self, message: Message, target: str) -> None: ...


@dataclass(frozen=True)
class SmtpConfig:
    host: str
    port: int = 587
    security: str = "starttls"  # starttls | ssl | none
    username: str | None = None
    password: str | None = None
    sender: str = "rashinban@localhost"
    timeout: float = 20.0
    verify: bool = True  # check the server's certificate
    cafile: str | None = None  # a private CA (self-signed relay)

    def tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self.cafile)
        if not self.verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context


def email_message(message: Message, sender: str, to: str) -> EmailMessage:
    """The MIME message: text/plain and text/html alternatives in UTF-8 (base64), the
    subject RFC 2047 encoded when it is not ASCII."""
    em = EmailMessage(policy=SMTP)
    em["Subject"] = message.subject
    em["From"] = sender
    em["To"] = to
    em["Date"] = format_datetime(message.created_at)
    em["Message-ID"] = message.message_id
    em["Auto-Submitted"] = "auto-generated"
    em.set_content(message.text, charset="utf-8", cte="base64")
    em.add_alternative(email_html(message), subtype="html", charset="utf-8", cte="base64")
    return em


def email_html(message: Message) -> str:
    e = html.escape
    items = []
    for item in message.items:
        text = e(item.text)
        items.append(f'<li><a href="{e(item.url)}">{text}</a></li>' if item.url else f"<li>{text}</li>")
    parts = [f"<h2>{e(message.title)}</h2>"]
    if message.intro:
        parts.append(f"<p>{e(message.intro)}</p>")
    parts.append("<ul>" + "".join(items) + "</ul>")
    if message.url:
        parts.append(f'<p><a href="{e(message.url)}">{e(message.url_label)}</a></p>')
    if message.footer:
        parts.append(f'<p style="color:#666">{e(message.footer)}</p>')
    return '<!doctype html><html><body style="font-family:sans-serif">' + "".join(parts) + "</body></html>"


class EmailNotifier:
    channel = "email"

    def __init__(self, config: SmtpConfig) -> None:
        self.config = config

    def send(self, message: Message, target: str) -> None:
        cfg = self.config
        em = email_message(message, cfg.sender, target)
        try:
            if cfg.security == "ssl":
                smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                    cfg.host, cfg.port, timeout=cfg.timeout, context=cfg.tls_context()
                )
            else:
                smtp = smtplib.SMTP(cfg.host, cfg.port, timeout=cfg.timeout)
            with smtp:
                smtp.ehlo()
                if cfg.security == "starttls":
                    smtp.starttls(context=cfg.tls_context())
                    smtp.ehlo()
                if cfg.username:
                    _login(smtp, cfg.username, cfg.password or "")
                smtp.send_message(em, from_addr=cfg.sender, to_addrs=[target])
        except smtplib.SMTPRecipientsRefused as e:
            code, text = next(iter(e.recipients.values()), (550, b"refused"))
            raise _smtp_error(code, text) from None
        except (smtplib.SMTPResponseException, smtplib.SMTPSenderRefused) as e:
            raise _smtp_error(e.smtp_code, e.smtp_error) from None
        except smtplib.SMTPNotSupportedError as e:
            raise DeliveryRejected("email", f"the server does not support it: {e}") from None
        except (TimeoutError, smtplib.SMTPException, ssl.SSLError, OSError) as e:
            raise DeliveryFailed("email", f"{type(e).__name__}: {e}") from None
        except (UnicodeError, ValueError) as e:  # an address or header that cannot be sent
            raise DeliveryRejected("email", f"{type(e).__name__}: {e}") from None


def _login(smtp: smtplib.SMTP, user: str, password: str) -> None:
    """Log in; a non-ASCII user or password goes as AUTH PLAIN in UTF-8 (RFC 4954 / SASLprep)
    — ``smtplib.login`` only sends ASCII."""
    if (user + password).isascii():
        smtp.login(user, password)
        return
    if not smtp.has_extn("auth") or "PLAIN" not in smtp.esmtp_features.get("auth", "").upper().split():
        raise DeliveryRejected("email", "the server offers no AUTH PLAIN for a non-ASCII login")
    token = base64.b64encode(b"\0" + user.encode() + b"\0" + password.encode()).decode("ascii")
    code, text = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, text)


def _smtp_error(code: int, text: bytes | str) -> RashinbanError:
    reason = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}".strip()
    if 500 <= code < 600 and code not in (552,):  # 552: mailbox full, may clear
        return DeliveryRejected("email", reason)
    return DeliveryFailed("email", reason)


def notifier_for(
    channel: str, smtp: SmtpConfig | None, secret: str | None = None, timeout: float = 15.0
) -> Notifier:
    """The notifier of a channel (e-mail needs the SMTP settings, a webhook its secret)."""
    from rashinban.alerts.webhooks import SlackNotifier, TeamsNotifier, WebhookNotifier

    if channel == "email":
        if smtp is None:
            raise DeliveryRejected("email", "no SMTP server is configured")
        return EmailNotifier(smtp)
    if channel == "slack":
        return SlackNotifier(timeout)
    if channel == "teams":
        return TeamsNotifier(timeout)
    if channel == "webhook":
        if not secret:
            raise DeliveryRejected("webhook", "the webhook has no signing secret")
        return WebhookNotifier(secret, timeout)
    raise DeliveryRejected(channel, "unknown channel")


__all__ = [
    "CHANNELS",
    "SECURITY",
    "DeliveryFailed",
    "DeliveryRejected",
    "EmailNotifier",
    "Notifier",
    "SmtpConfig",
    "email_html",
    "email_message",
    "notifier_for",
]
