"""The agency view (#16 item 2): an agency team's own report on the model bound to it.

What the agency and its client read — every figure the agency team's own, on the agency's
bound model (the 営業代行 template); nothing of the company's (its revenue, other teams,
margins):

* ROI (KGI) = revenue from the deals the agency sourced and the client won ÷ the agency's
  cost, same month (node ``roi`` = ``client_revenue / fee``).
* agency cost (``fee``) = the spend booked to the agency team (the agency fee).
* appointments, hand-offs (送客数), hand-off acceptance (送客率 = hand-offs ÷ appointments:
  appointments held and accepted as a hand-off), win rate after hand-off (送客後の受注率 =
  wins after hand-off ÷ hand-offs), wins after hand-off, calls and connected calls (activity
  volume) — the model's nodes.
* cost per appointment = agency cost ÷ appointments set (derived here).
* cost per hand-off (商談単価) = agency cost ÷ hand-offs (the model's node).
* cost per won deal (``cost_per_win``) = agency cost ÷ customers acquired, i.e. deals the
  agency sourced that the client won (送客後の受注件数), derived here.  Not the catalogue's
  CPA, which is cost per lead (spend ÷ leads): one label per meaning.

Targets are the contract's: the bound model's plan (and any targets saved for it); a derived
cost's target is the cost target over the count target.  Status and pace as everywhere
(``analysis.pace``): a cost is lower-is-better, its pace the target over the actual.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from rashinban.analysis.pace import AT_RISK, BEHIND, NO_DATA, NO_TARGET, ON_TRACK, Thresholds
from rashinban.analysis.status import StatusRow
from rashinban.app import org
from rashinban.app.context import AppContext
from rashinban.app.dashboards import Dashboards
from rashinban.app.dashboards.board import Board, num
from rashinban.app.reports import ReportFile
from rashinban.app.results import agency as agency_results
from rashinban.app.results.agency import AgencyKpi, AgencyMonth, AgencyResult
from rashinban.errors import ForbiddenError, NotFoundError, UsageError
from rashinban.i18n import t
from rashinban.i18n.format import short_value
from rashinban.org.nav import nav_items
from rashinban.org.roles import Permission, Role
from rashinban.org.scopes import TEAM
from rashinban.store import admin as admin_store

MODEL_KPIS: tuple[str, ...] = ("appointments", "handoffs", "handoff_rate", "client_win_rate", "client_wins")
MODEL_KPIS += ("calls", "connected_calls", "fee", "client_revenue", "cost_per_handoff")
# derived id → (numerator node, denominator node): a cost over a count
DERIVED = {"cost_per_appointment": ("fee", "appointments"), "cost_per_win": ("fee", "client_wins")}
ORDER: tuple[str, ...] = ("appointments", "handoffs", "handoff_rate", "client_win_rate", "client_wins")
ORDER += ("calls",)
ORDER += ("connected_calls", "fee", "cost_per_appointment", "cost_per_handoff", "cost_per_win")
ORDER += ("client_revenue",)
TREND_NODES = ["roi", "appointments", "handoffs", "client_wins", "client_win_rate", "calls", "fee"]
LANDING_ROLES = (Role.PARTNER.value, Role.VIEWER.value)


def _ratio(a: Fraction | None, b: Fraction | None) -> Fraction | None:
    return a / b if a is not None and b else None


def _grade(target: Fraction | None, actual: Fraction | None, th: Thresholds) -> tuple[Any, Any, str]:
    """(achievement, pace, status) of a lower-is-better cost that is no sum (a ratio of sums):
    its expected value is its target, its pace target ÷ actual (as ``evaluate_pace``)."""
    if actual is None:
        return None, None, NO_DATA
    if target is None:
        return None, None, NO_TARGET
    ratio = target / actual if actual else Fraction(10)
    status = ON_TRACK if ratio >= th.on_track else BEHIND if ratio >= th.behind else AT_RISK
    return ratio, ratio, status


class Agency:
    """``svc.agency``: the agency page, its JSON twin and the client's monthly report."""

    def __init__(self, ctx: AppContext, dashboards: Dashboards) -> None:
        self.ctx = ctx
        self.dashboards = dashboards

    # landing -------------------------------------------------------------------------------
    def landing(self) -> int | None:
        """The agency team a partner or viewer lands on (their scope is an agency team), else None."""
        user = self.ctx.user
        if user is None or user.team_id is None or user.role not in LANDING_ROLES:
            return None
        team = user.team_id
        if team not in org.scope_index(self.ctx).agency_teams:
            return None
        return team if "roi" in self.dashboards.board(None, None, (TEAM, team)).model.nodes else None

    def nav(self) -> list[tuple[str, str]]:
        """The navigation bar's (href, label key) for the signed-in user (``org.nav``): a
        partner or viewer of an agency team is offered their agency's own view only."""
        user = self.ctx.user
        return nav_items(user.role, self.landing()) if user else []

    def reachable(self, team_id: int) -> bool:
        """Whether the user may open the agency report of ``team_id`` (an agency team with an
        agency model bound, in the user's scope) — the teams pages link it only then."""
        try:
            self._board(team_id)
        except (NotFoundError, ForbiddenError):
            return False
        return True

    # the page ------------------------------------------------------------------------------
    def _board(self, team_id: int) -> Board:
        """The agency team's board on its bound model: 404 for no agency team, 403 out of scope."""
        self.ctx.require(Permission.READ)
        key = (TEAM, team_id)
        b = self.dashboards.board(None, None, key)
        b.resolve(key)
        if team_id not in b.scopes.agency_teams:
            raise NotFoundError("scope_unknown", kind="agency", value=str(team_id))
        if "roi" not in b.model.nodes:  # no agency model bound: no agency report to show
            raise NotFoundError("agency_model_missing", team=str(team_id))
        return b

    def page(self, team_id: int, period: str | None = None) -> AgencyResult:
        """The agency team's KPIs for ``period`` (default: this month) and their trend."""
        u = self.ctx.user
        who = (u.id, u.role, u.team_id, u.member_id) if u else None
        key = ("agency", team_id, period, self.ctx.today(), who, self.ctx.lang)
        return self.ctx.cached(key, lambda: self._page(team_id, period))

    def _page(self, team_id: int, period: str | None) -> AgencyResult:
        b = self._board(team_id)
        key = (TEAM, team_id)
        span = b.month(period)
        rows = b.status([key], [span]).get((key, span.label), {})
        th = Thresholds.from_model(b.model.extra.get("status"))
        kpis = {
            nid: self._node(b, nid, rows.get(nid)) for nid in ("roi", *MODEL_KPIS) if nid in b.model.nodes
        }
        for did, (top, bottom) in DERIVED.items():
            kpis[did] = self._derived(did, rows.get(top), rows.get(bottom), th)
        head = b.head(key, span)
        head.pop("scope")
        team = next((r for r in admin_store.list_teams(self.ctx.store) if r.id == team_id), None)
        return AgencyResult(
            **head,
            team=b.team(team_id),
            client=team.client if team else None,
            kgi=kpis.pop("roi"),
            kpis=[kpis[k] for k in ORDER if k in kpis],
            trend=self._trend(b, key, span),
        )

    def _node(self, b: Board, nid: str, row: StatusRow | None) -> AgencyKpi:
        f = b.node_fields(nid, row, self.ctx.lang)
        keep = ("label", "unit", "direction", "target", "actual", "achievement", "pace", "status")
        return AgencyKpi(
            id=nid,  # type: ignore[arg-type]
            **{k: f[k] for k in keep},
            target_text=f["target_text"],
            actual_text=f["actual_text"],
            definition=t(f"agency.help.{nid}", self.ctx.lang),
            derived=False,
        )

    def _derived(
        self, did: str, top: StatusRow | None, bottom: StatusRow | None, th: Thresholds
    ) -> AgencyKpi:
        lang = self.ctx.lang
        target = _ratio(top.target if top else None, bottom.target if bottom else None)
        actual = _ratio(top.actual if top else None, bottom.actual if bottom else None)
        achievement, pace, status = _grade(target, actual, th)
        return AgencyKpi(
            id=did,  # type: ignore[arg-type]
            label=t(f"agency.kpi.{did}", lang),
            unit="yen",
            direction="lower",
            target=num(target),
            actual=num(actual),
            achievement=num(achievement),
            pace=num(pace),
            status=status,  # type: ignore[arg-type]
            target_text=short_value(target, "yen", lang),
            actual_text=short_value(actual, "yen", lang),
            definition=t(f"agency.help.{did}", lang),
            derived=True,
        )

    def _trend(self, b: Board, key: tuple[str, int], span: Any) -> list[AgencyMonth]:
        months = b.months(last=span)
        nodes = [n for n in TREND_NODES if n in b.model.nodes]
        status = b.status([key], months, nodes)
        out: list[AgencyMonth] = []
        for m in months:
            rows = status.get((key, m.label), {})

            def actual(nid: str, rows: dict[str, StatusRow] = rows) -> Fraction | None:
                r = rows.get(nid)
                return r.actual if r else None

            def target(nid: str, rows: dict[str, StatusRow] = rows) -> Fraction | None:
                r = rows.get(nid)
                return r.target if r else None

            out.append(
                AgencyMonth(
                    period=m.label,
                    partial=m.start <= b.as_of <= m.end,
                    roi=num(actual("roi")),
                    roi_target=num(target("roi")),
                    appointments=num(actual("appointments")),
                    appointments_target=num(target("appointments")),
                    handoffs=num(actual("handoffs")),
                    client_wins=num(actual("client_wins")),
                    client_win_rate=num(actual("client_win_rate")),
                    calls=num(actual("calls")),
                    fee=num(actual("fee")),
                    cost_per_appointment=num(_ratio(actual("fee"), actual("appointments"))),
                    cost_per_win=num(_ratio(actual("fee"), actual("client_wins"))),
                )
            )
        return out

    # the client's report -------------------------------------------------------------------
    def report(self, team_id: int, period: str | None = None, fmt: str = "pdf") -> ReportFile:
        """The monthly report of the agency (PDF or XLSX): the page's figures, nothing else."""
        from rashinban import reports
        from rashinban.reports.agency import agency_doc

        if fmt not in ("pdf", "xlsx", "html"):
            raise UsageError("option_bad_choice", option="--format", value=fmt, allowed="pdf, xlsx, html")
        data = self.page(team_id, period).model_dump(mode="json")
        doc = agency_doc(data, self.ctx.lang, self.ctx.now().strftime("%Y-%m-%d %H:%M"))
        return ReportFile(f"{doc.file_stem}.{fmt}", reports.CONTENT_TYPES[fmt], reports.render(doc, fmt))


__all__ = ["DERIVED", "Agency", "agency_results"]
