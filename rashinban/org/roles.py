"""Roles and their permissions — the one place that says who may do what.

| role    | reads (see ``org.access``)                 | may                                    |
|---------|--------------------------------------------|----------------------------------------|
| admin   | everything                                 | everything                             |
| manager | own team and the teams below, their members | log activities, import, plan targets   |
| member  | own member scope and own team's aggregate  | log own activities                     |
| partner | the agency team and below                  | log activities of the agency's members |
| viewer  | a team and below (e.g. a client watching)  | nothing (read only)                    |

Forecasts: admins train and score (``forecast_run``); managers adjust their scopes'
forecasts (``forecast_adjust``); managers, members and partners submit forecasts for the
scopes they may write and set the category of the deals they own (``forecast_submit``).

Manual KPI values (``enter_values``): admins for any scope, managers for their branch's teams
and members, members for themselves, partners for the agency team and its members.

Reviews: managers run the review meetings of their scopes (agenda, notes, decisions, action
items, KPI revision proposals; ``run_reviews``) and hold 1on1s with their members
(``hold_one_on_ones``); everyone who sees a scope reads its meetings; a 1on1 is read by its
manager, its member and admins only.

Writes are further limited to the scopes the user can see (``org.access``).
"""

from __future__ import annotations

from enum import StrEnum
from typing import Protocol, TypeVar

from rashinban.errors import ForbiddenError


class Role(StrEnum):
    ADMIN = "admin"
    MANAGER = "manager"
    MEMBER = "member"
    PARTNER = "partner"
    VIEWER = "viewer"


class Permission(StrEnum):
    READ = "read"  # dashboards, status, funnel of visible scopes
    LOG_ACTIVITY = "log_activity"  # for members in a writable scope
    IMPORT = "import"  # imports into the store
    PLAN = "plan"  # save targets
    ADMINISTER = "administer"  # users, teams, settings, holidays, funnel stages
    MANAGE_MODELS = "manage_models"  # push models, bind them to teams
    VIEW_ALL_JOBS = "view_all_jobs"  # every job, not only one's own
    FORECAST_RUN = "forecast_run"  # train and score the forecast models, run backtests
    FORECAST_ADJUST = "forecast_adjust"  # a manager's judgment on a scope's forecast
    FORECAST_SUBMIT = "forecast_submit"  # submit one's weekly forecast; set one's deals' categories
    PLAN_COMPANY = "plan_company"  # the company-level plan (others plan their own teams only)
    AUDIT = "audit"  # read the audit trail
    MANAGE_EXPERIMENTS = "manage_experiments"  # define A/B tests (assigning units: LOG_ACTIVITY)
    ACT_ON_ALERTS = "act_on_alerts"  # acknowledge, snooze, resolve alerts in the visible scopes
    TUNE_ALERTS = "tune_alerts"  # alert thresholds for the teams and members one can see
    MANAGE_ALERTS = "manage_alerts"  # alert rules, mail server, schedules, everyone's digests
    RUN_REVIEWS = "run_reviews"  # review meetings of the visible scopes, action items, KPI revisions
    HOLD_ONE_ON_ONES = "hold_one_on_ones"  # 1on1s with the members of the visible teams
    ENTER_VALUES = "enter_values"  # values of manual KPIs (代行費用, 内製化 KPIs) for writable scopes


ROLES: tuple[str, ...] = tuple(r.value for r in Role)
PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.ADMIN: frozenset(Permission),
    Role.MANAGER: frozenset(
        {Permission.READ, Permission.LOG_ACTIVITY, Permission.IMPORT, Permission.PLAN}
        | {Permission.MANAGE_EXPERIMENTS, Permission.ACT_ON_ALERTS, Permission.TUNE_ALERTS}
        | {Permission.FORECAST_ADJUST, Permission.FORECAST_SUBMIT, Permission.ENTER_VALUES}
        | {Permission.RUN_REVIEWS, Permission.HOLD_ONE_ON_ONES}
    ),
    Role.MEMBER: frozenset(
        {Permission.READ, Permission.LOG_ACTIVITY, Permission.ACT_ON_ALERTS, Permission.FORECAST_SUBMIT}
        | {Permission.ENTER_VALUES}
    ),
    Role.PARTNER: frozenset(
        {Permission.READ, Permission.LOG_ACTIVITY, Permission.ACT_ON_ALERTS, Permission.FORECAST_SUBMIT}
        | {Permission.ENTER_VALUES}
    ),
    Role.VIEWER: frozenset({Permission.READ}),
}


class HasRole(Protocol):
    @property
    def role(self) -> str: ...


def role_of(user: HasRole | None) -> Role | None:
    if user is None:
        return None
    try:
        return Role(user.role)
    except ValueError:
        return None  # an unknown role may do nothing


def allowed(user: HasRole | None, permission: Permission) -> bool:
    role = role_of(user)
    return role is not None and permission in PERMISSIONS[role]


U = TypeVar("U", bound=HasRole)


def require(user: U | None, permission: Permission) -> U:
    """The user, when signed in with a role that has ``permission``; else ForbiddenError."""
    if user is None or not allowed(user, permission):
        raise ForbiddenError("forbidden_role", role=user.role if user else "-")
    return user


__all__ = ["PERMISSIONS", "ROLES", "Permission", "Role", "allowed", "require", "role_of"]
