"""Alerts: the rules (pure functions over typed facts and status rows) and the notifiers
(SMTP e-mail, Slack, Microsoft Teams, a signed webhook) behind one Protocol.

The application layer (``rashinban.app.alerts``) reads the facts, runs the rules over every
scope in one pass, keeps the alerts and their history in the store, and renders messages
in each user's language; this package does no storage and no translation.
"""

from rashinban.alerts.message import Item, Message
from rashinban.alerts.notify import (
    CHANNELS,
    DeliveryFailed,
    DeliveryRejected,
    Notifier,
    SmtpConfig,
    notifier_for,
)
from rashinban.alerts.rules import (
    EntryStats,
    Hit,
    OpenDeal,
    PaceRow,
    SourceSeen,
    late_entry,
    off_pace,
    stale_sources,
    stalled_deals,
    thresholds,
)
from rashinban.alerts.spec import CHECKS, KINDS, RuleSpec, parse_spec

__all__ = [
    "CHANNELS",
    "CHECKS",
    "KINDS",
    "DeliveryFailed",
    "DeliveryRejected",
    "EntryStats",
    "Hit",
    "Item",
    "Message",
    "Notifier",
    "OpenDeal",
    "PaceRow",
    "RuleSpec",
    "SmtpConfig",
    "SourceSeen",
    "late_entry",
    "notifier_for",
    "off_pace",
    "parse_spec",
    "stale_sources",
    "stalled_deals",
    "thresholds",
]
