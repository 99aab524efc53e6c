"""`rashinban jobs` shows a failed job with its error (never a traceback); `rashinban worker`
runs queued jobs on its own and stops on SIGTERM."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rashinban.clock import FixedClock
from rashinban.jobs.kinds import handlers
from rashinban.jobs.runner import Runner
from rashinban.store import Store
from rashinban.store import jobs as queue
from tests.clirun import ROOT, run_cli


def _store(tmp_path: Path) -> Path:
    db = tmp_path / "j.duckdb"
    assert run_cli("db", "init", "--db", str(db)).returncode == 0
    return db


def test_a_failed_job_is_listed_with_its_error(tmp_path: Path) -> None:
    db = _store(tmp_path)
    store = Store.open(str(db))
    clock = FixedClock("2026-11-26T10:00:00+09:00")
    try:
        missing = tmp_path / "gone" / "Task.csv"
        job_id = queue.enqueue(
            store, "import", {"phase": "check", "path": str(missing)}, now_utc=clock.instant()
        )
        assert Runner(store, clock, handlers()).run_once() == job_id
        assert queue.get(store, job_id).state == "failed"  # bad input: no retry
    finally:
        store.dispose()
    r = run_cli("jobs", "--db", str(db), "--json")
    assert r.returncode == 0, r.stderr
    (row,) = json.loads(r.stdout)
    assert (row["id"], row["state"], row["error_code"]) == (job_id, "failed", "import_expired")
    assert "upload the file again" in row["error"]
    table = run_cli("jobs", "--db", str(db), lang="ja")
    assert table.returncode == 0 and "失敗" in table.stdout and "Traceback" not in table.stdout + table.stderr


@pytest.mark.postgres
def test_worker_runs_queued_jobs_and_stops_on_sigterm(pg_url: str) -> None:
    """On PostgreSQL `rashinban worker` runs beside `serve --no-jobs` (and beside the CLI)."""
    db = pg_url
    assert run_cli("db", "init", "--db", db).returncode == 0
    store = Store.open(db)
    try:
        queue.enqueue(store, "no-such-kind", {}, now_utc=FixedClock("2026-11-26T10:00:00+09:00").instant())
    finally:
        store.dispose()
    proc = subprocess.Popen(
        [sys.executable, "-m", "rashinban", "worker", "--db", str(db), "--poll", "0.2"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        state = "queued"
        while time.monotonic() < deadline and state == "queued":
            time.sleep(0.3)
            r = run_cli("jobs", "--db", str(db), "--json")
            if r.returncode == 0:
                state = json.loads(r.stdout)[0]["state"]
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert state == "failed", state
    assert proc.returncode == 0 and "Traceback" not in err
