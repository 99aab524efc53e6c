"""A rendered notification, the same for every channel: a subject, a title, items with links,
plain text, and a structured payload for webhooks.  Rendering (the language, the catalogue)
happens in the application layer; the notifiers only shape and send it."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Item:
    text: str
    url: str | None = None
    severity: str = "warning"


@dataclass(frozen=True)
class Message:
    """One message to one user (on one channel)."""

    subject: str
    title: str
    items: tuple[Item, ...]
    created_at: datetime  # aware: the Date header, the webhook timestamp
    message_id: str  # stable across retries: the Message-ID header, X-Rashinban-Delivery
    intro: str = ""
    footer: str = ""
    url: str | None = None  # "open in Rashinban"
    url_label: str = "Rashinban"
    data: Mapping[str, Any] = field(default_factory=dict)  # the webhook's JSON body

    @property
    def text(self) -> str:
        """The plain-text body (e-mail, Slack's fallback)."""
        lines = [self.title, ""]
        if self.intro:
            lines += [self.intro, ""]
        for item in self.items:
            lines.append(f"・{item.text}")
            if item.url:
                lines.append(f"  {item.url}")
        if self.url:
            lines += ["", f"{self.url_label}: {self.url}"]
        if self.footer:
            lines += ["", self.footer]
        return "\n".join(lines) + "\n"

    def to_json(self) -> dict[str, Any]:
        return {
            "subject": self.subject,
            "title": self.title,
            "items": [{"text": i.text, "url": i.url, "severity": i.severity} for i in self.items],
            "created_at": self.created_at.isoformat(),
            "message_id": self.message_id,
            "intro": self.intro,
            "footer": self.footer,
            "url": self.url,
            "url_label": self.url_label,
            "data": dict(self.data),
        }

    @classmethod
    def from_json(cls, d: Mapping[str, Any]) -> Message:
        return cls(
            subject=str(d["subject"]),
            title=str(d["title"]),
            items=tuple(
                Item(str(i["text"]), i.get("url"), str(i.get("severity", "warning"))) for i in d["items"]
            ),
            created_at=datetime.fromisoformat(str(d["created_at"])),
            message_id=str(d["message_id"]),
            intro=str(d.get("intro", "")),
            footer=str(d.get("footer", "")),
            url=d.get("url"),
            url_label=str(d.get("url_label", "Rashinban")),
            data=dict(d.get("data") or {}),
        )


__all__ = ["Item", "Message"]
