"""A meeting's agenda on demo data: the KPIs off pace ranked by gap × elasticity equal an
independent ranking (formulas evaluated here with plain Python from the model file and the
tree's own numbers); the snapshot does not change when the data does; notes, order, freeze."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
import yaml

from rashinban.errors import UsageError
from rashinban.service import Rashinban

OFF = ("behind", "at_risk")


def _model(db_path: Path) -> dict[str, Any]:
    return yaml.safe_load(db_path.with_name("demo.model.yaml").read_text(encoding="utf-8"))


def _kgi_of(model: dict[str, Any], values: dict[str, float], recompute: set[str]) -> float:
    """Recompute the ``recompute`` nodes from their formulas until nothing changes (plain
    Python ``eval``, not the product's evaluator); every other node keeps its value."""
    vals = dict(values)
    for _ in range(len(model["nodes"]) + 1):
        for nid, node in model["nodes"].items():
            formula = node.get("formula")
            if nid in recompute and formula:
                vals[nid] = eval(formula, {"__builtins__": {}}, dict(vals))
    return vals[model["kgi"]]


def _feeds(model: dict[str, Any], node: str, kgi: str) -> bool:
    users = {
        nid
        for nid, n in model["nodes"].items()
        if node in re.findall(r"[A-Za-z_]\w*", n.get("formula") or "")
    }
    return any(u == kgi or _feeds(model, u, kgi) for u in users)


def independent_ranking(model: dict[str, Any], tree: dict[str, Any]) -> list[tuple[str, float]]:
    nodes = {n["id"]: n for n in tree["nodes"]}
    kgi = model["kgi"]
    plan = {k: (n["target"] if n["target"] is not None else n["actual"]) for k, n in nodes.items()}
    plan = {k: v for k, v in plan.items() if v is not None}
    kgi_target = nodes[kgi]["target"]
    # the KGI recomputed from the inputs the way the tree links them: derived nodes are
    # recomputed from the node's value upwards, everything else stays at its plan value
    out = []
    for nid, n in nodes.items():
        if nid == kgi or n["status"] not in OFF or not n["target"] or not _feeds(model, nid, kgi):
            continue
        expected = n["projected"] if n["projected"] is not None else n["actual"]
        gap = (
            (expected - n["target"]) / n["target"]
            if n["direction"] == "lower"
            else (n["target"] - expected) / n["target"]
        )
        if gap <= 0:
            continue
        above = _above(model, nid, kgi)
        try:
            base = _kgi_of(model, plan, above)
            bumped = _kgi_of(model, {**plan, nid: plan[nid] * 1.01}, above)
        except (NameError, ZeroDivisionError):  # an input without a value: no elasticity, not ranked
            continue
        elasticity = (bumped - base) / base * 100
        out.append((nid, gap * abs(elasticity) * kgi_target))
    return sorted(out, key=lambda x: (-x[1], x[0]))


def _above(model: dict[str, Any], node: str, kgi: str) -> set[str]:
    out: set[str] = set()
    todo = [node]
    while todo:
        cur = todo.pop()
        for nid, n in model["nodes"].items():
            if cur in re.findall(r"[A-Za-z_]\w*", n.get("formula") or "") and nid not in out:
                out.add(nid)
                todo.append(nid)
    return out


def _model_of(system: Rashinban, company: dict[str, Any], scope: str) -> dict[str, Any]:
    """The model a scope's page shows, read with plain SQL: the stored model bound to its team
    (or the nearest team above), else the company's model file."""
    kind, _, ident = scope.partition(":")
    if kind == "company":
        return company
    with system.ctx.store.engine.connect() as conn:
        bound = dict(conn.execute(sa.text("SELECT team_id, model FROM model_bindings")).all())
        parent = dict(conn.execute(sa.text("SELECT id, parent_id FROM teams")).all())
        team = (
            conn.execute(sa.text("SELECT team_id FROM members WHERE id = :i"), {"i": int(ident)}).scalar()
            if kind == "member"
            else int(ident)
        )
        while team is not None and team not in bound:
            team = parent.get(team)
        if team is None:
            return company
        body = conn.execute(
            sa.text("SELECT body FROM kpi_models WHERE name = :n ORDER BY version DESC LIMIT 1"),
            {"n": bound[team]},
        ).scalar()
    model: dict[str, Any] = yaml.safe_load(body)
    return model


def _scope_with_most_off_pace(
    system: Rashinban, company: dict[str, Any]
) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """The scope with the most KPIs off pace that move the KGI (by the oracle's own reckoning),
    each scope judged by the model its page shows."""
    best: tuple[int, str, dict[str, Any], dict[str, Any]] | None = None
    for option in system.dashboards.scopes():
        model = _model_of(system, company, option.value)
        tree = system.dashboards.tree(None, None, option.value).model_dump(mode="json")
        n = len(independent_ranking(model, tree))
        if best is None or n > best[0]:
            best = (n, option.value, tree, model)
    assert best is not None and best[0] >= 2, "the demo needs a scope with two KPIs off pace"
    return best[1], best[2], best[3]


def test_agenda_ranks_kpis_off_pace_by_gap_times_elasticity(system: Rashinban, db_path: Path) -> None:
    scope, tree, model = _scope_with_most_off_pace(system, _model(db_path))
    m = system.reviews.create({"scope": scope, "cadence": "weekly"})
    got = [(k.node, k.effect) for k in m.snapshot.kpis]
    want = independent_ranking(model, tree)
    assert [n for n, _ in got] == [n for n, _ in want][: len(got)]
    assert len(got) == min(len(want), 8) and len(got) >= 2
    for (_, g), (_, w) in zip(got, want, strict=False):
        assert g == pytest.approx(w, rel=1e-6)
    # the agenda lists them in that order under 数値報告, after the KGI
    kinds = [(i.section, i.kind, i.ref) for i in m.items]
    assert kinds[0] == ("numbers", "kgi", model["kgi"])
    assert [r for s, k, r in kinds if k == "kpi"] == [n for n, _ in got]
    assert [s.key for s in m.sections] == ["numbers", "factors", "market", "proposals", "next_actions"]
    assert {s for s, _, _ in kinds} == {"numbers", "factors", "market", "proposals", "next_actions"}
    kgi = next(n for n in tree["nodes"] if n["id"] == model["kgi"])
    assert m.snapshot.kgi is not None and m.snapshot.kgi.actual == kgi["actual"]
    assert m.snapshot.kgi.projected == kgi["projected"]


def test_agenda_lists_alerts_and_last_meetings_actions(system: Rashinban) -> None:
    system.alerts.run()
    first = system.reviews.create({"scope": "team:2", "cadence": "weekly"})
    rep = system.reviews.meeting(first.id).owner_users
    owner = next(iter(rep))
    system.reviews.add_action(
        first.id,
        {
            "title": "架電リストを見直す",
            "owner": owner,
            "due_on": "2026-10-29",
            "node": "calls",
            "expected_change": "10",
            "expected_unit": "pct",
        },
    )
    system.reviews.freeze(first.id)
    second = system.reviews.create({"scope": "team:2", "cadence": "weekly"})
    assert second.previous_id == first.id
    assert [a.title for a in second.snapshot.previous_actions] == ["架電リストを見直す"]
    assert any(i.kind == "previous_actions" for i in second.items)
    open_ = system.alerts.open_alerts("team:2")
    assert {a.id for a in second.snapshot.alerts} | {a.id for a in second.snapshot.stalled} == {
        a.id for a in open_
    }
    # alerts opened after the first meeting are new in the second
    assert all(not a.new for a in second.snapshot.alerts)


def test_snapshot_does_not_change_when_the_data_changes(system: Rashinban, clock: Any) -> None:
    m = system.reviews.create({"scope": "team:2", "cadence": "weekly"})
    system.reviews.update_item(m.id, m.items[0].id, {"notes": "受注は好調", "decision": "現状維持"})
    frozen = system.reviews.freeze(m.id)
    before = frozen.model_dump(mode="json")
    # a big won deal lands in the team's month: the dashboards move, the meeting does not
    store = system.ctx.store
    with store.write() as conn:
        member = conn.execute(
            sa.text("SELECT id FROM members WHERE team_id = 7 ORDER BY id LIMIT 1")
        ).scalar_one()
        did = conn.execute(sa.text("SELECT COALESCE(MAX(id), 0) + 1 FROM deals")).scalar_one()
        conn.execute(
            sa.text(
                "INSERT INTO deals (id, source, external_id, owner_id, stage, amount, currency, created_at, "
                "closed_at, is_closed, is_won) VALUES (:id, 'test', 'big-win', :m, '受注', 50000000, 'JPY', "
                ":at, :at, TRUE, TRUE)"
            ),
            {"id": did, "m": member, "at": datetime(2026, 10, 21, 15, 0)},
        )
    system.ctx.refresh()
    fresh = Rashinban.for_job(store, "ja", clock)
    now_tree = fresh.dashboards.tree(None, None, "team:2")
    kgi_now = next(n for n in now_tree.nodes if n.id == "revenue")
    assert kgi_now.actual != frozen.snapshot.kgi.actual  # the data did change
    again = fresh.reviews.meeting(m.id).model_dump(mode="json")
    assert again == before
    assert again["items"][0]["notes"] == "受注は好調"
    with pytest.raises(UsageError):
        fresh.reviews.update_item(m.id, m.items[0].id, {"notes": "変更"})
    with pytest.raises(UsageError):
        fresh.reviews.refresh(m.id)


def test_facilitator_reorders_adds_and_a_draft_refreshes_keeping_notes(system: Rashinban) -> None:
    m = system.reviews.create({"scope": "team:2", "cadence": "monthly"})
    ids = [i.id for i in m.items]
    m = system.reviews.add_item(
        m.id, {"section": "market", "title": "競合の値下げ", "notes": "A社が10%値下げ"}
    )
    free = next(i for i in m.items if i.kind == "free" and i.title == "競合の値下げ")
    m = system.reviews.reorder(m.id, [free.id, *ids])
    assert m.items[0].id == free.id
    m = system.reviews.move(m.id, free.id, +1)
    assert m.items[1].id == free.id
    kgi_item = next(i for i in m.items if i.kind == "kgi")
    system.reviews.update_item(m.id, kgi_item.id, {"notes": "月末に大型案件"})
    m = system.reviews.refresh(m.id)
    assert next(i for i in m.items if i.kind == "kgi").notes == "月末に大型案件"
    assert any(i.title == "競合の値下げ" and i.notes == "A社が10%値下げ" for i in m.items)
    with pytest.raises(UsageError):
        system.reviews.delete_item(m.id, kgi_item.id)


def test_team_template_and_cadence(system: Rashinban) -> None:
    templates = system.reviews.save_template(
        {"name": "東日本の週次", "team": "team:2", "sections": "数値報告\n今週の学び\n次アクション"}
    )
    mine = next(tp for tp in templates if tp.name == "東日本の週次")
    assert [s.key for s in mine.sections] == ["numbers", "custom1", "next_actions"]
    m = system.reviews.create({"scope": "team:2", "template": str(mine.id)})
    assert [s.label for s in m.sections] == ["数値報告", "今週の学び", "次アクション"]
    # kinds whose section the template lacks go to the first section
    assert {i.section for i in m.items if i.kind != "free"} <= {"numbers", "next_actions"}
    assert any(i.section == "custom1" for i in m.items)
    assert system.reviews.set_cadence("team:2", "weekly")["team:2"] == "weekly"


def test_kpi_revision_decided_in_a_meeting_is_in_the_target_history(system: Rashinban) -> None:
    m = system.reviews.create({"scope": "team:2"})
    m = system.reviews.propose_revision(
        m.id, {"kind": "target", "node": "deals", "value": "80", "reason": "新商品投入"}
    )
    rev = m.revisions[0]
    assert rev.state == "proposed" and rev.new_value == 80
    m = system.reviews.decide_revision(rev.id, "apply")
    assert m is not None and m.revisions[0].state == "applied"
    history = system.planning.history(None)
    mine = [
        h for h in history if h.node == "deals" and h.scope_type == "team" and h.scope_id == 2 and h.new == 80
    ]
    assert mine and f"#{m.id}" in (mine[0].reason or "") and "新商品投入" in (mine[0].reason or "")
    listed = system.reviews.revisions.history().revisions
    assert listed[0].meeting_id == m.id and listed[0].meeting_title == m.title
    # a model revision: a new stored version whose message names the meeting
    text = system.models.show(m.snapshot.model)["body"].replace("name: 商談数", "name: 商談件数", 1)
    m = system.reviews.propose_revision(m.id, {"kind": "model", "model_text": text, "reason": "定義の見直し"})
    model_rev = next(r for r in m.revisions if r.kind == "model")
    m = system.reviews.decide_revision(model_rev.id, "apply")
    applied = next(r for r in m.revisions if r.id == model_rev.id)
    assert applied.model_version is not None
    shown = system.models.show(m.snapshot.model, applied.model_version)
    assert f"#{m.id}" in shown["message"] and "商談件数" in shown["body"]
