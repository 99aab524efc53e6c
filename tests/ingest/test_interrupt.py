"""Ctrl-C during an import, as a user presses it: a real process and a real SIGINT.

Before the commit (while the file is read, or while the set-based upsert runs) the import
stops with one line saying that nothing was imported, exit 130, the store exactly as it was.
After the commit nothing can turn the import into a failure: exit 0, the rows are there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from bench.activities import write_activities
from rashinban.ingest.run import ImportOptions, run_import
from rashinban.store import Store
from tests.clirun import ROOT
from tests.ingest.conftest import count, snapshot
from tests.ingest.test_kill import _position

ROWS = 120_000


def _start(big: Path, db: str) -> subprocess.Popen[str]:
    env = {**os.environ, "RASHINBAN_LANG": "en", "COLUMNS": "200"}
    return subprocess.Popen(
        [sys.executable, "-m", "rashinban", "import", str(big), "--preset", "salesforce-task", "--db", db],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
        cwd=ROOT,
    )


def _seeded(store_url: str, tmp_path: Path) -> Path:
    big = write_activities(tmp_path / "activities.csv", ROWS)
    small = write_activities(tmp_path / "first.csv", 500, seed=1)
    store = Store.open(store_url)
    try:
        store.create_all()
        run_import(store, small, ImportOptions(preset="salesforce-task"))
    finally:
        store.dispose()
    return big


@pytest.mark.parametrize("phase", ["reading", "writing"])
def test_ctrl_c_before_the_commit_imports_nothing(store_url: str, tmp_path: Path, phase: str) -> None:
    big = _seeded(store_url, tmp_path)
    before = snapshot(store_url)
    proc = _start(big, store_url)
    size = big.stat().st_size
    opened = False
    deadline = time.monotonic() + 240
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            pos = _position(proc.pid, big)
            opened = opened or pos is not None
            if phase == "reading" and pos is not None and pos > size * 0.3:
                break
            if phase == "writing" and opened and pos is None:
                time.sleep(0.05)  # the file is read: the upsert runs
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the import finished before Ctrl-C: make the file bigger"
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "nothing from" in lines[0] and "was imported" in lines[0], err
    assert "Traceback" not in err + out
    assert snapshot(store_url) == before


@pytest.mark.postgres
def test_ctrl_c_after_the_commit_never_reports_failure(pg_url: str, tmp_path: Path) -> None:
    """From the moment the import's run is visible to another connection (committed), Ctrl-C
    is pressed every 10 ms until the process ends: it must still exit 0 with its rows."""
    import psycopg

    big = _seeded(pg_url, tmp_path)
    runs_before = count(pg_url, "SELECT COUNT(*) FROM import_runs")
    proc = _start(big, pg_url)
    sent = 0
    try:
        with psycopg.connect(pg_url, autocommit=True) as conn:
            deadline = time.monotonic() + 240
            while time.monotonic() < deadline and proc.poll() is None:
                runs = conn.execute("SELECT COUNT(*) FROM import_runs").fetchone()
                if runs is not None and runs[0] > runs_before:
                    break
                time.sleep(0.005)
        while proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            sent += 1
            time.sleep(0.01)
        out, err = proc.communicate(timeout=120)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert sent > 0, "the process ended before the commit was seen"
    assert proc.returncode == 0, err
    assert "Traceback" not in err and "nothing from" not in err
    assert "inserted" in out and "unchanged" in out
    assert count(pg_url, "SELECT COUNT(*) FROM activities") == ROWS  # the first 500 ids are the file's too
