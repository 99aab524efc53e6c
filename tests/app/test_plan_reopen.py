"""The planning page reopens on a period's saved revision (issue #16 item 3), through the facade
on a real DuckDB demo store: after a save with its own KGI, rate and weights, the page for that
period shows those inputs, its split equals the stored member targets (plain SQL), and saving
the reopened form again changes nothing.  Also: the periods offered, ``next`` / ``current``,
and the grouped history (one entry per save, every save)."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import jpholiday
import numpy as np
import pytest
import sqlalchemy as sa

from rashinban.clock import FixedClock
from rashinban.service import AllocationMode, Rashinban
from rashinban.store import Store
from rashinban.store.users import find_user
from tests.svc import generate_demo

NOW = "2026-11-20T10:00:00"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("plan_reopen") / "demo.duckdb"
    generate_demo(db, scale="small", months=3, seed=7, end_month="2026-11")
    return db


def _svc(store: Store, who: str) -> Rashinban:
    user = find_user(store, who)
    assert user is not None
    return Rashinban.for_store(store, user, "ja", clock=FixedClock(NOW))


def _sql(store: Store, query: str, **params: object) -> list[sa.Row]:
    with store.engine.connect() as conn:
        return list(conn.execute(sa.text(query), params).all())


def _split(form: dict[str, str]) -> tuple[dict[str, str], dict[str, str], AllocationMode]:
    values = {k[5:]: v for k, v in form.items() if k.startswith("node.")}
    weights = {k[7:]: v for k, v in form.items() if k.startswith("weight.")}
    return values, weights, AllocationMode(form["mode"])


def _form(data: dict[str, object]) -> dict[str, str]:
    """The page's inputs as the browser posts them back."""
    model = data["model"]
    form = {
        f"node.{nid}": data["values"].get(nid)
        or data["plain"](  # type: ignore[attr-defined]
            model.nodes[nid].target if model.nodes[nid].target is not None else model.nodes[nid].assume,  # type: ignore[attr-defined]
            model.nodes[nid].unit.value,  # type: ignore[attr-defined]
        )
        for nid in data["inputs"]
    }  # type: ignore[attr-defined]
    for m in model.members:  # type: ignore[attr-defined]
        form[f"weight.{m.name}"] = data["weights"].get(m.name) or data["plain"](m.weight, "count")  # type: ignore[attr-defined]
    form["mode"] = str(data["mode"])
    form["period"] = str(data["period"])
    return form


def test_the_page_reopens_on_the_saved_revision(demo: Path) -> None:
    store = Store.open(str(demo))
    try:
        model_path = str(demo.with_name("demo.model.yaml"))
        with _svc(store, "admin") as svc:
            before = svc.planning.page(model_path, None, "next")
            assert before["period"] == "2026-12" and before["saved_revision"] is None
            tags = {o.label: o.tag for o in before["periods"]}
            assert tags["2026-11"] == "current" and tags["2026-12"] == "next" and tags["2027-01"] == "next"
            members = [m.name for m in before["model"].members]
            weights = {m: ("3" if i == 0 else "1") for i, m in enumerate(members)}
            saved = svc.planning.save_form(
                model_path,
                {"revenue": "3億1,660万", "win_rate": "20%"},
                weights,
                AllocationMode.WEIGHTS,
                "2026-12",
                "来月: 年末の繁忙期",
            ).saved
            assert saved > 0
        with _svc(store, "admin") as svc:
            page = svc.planning.page(model_path, None, "2026-12")
            assert page["values"]["revenue"] == "316,600,000"
            assert page["values"]["win_rate"] == "20%"
            assert page["readbacks"]["revenue"] == "3億1,660万円"
            shown = {m: Fraction(w) for m, w in page["weights"].items()}
            assert {m: w / sum(shown.values()) for m, w in shown.items()} == {
                m: Fraction(int(w), len(members) + 2) for m, w in weights.items()
            }
            rev = page["saved_revision"]
            assert rev.author == "admin" and rev.reason == "来月: 年末の繁忙期" and rev.period == "2026-12"
            # the split on the page is the stored one (SQL: the latest revision per member)
            stored = {
                (r.node, r.external_id): Fraction(Decimal(r.value))
                for r in _sql(
                    store,
                    "SELECT t.node, m.external_id, t.value FROM targets t "
                    "JOIN members m ON m.id = t.scope_id WHERE t.scope_type = 'member' "
                    "AND t.period = '2026-12' AND t.tier = 'target' AND t.revision = ("
                    "SELECT max(revision) FROM targets u WHERE u.node = t.node "
                    "AND u.scope_type = t.scope_type AND u.scope_id = t.scope_id "
                    "AND u.period = t.period AND u.tier = t.tier)",
                )
            }
            rows = page["member_rows"]
            shown_split = {(n, r["id"]): v for r in rows for n, v in r["values"].items()}
            additive = {n for n, a in page["plan"].additive.items() if a}
            assert shown_split and shown_split == {k: v for k, v in stored.items() if k[0] in additive}
            # the members by their names, activity targets per business day of December 2026
            names = dict(_sql(store, "SELECT external_id, name FROM members"))
            shown_names = [r["member"] for r in rows]
            assert shown_names[: len(members)] == [names[m] for m in members]  # the model's first
            assert "leads" in {n for r in rows[len(members) :] for n in r["values"]}  # then inside sales
            holidays = [date(2026, 12, d) for d in range(1, 32) if jpholiday.is_holiday(date(2026, 12, d))]
            setting = _sql(store, "SELECT value_json FROM app_settings WHERE key = 'company_holidays'")
            holidays += [date.fromisoformat(d) for d in (json.loads(setting[0][0]) if setting else [])]
            assert page["business_days"] == int(np.busday_count("2026-12", "2027-01", holidays=holidays))
            per_day = {r["id"]: r["per_day"] for r in rows}
            assert any(per_day.values()), "activity targets have a per-day figure"
            for (node, member), value in shown_split.items():
                if node in per_day[member]:
                    assert per_day[member][node] == value / page["business_days"]
            # saving the reopened form again changes nothing
            again = svc.planning.save_form(
                model_path,
                *_split(_form(page)),
                "2026-12",
                "もう一度",
            ).saved
            assert again == 0
        with _svc(store, "admin") as svc:  # the history: one entry for the save, with its changes
            hist = svc.planning.history_page(model_path, 1)
            (group,) = [g for g in hist.groups if g.reason == "来月: 年末の繁忙期"]
            count = _sql(store, "SELECT count(*) FROM targets WHERE reason = '来月: 年末の繁忙期'")[0][0]
            assert group.count == count and group.author == "admin" and group.period == "2026-12"
            kgi = [r for r in group.top if r.node == "revenue"]
            assert kgi and kgi[0].new == 316_600_000 and kgi[0].scope_type == "company"
            assert group.top[0].node == "revenue"  # the KGI first, the tree's order
    finally:
        store.dispose()
