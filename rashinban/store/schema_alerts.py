"""The alert tables (migration 0007): rules, alerts and their history, users' delivery
preferences, notices (who is to hear of an alert) and deliveries (messages sent or being
retried).  Re-exported by ``store.schema``."""

from __future__ import annotations

import sqlalchemy as sa

from rashinban.store.schema_base import metadata

# Times here are business-local (like the facts).  An alert is one (rule, entity, period)
# in alert: ``open_key`` is set while it is unresolved, unique, so there is at most one
# unresolved alert per key; ``latched`` keeps a manually resolved key from firing again
# until its condition has cleared once.
alert_rules = sa.Table(
    "alert_rules",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),  # off_pace | late_entry | stalled_deal | stale_data
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("spec_json", sa.Text, nullable=False),  # params, overrides, severity, notify, escalation
    sa.Column("origin", sa.String(220), nullable=False, server_default="store"),  # store | model:<name>
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("created_by", sa.String(100), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.String(100), nullable=True),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("origin", "name", name="uq_alert_rules_origin_name"),
)

alerts = sa.Table(
    "alerts",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("rule_id", sa.BigInteger, nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("entity_type", sa.String(10), nullable=False),  # company | team | member | deal | source
    sa.Column("entity_id", sa.String(120), nullable=False),
    sa.Column("period", sa.String(30), nullable=False, server_default=""),  # "" when not periodic
    sa.Column("scope_type", sa.String(10), nullable=False),  # whose alert: company | team | member
    sa.Column("scope_id", sa.BigInteger, nullable=False),  # 0 for the company
    sa.Column("state", sa.String(12), nullable=False),  # open | acknowledged | snoozed | resolved
    sa.Column("severity", sa.String(10), nullable=False),  # info | warning | critical
    sa.Column("open_key", sa.String(240), nullable=True, unique=True),
    sa.Column("latched", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("code", sa.String(40), nullable=False),  # the message (catalogue alerts.msg.<code>)
    sa.Column("params_json", sa.Text, nullable=False),  # the message's values when it opened
    sa.Column("latest_json", sa.Text, nullable=True),  # the values at the latest evaluation
    sa.Column("opened_at", sa.DateTime, nullable=False),
    sa.Column("acknowledged_at", sa.DateTime, nullable=True),
    sa.Column("acknowledged_by", sa.String(100), nullable=True),
    sa.Column("snoozed_until", sa.Date, nullable=True),
    sa.Column("snooze_reason", sa.Text, nullable=True),
    sa.Column("escalate_from", sa.DateTime, nullable=True),  # the escalation clock: opened or unsnoozed
    sa.Column("escalated_at", sa.DateTime, nullable=True),
    sa.Column("escalated_to", sa.String(400), nullable=True),
    sa.Column("resolved_at", sa.DateTime, nullable=True),
    sa.Column("resolved_by", sa.String(100), nullable=True),
    sa.Column("resolution", sa.String(20), nullable=True),  # cleared | period_ended | manual | …
    sa.Column("resolve_note", sa.Text, nullable=True),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
sa.Index("ix_alerts_rule_state", alerts.c.rule_id, alerts.c.state)
sa.Index("ix_alerts_scope", alerts.c.scope_type, alerts.c.scope_id)

alert_events = sa.Table(
    "alert_events",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("alert_id", sa.BigInteger, nullable=False),
    sa.Column("occurred_at", sa.DateTime, nullable=False),
    # opened | delivered | acknowledged | snoozed | unsnoozed | escalated | resolved
    sa.Column("event", sa.String(20), nullable=False),
    sa.Column("actor", sa.String(100), nullable=True),  # None: the system
    sa.Column("data_json", sa.Text, nullable=True),
)
sa.Index("ix_alert_events_alert", alert_events.c.alert_id)

alert_preferences = sa.Table(
    "alert_preferences",
    metadata,
    sa.Column("user_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("channels_json", sa.Text, nullable=False),  # ["email", "slack", …]; in-app is always on
    sa.Column("email", sa.String(200), nullable=True),
    sa.Column("slack_url", sa.Text, nullable=True),
    sa.Column("teams_url", sa.Text, nullable=True),
    sa.Column("webhook_url", sa.Text, nullable=True),
    sa.Column("webhook_secret", sa.String(100), nullable=True),
    sa.Column("quiet_start", sa.String(5), nullable=True),  # HH:MM business time
    sa.Column("quiet_end", sa.String(5), nullable=True),
    sa.Column("mode", sa.String(10), nullable=False, server_default="immediate"),  # immediate | digest
    sa.Column("weekly_digest", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

# Who is to hear of an alert, and why (opened, escalated, unsnoozed); grouped into
# deliveries (one message per user and channel per run).
alert_notices = sa.Table(
    "alert_notices",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("alert_id", sa.BigInteger, nullable=False),
    sa.Column("user_id", sa.BigInteger, nullable=False),
    sa.Column("reason", sa.String(12), nullable=False),  # opened | escalated | unsnoozed
    sa.Column("state", sa.String(10), nullable=False),  # pending | sent | in_app | dropped
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("batch", sa.BigInteger, nullable=True),  # the deliveries' batch id
)
sa.Index("ix_alert_notices_user_state", alert_notices.c.user_id, alert_notices.c.state)

alert_deliveries = sa.Table(
    "alert_deliveries",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("batch", sa.BigInteger, nullable=False),
    sa.Column("user_id", sa.BigInteger, nullable=False),
    sa.Column("channel", sa.String(10), nullable=False),  # email | slack | teams | webhook
    sa.Column("kind", sa.String(10), nullable=False),  # alerts | digest | weekly | test
    sa.Column("state", sa.String(10), nullable=False),  # queued | sent | failed
    sa.Column("target", sa.Text, nullable=False),  # the address or URL it goes to
    sa.Column("message_json", sa.Text, nullable=False),  # the rendered message (sent as is on retries)
    sa.Column("alert_ids_json", sa.Text, nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("error_json", sa.Text, nullable=True),  # the last failure: {"code", "params"}
    sa.Column("job_id", sa.BigInteger, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("sent_at", sa.DateTime, nullable=True),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
sa.Index("ix_alert_deliveries_user", alert_deliveries.c.user_id, alert_deliveries.c.created_at)
