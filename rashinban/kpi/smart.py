"""SMART findings and good-practice checks on a model (no data needed).

Codes are stable; messages live in the i18n catalogue.

=======================  ====  ========  ================================================
code                     area  severity  meaning
=======================  ====  ========  ================================================
kgi_no_target            S     error     the KGI has no number to reach
no_definition            S     warning   a KPI without a written definition
vague_definition         S     warning   a definition in words that measure nothing
not_measurable           M     warning   a leaf with no formula, measure, or manual flag
not_related              R     warning   a KPI that does not feed the KGI
no_period                T     warning   the model states no period (month is assumed)
no_deadline              T     info      no concrete plan period or deadline
too_many_main_kpis       P     warning   more than N main KPIs for one owner/role
too_few_main_kpis        P     warning   fewer than 3 main KPIs for one owner/role (主要KPIは3〜5個)
kpi_no_target            S     warning   a main KPI with no target, assumption or solved value
volume_without_quality   P     warning   a volume KPI with no quality KPI beside it (目標貧乏)
not_controllable         P     warning   a KPI its owner cannot control
=======================  ====  ========  ================================================
"""

from __future__ import annotations

import re

from rashinban.kpi.findings import Finding, Severity, sort_findings
from rashinban.kpi.model import Model, Node
from rashinban.kpi.solve import Plan, Source
from rashinban.kpi.units import Direction, Unit

VAGUE_WORDS = (
    "頑張",
    "がんば",
    "努力",
    "意識",
    "徹底",
    "強化",
    "向上",
    "改善",
    "できるだけ",
    "なるべく",
    "しっかり",
    "積極的",
    "たくさん",
    "多く",
    "as much as",
    "improve",
    "better",
    "more",
    "enhance",
    "strengthen",
    "try",
)
# A definition that says what is counted or divided is measurable, whatever else it says.
MEASURE_WORDS = (
    "数",
    "率",
    "額",
    "件",
    "円",
    "÷",
    "/",
    "合計",
    "平均",
    "count",
    "sum",
    "rate",
    "ratio",
    "number",
    "amount",
)
MIN_DEFINITION_LENGTH = 4
MIN_MAIN_KPIS = 3
QUALITY_UNITS = frozenset({Unit.RATIO, Unit.SCORE})


def _vague(text: str) -> bool:
    low = text.lower()
    has_vague = any(re.search(rf"(?<![a-z]){re.escape(w)}(?![a-z])", low) for w in VAGUE_WORDS)
    measurable = any(w in low for w in MEASURE_WORDS) or bool(re.search(r"\d", low))
    return len(text.strip()) < MIN_DEFINITION_LENGTH or (has_vague and not measurable)


def smart_findings(model: Model) -> list[Finding]:
    out: list[Finding] = []
    related = related_nodes(model)
    parents = model.parents()
    kgi = model.nodes[model.kgi]
    stated = kgi.target is not None or kgi.relative_of("target") is not None
    if not stated and (not kgi.derived or not _has_values_below(model)):
        out.append(Finding("kgi_no_target", Severity.ERROR, "S", kgi.id, kgi.line))
    if "period" not in dict(model.field_lines):
        out.append(
            Finding("no_period", Severity.WARNING, "T", None, model.line, {"assumed": model.period.value})
        )
    if model.plan_period is None and model.deadline is None:
        out.append(Finding("no_deadline", Severity.INFO, "T", model.kgi, kgi.line))
    for node in model.nodes.values():
        out += _node_findings(model, node, related, parents)
    out += _main_kpi_findings(model)
    return sort_findings(out)


def related_nodes(model: Model) -> set[str]:
    """Nodes on the KGI's tree, KPIs sharing a success factor (``ksf``) with them, and derived
    monitoring KPIs built only from related nodes (商談単価 = 費用 ÷ 送客数)."""
    related = set(model.reachable())
    # a KPI under a success factor (KSF) that the KGI's tree already serves is related too
    related_ksf = {model.nodes[n].ksf for n in related if model.nodes[n].ksf}
    related |= {nid for nid, n in model.nodes.items() if n.ksf and n.ksf in related_ksf}
    changed = True
    while changed:
        changed = False
        for nid, node in model.nodes.items():
            if nid not in related and node.derived and all(c in related for c in node.children):
                related.add(nid)
                changed = True
    return related


def _has_values_below(model: Model) -> bool:
    leaves = model.leaves()
    return all(model.nodes[n].target is not None or model.nodes[n].assume is not None for n in leaves)


def _node_findings(
    model: Model, node: Node, related: set[str], parents: dict[str, list[str]]
) -> list[Finding]:
    out: list[Finding] = []
    if node.definition is None:
        sev = Severity.INFO if node.derived else Severity.WARNING
        out.append(Finding("no_definition", sev, "S", node.id, node.line))
    elif _vague(node.definition):
        out.append(
            Finding(
                "vague_definition",
                Severity.WARNING,
                "S",
                node.id,
                node.line_of("definition"),
                {"definition": node.definition},
            )
        )
    if not node.derived and node.measure is None and not node.manual:
        out.append(Finding("not_measurable", Severity.WARNING, "M", node.id, node.line))
    if node.id not in related:
        out.append(Finding("not_related", Severity.WARNING, "R", node.id, node.line, {"kgi": model.kgi}))
    if (
        node.unit is Unit.COUNT
        and node.direction is Direction.HIGHER
        and not node.manual
        and not _has_quality_beside(model, node, parents)
    ):
        out.append(Finding("volume_without_quality", Severity.WARNING, "P", node.id, node.line))
    if node.controllable is False and node.owner:
        out.append(
            Finding(
                "not_controllable",
                Severity.WARNING,
                "P",
                node.id,
                node.line_of("controllable"),
                {"owner": node.owner},
            )
        )
    return out


def _has_quality_beside(model: Model, node: Node, parents: dict[str, list[str]]) -> bool:
    """A quality KPI (a rate or score) among the node's inputs or its siblings."""
    near = list(node.children)
    for parent in parents.get(node.id, []):
        near += model.nodes[parent].children
    near += [n.id for n in model.nodes.values() if n.ksf and n.ksf == node.ksf and n.id != node.id]
    return any(model.nodes[n].unit in QUALITY_UNITS for n in near if n != node.id)


def _main_kpi_findings(model: Model) -> list[Finding]:
    groups: dict[str, list[Node]] = {}
    for node in model.nodes.values():
        if node.role == "main":
            groups.setdefault(node.owner or "", []).append(node)
    out: list[Finding] = []
    for owner, nodes in groups.items():
        if len(nodes) < MIN_MAIN_KPIS:
            out.append(
                Finding(
                    "too_few_main_kpis",
                    Severity.WARNING,
                    "P",
                    nodes[0].id,
                    nodes[0].line,
                    {"owner": owner, "count": len(nodes), "min": MIN_MAIN_KPIS},
                )
            )
        if len(nodes) > model.max_main_kpis:
            out.append(
                Finding(
                    "too_many_main_kpis",
                    Severity.WARNING,
                    "P",
                    None,
                    nodes[model.max_main_kpis].line,
                    {
                        "owner": owner,
                        "count": len(nodes),
                        "limit": model.max_main_kpis,
                        "nodes": ", ".join(n.id for n in nodes),
                    },
                )
            )
    return out


def plan_findings(plan: Plan) -> list[Finding]:
    """Main KPIs (and the KGI) that the plan leaves without a value: nothing to aim at."""
    model = plan.model
    out: list[Finding] = []
    for nid, pv in plan.values.items():
        node = model.nodes[nid]
        if nid == model.kgi or node.role != "main" or pv.source is not Source.MISSING:
            continue
        if node.relative:
            continue  # 前年比…: resolved from data (relative_no_basis when it cannot be)
        out.append(Finding("kpi_no_target", Severity.WARNING, "S", nid, node.line))
    return out
