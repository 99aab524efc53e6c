"""SMART and practice findings, one minimal model per code, and the shipped templates."""

from __future__ import annotations

from rashinban.kpi.smart import smart_findings
from rashinban.kpi.solve import solve
from rashinban.templates import list_templates
from tests.kpi.helpers import example, model

BASE = """name: m
period: month
plan_period: 2026-11
kgi: revenue
nodes:
  revenue: {name: 売上, unit: yen, formula: orders * price, target: 1000万, definition: 受注金額の合計}
  orders: {name: 受注件数, unit: count, formula: deals * win_rate, definition: 受注した商談の件数}
  price: {name: 単価, unit: yen, assume: 10万, definition: 売上 ÷ 受注件数, measure: avg_deal_size}
  deals: {name: 商談数, unit: count, definition: 作成された商談の件数, measure: deals_created}
  win_rate: {name: 受注率, unit: ratio, assume: 0.2, definition: 受注件数 ÷ 商談数, measure: win_rate}
"""


def codes(text: str) -> dict[str, set[str | None]]:
    out: dict[str, set[str | None]] = {}
    for f in smart_findings(model(text)):
        out.setdefault(f.code, set()).add(f.node)
    return out


def test_clean_model_has_no_warnings() -> None:
    assert codes(BASE) == {}


def test_each_code() -> None:
    assert codes(BASE.replace(", definition: 作成された商談の件数", ""))["no_definition"] == {"deals"}
    assert codes(BASE.replace("作成された商談の件数", "商談を頑張る"))["vague_definition"] == {"deals"}
    assert codes(BASE.replace(", measure: deals_created", ""))["not_measurable"] == {"deals"}
    assert codes(BASE + "  nps: {name: NPS, unit: score, definition: 推奨者率 − 批判者率, measure: nps}\n")[
        "not_related"
    ] == {"nps"}
    assert "no_period" in codes(BASE.replace("period: month\n", ""))
    assert "no_deadline" in codes(BASE.replace("plan_period: 2026-11\n", ""))
    assert codes(BASE.replace(", target: 1000万", ""))["kgi_no_target"] == {"revenue"}
    volume_only = BASE.replace("formula: deals * win_rate", "formula: deals + calls") + (
        "  calls: {name: 架電数, unit: count, definition: 架電の件数, measure: calls}\n"
    )
    assert codes(volume_only)["volume_without_quality"] >= {"calls", "deals"}
    uncontrollable = BASE.replace(
        "measure: deals_created}", "measure: deals_created, owner: 佐藤, controllable: false}"
    )
    assert codes(uncontrollable)["not_controllable"] == {"deals"}
    many = BASE.replace("}\n", ", role: main}\n")
    many += "".join(
        f"  x{i}: {{name: X{i}, unit: number, formula: orders * 1, definition: 受注件数の写し, role: main}}\n"
        for i in range(2)
    )
    found = [f for f in smart_findings(model(many)) if f.code == "too_many_main_kpis"]
    assert found and found[0].params["count"] == 7


def test_examples_and_templates_plan_without_errors() -> None:
    for m in [example("seed-001.yaml")] + [t.model for t in list_templates()]:
        findings = smart_findings(m) + solve(m).findings
        assert not [f for f in findings if f.severity == "error"], m.name
    infos = list_templates()
    assert [t.name for t in infos] == [
        "新規開拓営業",
        "ルート営業",
        "インサイドセールス",
        "カスタマーサクセス",
        "営業代行",
    ]
    for info in infos:
        assert 3 <= len(info.main_kpis) <= 5, info.id
        assert all(n.name_en and n.definition for n in info.model.nodes.values()), info.id
        assert not [f for f in smart_findings(info.model) if f.severity == "warning"], info.id
        plan = solve(info.model)
        assert plan.kgi_forward is not None and plan.kgi_target is not None
        assert plan.kgi_forward >= plan.kgi_target
