"""Who sourced each demo deal, and the agency's own model.

A deal comes from a lead: the lead's owner — an inside-sales rep, an agency rep (outbound
calls), or the field rep for referrals — set the appointment and handed it off (送客).  That
member is the deal's ``source_member_id``, so the agency and inside sales are credited with
what they hand off (送客数, 送客後の受注率, 送客経由の受注額) while the field rep who closes
keeps the deal as its owner.

The agency team gets its own KPI model (the 営業代行 template, bound to the agency team): its
KGI is the client's ROI over what the client pays (the outbound channel's spend, which the
demo books to the agency team).
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa
import yaml

from rashinban.demo.context import Ctx
from rashinban.demo.deals import DealBatch
from rashinban.demo.leads import LeadBatch

AGENCY_MODEL = "営業代行 月次計画（デモ）"


def with_sources(ctx: Ctx, table: pa.Table, deals: DealBatch, leads: LeadBatch) -> pa.Table:
    """The deals table with ``source_member_id``: the owner of each deal's lead."""
    source = ctx.org.rep_ids[leads.owner[deals.lead]]
    return table.append_column("source_member_id", pa.array(source, pa.int64()))


def agency_model_text(agency_team: str, plan_period: str, figures: dict[str, float]) -> str:
    """The 営業代行 template as the demo agency's model: owned by the agency team, its fee the
    spend booked to the team (not entered by hand), its assumptions the agency's recent
    figures (``figures``: fee, calls, rates, deal size) and its ROI target 10 % above them."""
    from rashinban.templates import template_text

    data: dict[str, Any] = yaml.safe_load(template_text("agency"))
    data.pop("template", None)
    data["name"] = AGENCY_MODEL
    data["description"] = f"{agency_team}の送客・アポイント・架電と、送客後の受注から見たクライアントの ROI。"
    data["plan_period"] = plan_period
    data.pop("members", None)
    nodes: dict[str, dict[str, Any]] = data["nodes"]
    for node in nodes.values():
        node["owner"] = agency_team
    fee = nodes["fee"]
    fee.pop("kind", None)
    fee["measure"] = "spend"
    fee["definition"] = "当月に営業代行チームに計上された費用（代行費用。spend に計上）"
    for nid, key in (
        ("fee", "fee"),
        ("deal_value", "deal_value"),
        ("client_win_rate", "client_win_rate"),
        ("handoff_rate", "handoff_rate"),
        ("appointment_rate", "appointment_rate"),
        ("contact_rate", "contact_rate"),
    ):
        if figures.get(key):
            nodes[nid]["assume"] = _round(figures[key], nodes[nid]["unit"])
    if figures.get("roi"):
        nodes["roi"]["target"] = round(figures["roi"] * 1.1, 2)
    header = f"# {agency_team} の KPI モデル（rashinban demo generate が生成し、営業代行チームに割り当て）\n"
    return header + yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=200)


def _round(value: float, unit: str) -> float | int:
    if unit == "ratio":
        return max(0.001, min(1.0, round(value, 3)))
    return int(round(value, -3)) if unit == "yen" else round(value, 3)
