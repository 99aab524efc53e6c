"""Rules in the model file (``alerts:``): synced into the store under the model's name,
thresholds for teams and members by name, a rule that does not read is reported (the others
still run), edits go to the file (the API refuses them), a rule removed from the file is gone."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from rashinban.clock import FixedClock
from rashinban.errors import UsageError
from rashinban.service import Rashinban
from rashinban.store import Store
from tests.alerts.helpers import only


def with_alerts(db_path: Path, alerts: list[dict[str, object]]) -> Path:
    data = yaml.safe_load(db_path.with_name("demo.model.yaml").read_text(encoding="utf-8"))
    data["alerts"] = alerts
    path = db_path.with_name("alerts.model.yaml")
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def test_model_file_rules(system: Rashinban, store: Store, clock: FixedClock, db_path: Path) -> None:
    only(system)  # no default rules: only the file's
    with store.engine.connect() as conn:
        team = conn.exec_driver_sql(
            "SELECT name FROM teams WHERE parent_id IS NOT NULL ORDER BY id LIMIT 1"
        ).scalar()
        rep = conn.exec_driver_sql(
            "SELECT external_id FROM members WHERE role = 'field_sales' ORDER BY id"
        ).scalar()
    model = with_alerts(
        db_path,
        [
            {
                "name": "架電数のペース",
                "kind": "off_pace",
                "nodes": ["calls"],
                "enter": "70%",
                "leave": "85%",
                "teams": {team: {"enter": "50%"}},
                "members": {rep: {"enter": "40%", "leave": "45%"}},
            },
            {"name": "入力遅延", "kind": "late_entry", "check": "rate", "within_hours": 1, "enter": "50%"},
            {"name": "壊れたルール", "kind": "late_entry", "check": "count", "enter": "たくさん"},
        ],
    )
    listed = system.alerts.rules(model)
    names = {r.name: r for r in listed.rules}
    assert set(names) == {"架電数のペース", "入力遅延"}
    assert all(r.origin.startswith("model:") and not r.editable for r in listed.rules)
    (problem,) = listed.problems
    assert "壊れたルール" in problem and "enter" in problem
    overrides = {o.name: o.values for o in names["架電数のペース"].overrides}
    assert overrides[team] == {"enter": 0.5} and list(overrides.values())[1] == {"enter": 0.4, "leave": 0.45}
    result = system.alerts.run(model_path=model)
    assert {r.name for r in result.rules} == {"架電数のペース", "入力遅延"}
    with pytest.raises(UsageError) as refused:
        system.alerts.update_rule(names["入力遅延"].id, {"name": "x", "kind": "stale_data"})
    assert refused.value.code == "alert_rule_in_model"
    # the file changes: one rule goes, the other's threshold moves; nothing is written twice
    model = with_alerts(
        db_path, [{"name": "入力遅延", "kind": "late_entry", "check": "rate", "enter": "40%"}]
    )
    again = system.alerts.rules(model)
    assert [(r.name, r.spec["enter"]) for r in again.rules] == [("入力遅延", 0.4)]
    before = store.data_versions()
    system.alerts.rules(model)
    assert store.data_versions() == before  # an unchanged file writes nothing
