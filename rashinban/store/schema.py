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

metadata = sa.MetaData()

MONEY = sa.Numeric(18, 2)


def _fact(name: str, *columns: sa.Column[object] | sa.Constraint | sa.Index) -> sa.Table:
    """A fact table: id, source, external_id (unique with source), then its columns."""
    return sa.Table(
        name,
        metadata,
        sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
        sa.Column("source", sa.String(40), nullable=False),
        sa.Column("external_id", sa.String(120), nullable=False),
        *columns,
        sa.UniqueConstraint("source", "external_id", name=f"uq_{name}_source_external_id"),
    )


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
)

deal_stage_history = _fact(
    "deal_stage_history",
    sa.Column("deal_id", sa.BigInteger, nullable=False),
    sa.Column("stage", sa.String(60), nullable=False),
    sa.Column("entered_at", sa.DateTime, nullable=False),
    sa.Column("amount", MONEY, nullable=True),
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

# --- application ----------------------------------------------------------------------
users = sa.Table(
    "users",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("username", sa.String(100), nullable=False, unique=True),
    sa.Column("display_name", sa.String(200), nullable=True),
    sa.Column("password_hash", sa.String(300), nullable=True),
    sa.Column("role", sa.String(20), nullable=False),  # admin | manager | member | partner | viewer
    sa.Column("member_id", sa.BigInteger, nullable=True),
    sa.Column("team_id", sa.BigInteger, nullable=True),  # the scope of manager/partner/viewer
    sa.Column("locale", sa.String(10), nullable=True),
    sa.Column("active", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

api_tokens = sa.Table(
    "api_tokens",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("user_id", sa.BigInteger, nullable=False),
    sa.Column("token_hash", sa.String(128), nullable=False, unique=True),
    sa.Column("name", sa.String(100), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("revoked_at", sa.DateTime, nullable=True),
)

kpi_models = sa.Table(
    "kpi_models",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("body", sa.Text, nullable=False),  # the model file's YAML text
    sa.Column("author", sa.String(100), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("message", sa.Text, nullable=True),  # why this version (model push -m)
    sa.Column("digest", sa.String(64), nullable=True),  # sha256 of body: a push of the same text is a no-op
    sa.UniqueConstraint("name", "version", name="uq_kpi_models_name_version"),
)

targets = sa.Table(
    "targets",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("node", sa.String(100), nullable=False),
    sa.Column("scope_type", sa.String(10), nullable=False),  # company | team | member
    sa.Column("scope_id", sa.BigInteger, nullable=True),  # NULL for company
    sa.Column("period", sa.String(30), nullable=False),  # a period name: 2026-11, FY2026, …
    sa.Column("tier", sa.String(10), nullable=False, server_default="target"),  # target | stretch
    sa.Column("value", sa.Numeric(24, 6), nullable=False),
    sa.Column("revision", sa.Integer, nullable=False),
    sa.Column("author", sa.String(100), nullable=True),
    sa.Column("reason", sa.Text, nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("model_version", sa.Integer, nullable=True),  # the stored model version planned with
    sa.UniqueConstraint(
        "model", "node", "scope_type", "scope_id", "period", "tier", "revision", name="uq_targets_revision"
    ),
)

app_settings = sa.Table(
    "app_settings",
    metadata,
    sa.Column("key", sa.String(60), primary_key=True),  # funnel_stages | company_holidays
    sa.Column("value_json", sa.Text, nullable=False),  # JSON
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.Column("updated_by", sa.String(100), nullable=True),
)

import_runs = sa.Table(
    "import_runs",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("file", sa.Text, nullable=False),
    sa.Column("sha256", sa.String(64), nullable=False),
    sa.Column("preset", sa.String(60), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),  # running | done | failed | dry_run
    sa.Column("started_at", sa.DateTime, nullable=False),
    sa.Column("finished_at", sa.DateTime, nullable=True),
    sa.Column("rows", sa.Integer, nullable=True),
    sa.Column("inserted", sa.Integer, nullable=True),
    sa.Column("updated", sa.Integer, nullable=True),
    sa.Column("unchanged", sa.Integer, nullable=True),
    sa.Column("rejected", sa.Integer, nullable=True),
    sa.Column("rejects_file", sa.Text, nullable=True),
    sa.Column("actor", sa.String(100), nullable=True),
    sa.Column("notes_json", sa.Text, nullable=True),  # JSON: the import's notes (quirks handled)
)

audit_log = sa.Table(
    "audit_log",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("occurred_at", sa.DateTime, nullable=False),
    sa.Column("actor", sa.String(100), nullable=True),
    sa.Column("action", sa.String(40), nullable=False),  # insert | update | delete | login | …
    sa.Column("table_name", sa.String(60), nullable=True),
    sa.Column("row_key", sa.String(200), nullable=True),
    sa.Column("before_json", sa.Text, nullable=True),  # JSON
    sa.Column("after_json", sa.Text, nullable=True),  # JSON
    sa.Column("import_run_id", sa.BigInteger, nullable=True),
)

sa.Index("ix_audit_log_table_row", audit_log.c.table_name, audit_log.c.row_key)

# --- cross-process state (migration 0004) ---------------------------------------------
# Row 1: bumped in the same transaction as every write; row 2: by every write but the
# activity log's (see store/version.py).  Every cache of every worker is keyed on them.
data_version = sa.Table(
    "data_version",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("version", sa.BigInteger, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=True),
)

# Secrets created once per store (the session signing key), never shown by any listing.
app_secrets = sa.Table(
    "app_secrets",
    metadata,
    sa.Column("key", sa.String(60), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

# Durable jobs.  Times here are naive UTC instants (``*_at`` columns of jobs/schedules),
# unlike the business-time timestamps of the fact tables.
jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(60), nullable=False),  # import | alerts | digest | …
    sa.Column("state", sa.String(12), nullable=False),  # queued | running | succeeded | failed | cancelled
    sa.Column("payload_json", sa.Text, nullable=False),
    sa.Column("result_json", sa.Text, nullable=True),
    sa.Column("error_code", sa.String(60), nullable=True),
    sa.Column("error_json", sa.Text, nullable=True),  # {"code", "params", "detail"}: rendered at the edge
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("max_attempts", sa.Integer, nullable=False, server_default="3"),
    sa.Column("run_after", sa.DateTime, nullable=False),
    sa.Column("lease_owner", sa.String(120), nullable=True),
    sa.Column("lease_until", sa.DateTime, nullable=True),
    sa.Column("progress_done", sa.BigInteger, nullable=True),
    sa.Column("progress_total", sa.BigInteger, nullable=True),
    sa.Column("progress_label", sa.String(200), nullable=True),
    sa.Column("progress_unit", sa.String(20), nullable=True),
    sa.Column("owner_user_id", sa.BigInteger, nullable=True),
    sa.Column("created_by", sa.String(100), nullable=True),
    sa.Column("schedule_id", sa.BigInteger, nullable=True),
    sa.Column("due_at", sa.DateTime, nullable=True),  # the schedule's slot this job runs
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("started_at", sa.DateTime, nullable=True),
    sa.Column("finished_at", sa.DateTime, nullable=True),
    sa.Column("updated_at", sa.DateTime, nullable=False),
    sa.UniqueConstraint("schedule_id", "due_at", name="uq_jobs_schedule_slot"),
)
sa.Index("ix_jobs_state_run_after", jobs.c.state, jobs.c.run_after)

schedules = sa.Table(
    "schedules",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(100), nullable=False, unique=True),
    sa.Column("kind", sa.String(60), nullable=False),  # the job kind it enqueues
    sa.Column("payload_json", sa.Text, nullable=False),
    sa.Column("spec", sa.String(200), nullable=False),  # e.g. "weekly mon 08:00", "hourly business"
    sa.Column("timezone", sa.String(60), nullable=False),  # e.g. Asia/Tokyo
    sa.Column("enabled", sa.Boolean, nullable=False, server_default=sa.true()),
    sa.Column("next_run_at", sa.DateTime, nullable=True),  # UTC
    sa.Column("last_run_at", sa.DateTime, nullable=True),  # UTC
    sa.Column("created_by", sa.String(100), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

# Which stored model a team's pages use (teams below inherit it; unbound: the default model).
model_bindings = sa.Table(
    "model_bindings",
    metadata,
    sa.Column("team_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("updated_by", sa.String(100), nullable=True),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
