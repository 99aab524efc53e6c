"""The store's application tables: users and tokens, models and targets, settings, import
runs, the audit log, and the cross-process state (data versions, secrets, jobs, schedules).
Re-exported by ``store.schema``, which holds the fact tables."""

from __future__ import annotations

import sqlalchemy as sa

from rashinban.store.schema_base import metadata

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
    # migration 0008: the name as compared (NFKC, trimmed, case-folded; unique in the app),
    # when the password was last set, and the stamp every live session must carry
    sa.Column("username_key", sa.String(100), nullable=True),
    sa.Column("password_changed_at", sa.DateTime, nullable=True),
    sa.Column("security_stamp", sa.Integer, nullable=True, server_default="0"),
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
    # migration 0008: security and configuration events (see store/audit.py)
    sa.Column("category", sa.String(20), nullable=True),  # security | config | data
    sa.Column("actor_id", sa.BigInteger, nullable=True),
    sa.Column("address", sa.String(64), nullable=True),  # the client address
    sa.Column("detail_json", sa.Text, nullable=True),  # JSON: what else the event says
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

# --- forecasts (migration 0005) ---------------------------------------------------------
# One row per trained model (kind: deal | lead): its version, when and on what it was
# trained, its hold-out metrics.  Every stored score and forecast names the version.
forecast_models = sa.Table(
    "forecast_models",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("kind", sa.String(10), nullable=False),  # deal | lead | forecast
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("algorithm", sa.String(40), nullable=False),  # logistic | stage_table | …
    sa.Column("trained_at", sa.DateTime, nullable=False),  # business time
    sa.Column("as_of", sa.DateTime, nullable=False),  # the data instant it saw
    sa.Column("won", sa.Integer, nullable=False),
    sa.Column("lost", sa.Integer, nullable=False),
    sa.Column("metrics_json", sa.Text, nullable=True),
    sa.Column("params_json", sa.Text, nullable=True),  # coefficients, stage table, …
    sa.UniqueConstraint("kind", "version", name="uq_forecast_models_kind_version"),
)

deal_scores = sa.Table(
    "deal_scores",
    metadata,
    sa.Column("deal_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("model_version", sa.Integer, nullable=False),
    sa.Column("scored_at", sa.DateTime, nullable=False),
    sa.Column("p_win", sa.Double, nullable=False),
    sa.Column("p_stage", sa.Double, nullable=False),  # the stage table's probability
    sa.Column("p_period", sa.Double, nullable=False),  # won within the current month
    sa.Column("category", sa.String(12), nullable=False),  # the default from p_win
    sa.Column("factors_json", sa.Text, nullable=True),  # [[factor, value, logit contribution], …]
)

lead_scores = sa.Table(
    "lead_scores",
    metadata,
    sa.Column("lead_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("model_version", sa.Integer, nullable=False),
    sa.Column("scored_at", sa.DateTime, nullable=False),
    sa.Column("p_won", sa.Double, nullable=False),  # becomes a won deal within the horizon
    sa.Column("p_base", sa.Double, nullable=False),  # the channel's rate
    sa.Column("factors_json", sa.Text, nullable=True),
)

# The period forecast of every scope for the KPIs the pipeline drives (stored by the
# scoring job; pages read it, they never recompute it).
scope_forecasts = sa.Table(
    "scope_forecasts",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("model_version", sa.Integer, nullable=False),
    sa.Column("computed_at", sa.DateTime, nullable=False),
    sa.Column("as_of", sa.Date, nullable=False),
    sa.Column("scope_type", sa.String(10), nullable=False),
    sa.Column("scope_id", sa.BigInteger, nullable=False),
    sa.Column("period", sa.String(30), nullable=False),
    sa.Column("kpi", sa.String(20), nullable=False),  # revenue | won_deals
    sa.Column("closed", sa.Double, nullable=False),  # closed so far
    sa.Column("open_expected", sa.Double, nullable=False),
    sa.Column("new_expected", sa.Double, nullable=False),
    sa.Column("mean", sa.Double, nullable=False),
    sa.Column("p10", sa.Double, nullable=False),
    sa.Column("p50", sa.Double, nullable=False),
    sa.Column("p90", sa.Double, nullable=False),
    sa.Column("run_rate", sa.Double, nullable=True),
    sa.Column("weighted", sa.Double, nullable=True),  # CRM-weighted pipeline
    sa.Column("target", sa.Double, nullable=True),
    sa.Column("p_achieve", sa.Double, nullable=True),
    sa.Column("commit", sa.Double, nullable=True),  # closed + commit deals
    sa.Column("best_case", sa.Double, nullable=True),  # + best case deals
)
sa.Index("ix_scope_forecasts_scope", scope_forecasts.c.scope_type, scope_forecasts.c.scope_id)

# An owner's forecast category for a deal, overriding the default from its probability.
forecast_categories = sa.Table(
    "forecast_categories",
    metadata,
    sa.Column("deal_id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("category", sa.String(12), nullable=False),  # commit | best_case | pipeline | omitted
    sa.Column("author", sa.String(100), nullable=True),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)

# A manager's judgment on a scope's forecast (the deals underneath stay untouched).
forecast_adjustments = sa.Table(
    "forecast_adjustments",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("scope_type", sa.String(10), nullable=False),
    sa.Column("scope_id", sa.BigInteger, nullable=False),
    sa.Column("period", sa.String(30), nullable=False),
    sa.Column("kpi", sa.String(20), nullable=False),
    sa.Column("value", sa.Double, nullable=False),
    sa.Column("model_p50", sa.Double, nullable=True),  # what the model said then
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("author", sa.String(100), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
)

# Weekly forecast submissions (a rep's or a manager's call for the period), kept for ever.
forecast_submissions = sa.Table(
    "forecast_submissions",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("scope_type", sa.String(10), nullable=False),
    sa.Column("scope_id", sa.BigInteger, nullable=False),
    sa.Column("period", sa.String(30), nullable=False),
    sa.Column("kpi", sa.String(20), nullable=False),
    sa.Column("week", sa.String(10), nullable=False),  # ISO week of the submission, 2026-W47
    sa.Column("value", sa.Double, nullable=False),
    sa.Column("model_p50", sa.Double, nullable=True),
    sa.Column("note", sa.Text, nullable=True),
    sa.Column("author", sa.String(100), nullable=True),
    sa.Column("submitted_at", sa.DateTime, nullable=False),
)

# --- insights (migration 0006) ----------------------------------------------------------
# A/B test definitions: what is tested (script, e-mail, landing page, proposal), the KPI it
# targets and the fixed horizon's design.  Assignments stay in the ``experiments`` facts.
experiment_defs = sa.Table(
    "experiment_defs",
    metadata,
    sa.Column("id", sa.BigInteger, primary_key=True, autoincrement=False),
    sa.Column("name", sa.String(100), nullable=False, unique=True),  # = experiments.experiment
    sa.Column("target", sa.String(20), nullable=False),  # script | email | landing_page | proposal | other
    sa.Column("kpi", sa.String(40), nullable=False),  # reply_rate | open_rate | appointment_rate | …
    sa.Column("unit_type", sa.String(20), nullable=False),  # lead | deal
    sa.Column("variants_json", sa.Text, nullable=False),  # ["A", "B"]: the first is the control
    sa.Column("description", sa.Text, nullable=True),
    sa.Column("mde", sa.Float, nullable=False),  # minimum detectable effect, relative
    sa.Column("alpha", sa.Float, nullable=False),
    sa.Column("power", sa.Float, nullable=False),
    sa.Column("baseline", sa.Float, nullable=True),
    sa.Column("status", sa.String(10), nullable=False),  # running | stopped
    sa.Column("created_by", sa.String(100), nullable=True),
    sa.Column("created_at", sa.DateTime, nullable=False),
    sa.Column("updated_at", sa.DateTime, nullable=False),
)
