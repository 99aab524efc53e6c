"""Demo generation is all or nothing, like an import; ``--replace`` removes what it replaces.

A ``demo generate`` killed half-way leaves the store exactly as it was (a rerun needs no
``--replace``), and into a new path it leaves no store at all.  ``--replace`` deletes the
earlier demo with every row that pointed at it — targets of its teams and members, model
bindings, tokens — so that nothing refers to a deleted team, member or user.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from rashinban.cli import main
from rashinban.store import Store
from tests.clirun import ROOT
from tests.demo.conftest import content_hash
from tests.svc import facade


@pytest.fixture(params=["duckdb", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "duckdb":
        return str(tmp_path / "store.duckdb")
    url: str = request.getfixturevalue("pg_url")
    return url


def _hash(url: str) -> dict[str, str]:
    store = Store.open(url)
    try:
        return content_hash(store)
    finally:
        store.dispose()


def _generate(db: str) -> subprocess.Popen[str]:
    env = {**os.environ, "RASHINBAN_LANG": "en"}
    args = ["demo", "generate", "--db", db, "--scale", "medium", "--months", "24", "--json"]
    return subprocess.Popen(
        [sys.executable, "-m", "rashinban", *args],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _kill_while_writing(proc: subprocess.Popen[str], growing: Path | None, pg_url: str | None) -> None:
    """SIGKILL once rows are being written: the demo's transaction holds rows (PostgreSQL:
    its backend is inserting) or, on DuckDB — which keeps a transaction's rows in memory
    until it commits, so the file may not grow before — after 4 s of a 24-month demo (half
    way or less), or at once when the file grows (the commit has begun)."""
    start = growing.stat().st_size if growing is not None and growing.exists() else 0
    began = time.monotonic()
    deadline = began + 300
    while time.monotonic() < deadline and proc.poll() is None:
        if growing is not None and time.monotonic() - began > 4:
            break
        if growing is not None:
            wal = growing.with_name(growing.name + ".wal")
            size = (growing.stat().st_size if growing.exists() else 0) + (
                wal.stat().st_size if wal.exists() else 0
            )
            if size > start + (2 << 20):
                break
        elif pg_url is not None and _pg_copying(pg_url):
            break
        time.sleep(0.05)
    assert proc.poll() is None, "the demo finished before it could be killed"
    if pg_url is not None:
        time.sleep(0.3)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)


def _pg_copying(url: str) -> bool:
    import psycopg

    name = url.rsplit("/", 1)[1]
    with psycopg.connect(url.rsplit("/", 1)[0] + "/postgres", autocommit=True) as conn:
        row = conn.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = %s AND query ILIKE 'COPY %%'", (name,)
        ).fetchone()
    return bool(row and row[0])


def test_killed_demo_leaves_an_existing_store_as_it_was(store_url: str, tmp_path: Path) -> None:
    assert main(["db", "init", "--db", store_url]) == 0
    data = tmp_path / "deals.csv"
    data.write_text("Id,Name,StageName,Amount,CloseDate\n006A,x,Prospecting,1000,2026-03-01\n", "utf-8")
    assert main(["import", str(data), "--preset", "salesforce-opportunity", "--db", store_url]) == 0
    before = _hash(store_url)
    is_duck = not store_url.startswith("postgres")
    proc = _generate(store_url)
    _kill_while_writing(proc, Path(store_url) if is_duck else None, None if is_duck else store_url)
    assert proc.returncode == -signal.SIGKILL
    assert _hash(store_url) == before
    # nothing half-written to replace: a plain rerun works
    assert main(["demo", "generate", "--db", store_url, "--reps", "4", "--months", "1", "--json"]) == 0


def test_killed_demo_into_a_new_path_leaves_no_store(tmp_path: Path) -> None:
    db = tmp_path / "new.duckdb"
    proc = _generate(str(db))
    staging = [tmp_path / f".new.duckdb.new-{proc.pid}.duckdb"]
    _kill_while_writing(proc, staging[0], None)
    assert not db.exists()
    assert staging[0].exists()  # what the killed run left: hidden, and never a store
    capsys_free = main(["--lang", "en", "status", "--db", str(db)])
    assert capsys_free == 2  # still no store there …
    assert not staging[0].exists()  # … and the leftover is gone


def _dangling(store: Store) -> dict[str, int]:
    """Rows that point at a team, member or user that is not there."""
    q = {
        "targets_member": "SELECT COUNT(*) FROM targets t WHERE scope_type = 'member' "
        "AND NOT EXISTS (SELECT 1 FROM members m WHERE m.id = t.scope_id)",
        "targets_team": "SELECT COUNT(*) FROM targets t WHERE scope_type = 'team' "
        "AND NOT EXISTS (SELECT 1 FROM teams m WHERE m.id = t.scope_id)",
        "bindings": "SELECT COUNT(*) FROM model_bindings b "
        "WHERE NOT EXISTS (SELECT 1 FROM teams m WHERE m.id = b.team_id)",
        "tokens": "SELECT COUNT(*) FROM api_tokens k "
        "WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = k.user_id)",
    }
    with store.engine.connect() as conn:
        return {k: int(conn.execute(sa.text(v)).scalar_one()) for k, v in q.items()}


def test_replace_removes_what_it_replaces(store_url: str) -> None:
    args = ["demo", "generate", "--db", store_url, "--reps", "6", "--months", "1", "--json"]
    assert main(args) == 0
    store = Store.open(store_url)
    try:
        svc = facade(store)
        saved = svc.planning.save(None, "2026-11", "tester", "before replace")
        with store.engine.connect() as conn:
            team = conn.execute(
                sa.text("SELECT name FROM teams WHERE source = 'demo' ORDER BY id DESC")
            ).first()
            scoped = conn.execute(
                sa.text("SELECT COUNT(*) FROM targets WHERE scope_type <> 'company'")
            ).scalar()
        assert team is not None and saved > 0 and scoped and scoped > 0
        svc.models.bind(team[0], svc.models.stored()["models"][0]["name"])
        svc.accounts.create_token("rep001", "script")
    finally:
        store.dispose()
    assert main([*args, "--replace", "--reps", "4"]) == 0
    store = Store.open(store_url)
    try:
        assert _dangling(store) == {"targets_member": 0, "targets_team": 0, "bindings": 0, "tokens": 0}
        with store.engine.connect() as conn:
            reps = conn.execute(sa.text("SELECT COUNT(*) FROM members WHERE role <> 'manager'")).scalar()
            old = conn.execute(sa.text("SELECT COUNT(*) FROM targets WHERE scope_type <> 'company'")).scalar()
        assert reps == 4 and old == 0
    finally:
        store.dispose()
