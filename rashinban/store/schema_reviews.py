"""Tables of migration 0011 (the PDCA loop): review meetings with their agenda items and the
snapshot of every number they showed, meeting templates per team, action items with their
effect follow-up, 1on1s, and KPI revision proposals decided in meetings.  Re-exported by
``store.schema``.

Times are business-local (the clock's ``now()``), like the targets they sit beside.
"""

from __future__ import annotations

import sqlalchemy as sa

from rashinban.store.schema_base import metadata

# One meeting of a scope (company 0, a team or a member) at a cadence.  ``snapshot_json``
# holds every number the agenda showed when it was built (refreshed while a draft), fixed
# once the meeting is frozen; ``template_json`` the sections it was built from.
review_meetings = sa.Table(
    "review_meetings",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("scope_type", sa.String(10), nullable=False),  # company | team | member
    sa.Column("scope_id", sa.BigInteger, nullable=False),  # 0 for the company
    sa.Column("cadence", sa.String(10), nullable=False),  # weekly | monthly | quarterly
    sa.Column("period", sa.String(30), nullable=False),  # the month the numbers are for
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("template", sa.String(100), nullable=False),
    sa.Column("template_json", sa.Text, nullable=False),
    sa.Column("state", sa.String(10), nullable=False),  # draft | held | frozen
    sa.Column("facilitator", sa.String(100), nullable=True),
    sa.Column("model", sa.String(200), nullable=True),
    sa.Column("model_version", sa.Integer, nullable=True),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("previous_id", sa.BigInteger, nullable=True),
    sa.Column("snapshot_json", sa.Text, nullable=False),
    sa.Column("created_by", sa.String(100), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("held_at", sa.DateTime, nullable=True),
    sa.Column("frozen_at", sa.DateTime, nullable=True),
    sa.Column("frozen_by", sa.String(100), nullable=True),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
sa.Index("ix_review_meetings_scope", review_meetings.c.scope_type, review_meetings.c.scope_id)

# The agenda: generated items (numbers in ``data_json``) and free ones, in ``position``
# order within the meeting, each with the facilitator's notes and the decision taken.
review_items = sa.Table(
    "review_items",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("meeting_id", sa.BigInteger, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("section", sa.String(30), nullable=False),
    sa.Column("kind", sa.String(30), nullable=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("data_json", sa.Text, nullable=True),
    sa.Column("notes", sa.Text, nullable=True),
    sa.Column("decision", sa.Text, nullable=True),
    sa.Column("updated_by", sa.String(100), nullable=True),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
sa.Index("ix_review_items_meeting", review_items.c.meeting_id)

# A team's own agenda templates (team_id NULL: for the whole company).
review_templates = sa.Table(
    "review_templates",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("team_id", sa.BigInteger, nullable=True),
    sa.Column("name", sa.String(100), nullable=False),
    sa.Column("sections_json", sa.Text, nullable=False),
    sa.Column("created_by", sa.String(100), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("deleted", sa.Boolean, nullable=False, server_default=sa.false()),
)

# What someone will do, by when, to move which KPI of which scope by how much.
action_items = sa.Table(
    "action_items",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("title", sa.String(300), nullable=False),
    sa.Column("detail", sa.Text, nullable=True),
    sa.Column("owner_user_id", sa.BigInteger, nullable=False),
    sa.Column("model", sa.String(200), nullable=True),
    sa.Column("node", sa.String(100), nullable=True),
    sa.Column("scope_type", sa.String(10), nullable=False),
    sa.Column("scope_id", sa.BigInteger, nullable=False),
    sa.Column("expected_change", sa.Numeric(24, 6), nullable=True),
    sa.Column("expected_unit", sa.String(10), nullable=True),  # pt | pct | abs
    sa.Column("due_on", sa.Date, nullable=False),
    sa.Column("status", sa.String(12), nullable=False),  # open | in_progress | done | cancelled
    sa.Column("meeting_id", sa.BigInteger, nullable=True),
    sa.Column("item_id", sa.BigInteger, nullable=True),
    sa.Column("one_on_one_id", sa.BigInteger, nullable=True),
    sa.Column("started_on", sa.Date, nullable=False),  # the effect window's first day
    sa.Column("done_at", sa.DateTime, nullable=True),
    sa.Column("escalated_at", sa.DateTime, nullable=True),
    sa.Column("escalated_to", sa.String(400), nullable=True),
    sa.Column("created_by", sa.String(100), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
sa.Index("ix_action_items_owner", action_items.c.owner_user_id, action_items.c.status)
sa.Index("ix_action_items_meeting", action_items.c.meeting_id)

# A 1on1 between a manager and a member: the member's numbers then, the talking list, the
# private notes (the two of them and admins) and the member's own comment.
one_on_ones = sa.Table(
    "one_on_ones",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("manager_user_id", sa.BigInteger, nullable=False),
    sa.Column("member_id", sa.BigInteger, nullable=False),
    sa.Column("held_on", sa.Date, nullable=False),
    sa.Column("period", sa.String(30), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),  # open | closed
    sa.Column("snapshot_json", sa.Text, nullable=False),
    sa.Column("private_notes", sa.Text, nullable=True),
    sa.Column("member_comment", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
sa.Index("ix_one_on_ones_member", one_on_ones.c.member_id)

# A proposed change to a target or to the model, with its reason, and the meeting that
# decided it; once applied, the target revision written or the model version pushed.
kpi_revisions = sa.Table(
    "kpi_revisions",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("meeting_id", sa.BigInteger, nullable=True),
    sa.Column("kind", sa.String(10), nullable=False),  # target | model
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("node", sa.String(100), nullable=True),
    sa.Column("scope_type", sa.String(10), nullable=True),
    sa.Column("scope_id", sa.BigInteger, nullable=True),
    sa.Column("period", sa.String(30), nullable=True),
    sa.Column("old_value", sa.Numeric(24, 6), nullable=True),
    sa.Column("new_value", sa.Numeric(24, 6), nullable=True),
    sa.Column("model_text", sa.Text, nullable=True),
    sa.Column("model_version", sa.Integer, nullable=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("state", sa.String(10), nullable=False),  # proposed | applied | rejected
    sa.Column("proposed_by", sa.String(100), nullable=True),
    sa.Column("proposed_at", sa.DateTime, nullable=False),
    sa.Column("decided_by", sa.String(100), nullable=True),
    sa.Column("decided_at", sa.DateTime, nullable=True),
)

REVIEW_TABLES = (review_meetings, review_items, review_templates, action_items, one_on_ones, kpi_revisions)

__all__ = [
    "REVIEW_TABLES",
    "action_items",
    "kpi_revisions",
    "one_on_ones",
    "review_items",
    "review_meetings",
    "review_templates",
]
