"""Stored, versioned models: push (a broken file stores nothing), versions and diffs, team
bindings that the pages follow, targets that record the model version they were planned with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from rashinban.app.models import read_model_file
from rashinban.demo.sourcing import AGENCY_MODEL
from rashinban.service import Rashinban
from rashinban.store import Store
from rashinban.store.users import find_user
from tests.clirun import run_cli
from tests.svc import facade, generate_demo


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("models") / "m.duckdb"
    generate_demo(db, scale="small", months=2, seed=5, end_month="2026-10")
    return db


def _versions(db: Path) -> list[tuple[str, int]]:
    store = Store.open(str(db))
    try:
        with store.engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT name, version FROM kpi_models ORDER BY id")).all()
        return [(str(n), int(v)) for n, v in rows]
    finally:
        store.dispose()


def test_demo_pushes_its_model_and_status_uses_it(demo: Path) -> None:
    model = read_model_file(demo.with_name("m.model.yaml"))
    # the company's model (the default, bound to no team) and the agency/client model,
    # bound to the agency team only
    assert _versions(demo) == [(model.name, 1), (AGENCY_MODEL, 1)]
    store = Store.open(str(demo))
    try:
        with store.engine.connect() as conn:
            agency = conn.execute(sa.text("SELECT name FROM teams WHERE kind = 'agency'")).scalars().all()
        stored = {m["name"]: m for m in facade(store).models.stored()["models"]}
    finally:
        store.dispose()
    assert len(agency) == 1
    assert stored[model.name]["default"] and stored[model.name]["teams"] == []
    assert not stored[AGENCY_MODEL]["default"] and stored[AGENCY_MODEL]["teams"] == agency
    demo.with_name("m.model.yaml").rename(demo.with_name("moved.model.yaml"))  # the file is not needed
    try:
        r = run_cli("status", "--db", str(demo), "--period", "2026-10", "--json")
        assert r.returncode == 0, r.stderr
        assert '"scope": "全社"' in r.stdout or '"scope_type": "company"' in r.stdout
    finally:
        demo.with_name("moved.model.yaml").rename(demo.with_name("m.model.yaml"))


def test_a_broken_model_is_refused_and_nothing_is_stored(demo: Path, tmp_path: Path) -> None:
    before = _versions(demo)
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "name: x\nkgi: revenue\nnodes:\n  revenue:\n    name: 売上\n    formula: a *\n", encoding="utf-8"
    )
    r = run_cli("model", "push", str(bad), "--db", str(demo))
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "bad.yaml" in r.stderr and "revenue" in r.stderr  # file and node named
    assert _versions(demo) == before


def test_versions_diff_and_bindings(demo: Path, tmp_path: Path) -> None:
    text = demo.with_name("m.model.yaml").read_text(encoding="utf-8")
    second = tmp_path / "second.yaml"
    (name_line,) = [line for line in text.splitlines() if line.startswith("name:")]
    second.write_text(text.replace(name_line, "name: 東日本モデル", 1), encoding="utf-8")
    with Rashinban.for_cli(str(demo), lang="en") as svc:
        assert svc.models.push(second, message="east")["version"] == 1
        assert svc.models.push(second)["created"] is False  # same text: no new version
        changed = second.read_text(encoding="utf-8").replace("definition:", "definition: 改訂 ", 1)
        second.write_text(changed, encoding="utf-8")
        assert svc.models.push(second, message="reworded")["version"] == 2
        diff = svc.models.diff("東日本モデル")
        assert (diff["old"], diff["new"]) == (1, 2)
        assert [c["change"] for c in diff["nodes"]] == ["changed"]
        assert any(line.startswith("+") and "改訂" in line for line in diff["text"])
        east = svc.models.bind("東日本営業部", "東日本モデル")["team_id"]
    store = Store.open(str(demo))
    try:
        admin = facade(store, find_user(store, "admin"))
        assert _plain(admin.dashboards.home(None, "2026-10", f"team:{east}"))["model"] == "東日本モデル"
        assert _plain(admin.dashboards.home(None, "2026-10", "company"))["model"] != "東日本モデル"
        listed = {m["name"]: m for m in admin.models.stored()["models"]}
        assert listed["東日本モデル"]["teams"] == ["東日本営業部"] and listed["東日本モデル"]["version"] == 2
    finally:
        store.dispose()


def _plain(result: Any) -> dict[str, Any]:
    return result.model_dump() if hasattr(result, "model_dump") else dict(result)


def test_saved_targets_record_the_model_version(demo: Path) -> None:
    with Rashinban.for_cli(str(demo), lang="en") as svc:
        model = svc.models.load(None)
        saved = svc.planning.save(None, "2026-12", "tester", "plan for December")
        version = svc.models.version_of(model)
    assert saved > 0 and version is not None
    store = Store.open(str(demo))
    try:
        with store.engine.connect() as conn:
            got = conn.execute(
                sa.text("SELECT DISTINCT model, model_version FROM targets WHERE period = '2026-12'")
            ).all()
    finally:
        store.dispose()
    assert got == [(model.name, version)]
