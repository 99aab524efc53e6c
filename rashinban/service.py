"""The one facade that the CLI, the web app and the jobs runner call.

It composes one application module per use-case area over one :class:`AppContext` and holds
no logic of its own::

    svc = Rashinban.for_cli(db="demo.duckdb", lang="ja")
    report = svc.tracking.status(None, period="2026-10")
    svc.close()

Presentation layers import from here only (plus ``rashinban.errors`` and ``rashinban.i18n``):
the names re-exported below are the types the facade's methods take and return.
"""

from __future__ import annotations

import ast
from functools import cache, cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rashinban.clock import Clock, default_clock
from rashinban.org.roles import ROLES, Permission, Role, allowed

if TYPE_CHECKING:  # imported on first use, see __getattr__ below
    from rashinban.analysis.funnel import DEFAULT_STAGES, FunnelRow
    from rashinban.app.accounts import Accounts, LoginPolicy
    from rashinban.app.activities import OUTCOMES, TYPES, Activities, LoggedActivity
    from rashinban.app.admin import Admin
    from rashinban.app.agency import Agency, agency_results  # the agency view, its result types
    from rashinban.app.alerts import Alerts
    from rashinban.app.audit import Audit
    from rashinban.app.breakdowns import Breakdowns
    from rashinban.app.context import AppContext, Progress
    from rashinban.app.credentials import Credentials
    from rashinban.app.customers import Customers
    from rashinban.app.dashboards import Dashboards
    from rashinban.app.data import Data
    from rashinban.app.experiments import Experiments
    from rashinban.app.forecasts import Forecasts
    from rashinban.app.import_jobs import ImportJob
    from rashinban.app.import_jobs import safe_name as safe_upload_name
    from rashinban.app.imports import Imports
    from rashinban.app.insights import Insights
    from rashinban.app.jobs import Jobs
    from rashinban.app.manual import Manual
    from rashinban.app.members import Members
    from rashinban.app.models import Models, default_model_path
    from rashinban.app.plan_input import formula_label
    from rashinban.app.planning import Planning, parse_sets
    from rashinban.app.records import Records
    from rashinban.app.results import activities as activity_results  # the activity log's result types
    from rashinban.app.results import alerts as alert_results  # the alerts area's result types
    from rashinban.app.results import forecasts as forecast_results  # the forecast area's result types
    from rashinban.app.results import records as record_results  # drill-down result types
    from rashinban.app.results import trust as trust_results  # manual values, members, breakdowns
    from rashinban.app.results.activities import ActivityLogged, ActivityRow, RecentActivities
    from rashinban.app.results.admin import (
        AdminMember,
        AdminOverview,
        AdminPage,
        AdminTeam,
        AdminUser,
        Created,
        HolidaysSaved,
        StagesSaved,
    )
    from rashinban.app.results.audit import AuditEntry, AuditPage, RevokedCount, TokenCreated, TokenList
    from rashinban.app.results.common import (
        CompanyOption,
        CompanyRef,
        ErrorBody,
        FieldErrors,
        HttpError,
        MemberOption,
        MemberRef,
        NodeInfo,
        NodeStatus,
        Ok,
        RequestInvalid,
        RequestIssue,
        ScopeOption,
        ScopeRef,
        StatusValues,
        TeamOption,
        TeamRef,
    )
    from rashinban.app.results.dashboards import (
        BreakdownRow,
        FunnelMonth,
        FunnelResult,
        FunnelStage,
        HomeResult,
        KgiHeading,
        MemberResult,
        NodeDetailResult,
        RankingRow,
        TeamResult,
        TeamsResult,
        TeamSummary,
        TreeNode,
        TreeResult,
        TrendPoint,
    )
    from rashinban.app.results.insights import (
        BottleneckResult,
        ChurnResult,
        DiagnosisResult,
        ExperimentDef,
        ExperimentResult,
        ExperimentsResult,
        ExplainResult,
        NextActionsResult,
        ReviewSection,
        SegmentsResult,
    )
    from rashinban.app.results.planning import (
        FindingView,
        InconsistentTargetsFinding,
        PlanAllocation,
        PlanLever,
        PlanningView,
        PlanNode,
        PlanSaved,
        PlanView,
        TargetRevision,
    )
    from rashinban.app.reviews import Reviews, review_results  # PDCA: meetings … reports
    from rashinban.app.segments import Segments
    from rashinban.app.tracking import StatusReport, Tracking
    from rashinban.app.views import finding_view, node_name, plan_view
    from rashinban.demo.config import Scale as DemoScale
    from rashinban.demo.org import COMPANY as DEMO_COMPANY
    from rashinban.ingest.interface import ImportOptions, ImportResult, reject_text
    from rashinban.ingest.validate import Reject
    from rashinban.kpi.allocate import AllocationMode
    from rashinban.kpi.findings import Finding, Severity
    from rashinban.kpi.model import Model
    from rashinban.kpi.numbers import to_float
    from rashinban.kpi.solve import Plan, Source
    from rashinban.org.users import User
    from rashinban.store.db import Store, resolve_url


@cache
def _exports() -> dict[str, tuple[str, str]]:
    """Where each name of the ``if TYPE_CHECKING:`` block comes from: name → (module, name)."""
    tree = ast.parse(Path(__file__).read_text(encoding="utf-8"))
    (block,) = [n for n in tree.body if isinstance(n, ast.If) and ast.unparse(n.test) == "TYPE_CHECKING"]
    found = [n for n in block.body if isinstance(n, ast.ImportFrom)]
    return {a.asname or a.name: (str(n.module), a.name) for n in found for a in n.names}


def __getattr__(name: str) -> Any:
    """A facade name, imported on first use: ``import rashinban.service`` (and the CLI's start)
    loads neither the app modules nor pandas, Ibis, SciPy or statsmodels."""
    if name not in _exports():
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attr = _exports()[name]
    value = getattr(__import__(module, fromlist=[attr]), attr)
    globals()[name] = value
    return value


class Rashinban:
    """The facade: ``svc.planning``, ``svc.tracking``, ``svc.dashboards``, ``svc.activities``,
    ``svc.imports``, ``svc.admin``, ``svc.accounts``, ``svc.models``, ``svc.data``."""

    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    @classmethod
    def for_cli(cls, db: str | None = None, lang: str = "ja", clock: Clock | None = None) -> Rashinban:
        """A command's facade: the store named by ``db`` is opened on first use."""
        from rashinban.app.context import AppContext

        return cls(AppContext(db=db, lang=lang, clock=clock or default_clock(), privileged=True))

    @classmethod
    def for_store(
        cls,
        store: Store,
        user: User | None = None,
        lang: str = "ja",
        clock: Clock | None = None,
        address: str | None = None,
        versions: tuple[int, int, int, int] | None = None,
    ) -> Rashinban:
        """A request's facade: ``user`` (None: anonymous) from ``address``; ``versions`` read already."""
        from rashinban.app.context import AppContext

        ctx = AppContext(store_=store, user=user, lang=lang, clock=clock or default_clock(), address=address)
        ctx._versions = versions
        return cls(ctx)

    @classmethod
    def for_job(
        cls, store: Store, lang: str = "ja", clock: Clock | None = None, user: User | None = None
    ) -> Rashinban:
        """A job's facade: acts for ``user`` when the job was started by one, else as the system."""
        from rashinban.app.context import AppContext

        ctx = AppContext(
            store_=store, user=user, lang=lang, clock=clock or default_clock(), privileged=user is None
        )
        return cls(ctx)

    @classmethod
    def open_server(cls, db: str | None, clock: Clock | None = None) -> Rashinban:
        """The server's own facade: opens (and migrates) the store now; ``close()`` disposes it."""
        svc = cls.for_cli(db, clock=clock)
        _ = svc.ctx.store
        return svc

    def close(self) -> None:
        self.ctx.close()

    def __enter__(self) -> Rashinban:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @property
    def user(self) -> User | None:
        return self.ctx.user

    @property
    def lang(self) -> str:
        return self.ctx.lang

    @cached_property
    def models(self) -> Models:
        from rashinban.app.models import Models

        return Models(self.ctx)

    @cached_property
    def tracking(self) -> Tracking:
        from rashinban.app.tracking import Tracking

        return Tracking(self.ctx, self.models)

    @cached_property
    def planning(self) -> Planning:
        from rashinban.app.planning import Planning

        return Planning(self.ctx, self.models, self.tracking)

    @cached_property
    def dashboards(self) -> Dashboards:
        from rashinban.app.dashboards import Dashboards

        return Dashboards(self.ctx, self.models, self.tracking)

    @cached_property
    def activities(self) -> Activities:
        from rashinban.app.activities import Activities

        return Activities(self.ctx)

    @cached_property
    def imports(self) -> Imports:
        from rashinban.app.imports import Imports

        return Imports(self.ctx)

    @cached_property
    def agency(self) -> Agency:
        from rashinban.app.agency import Agency

        return Agency(self.ctx, self.dashboards)

    @cached_property
    def admin(self) -> Admin:
        from rashinban.app.admin import Admin

        return Admin(self.ctx)

    @cached_property
    def accounts(self) -> Accounts:
        from rashinban.app.accounts import Accounts

        return Accounts(self.ctx)

    @cached_property
    def audit(self) -> Audit:
        from rashinban.app.audit import Audit

        return Audit(self.ctx)

    @cached_property
    def credentials(self) -> Credentials:
        from rashinban.app.credentials import Credentials

        return Credentials(self.ctx)

    @cached_property
    def jobs(self) -> Jobs:
        from rashinban.app.jobs import Jobs

        return Jobs(self.ctx)

    @cached_property
    def insights(self) -> Insights:
        from rashinban.app.insights import Insights

        return Insights(self.ctx, self.models)

    @cached_property
    def experiments(self) -> Experiments:
        from rashinban.app.experiments import Experiments

        return Experiments(self.ctx)

    @cached_property
    def customers(self) -> Customers:
        from rashinban.app.customers import Customers

        return Customers(self.ctx, self.models, self.insights)

    @cached_property
    def segments(self) -> Segments:
        from rashinban.app.segments import Segments

        return Segments(self.ctx, self.insights)

    @cached_property
    def data(self) -> Data:
        from rashinban.app.data import Data

        return Data(self.ctx, self.models)

    @cached_property
    def forecasts(self) -> Forecasts:
        from rashinban.app.forecasts import Forecasts

        return Forecasts(self.ctx, self.models, self.dashboards)

    @cached_property
    def alerts(self) -> Alerts:
        from rashinban.app.alerts import Alerts

        return Alerts(self.ctx, self.models)

    @cached_property
    def manual(self) -> Manual:
        from rashinban.app.manual import Manual

        return Manual(self.ctx, self.models)

    @cached_property
    def members(self) -> Members:
        from rashinban.app.members import Members

        return Members(self.ctx)

    @cached_property
    def breakdowns(self) -> Breakdowns:
        from rashinban.app.breakdowns import Breakdowns

        return Breakdowns(self.ctx, self.models)

    @cached_property
    def records(self) -> Records:
        """Drill-down: the rows behind a figure."""
        from rashinban.app.records import Records

        return Records(self.ctx, self.models)

    @cached_property
    def reviews(self) -> Reviews:
        from rashinban.app.reviews import Reviews

        return Reviews(self.ctx, self.dashboards, self.insights, self.forecasts, self.alerts)

    def can(self, permission: Permission) -> bool:
        """Whether the signed-in user's role grants ``permission`` (the CLI may do anything)."""
        return (self.ctx.user is None and self.ctx.privileged) or allowed(self.ctx.user, permission)


# the facade's public names (the types its methods take and return), imported on first use
__all__ = ["DEFAULT_STAGES", "DEMO_COMPANY", "OUTCOMES", "ROLES", "TYPES", "ActivityLogged", "ActivityRow"]
__all__ += ["AdminMember", "AdminOverview", "AdminPage", "AdminTeam", "AdminUser", "AllocationMode"]
__all__ += ["AppContext", "AuditEntry", "AuditPage", "BottleneckResult", "BreakdownRow", "ChurnResult"]
__all__ += ["CompanyOption", "CompanyRef", "Created", "DemoScale", "DiagnosisResult", "ErrorBody"]
__all__ += ["ExperimentDef", "ExperimentResult", "ExperimentsResult", "ExplainResult", "FieldErrors"]
__all__ += ["Finding", "FindingView", "FunnelMonth", "FunnelResult", "FunnelRow", "FunnelStage"]
__all__ += ["HolidaysSaved", "HomeResult", "HttpError", "ImportJob", "ImportOptions", "ImportResult"]
__all__ += ["InconsistentTargetsFinding", "KgiHeading", "LoggedActivity", "LoginPolicy", "MemberOption"]
__all__ += ["MemberRef", "MemberResult", "Model", "NextActionsResult", "NodeDetailResult", "NodeInfo"]
__all__ += ["NodeStatus", "Ok", "Permission", "Plan", "PlanAllocation", "PlanLever", "PlanNode"]
__all__ += ["PlanSaved", "PlanView", "PlanningView", "Progress", "RankingRow", "Rashinban"]
__all__ += ["RecentActivities", "Reject", "RequestInvalid", "RequestIssue", "ReviewSection", "RevokedCount"]
__all__ += ["Role", "ScopeOption", "ScopeRef", "SegmentsResult", "Severity", "Source", "StagesSaved"]
__all__ += ["StatusReport", "StatusValues", "TargetRevision", "TeamOption", "TeamRef", "TeamResult"]
__all__ += ["TeamSummary", "TeamsResult", "TokenCreated", "TokenList", "TreeNode", "TreeResult"]
__all__ += ["TrendPoint", "User", "alert_results", "default_model_path", "finding_view", "forecast_results"]
__all__ += ["node_name", "parse_sets", "plan_view", "record_results", "reject_text", "resolve_url"]
__all__ += ["activity_results", "agency_results", "formula_label"]
__all__ += ["review_results", "safe_upload_name", "to_float", "trust_results"]
