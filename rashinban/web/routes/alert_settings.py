"""Alert settings (/alerts/settings): the rules (administrators edit, managers tune their
teams' and members' thresholds), each rule's history page, one's own delivery preferences,
the mail server and the schedules (administrators), "evaluate now" with its progress — and
the JSON twins under /api/alerts."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any

from fastapi import APIRouter, Path, Request
from fastapi.responses import RedirectResponse, Response
from pydantic import BaseModel, ConfigDict, Field

from rashinban.errors import ForbiddenError, FormInvalid, NotFoundError, RashinbanError
from rashinban.i18n import render_error
from rashinban.service import Ok
from rashinban.service import alert_results as R
from rashinban.web.deps import ApiCtx, Ctx, FormFields, PageCtx
from rashinban.web.formkit import HTMX_CONFIG, field_messages, invalid_json, is_htmx
from rashinban.web.routes.dashboard import error_responses
from rashinban.web.templating import render

router = APIRouter()
api = APIRouter(prefix="/api/alerts", tags=["alerts"], responses=error_responses(403))

RuleId = Annotated[int, Path(ge=1, le=10**15, description="alert rule id")]
ScopeP = Annotated[str, Path(pattern=r"^(team|member):\d{1,9}$", description="team:ID or member:ID")]
Scalar = float | int | str | None
Listish = list[str] | str | None


class RuleIn(BaseModel):
    """A rule.  Which fields apply depends on ``kind`` and ``check`` (see the settings page);
    thresholds take numbers or text such as ``80%``."""

    model_config = ConfigDict(extra="ignore")
    name: str | None = Field(default=None, max_length=400)
    kind: str | None = Field(default=None, description="off_pace | late_entry | stalled_deal | stale_data")
    check: str | None = Field(default=None, description="pace, projected, rate, lag, count, no_activity, …")
    enabled: bool | str | None = True
    enter: Scalar = None
    leave: Scalar = None
    min_elapsed: Scalar = None
    nodes: Listish = None
    scope_types: Listish = None
    within_hours: Scalar = None
    window_days: Scalar = None
    min_activities: Scalar = None
    activity_type: str | None = None
    member_roles: Listish = None
    days: Scalar = None
    limit: str | None = None
    stage_limits: dict[str, Scalar] | str | None = None
    history_days: Scalar = None
    min_samples: Scalar = None
    sources: Listish = None
    lookback_days: Scalar = None
    severity: str | None = None
    notify_manager: bool | str | None = None
    escalate_after_days: Scalar = None
    overrides: list[dict[str, Scalar]] | None = None


class TuneIn(BaseModel):
    """A team's or member's thresholds (all empty: back to the rule's own)."""

    model_config = ConfigDict(extra="ignore")
    enter: Scalar = None
    leave: Scalar = None
    min_elapsed: Scalar = None
    days: Scalar = None


class PreferencesIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    channels: list[str] | str | None = Field(default=None, description="email, slack, teams, webhook")
    email: str | None = Field(default=None, max_length=400)
    slack_url: str | None = Field(default=None, max_length=2000)
    teams_url: str | None = Field(default=None, max_length=2000)
    webhook_url: str | None = Field(default=None, max_length=2000)
    rotate_secret: bool | None = None
    quiet_start: str | None = Field(default=None, max_length=10)
    quiet_end: str | None = Field(default=None, max_length=10)
    mode: str | None = Field(default=None, description="immediate | digest")
    weekly_digest: bool | None = True


class MailIn(BaseModel):
    model_config = ConfigDict(extra="ignore")
    host: str | None = Field(default=None, max_length=400)
    port: int | str | None = None
    security: str | None = Field(default=None, description="starttls | ssl | none")
    username: str | None = Field(default=None, max_length=400)
    password: str | None = Field(default=None, max_length=400, description="empty: keep the stored one")
    sender: str | None = Field(default=None, max_length=400)
    verify: bool | None = True
    cafile: str | None = Field(default=None, max_length=600)
    public_url: str | None = Field(default=None, max_length=600)


# pages ---------------------------------------------------------------------------------------
def _settings(ctx: Ctx, status_code: int = 200, **extra: Any) -> Response:
    svc = ctx.service
    rules = svc.alerts.rules(ctx.model)
    mail = svc.alerts.mail_settings() if rules.can_manage else None
    return render(
        ctx,
        "alerts/settings.html",
        status_code=status_code,
        rules=rules,
        prefs=svc.alerts.preferences(),
        deliveries=svc.alerts.deliveries(everyone=rules.can_manage, limit=20),
        mail=mail,
        done=ctx.request.query_params.get("done"),
        form_id=extra.pop("form_id", None),
        errors=extra.pop("errors", {}),
        values=extra.pop("values", {}),
        htmx_config=HTMX_CONFIG,
        **extra,
    )


@router.get("/alerts/settings", include_in_schema=False)
def settings_page(ctx: PageCtx) -> Response:
    return _settings(ctx)


def _handle(
    ctx: Ctx, form: dict[str, str], form_id: str, action: Callable[[], object], back: str
) -> Response:
    try:
        action()
    except FormInvalid as e:
        if back.startswith("/alerts/rules/"):
            return _rule_page(
                ctx,
                int(back.rsplit("/", 1)[1].split("?", maxsplit=1)[0]),
                422,
                form_id,
                field_messages(e, ctx.lang),
                form,
            )
        return _settings(ctx, 422, form_id=form_id, errors=field_messages(e, ctx.lang), values=form)
    except (ForbiddenError, NotFoundError) as e:
        return render(
            ctx,
            "error.html",
            status_code=e.http_status,
            status=e.http_status,
            message=render_error(e, ctx.lang),
        )
    except RashinbanError as e:
        return _settings(ctx, 400, form_id=form_id, errors={"form": render_error(e, ctx.lang)}, values=form)
    sep = "&" if "?" in back else "?"
    return RedirectResponse(f"{back}{sep}done={form_id}#{form_id.split('-', maxsplit=1)[0]}", status_code=303)


@router.post("/alerts/settings/preferences", include_in_schema=False)
def save_prefs(ctx: PageCtx, form: FormFields) -> Response:
    return _handle(ctx, form, "prefs", lambda: ctx.service.alerts.save_preferences(form), "/alerts/settings")


@router.post("/alerts/settings/test", include_in_schema=False)
def send_test(ctx: PageCtx, form: FormFields) -> Response:
    return _handle(ctx, form, "prefs-test", ctx.service.alerts.send_test, "/alerts/settings")


@router.post("/alerts/settings/mail", include_in_schema=False)
def save_mail(ctx: PageCtx, form: FormFields) -> Response:
    return _handle(ctx, form, "mail", lambda: ctx.service.alerts.save_mail_settings(form), "/alerts/settings")


@router.post("/alerts/settings/schedules", include_in_schema=False)
def save_schedule(ctx: PageCtx, form: FormFields) -> Response:
    def act() -> None:
        try:
            ctx.service.alerts.set_schedule(form.get("name", ""), form.get("spec", ""))
        except RashinbanError as e:
            if isinstance(e, FormInvalid):
                raise
            raise FormInvalid({"spec": "bad_choice"}) from e

    return _handle(ctx, form, "schedules", act, "/alerts/settings")


@router.post("/alerts/rules", include_in_schema=False)
def create_rule(ctx: PageCtx, form: FormFields) -> Response:
    return _handle(ctx, form, "rules-new", lambda: ctx.service.alerts.create_rule(form), "/alerts/settings")


@router.post("/alerts/rules/{rule_id}", include_in_schema=False)
def update_rule(ctx: PageCtx, rule_id: RuleId, form: FormFields) -> Response:
    if form.get("action") == "delete":
        return _handle(
            ctx, form, "rules", lambda: ctx.service.alerts.delete_rule(rule_id), "/alerts/settings"
        )
    back = f"/alerts/rules/{rule_id}"
    return _handle(ctx, form, "edit", lambda: ctx.service.alerts.update_rule(rule_id, form), back)


@router.post("/alerts/rules/{rule_id}/tune", include_in_schema=False)
def tune_rule(ctx: PageCtx, rule_id: RuleId, form: FormFields) -> Response:
    scope = form.get("scope", "")
    values = {} if form.get("action") == "clear" else form
    back = f"/alerts/rules/{rule_id}"
    return _handle(ctx, form, "tune", lambda: ctx.service.alerts.tune(rule_id, scope, values), back)


def _rule_page(
    ctx: Ctx,
    rule_id: int,
    status_code: int = 200,
    form_id: str | None = None,
    errors: Any = None,
    values: Any = None,
) -> Response:
    svc = ctx.service
    data = svc.alerts.rule(rule_id)
    scopes = svc.dashboards.scopes(ctx.model) if svc.alerts.rules(ctx.model).can_tune else []
    return render(
        ctx,
        "alerts/rule.html",
        status_code=status_code,
        d=data,
        scopes=[s for s in scopes if s.type != "company"],
        done=ctx.request.query_params.get("done"),
        form_id=form_id,
        errors=errors or {},
        values=values or {},
    )


@router.get("/alerts/rules/{rule_id}", include_in_schema=False)
def rule_page(ctx: PageCtx, rule_id: RuleId) -> Response:
    return _rule_page(ctx, rule_id)


@router.post("/alerts/run", include_in_schema=False)
def run_now(ctx: PageCtx, request: Request) -> Response:
    state = ctx.service.alerts.start_run()
    if not is_htmx(request):
        return RedirectResponse(f"/alerts/run/{state.job_id}", status_code=303)
    return render(ctx, "alerts/_run.html", r=state)


@router.get("/alerts/run/{job_id}", include_in_schema=False)
def run_progress(ctx: PageCtx, job_id: Annotated[int, Path(ge=1, le=10**15)], request: Request) -> Response:
    state = ctx.service.alerts.run_state(job_id)
    name = "alerts/_run.html" if is_htmx(request) else "alerts/run.html"
    return render(ctx, name, r=state)


# the JSON twins ------------------------------------------------------------------------------
@api.get("/rules", summary="The rules (the store's and the model files'), who may change what")
def api_rules(ctx: ApiCtx) -> R.RuleList:
    return ctx.service.alerts.rules(ctx.model)


def _form_or(ctx: Ctx, fn: Callable[[], Any]) -> Any:
    try:
        return fn()
    except FormInvalid as e:
        return invalid_json(e, ctx.lang)


@api.post(
    "/rules",
    status_code=201,
    response_model=R.RuleView,
    summary="Create a rule (administrators)",
    responses=error_responses(400, 503, form=True),
)
def api_create_rule(ctx: ApiCtx, body: RuleIn) -> Any:
    return _form_or(ctx, lambda: ctx.service.alerts.create_rule(body.model_dump(exclude_none=True)))


@api.get("/rules/{rule_id}", summary="A rule's history and statistics", responses=error_responses(404))
def api_rule(ctx: ApiCtx, rule_id: RuleId) -> R.RuleDetail:
    return ctx.service.alerts.rule(rule_id)


@api.put(
    "/rules/{rule_id}",
    response_model=R.RuleView,
    summary="Change a rule (administrators; not the model files' rules)",
    responses=error_responses(400, 404, 503, form=True),
)
def api_update_rule(ctx: ApiCtx, rule_id: RuleId, body: RuleIn) -> Any:
    return _form_or(ctx, lambda: ctx.service.alerts.update_rule(rule_id, body.model_dump(exclude_none=True)))


@api.delete(
    "/rules/{rule_id}",
    summary="Delete a rule (its alerts stay)",
    responses=error_responses(400, 404, 503),
)
def api_delete_rule(ctx: ApiCtx, rule_id: RuleId) -> Ok:
    ctx.service.alerts.delete_rule(rule_id)
    return Ok(ok=True)


@api.put(
    "/rules/{rule_id}/overrides/{scope}",
    response_model=R.RuleView,
    summary="Set a team's or member's thresholds (managers: their teams and members)",
    responses=error_responses(400, 404, 503, form=True),
)
def api_tune(ctx: ApiCtx, rule_id: RuleId, scope: ScopeP, body: TuneIn) -> Any:
    return _form_or(ctx, lambda: ctx.service.alerts.tune(rule_id, scope, body.model_dump()))


@api.post("/run", summary="Evaluate every rule now (administrators)", responses=error_responses(400, 503))
def api_run(ctx: ApiCtx) -> R.EvaluationResult:
    return ctx.service.alerts.run(None, ctx.model)


@api.get("/preferences", summary="How the signed-in user hears of alerts")
def api_prefs(ctx: ApiCtx) -> R.Preferences:
    return ctx.service.alerts.preferences()


@api.put(
    "/preferences",
    response_model=R.Preferences,
    summary="Channels, addresses, quiet hours, immediate or daily digest, weekly digest",
    responses=error_responses(503, form=True),
)
def api_save_prefs(ctx: ApiCtx, body: PreferencesIn) -> Any:
    return _form_or(ctx, lambda: ctx.service.alerts.save_preferences(body.model_dump(exclude_none=True)))


@api.post(
    "/preferences/test",
    response_model=R.DeliveryList,
    summary="Queue a test message on each of the user's channels",
    responses=error_responses(503, form=True),
)
def api_test(ctx: ApiCtx) -> Any:
    return _form_or(ctx, ctx.service.alerts.send_test)


@api.get("/deliveries", summary="Recent messages: the user's own (administrators: everyone's with all=true)")
def api_deliveries(ctx: ApiCtx, all: bool = False) -> R.DeliveryList:
    return ctx.service.alerts.deliveries(everyone=all)


@api.get("/mail", summary="The mail server and the links in messages (administrators)")
def api_mail(ctx: ApiCtx) -> R.MailSettings:
    return ctx.service.alerts.mail_settings()


@api.put(
    "/mail",
    response_model=R.MailSettings,
    summary="Set the mail server (administrators)",
    responses=error_responses(503, form=True),
)
def api_save_mail(ctx: ApiCtx, body: MailIn) -> Any:
    return _form_or(ctx, lambda: ctx.service.alerts.save_mail_settings(body.model_dump(exclude_none=True)))


@api.get("/run/{job_id}", summary="An evaluation started in the background", responses=error_responses(404))
def api_run_state(ctx: ApiCtx, job_id: Annotated[int, Path(ge=1, le=10**15)]) -> R.RunState:
    return ctx.service.alerts.run_state(job_id)


__all__ = ["api", "router"]
