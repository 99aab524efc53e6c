"""Breakdowns: the model's measured KPIs (and the formulas over them) per channel, product,
industry, region, company size, new vs existing customer or lead origin — for
``rashinban status --by channel``, ``/api/breakdown`` and the breakdown page.  Each value's
rates are computed from that value's own rows (conversion by lead origin = that origin's won
deals ÷ that origin's leads)."""

from __future__ import annotations

from pathlib import Path

from rashinban.app import org
from rashinban.app.context import AppContext
from rashinban.app.models import Models
from rashinban.app.results.breakdowns import BreakdownResult, BreakdownValue, ScopeBreakdown
from rashinban.app.results.common import CompanyRef, MemberRef, ScopeRef, TeamKind, TeamRef
from rashinban.app.tracking import connect, wanted_scopes
from rashinban.errors import NotFoundError
from rashinban.kpi.calendar import parse_period, span_of
from rashinban.kpi.numbers import to_float
from rashinban.metrics.actuals import bound_measures, model_measures, node_actuals
from rashinban.metrics.breakdown import DIMENSIONS, check_dimension
from rashinban.metrics.engine import MetricsEngine, Value
from rashinban.org.access import ScopeKey
from rashinban.org.roles import Permission
from rashinban.org.scopes import COMPANY, MEMBER, TEAM

BREAKDOWN_DIMENSIONS = tuple(DIMENSIONS)


class Breakdowns:
    DIMENSIONS = BREAKDOWN_DIMENSIONS

    def __init__(self, ctx: AppContext, models: Models) -> None:
        self.ctx = ctx
        self.models = models

    def report(
        self,
        model_path: str | Path | None,
        by: str,
        period: str | None = None,
        team: str | None = None,
        member: str | None = None,
        as_of: str | None = None,
        scope: ScopeKey | None = None,
        engine: str = "default",
    ) -> BreakdownResult:
        """The KPIs of the scopes asked (a team with its sub-teams and members, a member, one
        scope, or the user's home scope; the CLI: the company and every team) by ``by``."""
        ctx = self.ctx
        ctx.require(Permission.READ)
        check_dimension(by)
        day = ctx.as_of(as_of)
        acc = org.check_scope_args(ctx, team, member)
        scopes = org.scope_index(ctx)
        if scope is not None:
            access = org.access(ctx)
            access.check(scope)  # before anything is read: a refusal carries no data
            if scope not in scopes.scopes:
                raise NotFoundError("scope_unknown", kind=scope[0], value=str(scope[1]))
            wanted = [scope]
        elif team or member:
            wanted = wanted_scopes(scopes, team, member)
        elif acc is not None:
            home = acc.home or (COMPANY, 0)
            wanted = [home]
        else:
            wanted = [(COMPANY, 0)] + [k for k in scopes.scopes if k[0] == TEAM]
        if acc is not None:
            wanted = [k for k in wanted if acc.can_see(k)]
        model = self.models.for_scope(model_path, wanted[0] if wanted else None).model
        span = (
            parse_period(period, model.fiscal_year_start)
            if period
            else span_of(day, model.period, model.fiscal_year_start)
        )
        eng = MetricsEngine(connect(ctx.store, engine), scopes, model.fiscal_year_start, wanted)
        by_value = eng.compute_by(model_measures(model), bound_measures(model), span, by)
        actuals = {value: node_actuals(model, res) for value, res in by_value.items()}
        order = sorted(by_value, key=lambda v: (v == "", v))
        lang = ctx.lang
        out = []
        for key in wanted:
            rows = []
            for value in order:
                cell = actuals[value].get((key[0], key[1], span.start), {})
                for nid, node in model.nodes.items():
                    if not (node.measure or node.expr is not None):
                        continue
                    v = cell.get(nid, Value(None, "no_data"))
                    rows.append(
                        BreakdownValue(
                            node=nid,
                            node_name=node.name_en if lang == "en" and node.name_en else node.name,
                            unit=node.unit.value,
                            value=value,
                            actual=to_float(v.value),
                            reason=v.reason if v.value is None else None,
                        )
                    )
            out.append(ScopeBreakdown(scope=self._ref(key), values=rows))
        return BreakdownResult(
            model=model.name,
            by=by,
            period=span.label,
            start=span.start.isoformat(),
            end=span.end.isoformat(),
            values=order,
            scopes=out,
        )

    def _ref(self, key: ScopeKey) -> ScopeRef:
        scopes = org.scope_index(self.ctx)
        s = scopes.scopes[key]
        if key[0] == TEAM:
            kind: TeamKind = "agency" if key[1] in scopes.agency_teams else "in_house"
            return TeamRef(type="team", id=key[1], name=s.name, kind=kind)
        if key[0] == MEMBER:
            return MemberRef(type="member", id=key[1], name=s.name, team_id=s.team_id)
        return CompanyRef(type="company", id=0, name=s.name)
