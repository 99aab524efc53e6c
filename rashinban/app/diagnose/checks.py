"""Seed 004's checklist evaluated over what the system holds (pure over :class:`State`).

Each check returns a verdict and the figures behind it; the texts (the item, the evidence,
the fix) come from the catalogue (``diagnose.*``), the item itself in seed 004's words.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from rashinban.kpi.model import Model

Figures = dict[str, float | int | str | None]
Check = tuple[str, Figures]

# seed 004 「【チェックリスト】KPI設定・運用チェックリスト」, in its order and words
ITEMS: tuple[tuple[str, str], ...] = (
    ("kgi", "KGI(最終目標)を明確に定義している"),
    ("tree", "KGIからKPIを導出するKPIツリーを作成している"),
    ("focus", "KPIは3〜5個に絞り込んでいる"),
    ("targets", "各KPIに数値目標と期限を設定している"),
    ("definitions", "KPIの定義(計算式・集計ルール)を明文化している"),
    ("automation", "SFA/CRMでKPIを自動集計できる設定をしている"),
    ("dashboard", "ダッシュボードでリアルタイムに進捗確認できる"),
    ("input_rules", "入力ルール(入力タイミング・必須項目)を明文化している"),
    ("entry_alerts", "入力漏れ・遅延に対するアラート設定をしている"),
    ("lead_definition", "マーケ・IS・FSで共通のリード定義(MQL/SQL)を設定している"),
    ("handoff", "部門間のデータ連携(リード引き渡しルール)を設計している"),
    ("reviews", "定期的なKPIレビュー会議を実施している"),
    ("improvement", "KPI未達時の分析・改善プロセスを設計している"),
    ("revision", "事業フェーズや戦略変更に応じてKPIを見直す仕組みがある"),
)
READINESS = ("won_deals", "lost_deals", "history")
LEAD_MEASURES = frozenset({"mqls", "sqls", "mql_to_sql_rate", "handoffs", "handoff_rate", "handoff_win_rate"})
CADENCE_DAYS = {"weekly": 7 + 3, "monthly": 31 + 7, "quarterly": 92 + 14}
MIN_CLOSED = 30
FRESH_DAYS = 14


@dataclass
class State:
    today: date
    model: Model | None
    kgi_target: float | None  # this month's KGI target in the company scope
    main_with_target: int
    main_total: int
    facts: dict[str, Any]
    input_rules: dict[str, Any]
    alert_kinds: set[str]  # kinds of the enabled alert rules
    cadences: dict[str, str]  # scope text → cadence
    meetings: list[tuple[str, int, datetime, str]]
    missed: list[tuple[int, str]] = field(default_factory=list)  # (meeting, node) off pace in meetings
    acted: set[tuple[int, str]] = field(default_factory=set)  # (meeting, node) with an action item


def _share(n: int, d: int) -> float | None:
    return round(n / d, 3) if d else None


def _grade(n: int, d: int, full: float = 1.0, some: float = 0.5) -> str:
    if not d:
        return "fail"
    s = n / d
    return "pass" if s >= full else "partial" if s >= some else "fail"


def kgi(s: State) -> Check:
    if s.model is None:
        return "fail", {"kgi": None}
    node = s.model.nodes[s.model.kgi]
    figs: Figures = {
        "kgi": node.name,
        "target": s.kgi_target,
        "deadline": s.model.plan_period or s.today.strftime("%Y-%m"),
    }
    if s.kgi_target is None:
        return "partial", figs
    return "pass", figs


def tree(s: State) -> Check:
    if s.model is None:
        return "fail", {"nodes": 0, "linked": 0}
    m = s.model
    seen: set[str] = set()
    todo = [m.kgi]
    while todo:
        nid = todo.pop()
        if nid not in seen:
            seen.add(nid)
            todo += m.nodes[nid].children
    figs: Figures = {"nodes": len(m.nodes), "linked": len(seen)}
    if not m.nodes[m.kgi].children:
        return "fail", figs
    return ("pass" if len(seen) == len(m.nodes) else "partial"), figs


def focus(s: State) -> Check:
    if s.model is None:
        return "fail", {"groups": 0, "in_range": 0}
    groups: dict[str, int] = {}
    for nid, n in s.model.nodes.items():
        if n.role == "main" and nid != s.model.kgi:
            groups[n.owner or "-"] = groups.get(n.owner or "-", 0) + 1
    ok = sum(1 for c in groups.values() if 3 <= c <= 5)
    figs: Figures = {
        "groups": len(groups),
        "in_range": ok,
        "counts": ", ".join(f"{c}" for c in groups.values()),
    }
    if not groups:
        return "fail", figs
    return ("pass" if ok == len(groups) else "partial" if ok else "fail"), figs


def targets(s: State) -> Check:
    figs: Figures = {"with_target": s.main_with_target, "main": s.main_total}
    return _grade(s.main_with_target, s.main_total), figs


def definitions(s: State) -> Check:
    if s.model is None:
        return "fail", {"defined": 0, "nodes": 0}
    n = sum(1 for x in s.model.nodes.values() if x.definition and x.definition.strip())
    return _grade(n, len(s.model.nodes)), {"defined": n, "nodes": len(s.model.nodes)}


def automation(s: State) -> Check:
    f = s.facts
    auto = 0
    total = 0
    if s.model is not None:
        total = len(s.model.nodes)
        auto = sum(1 for x in s.model.nodes.values() if x.measure or x.derived)
    arrived = f["imports_recent"] + f["activities_recent"] + f["deals_recent"]
    figs: Figures = {
        "automatic": auto,
        "nodes": total,
        "days": FRESH_DAYS,
        "imports": f["imports_recent"],
        "activities": f["activities_recent"],
        "deals": f["deals_recent"],
    }
    measured = bool(total) and auto / total >= 0.8
    if measured and arrived:
        return "pass", figs
    return ("partial" if measured or arrived else "fail"), figs


def dashboard(s: State) -> Check:
    seen = s.facts["signed_in_week"]
    others = sum(v for k, v in seen.items() if k != "admin")
    figs: Figures = {"users": sum(seen.values()), "non_admin": others}
    if others:
        return "pass", figs
    return ("partial" if seen else "fail"), figs


def input_rules(s: State) -> Check:
    r = s.input_rules
    required, hours = r.get("required") or [], r.get("timing_hours")
    total, on_time = s.facts["entries_30d"], s.facts["entries_on_time"]
    share = _share(on_time, total) if on_time is not None else None
    figs: Figures = {
        "required": ", ".join(required) or None,
        "hours": hours,
        "entries": total,
        "on_time": share,
    }
    if required and hours and share is not None and share >= 0.8:
        return "pass", figs
    return ("partial" if required or hours else "fail"), figs


def entry_alerts(s: State) -> Check:
    have = sorted(s.alert_kinds & {"late_entry", "stale_data"})
    figs: Figures = {"rules": ", ".join(have) or "-"}
    return ("pass" if len(have) == 2 else "partial" if have else "fail"), figs


def lead_definition(s: State) -> Check:
    used = (
        sorted({n.measure for n in s.model.nodes.values() if n.measure in LEAD_MEASURES}) if s.model else []
    )
    f = s.facts
    figs: Figures = {"mql": f["mql_recent"], "sql": f["sql_recent"], "kpis": ", ".join(used) or "-"}
    in_data = f["mql_recent"] > 0 and f["sql_recent"] > 0
    if in_data and used:
        return "pass", figs
    return ("partial" if in_data or used else "fail"), figs


def handoff(s: State) -> Check:
    f = s.facts
    share = _share(f["sql_converted"], f["sql_recent"])
    figs: Figures = {"handoffs": f["sql_recent"], "followed": f["sql_converted"], "share": share}
    if not f["sql_recent"]:
        return "fail", figs
    return ("pass" if (share or 0) >= 0.5 else "partial"), figs


def reviews(s: State) -> Check:
    last: dict[str, datetime] = {}
    for stype, sid, at, _ in s.meetings:
        k = "company" if stype == "company" else f"{stype}:{sid}"
        if k not in last or at > last[k]:
            last[k] = at
    due = {k: c for k, c in s.cadences.items() if c in CADENCE_DAYS}
    on_time = [
        k for k, c in due.items() if k in last and last[k].date() >= s.today - timedelta(days=CADENCE_DAYS[c])
    ]
    figs: Figures = {"expected": len(due), "on_time": len(on_time), "meetings": len(s.meetings)}
    if due and len(on_time) == len(due):
        return "pass", figs
    return ("partial" if on_time or (not due and s.meetings) else "fail"), figs


def improvement(s: State) -> Check:
    missed = set(s.missed)
    covered = len(missed & s.acted)
    figs: Figures = {"missed": len(missed), "with_action": covered, "meetings": len(s.meetings)}
    if not s.meetings:
        return "fail", figs
    if not missed:
        return "pass", figs
    return _grade(covered, len(missed), 0.8, 1e-9), figs


def revision(s: State) -> Check:
    f = s.facts
    figs: Figures = {
        "from_meetings": f["revisions_applied"],
        "model_versions": f["model_versions_recent"],
        "target_revisions": f["target_revisions_recent"],
    }
    if f["revisions_applied"]:
        return "pass", figs
    return ("partial" if f["model_versions_recent"] or f["target_revisions_recent"] else "fail"), figs


def readiness(s: State) -> list[tuple[str, str, Figures]]:
    f = s.facts
    won, lost, months = f["won_with_history"], f["lost_with_history"], f["history_months"]

    def grade(v: int, full: int, some: int) -> str:
        return "pass" if v >= full else "partial" if v >= some else "fail"

    return [
        ("won_deals", grade(won, MIN_CLOSED, 10), {"count": won, "needed": MIN_CLOSED}),
        ("lost_deals", grade(lost, MIN_CLOSED, 10), {"count": lost, "needed": MIN_CLOSED}),
        ("history", grade(months, 12, 6), {"months": months, "needed": 12}),
    ]


CHECKS: dict[str, Callable[[State], Check]] = {
    "kgi": kgi,
    "tree": tree,
    "focus": focus,
    "targets": targets,
    "definitions": definitions,
    "automation": automation,
    "dashboard": dashboard,
    "input_rules": input_rules,
    "entry_alerts": entry_alerts,
    "lead_definition": lead_definition,
    "handoff": handoff,
    "reviews": reviews,
    "improvement": improvement,
    "revision": revision,
}

__all__ = ["CADENCE_DAYS", "CHECKS", "FRESH_DAYS", "ITEMS", "READINESS", "State", "readiness"]
