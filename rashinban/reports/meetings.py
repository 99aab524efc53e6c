"""Documents of a review meeting (its snapshot, agenda with notes and decisions, actions,
revisions) and of a 1on1 (the member's numbers then, the talking list, notes, actions)."""

from __future__ import annotations

from typing import Any

from rashinban.i18n import format as fmt
from rashinban.i18n import t
from rashinban.reports import charts
from rashinban.reports.document import Column, Document, Figures, Table, Text
from rashinban.reports.views import action_table

Data = dict[str, Any]


def _l(key: str, lang: str, **p: Any) -> str:
    return t(f"report.{key}", lang, **p)


def review(m: Data, lang: str, generated: str) -> Document:
    snap = m["snapshot"]
    scope = (m["scope"] or {}).get("name", "-")
    head = Figures(
        _l("meeting", lang),
        (
            (_l("col_scope", lang), scope),
            (_l("cadence", lang), t(f"review.cadence_{m['cadence']}", lang)),
            (_l("col_period", lang), m["period"]),
            (_l("state", lang), t(f"review.state_{m['state']}", lang)),
            (_l("facilitator", lang), m["facilitator"] or "—"),
            (_l("frozen_at", lang), str(m["frozen_at"] or "—")[:16]),
        ),
    )
    blocks: list[Any] = [head]
    k = snap.get("kgi")
    if k:
        items = [
            (_l("col_target", lang), k["target_text"]),
            (_l("col_actual", lang), k["actual_text"]),
            (_l("col_projected", lang), k["projected_text"]),
            (_l("col_status", lang), t(f"status.{k['status']}", lang)),
        ]
        if k.get("p_achieve") is not None:
            items.append((_l("p_achieve", lang), fmt.percent(k["p_achieve"])))
        blocks.append(Figures(_l("kgi", lang, label=k["label"]), tuple(items)))
    kpis = snap.get("kpis") or []
    chart = charts.bars(
        [(x["label"], float(x["effect"]), x["status"]) for x in kpis],
        value_text=[x["effect_text"] for x in kpis],
    )
    rows = tuple(
        {
            "rank": x["rank"],
            "kpi": x["label"],
            "_unit": x["unit"],
            "target": x["target"],
            "expected": x["expected"],
            "gap": x["gap"],
            "elasticity": x["elasticity"],
            "effect": x["effect"],
            "status": t(f"status.{x['status']}", lang),
            "_status": x["status"],
        }
        for x in kpis
    )
    blocks.append(
        Table(
            _l("sheet_off_pace", lang),
            _l("off_pace", lang),
            (
                Column("rank", "#", "int"),
                Column("kpi", _l("col_kpi", lang)),
                Column("target", _l("col_target", lang), "unit"),
                Column("expected", _l("col_expected_value", lang), "unit"),
                Column("gap", _l("col_gap", lang), "ratio"),
                Column("elasticity", _l("col_elasticity", lang), "number"),
                Column("effect", _l("col_kgi_effect", lang), "yen"),
                Column("status", _l("col_status", lang)),
            ),
            rows,
            chart if kpis else None,
            note=_l("off_pace_note", lang),
        )
    )
    texts = [x for x in (snap.get("funnel") or {}).get("text", "").split("\n") if x]
    for key in ("bottleneck", "diagnosis"):
        if snap.get(key):
            texts.append(snap[key])
    if texts:
        blocks.append(Text(_l("findings", lang), tuple(texts)))
    alerts = [*(snap.get("alerts") or []), *(snap.get("stalled") or [])]
    if alerts:
        blocks.append(
            Table(
                _l("sheet_alerts", lang),
                _l("alerts", lang),
                (
                    Column("severity", _l("col_severity", lang)),
                    Column("message", _l("col_message", lang)),
                    Column("new", _l("col_new", lang)),
                ),
                tuple(
                    {"severity": a["severity"], "message": a["message"], "new": "●" if a["new"] else ""}
                    for a in alerts
                ),
            )
        )
    if snap.get("previous_actions"):
        blocks.append(
            action_table(
                snap["previous_actions"], lang, _l("sheet_previous", lang), _l("previous_actions", lang)
            )
        )
    sections = {s["key"]: s["label"] for s in m["sections"]}
    blocks.append(
        Table(
            _l("sheet_agenda", lang),
            _l("agenda", lang),
            (
                Column("section", _l("col_section", lang)),
                Column("title", _l("col_item", lang)),
                Column("notes", _l("col_notes", lang)),
                Column("decision", _l("col_decision", lang)),
            ),
            tuple(
                {
                    "section": sections.get(i["section"], i["section"]),
                    "title": i["title"],
                    "notes": i["notes"] or "",
                    "decision": i["decision"] or "",
                }
                for i in m["items"]
            ),
        )
    )
    blocks.append(action_table(m["actions"], lang, _l("sheet_actions", lang), _l("actions", lang)))
    if m["revisions"]:
        blocks.append(
            Table(
                _l("sheet_revisions", lang),
                _l("revisions", lang),
                (
                    Column("what", _l("col_kpi", lang)),
                    Column("change", _l("col_change", lang)),
                    Column("reason", _l("col_reason", lang)),
                    Column("state", _l("state", lang)),
                ),
                tuple(
                    {
                        "what": r["node_label"] or r["model"],
                        "change": f"{r['old_text']} → {r['new_text']}",
                        "reason": r["reason"],
                        "state": t(f"review.revision_{r['state']}", lang),
                    }
                    for r in m["revisions"]
                ),
            )
        )
    return Document(
        "review",
        m["title"],
        _l("subtitle_review", lang, scope=scope, period=m["period"], as_of=m["as_of"]),
        lang,
        generated,
        tuple(blocks),
        f"rashinban-review-{m['id']}",
    )


def one_on_one(o: Data, lang: str, generated: str) -> Document:
    snap = o["snapshot"]
    blocks: list[Any] = [
        Figures(
            _l("one_on_one", lang),
            (
                (_l("member", lang), o["member"]["name"]),
                (_l("manager", lang), o["manager"]),
                (_l("held_on", lang), str(o["held_on"])),
                (_l("col_period", lang), o["period"]),
            ),
        )
    ]
    kpis = snap["kpis"]
    blocks.append(
        Table(
            "KPI",
            _l("kpis", lang),
            (
                Column("kpi", _l("col_kpi", lang)),
                Column("target", _l("col_target", lang), "unit"),
                Column("actual", _l("col_actual", lang), "unit"),
                Column("pace", _l("col_pace", lang), "ratio"),
                Column("status", _l("col_status", lang)),
            ),
            tuple(
                {
                    "kpi": k["label"],
                    "_unit": k["unit"],
                    "target": k["target"],
                    "actual": k["actual"],
                    "pace": k["pace"],
                    "status": t(f"status.{k['status']}", lang),
                    "_status": k["status"],
                }
                for k in kpis
            ),
            charts.bars(
                [(k["label"], k["pace"] * 100 if k["pace"] is not None else None, k["status"]) for k in kpis],
                value_text=[fmt.percent(k["pace"]) if k["pace"] is not None else "—" for k in kpis],
                marker=100.0,
            ),
        )
    )
    if snap["funnel"]:
        blocks.append(
            Table(
                _l("sheet_funnel", lang),
                _l("funnel_vs_team", lang),
                (
                    Column("stage", _l("col_stage", lang)),
                    Column("count", _l("col_count", lang), "int"),
                    Column("conversion", _l("col_conversion", lang), "ratio"),
                    Column("team_conversion", _l("col_team_conversion", lang), "ratio"),
                ),
                tuple(snap["funnel"]),
            )
        )
    if snap["talking"]:
        blocks.append(Text(_l("talking", lang), tuple(p["text"] for p in snap["talking"])))
    if o.get("private_notes"):
        blocks.append(Text(_l("notes", lang), (o["private_notes"],)))
    if o.get("member_comment"):
        blocks.append(Text(_l("member_comment", lang), (o["member_comment"],)))
    blocks.append(action_table(o["actions"], lang, _l("sheet_actions", lang), _l("actions", lang)))
    return Document(
        "oneonone",
        _l("title_one_on_one", lang, member=o["member"]["name"], date=o["held_on"]),
        _l("subtitle_one_on_one", lang, manager=o["manager"], period=o["period"]),
        lang,
        generated,
        tuple(blocks),
        f"rashinban-1on1-{o['id']}",
    )


__all__ = ["one_on_one", "review"]
