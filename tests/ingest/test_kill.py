"""A process killed in the middle of an import leaves the store as it was."""

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
from tests.ingest.conftest import snapshot

ROWS = 120_000
RUN_CLI = "import sys; from rashinban.cli import main; sys.exit(main(sys.argv[1:]))"


def _position(pid: int, path: Path) -> int | None:
    """How far the process has read ``path`` (None once it has closed the file)."""
    fd_dir = Path(f"/proc/{pid}/fd")
    try:
        for fd in fd_dir.iterdir():
            try:
                if os.readlink(fd) == str(path):
                    info = (Path(f"/proc/{pid}/fdinfo") / fd.name).read_text()
                    return int(info.split("pos:", 1)[1].split()[0])
            except OSError:
                continue
    except OSError:
        return None
    return None


@pytest.mark.parametrize("phase", ["reading", "writing"])
def test_kill_mid_import_leaves_the_store_unchanged(store_url: str, tmp_path: Path, phase: str) -> None:
    big = write_activities(tmp_path / "activities.csv", ROWS)
    small = write_activities(tmp_path / "first.csv", 500, seed=1)
    store = Store.open(store_url)
    try:
        store.create_all()
        run_import(store, small, ImportOptions(preset="salesforce-task"))
    finally:
        store.dispose()
    before = snapshot(store_url)

    proc = subprocess.Popen(
        [sys.executable, "-c", RUN_CLI, "import", str(big), "--preset", "salesforce-task", "--db", store_url],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    size = big.stat().st_size
    opened = False
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline and proc.poll() is None:
            pos = _position(proc.pid, big)
            opened = opened or pos is not None
            if phase == "reading" and pos is not None and pos > size * 0.3:
                break
            if phase == "writing" and opened and pos is None:
                time.sleep(0.05)  # the file is read: now the set-based upsert runs
                break
            time.sleep(0.01)
        assert proc.poll() is None, "the import finished before it could be killed: make the file bigger"
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert snapshot(store_url) == before
    # and the store still works
    store = Store.open(store_url)
    try:
        r = run_import(store, small, ImportOptions(preset="salesforce-task"))
    finally:
        store.dispose()
    assert (r.inserted, r.updated, r.unchanged) == (0, 0, 500)
