"""The demo's second model: the 営業代行 template fitted to the agency team's recent figures and
bound to that team, so the agency (and its client) see the numbers credited to them —
送客数, 送客後の受注率, 送客経由の受注額 and the ROI of what the client pays."""

from __future__ import annotations

from datetime import date, timedelta
from fractions import Fraction

from rashinban.app import org
from rashinban.app.context import AppContext
from rashinban.app.models import Models
from rashinban.demo.sourcing import AGENCY_MODEL, agency_model_text
from rashinban.kpi.calendar import Span, span_of
from rashinban.kpi.modelfile import parse_model
from rashinban.kpi.units import Period
from rashinban.metrics.actuals import model_measures
from rashinban.metrics.backends import ibis_connection
from rashinban.metrics.engine import MetricsEngine
from rashinban.org.scopes import TEAM

FIGURES = {
    "fee": "spend",
    "deal_value": "sourced_deal_size",
    "client_win_rate": "handoff_win_rate",
    "handoff_rate": "appointment_handoff_rate",
    "appointment_rate": "appointment_rate",
    "contact_rate": "contact_rate",
    "roi": "agency_roi",
}


def push_agency_model(
    ctx: AppContext, models: Models, plan_period: str, cutoff: date, months: int = 3
) -> str | None:
    """Fit the agency template to the agency team's last ``months`` complete months before
    ``cutoff``, push it and bind it to the agency team; returns the model's name (None: the
    store has no agency team)."""
    scopes = org.scope_index(ctx)
    if not scopes.agency_teams:
        return None
    team = min(scopes.agency_teams)
    name = scopes.scopes[(TEAM, team)].name
    first = span_of(cutoff, Period.MONTH)
    end = first.start - timedelta(days=1)
    start = end
    for _ in range(months - 1):
        start = span_of(start, Period.MONTH).start - timedelta(days=1)
    window = Span(span_of(start, Period.MONTH).start, end, "range", "")
    draft = parse_model(agency_model_text(name, plan_period, {}), AGENCY_MODEL)
    measures = model_measures(draft)
    engine = MetricsEngine(ibis_connection(ctx.store), scopes, draft.fiscal_year_start, [(TEAM, team)])
    results = engine.compute(measures, list(FIGURES.values()), window, None)
    cell = results.values.get((TEAM, team, window.start), {})
    figures: dict[str, float] = {}
    for key, mid in FIGURES.items():
        v = cell.get(mid)
        if v is not None and v.value is not None:
            value: Fraction = v.value / months if key == "fee" else v.value
            figures[key] = float(value)
    text = agency_model_text(name, plan_period, figures)
    models.push_text(text, AGENCY_MODEL, message="demo generate: the agency's model")
    models.bind(name, AGENCY_MODEL)
    return AGENCY_MODEL


__all__ = ["push_agency_model"]
