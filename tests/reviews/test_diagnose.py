"""運用診断: every item of seed 004's checklist flips from fail to pass when the state it reads
changes — on the store (rules, settings, sign-ins, meetings, actions, revisions, model
versions) and, for the items read off the model and the facts, on the checks themselves."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
import yaml

from rashinban.app.diagnose import checks
from rashinban.clock import FixedClock
from rashinban.kpi.modelfile import parse_model
from rashinban.service import Rashinban
from rashinban.store import sessions
from rashinban.store.users import find_user

SEED_004 = [
    "KGI(最終目標)を明確に定義している",
    "KGIからKPIを導出するKPIツリーを作成している",
    "KPIは3〜5個に絞り込んでいる",
    "各KPIに数値目標と期限を設定している",
    "KPIの定義(計算式・集計ルール)を明文化している",
    "SFA/CRMでKPIを自動集計できる設定をしている",
    "ダッシュボードでリアルタイムに進捗確認できる",
    "入力ルール(入力タイミング・必須項目)を明文化している",
    "入力漏れ・遅延に対するアラート設定をしている",
    "マーケ・IS・FSで共通のリード定義(MQL/SQL)を設定している",
    "部門間のデータ連携(リード引き渡しルール)を設計している",
    "定期的なKPIレビュー会議を実施している",
    "KPI未達時の分析・改善プロセスを設計している",
    "事業フェーズや戦略変更に応じてKPIを見直す仕組みがある",
]


def _status(svc: Rashinban) -> dict[str, str]:
    svc.ctx.refresh()
    return {i.key: i.status for i in svc.reviews.diagnose.run().items}


def test_items_are_seed_004s_own_in_its_order(system: Rashinban) -> None:
    d = system.reviews.diagnose.run()
    assert [i.text for i in d.items] == SEED_004
    assert [i.number for i in d.items] == list(range(1, 15))
    assert all((i.fix is None) == (i.status == "pass") for i in d.items)
    assert {r.key for r in d.readiness} == {"won_deals", "lost_deals", "history"}
    assert d.passed + d.partial + d.failed == 14


def test_store_state_flips_items_from_fail_to_pass(store: Any, clock: FixedClock) -> None:
    svc = Rashinban.for_job(store, "ja", clock)
    before = _status(svc)
    for key in ("dashboard", "input_rules", "entry_alerts", "reviews", "improvement", "revision"):
        assert before[key] == "fail", (key, before[key])
    # a manager opened the app this week
    manager = find_user(store, "manager")
    assert manager is not None
    now_utc = clock.instant().astimezone(UTC).replace(tzinfo=None)
    sessions.create(
        store, "token-of-the-test", manager.id, now_utc - timedelta(days=1), timedelta(days=30), None, None
    )
    # written input rules that the entries meet
    svc.reviews.diagnose.save_input_rules({"required": ["outcome"], "timing_hours": 336})
    # late-entry and stale-data alerts
    svc.alerts.create_rule(
        {
            "name": "入力遅延",
            "kind": "late_entry",
            "check": "rate",
            "within_hours": 24,
            "enter": 0.6,
            "leave": 0.7,
        }
    )
    svc.alerts.create_rule({"name": "鮮度", "kind": "stale_data", "check": "none", "days": 3})
    # a weekly review of the company (the default cadence) whose missed KPIs all got an action
    m = svc.reviews.create({"scope": "company", "cadence": "weekly"})
    owner = next(iter(m.owner_users))
    for k in m.snapshot.kpis:
        svc.reviews.add_action(
            m.id, {"title": f"{k.label}の改善", "owner": owner, "due_on": "2026-10-30", "node": k.node}
        )
    # a target revision decided in it
    m = svc.reviews.propose_revision(m.id, {"node": "deals", "value": "120", "reason": "体制変更"})
    svc.reviews.decide_revision(m.revisions[0].id, "apply")
    after = _status(svc)
    for key in ("dashboard", "input_rules", "entry_alerts", "reviews", "improvement", "revision"):
        assert after[key] == "pass", (key, after[key])


def test_model_versions_flip_definitions_and_lead_definition(store: Any, clock: FixedClock) -> None:
    svc = Rashinban.for_job(store, "ja", clock)
    name = svc.reviews.diagnose.run().model
    assert name is not None
    body = svc.models.show(name)["body"]
    assert _status(svc)["definitions"] == "pass"
    assert _status(svc)["lead_definition"] == "partial"  # MQL/SQL in the data, no KPI uses them
    bare = "\n".join(line for line in body.splitlines() if not line.strip().startswith("definition:"))
    svc.models.push_text(bare, "test")
    assert _status(svc)["definitions"] == "fail"
    doc = yaml.safe_load(body)
    doc["nodes"]["mql_to_sql"] = {
        "name": "MQL→SQL転換率",
        "unit": "ratio",
        "measure": "mql_to_sql_rate",
        "definition": "SQL数 ÷ MQL数（マーケ・IS・FSで共通の定義）",
    }
    svc.models.push_text(yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "test")
    status = _status(svc)
    assert status["definitions"] == "pass" and status["lead_definition"] == "pass"


MODEL = """
name: 診断
period: month
kgi: revenue
nodes:
  revenue: {name: 売上, unit: yen, formula: won * price, target: 1000, measure: revenue, role: main,
            owner: FS,
            definition: 受注金額}
  won: {name: 受注, unit: count, formula: deals * rate, measure: won_deals, role: main, owner: FS,
        definition: 件数}
  price: {name: 単価, unit: yen, assume: 10, measure: avg_deal_size, role: main, owner: FS, definition: 単価}
  deals: {name: 商談, unit: count, formula: sql * conv, measure: deals_created, role: main, owner: FS,
          definition: 商談}
  rate: {name: 受注率, unit: ratio, assume: 0.2, measure: win_rate, role: aux, owner: FS, definition: 率}
  sql: {name: SQL（送客）, unit: count, measure: sqls, role: main, owner: FS, definition: SQL数}
  conv: {name: 商談化率, unit: ratio, assume: 0.5, role: aux, owner: FS, definition: 率}
"""


def _state(**change: Any) -> checks.State:
    facts = {
        "imports_recent": 1,
        "activities_recent": 10,
        "deals_recent": 5,
        "signed_in_week": {"manager": 1},
        "entries_30d": 10,
        "entries_on_time": 9,
        "mql_recent": 10,
        "sql_recent": 10,
        "sql_converted": 6,
        "revisions_applied": 1,
        "model_versions_recent": 0,
        "target_revisions_recent": 0,
        "won_with_history": 40,
        "lost_with_history": 40,
        "history_months": 13,
    }
    facts.update(change.pop("facts", {}))
    base: dict[str, Any] = {
        "today": date(2026, 10, 22),
        "model": parse_model(MODEL),
        "kgi_target": 1000.0,
        "main_with_target": 4,
        "main_total": 4,
        "facts": facts,
        "input_rules": {"required": ["outcome"], "timing_hours": 24},
        "alert_kinds": {"late_entry", "stale_data"},
        "cadences": {"company": "weekly"},
        "meetings": [("company", 0, datetime(2026, 10, 20, 10), "frozen")],
        "missed": [(1, "deals")],
        "acted": {(1, "deals")},
    }
    base.update(change)
    return checks.State(**base)


BROKEN = MODEL.replace("formula: won * price, ", "")


@pytest.mark.parametrize(
    ("key", "failing"),
    [
        ("kgi", {"model": None}),
        ("tree", {"model": parse_model(BROKEN)}),
        ("focus", {"model": parse_model(MODEL.replace("role: main", "role: aux"))}),
        ("targets", {"main_with_target": 1}),
        ("definitions", {"model": parse_model(MODEL.replace("definition:", "ksf:"))}),
        (
            "automation",
            {"model": None, "facts": {"imports_recent": 0, "activities_recent": 0, "deals_recent": 0}},
        ),
        ("dashboard", {"facts": {"signed_in_week": {}}}),
        ("input_rules", {"input_rules": {}}),
        ("entry_alerts", {"alert_kinds": set()}),
        (
            "lead_definition",
            {
                "model": parse_model(MODEL.replace("measure: sqls", "measure: leads")),
                "facts": {"mql_recent": 0, "sql_recent": 0},
            },
        ),
        ("handoff", {"facts": {"sql_recent": 0, "sql_converted": 0}}),
        ("reviews", {"meetings": []}),
        ("improvement", {"meetings": [], "missed": [], "acted": set()}),
        ("revision", {"facts": {"revisions_applied": 0}}),
    ],
)
def test_each_check_flips_from_fail_to_pass(key: str, failing: dict[str, Any]) -> None:
    check = checks.CHECKS[key]
    assert check(_state())[0] == "pass", key
    assert check(_state(**failing))[0] == "fail", key


def test_partial_verdicts_say_what_is_half_done() -> None:
    assert (
        checks.CHECKS["reviews"](_state(meetings=[("company", 0, datetime(2026, 9, 1), "frozen")]))[0]
        == "fail"
    )
    assert checks.CHECKS["improvement"](_state(missed=[(1, "deals"), (1, "rate")]))[0] == "partial"
    assert checks.CHECKS["input_rules"](_state(facts={"entries_on_time": 2}))[0] == "partial"
    assert checks.CHECKS["handoff"](_state(facts={"sql_converted": 1}))[0] == "partial"
    assert (
        checks.CHECKS["revision"](_state(facts={"revisions_applied": 0, "model_versions_recent": 2}))[0]
        == "partial"
    )
    ready = {
        k: s for k, s, _ in checks.readiness(_state(facts={"won_with_history": 12, "history_months": 3}))
    }
    assert ready == {"won_deals": "partial", "lost_deals": "pass", "history": "fail"}
