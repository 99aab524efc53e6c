"""The canonical store: one SQLAlchemy Core metadata for DuckDB and PostgreSQL.

Fact tables carry ``source`` (where the row came from: ``salesforce``, ``hubspot``,
``maven``, ``demo``, ``rashinban`` for rows logged in the app, …) and ``external_id`` (the
row's id in that source), unique together: importing the same file twice finds every row
already there.  Surrogate ``id`` columns are BIGINTs assigned by the writer (see
``store/ids.py``), not by database sequences, so that bulk loads stay fast on DuckDB and
ids are stable across engines.

Timestamps are naive UTC-free local times (Asia/Tokyo wall clock) in ``TIMESTAMP``
columns; money is ``NUMERIC(18, 2)`` in the deal's currency (yen by default).
"""

from __future__ import annotations

import sqlalchemy as sa

from rashinban.store.schema_alerts import (  # the alert tables, re-exported
    alert_deliveries,
    alert_events,
    alert_notices,
    alert_preferences,
    alert_rules,
    alerts,
)
from rashinban.store.schema_app import (  # the application tables, re-exported
    api_tokens,
    app_secrets,
    app_settings,
    audit_log,
    data_version,
    deal_scores,
    experiment_defs,
    forecast_adjustments,
    forecast_categories,
    forecast_models,
    forecast_submissions,
    import_runs,
    jobs,
    kpi_models,
    lead_scores,
    model_bindings,
    schedules,
    scope_forecasts,
    targets,
    users,
)
from rashinban.store.schema_base import MONEY, _fact, metadata
from rashinban.store.schema_reviews import (  # the PDCA loop's tables, re-exported
    action_items,
    kpi_revisions,
    one_on_ones,
    review_items,
    review_meetings,
    review_templates,
)
from rashinban.store.schema_security import audit_log_seq, login_throttle, sessions
from rashinban.store.schema_trust import manual_values, owner_mappings, stage_mappings

# --- organisation ---------------------------------------------------------------------
teams = _fact(
    "teams",
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("parent_id", sa.BigInteger, nullable=True),  # hierarchy: NULL at the top
    sa.Column("kind", sa.String(20), nullable=False, server_default="in_house"),  # in_house | agency
    sa.Column("client", sa.String(200), nullable=True),  # for agency teams: the client served
)

members = _fact(
    "members",
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(200), nullable=True),
    sa.Column("team_id", sa.BigInteger, nullable=True),
    sa.Column("role", sa.String(40), nullable=True),  # field_sales | inside_sales | cs | manager
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("joined_on", sa.Date, nullable=True),
)

accounts = _fact(
    "accounts",
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("industry", sa.String(100), nullable=True),
    sa.Column("employees", sa.Integer, nullable=True),
    sa.Column("revenue", MONEY, nullable=True),
    sa.Column("region", sa.String(100), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=True),
)

products = _fact(
    "products",
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("series", sa.String(100), nullable=True),
    sa.Column("list_price", MONEY, nullable=True),
)

# --- funnel facts ---------------------------------------------------------------------
leads = _fact(
    "leads",
    sa.Column("account_id", sa.BigInteger, nullable=True),
    sa.Column("owner_id", sa.BigInteger, nullable=True),  # member
    sa.Column("channel", sa.String(100), nullable=True),  # web | seminar | referral | outbound | ad | …
    sa.Column("status", sa.String(20), nullable=False),  # new | mql | sql | disqualified | converted
    sa.Column("valid", sa.Boolean, nullable=True),  # 有効リード
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("mql_at", sa.DateTime, nullable=True),
    sa.Column("sql_at", sa.DateTime, nullable=True),
    sa.Column("disqualified_at", sa.DateTime, nullable=True),
    sa.Column("converted_at", sa.DateTime, nullable=True),
    sa.Column("converted_deal_id", sa.BigInteger, nullable=True),
)

activities = _fact(
    "activities",
    sa.Column("member_id", sa.BigInteger, nullable=True),
    sa.Column("type", sa.String(20), nullable=False),  # call | email | visit | web_meeting | other
    sa.Column(
        "outcome", sa.String(30), nullable=True
    ),  # connected | no_answer | appointment | opened | replied | …
    sa.Column("lead_id", sa.BigInteger, nullable=True),
    sa.Column("deal_id", sa.BigInteger, nullable=True),
    sa.Column("account_id", sa.BigInteger, nullable=True),
    sa.Column("subject", sa.String(300), nullable=True),
    sa.Column("contact_id", sa.BigInteger, nullable=True),
    sa.Column("duration_minutes", sa.Integer, nullable=True),
    sa.Column("occurred_at", sa.DateTime, nullable=False),
    sa.Column("logged_at", sa.DateTime, nullable=True),  # entry time: logged_at - occurred_at = entry lag
)

deals = _fact(
    "deals",
    sa.Column("name", sa.String(300), nullable=True),
    sa.Column("account_id", sa.BigInteger, nullable=True),
    sa.Column("owner_id", sa.BigInteger, nullable=True),  # member
    sa.Column("product_id", sa.BigInteger, nullable=True),
    sa.Column("lead_id", sa.BigInteger, nullable=True),
    sa.Column("channel", sa.String(100), nullable=True),
    sa.Column("stage", sa.String(60), nullable=False),
    sa.Column("amount", MONEY, nullable=True),
    sa.Column("currency", sa.String(3), nullable=False, server_default="JPY"),
    sa.Column("probability", sa.Numeric(5, 2), nullable=True),  # percent 0-100, as in Salesforce
    # NULL when the source does not say (Maven's prospecting deals have no engage date)
    sa.Column("created_at", sa.DateTime, nullable=True),
    sa.Column("expected_close_on", sa.Date, nullable=True),
    sa.Column("closed_at", sa.DateTime, nullable=True),
    sa.Column("is_closed", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("is_won", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("lost_reason", sa.String(200), nullable=True),
    sa.Column("valid", sa.Boolean, nullable=True),  # 有効商談 (BANT qualified)
    # who sourced the deal — set the appointment, handed it off (送客): the inside-sales or
    # agency member credited with it (migration 0010); NULL when the source does not say
    sa.Column("source_member_id", sa.BigInteger, nullable=True),
)

deal_stage_history = _fact(
    "deal_stage_history",
    sa.Column("deal_id", sa.BigInteger, nullable=False),
    sa.Column("stage", sa.String(60), nullable=False),
    sa.Column("entered_at", sa.DateTime, nullable=False),
    sa.Column("amount", MONEY, nullable=True),
    # the close date the CRM held when the stage was entered (OpportunityHistory.CloseDate);
    # its increases are the deal's close-date pushes (migration 0005)
    sa.Column("expected_close_on", sa.Date, nullable=True),
)

contracts = _fact(
    "contracts",
    sa.Column("account_id", sa.BigInteger, nullable=True),
    sa.Column("deal_id", sa.BigInteger, nullable=True),
    sa.Column("owner_id", sa.BigInteger, nullable=True),
    sa.Column("start_on", sa.Date, nullable=False),
    sa.Column("end_on", sa.Date, nullable=True),
    sa.Column("mrr", MONEY, nullable=True),
    sa.Column("status", sa.String(20), nullable=False),  # active | churned | renewed | expired
    sa.Column("churned_on", sa.Date, nullable=True),
    sa.Column("renewed", sa.Boolean, nullable=True),
    sa.Column("expansion", sa.Boolean, nullable=True),  # an upsell/cross-sell contract
)

surveys = _fact(
    "surveys",
    sa.Column("account_id", sa.BigInteger, nullable=True),
    sa.Column("owner_id", sa.BigInteger, nullable=True),
    sa.Column("kind", sa.String(10), nullable=False),  # nps | csat
    sa.Column("score", sa.Integer, nullable=False),
    sa.Column("answered_at", sa.DateTime, nullable=False),
    sa.Column("referral", sa.Boolean, nullable=True),
    sa.Column("complaint", sa.Boolean, nullable=True),
)

spend = _fact(
    "spend",
    sa.Column("channel", sa.String(100), nullable=False),
    sa.Column("period_start", sa.Date, nullable=False),
    sa.Column("period_end", sa.Date, nullable=False),
    sa.Column("amount", MONEY, nullable=False),
    sa.Column("team_id", sa.BigInteger, nullable=True),
)

experiments = _fact(
    "experiments",
    sa.Column("experiment", sa.String(100), nullable=False),
    sa.Column("variant", sa.String(50), nullable=False),
    sa.Column("unit_type", sa.String(20), nullable=False),  # lead | deal | member | account
    sa.Column("unit_id", sa.BigInteger, nullable=False),
    sa.Column("assigned_at", sa.DateTime, nullable=False),
)

# --- CRM objects kept for reference (Salesforce contacts and campaigns) -------------
contacts = _fact(
    "contacts",
    sa.Column("account_id", sa.BigInteger, nullable=True),
    sa.Column("owner_id", sa.BigInteger, nullable=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("email", sa.String(200), nullable=True),
    sa.Column("title", sa.String(200), nullable=True),
    sa.Column("channel", sa.String(100), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=True),
)

campaigns = _fact(
    "campaigns",
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("channel", sa.String(100), nullable=True),
    sa.Column("status", sa.String(40), nullable=True),
    sa.Column("start_on", sa.Date, nullable=True),
    sa.Column("end_on", sa.Date, nullable=True),
    sa.Column("budgeted_cost", MONEY, nullable=True),
    sa.Column("actual_cost", MONEY, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=True),
)

campaign_members = _fact(
    "campaign_members",
    sa.Column("campaign_id", sa.BigInteger, nullable=True),
    sa.Column("lead_id", sa.BigInteger, nullable=True),
    sa.Column("contact_id", sa.BigInteger, nullable=True),
    sa.Column("status", sa.String(40), nullable=True),
    sa.Column("responded", sa.Boolean, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=True),
    sa.Column("responded_at", sa.DateTime, nullable=True),
)

FACT_TABLES = (
    teams,
    members,
    accounts,
    products,
    leads,
    activities,
    deals,
    deal_stage_history,
    contracts,
    surveys,
    spend,
    experiments,
    contacts,
    campaigns,
    campaign_members,
)

__all__ = [
    "FACT_TABLES",
    "MONEY",
    "action_items",
    "alert_deliveries",
    "alert_events",
    "alert_notices",
    "alert_preferences",
    "alert_rules",
    "alerts",
    "api_tokens",
    "app_secrets",
    "app_settings",
    "audit_log",
    "audit_log_seq",
    "data_version",
    "deal_scores",
    "experiment_defs",
    "forecast_adjustments",
    "forecast_categories",
    "forecast_models",
    "forecast_submissions",
    "import_runs",
    "jobs",
    "kpi_models",
    "kpi_revisions",
    "lead_scores",
    "login_throttle",
    "manual_values",
    "metadata",
    "model_bindings",
    "one_on_ones",
    "owner_mappings",
    "review_items",
    "review_meetings",
    "review_templates",
    "schedules",
    "scope_forecasts",
    "sessions",
    "stage_mappings",
    "targets",
    "users",
]
