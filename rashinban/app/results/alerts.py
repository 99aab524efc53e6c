"""What the alerts area returns: alerts with their history, the inbox, rules with their
statistics, a user's delivery preferences, evaluation runs, deliveries, digests and the
deal page a stalled-deal alert links to."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal

from pydantic import Field, PlainSerializer

from rashinban.app.results.common import NodeStatus, Result, ScopeRef


def _seconds(value: datetime) -> str:
    return value.isoformat(timespec="seconds")


# business-local times (Asia/Tokyo wall clock, as the facts are stored): ISO text without an
# offset in JSON — a string, not an RFC 3339 date-time
Local = Annotated[
    datetime,
    PlainSerializer(_seconds, return_type=str, when_used="json"),
    Field(description="business-local time, YYYY-MM-DDTHH:MM:SS"),
]

AlertState = Literal["open", "acknowledged", "snoozed", "resolved"]
AlertKind = Literal["off_pace", "late_entry", "stalled_deal", "stale_data"]
Severity = Literal["info", "warning", "critical"]
Channel = Literal["email", "slack", "teams", "webhook"]


class AlertItem(Result):
    """One alert: a (rule, entity, period) in alert, with where it stands."""

    id: int
    rule_id: int
    rule: str = Field(description="the rule's name")
    kind: AlertKind
    code: str = Field(description="the message code (catalogue alerts.msg.<code>)")
    severity: Severity
    state: AlertState
    message: str = Field(description="what is wrong, in the request's language")
    entity_type: str = Field(description="company, team, member, deal or source")
    entity_id: str
    period: str = Field(description="the KPI's period, the stage or the close date ('' when none)")
    scope: ScopeRef | None = Field(description="whose alert it is")
    values: dict[str, Any] = Field(description="the numbers when it opened")
    latest: dict[str, Any] | None = Field(description="the numbers at the latest evaluation")
    latest_message: str | None = Field(description="the alert as the latest evaluation saw it")
    url: str = Field(description="the alert's page")
    deal_id: int | None = Field(description="a stalled deal's id (its page: /deals/{id})")
    opened_at: Local
    acknowledged_at: Local | None
    acknowledged_by: str | None
    snoozed_until: date | None
    snooze_reason: str | None
    escalated_at: Local | None
    escalated_to: str | None
    resolved_at: Local | None
    resolved_by: str | None
    resolution: str | None = Field(description="cleared, period_ended, manual, rule_disabled")
    resolve_note: str | None
    can_act: bool = Field(description="whether the signed-in user may acknowledge, snooze or resolve it")


class AlertList(Result):
    """The inbox: the alerts of the user's scopes (a member: their own; a manager: their teams')."""

    alerts: list[AlertItem]
    total: int = Field(description="how many match the filter (the list holds at most `limit`)")
    unacknowledged: int = Field(description="open and not yet acknowledged (the navigation bar's count)")
    state: Literal["open", "all"]
    kind: AlertKind | None


class AlertCount(Result):
    unacknowledged: int


class AlertEvent(Result):
    """One step of an alert's life."""

    at: Local
    event: Literal["opened", "delivered", "acknowledged", "snoozed", "unsnoozed", "escalated", "resolved"]
    actor: str | None = Field(description="who did it (None: Rashinban)")
    text: str = Field(description="the step in the request's language")
    data: dict[str, Any]


class DealStage(Result):
    stage: str
    entered_at: Local
    days: float | None = Field(description="days in the stage (until the next one, or until now)")


class DealActivity(Result):
    id: int
    type: str
    outcome: str | None
    subject: str | None
    occurred_at: Local
    logged_at: Local | None
    member: str | None


class DealView(Result):
    """A deal with its stage history and last activities (what a stalled-deal alert links to)."""

    id: int
    name: str | None
    account: str | None
    owner: str | None
    owner_id: int | None
    stage: str
    amount: float | None
    amount_text: str
    created_at: Local | None
    expected_close_on: date | None
    closed_at: Local | None
    is_closed: bool
    is_won: bool
    lost_reason: str | None
    idle_days: float | None = Field(description="days since the last activity (or since created)")
    history: list[DealStage]
    activities: list[DealActivity] = Field(description="the newest 20, newest first")
    alerts: list[AlertItem] = Field(description="the deal's unresolved alerts")


class AlertDetail(Result):
    alert: AlertItem
    events: list[AlertEvent]
    deal: DealView | None


class RuleOverride(Result):
    scope: str = Field(description="team:ID or member:ID")
    name: str = Field(description="the team's or member's name")
    values: dict[str, float]


class RuleView(Result):
    id: int
    name: str
    kind: AlertKind
    check: str
    enabled: bool
    origin: str = Field(description="store (edited here) or model:<name> (the model file's alerts:)")
    editable: bool = Field(description="whether the signed-in user may edit it")
    severity: Severity
    summary: str = Field(description="what it checks, in the request's language")
    spec: dict[str, Any] = Field(description="every setting of the rule")
    overrides: list[RuleOverride]
    open: int = Field(description="its unresolved alerts now")


class RuleList(Result):
    rules: list[RuleView]
    can_manage: bool = Field(description="may create, edit and delete rules")
    can_tune: bool = Field(description="may set thresholds for teams and members")
    evaluation_schedule: str | None = Field(description="when the rules run (a schedule spec)")
    digest_schedule: str | None = Field(description="when the weekly digest goes out")
    problems: list[str] = Field(description="model-file rules that do not read (left out)")


class WeekCount(Result):
    week: str = Field(description="ISO week, YYYY-Www")
    opened: int


class RuleStats(Result):
    """How a rule behaves — to tune a noisy one."""

    fired: int = Field(description="alerts opened, ever")
    open: int
    resolved: int
    acknowledged: int
    snoozed: int = Field(description="alerts snoozed at least once")
    escalated: int
    manual: int = Field(description="resolved by hand")
    snoozed_share: float | None
    mean_open_hours: float | None = Field(description="mean time from opening to resolution")
    median_open_hours: float | None
    longest_open_hours: float | None
    by_week: list[WeekCount] = Field(description="alerts opened per week, the last 12 weeks")


class RuleDetail(Result):
    rule: RuleView
    stats: RuleStats
    alerts: list[AlertItem] = Field(description="the newest 50 alerts of the rule")


class RuleRun(Result):
    rule_id: int
    name: str
    in_alert: int = Field(description="entities in alert now")
    opened: int
    resolved: int


class EvaluationResult(Result):
    """One evaluation of every rule over every scope."""

    as_of: date
    evaluated_at: Local
    rules: list[RuleRun]
    opened: int
    resolved: int
    kept: int = Field(description="unresolved alerts still in alert")
    unsnoozed: int
    escalated: int
    deliveries: int = Field(description="messages queued")
    seconds: float
    problems: list[str] = Field(
        default_factory=list, description="what could not be read (a model, a model file's rule): left out"
    )


class RunState(Result):
    """An evaluation started from the settings page, as its job goes."""

    job_id: int
    state: Literal["queued", "running", "succeeded", "failed", "cancelled"]
    progress: float | None = Field(description="0–1 while running")
    result: EvaluationResult | None
    error: str | None


class Preferences(Result):
    """How the signed-in user hears of alerts (in-app is always on)."""

    channels: list[Channel]
    email: str | None
    slack_url: str | None
    teams_url: str | None
    webhook_url: str | None
    webhook_secret: str | None = Field(description="signs the webhook's body (HMAC-SHA256)")
    quiet_start: str | None = Field(description="HH:MM: no messages from then …")
    quiet_end: str | None = Field(description="… until then (may cross midnight)")
    mode: Literal["immediate", "digest"]
    weekly_digest: bool
    email_ready: bool = Field(description="whether a mail server is configured")


class DeliveryItem(Result):
    id: int
    channel: Channel
    kind: Literal["alerts", "digest", "weekly", "test"]
    state: Literal["queued", "sent", "failed"]
    subject: str
    attempts: int
    error: str | None = Field(description="the last failure, in the request's language")
    created_at: Local
    sent_at: Local | None


class DeliveryList(Result):
    deliveries: list[DeliveryItem]


class MailSettings(Result):
    """The mail server and the links in messages (administrators)."""

    host: str | None
    port: int
    security: Literal["starttls", "ssl", "none"]
    username: str | None
    sender: str | None
    has_password: bool
    verify: bool
    cafile: str | None = Field(description="a CA certificate file on the server (a private relay)")
    public_url: str | None = Field(description="the address of Rashinban in message links")


class DigestNeed(Result):
    """What a KPI still needs by the period's end."""

    node: str
    label: str
    unit: str
    remaining: float = Field(description="target − actual")
    per_day: float | None = Field(description="remaining ÷ business days left")
    remaining_text: str
    per_day_text: str | None


class DigestItem(Result):
    """A line of a digest section that another area provides (e.g. action items due)."""

    text: str
    url: str | None
    due: date | None


class DigestSection(Result):
    key: str
    title: str
    items: list[DigestItem]


class DigestPreview(Result):
    """The weekly digest of one user, as it would be sent."""

    user: str
    audience: Literal["manager", "member"]
    scope: ScopeRef | None
    period: str
    as_of: date
    kgi: NodeStatus | None
    kpis: list[NodeStatus]
    needs: list[DigestNeed] = Field(description="members: what each main KPI still needs")
    open_alerts: list[AlertItem]
    open_total: int
    stalled_deals: list[AlertItem]
    sections: list[DigestSection] = Field(description="from other areas (action items due, …)")
    subject: str
    text: str = Field(description="the message body as sent by e-mail")


class DigestRun(Result):
    dry_run: bool
    week: str
    users: list[str] = Field(description="who gets (or would get) a digest")
    deliveries: int
    previews: list[DigestPreview] = Field(description="with --dry-run: what would be sent")


__all__ = [
    "AlertCount",
    "AlertDetail",
    "AlertEvent",
    "AlertItem",
    "AlertList",
    "DealActivity",
    "DealStage",
    "DealView",
    "DeliveryItem",
    "DeliveryList",
    "DigestItem",
    "DigestNeed",
    "DigestPreview",
    "DigestRun",
    "DigestSection",
    "EvaluationResult",
    "MailSettings",
    "Preferences",
    "RuleDetail",
    "RuleList",
    "RuleOverride",
    "RuleRun",
    "RuleStats",
    "RuleView",
    "RunState",
    "WeekCount",
]
