"""The bad-store matrix: every command that opens a store, on every kind of wrong ``--db``,
answers in one line (which path or URL, what is wrong, what to do), exits 2 and creates
nothing.  Only ``db init``, ``demo generate`` and ``import`` create a store, and they say so.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from rashinban.cli import main
from rashinban.store import Store
from rashinban.store.opening import write_server_note
from tests.clirun import ROOT, run_cli

SEED = ROOT / "examples" / "seed-001.yaml"
# command → arguments after the command name ({db} is the store)
COMMANDS: dict[str, list[str]] = {
    "status": ["status", "--db", "{db}"],
    "funnel": ["funnel", "--db", "{db}"],
    "check": ["check", str(SEED), "--db", "{db}"],
    "plan_save": ["plan", str(SEED), "--save", "--db", "{db}", "--period", "2026-11"],
    "users_token": ["users", "token", "admin", "--db", "{db}"],
    "users_revoke": ["users", "revoke", "admin", "--db", "{db}"],
    "model_list": ["model", "list", "--db", "{db}"],
    "jobs": ["jobs", "--db", "{db}"],
    "db_upgrade": ["db", "upgrade", "--db", "{db}"],
    "serve": ["serve", "--db", "{db}", "--port", "1"],
}


def _one_line(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["--lang", "en", *argv])
    err = [line for line in capsys.readouterr().err.splitlines() if line.strip()]
    assert len(err) == 1 and err[0].startswith("Error:"), err
    assert "Traceback" not in err[0]
    return code, err[0]


def _listing(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


@pytest.fixture
def bad_files(tmp_path: Path) -> Path:
    folder = tmp_path / "stores"
    folder.mkdir()
    (folder / "folder").mkdir()
    (folder / "data.csv").write_text("Id,Name\n1,x\n", encoding="utf-8")
    (folder / "empty.duckdb").touch()
    sqlite3.connect(folder / "old.sqlite").execute("CREATE TABLE t (x)").connection.close()
    return folder


FILE_CASES = {  # --db value → what the line must say
    "missing.duckdb": "there is no store at",
    "folder": "is a folder, not a store",
    "data.csv": "is not a DuckDB store",
    "empty.duckdb": "is an empty file",
    "old.sqlite": "is a SQLite database",
}


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize("name", sorted(FILE_CASES))
def test_every_command_on_every_wrong_path(
    bad_files: Path, capsys: pytest.CaptureFixture[str], command: str, name: str
) -> None:
    before = {p.name: p.stat().st_size for p in bad_files.iterdir()}
    db = str(bad_files / name)
    code, line = _one_line(capsys, [a.replace("{db}", db) for a in COMMANDS[command]])
    assert code == 2
    assert FILE_CASES[name] in line and db in line
    assert {p.name: p.stat().st_size for p in bad_files.iterdir()} == before  # nothing created


URL_CASES = {
    "mysql://user@localhost/sales": "'mysql://' is not a store",
    "sqlite:///sales.db": "'sqlite://' is not a store",
    "postgresql://postgres@127.0.0.1:1/none": "cannot reach PostgreSQL",
}


@pytest.mark.parametrize("url", sorted(URL_CASES))
@pytest.mark.parametrize("command", ["status", "users_token", "db_upgrade", "serve"])
def test_unsupported_and_unreachable_urls(capsys: pytest.CaptureFixture[str], url: str, command: str) -> None:
    code, line = _one_line(capsys, [a.replace("{db}", url) for a in COMMANDS[command]])
    assert code == 2 and URL_CASES[url] in line


@pytest.fixture
def empty_pg(pg_server: str) -> Iterator[str]:
    import psycopg

    name = f"rashinban_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{pg_server.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.mark.postgres
def test_postgresql_without_a_store_is_not_filled(empty_pg: str, capsys: pytest.CaptureFixture[str]) -> None:
    base = empty_pg.rsplit("/", 1)[0]
    cases = {
        empty_pg: "holds no Rashinban store",
        f"{base}/rashinban_no_such_db_{uuid.uuid4().hex[:6]}": "has no database",
        empty_pg.replace("postgres@", "no_such_role@"): "refused",
    }
    for url, must in cases.items():
        for command in ("status", "users_revoke", "db_upgrade", "serve"):
            code, line = _one_line(capsys, [a.replace("{db}", url) for a in COMMANDS[command]])
            assert code == 2 and must in line, (command, line)
    engine = sa.create_engine(empty_pg.replace("postgresql://", "postgresql+psycopg://"))
    try:
        with engine.connect() as conn:
            assert sa.inspect(conn).get_table_names() == []
    finally:
        engine.dispose()
    # db init makes the store (and, when the server allows it, the database)
    missing = f"{base}/rashinban_test_{uuid.uuid4().hex[:12]}"
    try:
        capsys.readouterr()
        assert main(["--lang", "en", "db", "init", "--db", missing]) == 0
        assert "Created a new store" in capsys.readouterr().out
    finally:
        import psycopg

        with psycopg.connect(f"{base}/postgres", autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{missing.rsplit("/", 1)[1]}" WITH (FORCE)')


def test_only_creating_commands_create_and_say_so(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("RASHINBAN_DB", raising=False)
    # status MODEL without --db: no ./rashinban.duckdb appears
    code, line = _one_line(capsys, ["status", str(SEED)])
    assert code == 2 and "rashinban.duckdb (the default" in line
    assert _listing(tmp_path) == []
    data = tmp_path / "deals.csv"
    data.write_text("Id,Name,StageName,Amount,CloseDate\n006A,x,Prospecting,1000,2026-03-01\n", "utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("Id,Name,StageName,Amount,CloseDate\n006A,x,Prospecting,12x,2026-03-01\n", "utf-8")
    import_args = ["import", "--preset", "salesforce-opportunity", "--db", "new.duckdb"]
    # a dry run and a rejected import leave no store behind
    assert main(["--lang", "en", *import_args, str(data), "--dry-run"]) == 0
    assert main(["--lang", "en", *import_args, str(bad)]) == 2
    assert sorted(_listing(tmp_path)) == ["bad.csv", "deals.csv"]
    capsys.readouterr()
    assert main(["--lang", "en", *import_args, str(data)]) == 0
    assert "Created a new store: new.duckdb" in capsys.readouterr().out
    assert "new.duckdb" in _listing(tmp_path) and not [n for n in _listing(tmp_path) if n.startswith(".")]
    assert main(["--lang", "en", *import_args, str(data)]) == 0  # exists now: no second "created"
    assert "Created" not in capsys.readouterr().out
    assert main(["--lang", "en", "db", "init", "--db", "other.duckdb"]) == 0
    assert "Created a new store" in capsys.readouterr().out
    assert main(["--lang", "en", "db", "init", "--db", "other.duckdb"]) == 0
    assert "Store ready" in capsys.readouterr().out
    # serve refuses a store without a model, saying how to give it one
    code, line = _one_line(capsys, ["serve", "--db", "other.duckdb"])
    assert code == 2 and "has no KPI model" in line and "model push" in line


def test_stale_staging_files_are_removed_on_the_next_open(tmp_path: Path) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], check=True, capture_output=True, text=True
    )
    stale = tmp_path / f".store.duckdb.new-{int(dead.stdout)}.duckdb"
    stale.write_bytes(b"half a store")
    mine = tmp_path / f".other.duckdb.new-{os.getpid()}.duckdb"
    mine.write_bytes(b"being built")
    Store.open(str(tmp_path / "store.duckdb")).dispose()
    assert not stale.exists() and mine.exists()


def _holder(db: Path, note: str | None) -> subprocess.Popen[str]:
    code = (
        "import duckdb, sys, time\n"
        f"c = duckdb.connect({str(db)!r})\n"
        + (
            f"from rashinban.store.opening import write_server_note\n"
            f"from pathlib import Path\nwrite_server_note(Path({str(db)!r}), {note!r})\n"
            if note
            else ""
        )
        + "print('ready', flush=True)\ntime.sleep(120)\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True, cwd=ROOT)
    assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    return proc


def test_a_store_held_by_another_process_names_it(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "held.duckdb"
    store = Store.open(str(db))
    store.ready()
    store.dispose()
    for note, must in ((None, "in use by another process"), ("http://127.0.0.1:8765/", "rashinban serve")):
        proc = _holder(db, note)
        try:
            code, line = _one_line(capsys, ["status", "--db", str(db)])
            assert code == 2 and must in line and str(proc.pid) in line
            if note:
                assert note in line
            res = run_cli("users", "token", "admin", "--db", str(db))  # a real process, the same line
            assert res.returncode == 2 and must in res.stderr and len(res.stderr.strip().splitlines()) == 1
        finally:
            proc.kill()
            proc.wait()


def test_status_beside_a_real_serve(tmp_path: Path) -> None:
    """The normal case: `serve` in one terminal, `status` in another."""
    db = tmp_path / "demo.duckdb"
    assert run_cli("demo", "generate", "--db", str(db), "--reps", "4", "--months", "1").returncode == 0
    port = _free_port()
    env = {**os.environ, "RASHINBAN_LANG": "en"}
    serve = subprocess.Popen(
        [sys.executable, "-m", "rashinban", "serve", "--db", str(db), "--port", str(port), "--no-jobs"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        note = db.with_name(db.name + ".serve.json")
        deadline = time.monotonic() + 120
        while not note.exists() and time.monotonic() < deadline and serve.poll() is None:
            time.sleep(0.2)
        assert json.loads(note.read_text(encoding="utf-8"))["pid"] == serve.pid
        time.sleep(1.0)  # the server has opened the store
        res = run_cli("status", "--db", str(db))
        assert res.returncode == 2
        lines = res.stderr.strip().splitlines()
        assert len(lines) == 1 and f"http://127.0.0.1:{port}/" in lines[0] and str(serve.pid) in lines[0]
    finally:
        serve.terminate()
        serve.wait(timeout=60)
    assert not db.with_name(db.name + ".serve.json").exists()  # removed when the server stops


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


_ = write_server_note  # the holder subprocess imports it by name
