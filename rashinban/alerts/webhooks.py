"""HTTP notifiers: Slack and Microsoft Teams incoming webhooks, and a generic signed webhook.

* Slack: an incoming webhook URL; ``text`` (the fallback and the notification) plus Block
  Kit blocks (a header, one mrkdwn section per item with its link, a context line).
* Teams: a *Workflows* webhook ("Post to a channel when a webhook request is received"):
  ``{"type": "message", "attachments": [{"contentType":
  "application/vnd.microsoft.card.adaptive", "content": <Adaptive Card 1.4>}]}`` — the
  Office 365 connector MessageCard format is retired and Workflows accept Adaptive Cards only.
* Webhook: the message's ``data`` as JSON, with ``X-Rashinban-Timestamp`` (Unix seconds),
  ``X-Rashinban-Delivery`` (stable across retries: deduplicate on it) and
  ``X-Rashinban-Signature: sha256=<hex>``, the HMAC-SHA256 of ``"<timestamp>.<body>"`` with
  the user's webhook secret (see :func:`signature`).

A 2xx answer is delivered; 408, 429 and 5xx and network errors are retried; any other 4xx
is a rejection (a wrong or revoked URL does not get better).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import urllib.error
import urllib.request
from typing import Any

from rashinban.alerts.message import Message
from rashinban.alerts.notify import DeliveryFailed, DeliveryRejected

USER_AGENT = "Rashinban-Alerts/1.0"
SEVERITY_COLOR = {"info": "Accent", "warning": "Warning", "critical": "Attention"}
SEVERITY_MARK = {"info": "🔵", "warning": "🟡", "critical": "🔴"}


def signature(secret: str, timestamp: str, body: bytes) -> str:
    """``sha256=`` + hex HMAC-SHA256 of ``timestamp.body`` (how a receiver checks it)."""
    mac = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return "sha256=" + mac.hexdigest()


def post_json(
    channel: str, url: str, body: bytes, timeout: float, headers: dict[str, str] | None = None
) -> None:
    if not url.lower().startswith(("https://", "http://")):
        raise DeliveryRejected(channel, "the URL must start with https:// or http://")
    request = urllib.request.Request(
        url,
        data=body,
        method="POST",
        headers={
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": USER_AGENT,
            **(headers or {}),
        },
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            response.read(1024)
    except urllib.error.HTTPError as e:
        detail = f"HTTP {e.code} {e.reason}"
        if e.code in (408, 429) or e.code >= 500:
            raise DeliveryFailed(channel, detail) from None
        raise DeliveryRejected(channel, detail) from None
    except (urllib.error.URLError, OSError, TimeoutError) as e:
        raise DeliveryFailed(channel, f"{type(e).__name__}: {getattr(e, 'reason', e)}") from None


def _dumps(data: Any) -> bytes:
    return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _mrkdwn(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_payload(message: Message) -> dict[str, Any]:
    lines = []
    for item in message.items[:40]:
        text = _mrkdwn(item.text)
        mark = SEVERITY_MARK.get(item.severity, "•")
        lines.append(f"{mark} <{item.url}|{text}>" if item.url else f"{mark} {text}")
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "text": message.title[:150], "emoji": True}}
    ]
    if message.intro:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": _mrkdwn(message.intro)[:3000]}})
    chunk: list[str] = []
    for line in lines:  # sections hold at most 3,000 characters
        if sum(len(x) + 1 for x in chunk) + len(line) > 2900:
            blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(chunk)}})
            chunk = []
        chunk.append(line)
    if chunk:
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": "\n".join(chunk)}})
    footer = [x for x in (message.footer, f"<{message.url}|{message.url_label}>" if message.url else "") if x]
    if footer:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": " · ".join(footer)}]})
    return {"text": message.subject, "blocks": blocks[:50]}


def teams_payload(message: Message) -> dict[str, Any]:
    body: list[dict[str, Any]] = [
        {"type": "TextBlock", "text": message.title, "weight": "Bolder", "size": "Medium", "wrap": True}
    ]
    if message.intro:
        body.append({"type": "TextBlock", "text": message.intro, "wrap": True})
    for item in message.items[:40]:
        text = f"[{item.text}]({item.url})" if item.url else item.text
        color = SEVERITY_COLOR.get(item.severity, "Default")
        body.append(
            {"type": "TextBlock", "text": f"• {text}", "wrap": True, "color": color, "spacing": "Small"}
        )
    if message.footer:
        body.append(
            {"type": "TextBlock", "text": message.footer, "isSubtle": True, "wrap": True, "size": "Small"}
        )
    card: dict[str, Any] = {
        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
        "type": "AdaptiveCard",
        "version": "1.4",
        "body": body,
    }
    if message.url:
        card["actions"] = [{"type": "Action.OpenUrl", "title": message.url_label, "url": message.url}]
    attachment = {
        "contentType": "application/vnd.microsoft.card.adaptive",
        "contentUrl": None,
        "content": card,
    }
    return {"type": "message", "summary": message.subject, "attachments": [attachment]}


class SlackNotifier:
    channel = "slack"

    def __init__(self, timeout: float = 15.0) -> None:
        self.timeout = timeout

    def send(self, message: Message, target: str) -> None:
        post_json(self.channel, target, _dumps(slack_payload(message)), self.timeout)


class TeamsNotifier:
    channel = "teams"

    def __init__(self, timeout: float = 15.0) -> None:
        self.timeout = timeout

    def send(self, message: Message, target: str) -> None:
        post_json(self.channel, target, _dumps(teams_payload(message)), self.timeout)


class WebhookNotifier:
    channel = "webhook"

    def __init__(self, secret: str, timeout: float = 15.0) -> None:
        self.secret = secret
        self.timeout = timeout

    def send(self, message: Message, target: str) -> None:
        body = _dumps(message.data)
        stamp = str(int(message.created_at.timestamp()))
        headers = {
            "X-Rashinban-Timestamp": stamp,
            "X-Rashinban-Delivery": message.message_id.strip("<>"),
            "X-Rashinban-Signature": signature(self.secret, stamp, body),
        }
        post_json(self.channel, target, body, self.timeout, headers)


__all__ = [
    "SlackNotifier",
    "TeamsNotifier",
    "WebhookNotifier",
    "post_json",
    "signature",
    "slack_payload",
    "teams_payload",
]
