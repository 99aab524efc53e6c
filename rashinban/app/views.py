"""Plain-data views of domain objects: the JSON that the CLI prints and the API returns."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from rashinban.i18n import render_finding, render_needed
from rashinban.kpi.findings import Finding
from rashinban.kpi.model import Model
from rashinban.kpi.numbers import to_float
from rashinban.kpi.solve import Plan


def _jsonable(v: Any) -> Any:
    if isinstance(v, Fraction):
        return to_float(v)
    if isinstance(v, dict):
        return {k: _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    return v


def node_name(model: Model, nid: str | None, lang: str) -> str | None:
    if nid is None or nid not in model.nodes:
        return nid
    node = model.nodes[nid]
    return node.name_en if lang == "en" and node.name_en else node.name


def finding_view(model: Model, f: Finding, lang: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": f.code,
        "severity": f.severity.value,
        "area": f.area,
        "node": f.node,
        "node_name": node_name(model, f.node, lang),
        "file": model.file,
        "line": f.line,
        "message": render_finding(f, lang),
    }
    params = dict(f.params)
    if f.code == "inconsistent_targets":
        unit = params["unit"]
        params["needed"] = [
            {
                **item,
                "message": render_needed(
                    item,
                    model.nodes[item["node"]].unit.value,
                    node_name(model, item["node"], lang) or "",
                    lang,
                ),
            }
            for item in params["needed"]
        ]
        out.update({k: params[k] for k in ("stated", "implied", "gap", "gap_ratio")})
        out["unit"] = unit
    out["params"] = params
    return _jsonable(out)  # type: ignore[no-any-return]


def plan_view(plan: Plan, lang: str) -> dict[str, Any]:
    model = plan.model
    nodes = []
    for nid, pv in plan.values.items():
        node = model.nodes[nid]
        nodes.append(
            {
                "id": nid,
                "name": node.name,
                "name_en": node.name_en,
                "unit": node.unit.value,
                "period": pv.period.value,
                "target": pv.value,
                "source": pv.source.value,
                "formula": node.formula_text,
                "children": node.children,
                "additive": plan.additive.get(nid),
                "rounded_from": pv.rounded_from,
                "overridden": pv.overridden,
                "direction": node.direction.value,
                "role": node.role,
            }
        )
    return _jsonable(  # type: ignore[no-any-return]
        {
            "model": model.name,
            "file": model.file,
            "kgi": model.kgi,
            "period": model.period.value,
            "kgi_target": plan.kgi_target,
            "kgi_forward": plan.kgi_forward,
            "rounding_effect": plan.rounding_effect,
            "nodes": nodes,
            "allocations": [
                {"member": a.member, "node": a.node, "target": a.target, "split": a.split}
                for a in plan.allocations
            ],
            "levers": [
                {
                    "node": lv.node,
                    "name": node_name(model, lv.node, lang),
                    "value": lv.value,
                    "elasticity": lv.elasticity,
                    "kgi_delta": lv.kgi_delta,
                }
                for lv in plan.levers
            ],
            "findings": [finding_view(model, f, lang) for f in plan.findings],
        }
    )
