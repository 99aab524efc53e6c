"""Dashboards: the read side of the web pages, cached per user and data version."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from rashinban.app import org
from rashinban.app.context import AppContext
from rashinban.app.dashboards import my_activity as activity_board
from rashinban.app.dashboards import pages
from rashinban.app.dashboards.board import Board, parse_scope
from rashinban.app.models import Models
from rashinban.app.results.activities import MyActivity
from rashinban.app.results.common import Result, ScopeOption
from rashinban.app.results.dashboards import (
    FunnelResult,
    HomeResult,
    MemberResult,
    NodeDetailResult,
    TeamResult,
    TeamsResult,
    TeamSummary,
    TreeResult,
)
from rashinban.app.tracking import Tracking
from rashinban.org.access import ScopeKey
from rashinban.org.scopes import MEMBER, TEAM

ModelPath = str | Path | None
R = TypeVar("R", bound=Result)


class Dashboards:
    def __init__(self, ctx: AppContext, models: Models, tracking: Tracking) -> None:
        self.ctx = ctx
        self.models = models
        self.tracking = tracking

    def _cached(self, key: tuple[Any, ...], compute: Callable[[], R]) -> R:
        """Per user, language, day and data version (as_of defaults to today); the results are
        frozen, so every request of that version shares them."""
        u = self.ctx.user
        who = (u.id, u.role, u.team_id, u.member_id) if u else None
        return self.ctx.cached(("dash", *key, self.ctx.today(), who, self.ctx.lang), compute)

    def board(self, model_path: ModelPath, as_of: str | None, key: ScopeKey | None = None) -> Board:
        """A board for the scope's model (the user's home scope when ``key`` is None)."""
        ctx = self.ctx
        acc = org.access(ctx)
        scope = key if key is not None else acc.home
        bundle = self.models.for_scope(model_path, scope)
        return Board(ctx.store, bundle, org.scope_index(ctx), acc, ctx.as_of(as_of), ctx)

    def _resolved(
        self, model_path: ModelPath, scope: str | None, as_of: str | None
    ) -> tuple[Board, ScopeKey]:
        key = self.board(model_path, as_of).resolve(parse_scope(scope))
        return self.board(model_path, as_of, key), key

    def home(
        self,
        model_path: ModelPath,
        period: str | None = None,
        scope: str | None = None,
        as_of: str | None = None,
    ) -> HomeResult:
        """The KGI and main KPIs of a scope (default: the user's own) for one month."""

        def compute() -> HomeResult:
            b, key = self._resolved(model_path, scope, as_of)
            return pages.home(b, key, period, self.ctx.lang)

        return self._cached(("home", model_path, period, scope, as_of), compute)

    def tree(
        self,
        model_path: ModelPath,
        period: str | None = None,
        scope: str | None = None,
        as_of: str | None = None,
    ) -> TreeResult:
        """Every KPI of the model with its status for a scope and month."""

        def compute() -> TreeResult:
            b, key = self._resolved(model_path, scope, as_of)
            return pages.tree(b, key, period, self.ctx.lang)

        return self._cached(("tree", model_path, period, scope, as_of), compute)

    def node(
        self,
        model_path: ModelPath,
        node: str,
        period: str | None = None,
        scope: str | None = None,
        as_of: str | None = None,
    ) -> NodeDetailResult:
        """A node's 12-month trend and its breakdown by team/member."""

        def compute() -> NodeDetailResult:
            b, key = self._resolved(model_path, scope, as_of)
            return pages.node_detail(b, node, key, period, self.ctx.lang)

        return self._cached(("node", model_path, node, period, scope, as_of), compute)

    def teams(
        self, model_path: ModelPath, period: str | None = None, as_of: str | None = None
    ) -> TeamsResult:
        """The visible teams (in hierarchy order) with their KGI — each under its own model."""

        def compute() -> TeamsResult:
            home = self.board(model_path, as_of)
            order, depths = pages.team_order(home)
            visible = home.access.filter(order)
            groups: dict[Any, list[ScopeKey]] = {}
            boards: dict[Any, Board] = {}
            for k in visible:
                b = self.board(model_path, as_of, k)
                groups.setdefault(b.bundle.ref, []).append(k)
                boards[b.bundle.ref] = b
            items: dict[ScopeKey, TeamSummary] = {}
            for ref, keys in groups.items():
                for item in pages.team_items(boards[ref], keys, depths, period, self.ctx.lang):
                    items[(TEAM, item.team.id)] = item
            head = pages.teams_head(home, period, self.ctx.lang)
            return TeamsResult(**head, teams=[items[k] for k in visible])

        return self._cached(("teams", model_path, period, as_of), compute)

    def team(
        self, model_path: ModelPath, team_id: int, period: str | None = None, as_of: str | None = None
    ) -> TeamResult:
        def compute() -> TeamResult:
            return pages.team(self.board(model_path, as_of, (TEAM, team_id)), team_id, period, self.ctx.lang)

        return self._cached(("team", model_path, team_id, period, as_of), compute)

    def member(
        self, model_path: ModelPath, member_id: int, period: str | None = None, as_of: str | None = None
    ) -> MemberResult:
        def compute() -> MemberResult:
            b = self.board(model_path, as_of, (MEMBER, member_id))
            return pages.member(b, member_id, period, self.ctx.lang)

        return self._cached(("member", model_path, member_id, period, as_of), compute)

    def my_activity(self, model_path: ModelPath, as_of: str | None = None) -> MyActivity:
        """The signed-in rep's own activity KPIs (today and this period); a user linked to no
        member gets none."""
        user = self.ctx.user
        member_id = user.member_id if user is not None else None
        if member_id is None:
            return MyActivity(member_id=None, period="", today="", business_days=0, elapsed_days=0, kpis=[])
        key = (MEMBER, member_id)

        def compute() -> MyActivity:
            b = self.board(model_path, as_of, key)
            b.resolve(key)
            return activity_board.my_activity(b, member_id, self.ctx.lang)

        return self._cached(("my_activity", model_path, as_of), compute)

    def scopes(self, model_path: ModelPath = None) -> list[ScopeOption]:
        """The scopes the user may pick on dashboards (company, teams, members)."""
        return self.board(model_path, None).choices()

    def funnel(
        self,
        model_path: ModelPath,
        period: str | None = None,
        scope: str | None = None,
        as_of: str | None = None,
    ) -> FunnelResult:
        """Funnel stages of one scope (default: the user's own) by month."""

        def compute() -> FunnelResult:
            b, key = self._resolved(model_path, scope, as_of)
            span = pages.funnel_span(b, period)
            rows = self.tracking.funnel(
                model_path,
                period=span.label,
                team=str(key[1]) if key[0] == TEAM else None,
                member=str(key[1]) if key[0] == MEMBER else None,
                as_of=as_of,
                by="month",
                model=b.model,
            )
            return pages.funnel(b, key, span, rows, self.ctx.lang)

        return self._cached(("funnel", model_path, period, scope, as_of), compute)
