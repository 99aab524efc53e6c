"""The temporary files of an import: named after the process that writes them, so that what
a killed process left behind is removed by the next import (never a file still in use)."""

from __future__ import annotations

import contextlib
import os
import re
import tempfile
from pathlib import Path

from rashinban.clock import default_clock
from rashinban.store.opening import pid_alive

REJECTS_PREFIX = "rashinban-rejects-"
_NAMED = re.compile(rf"^{REJECTS_PREFIX}(\d+)-.*\.csv$")
UNNAMED_DAYS = 1  # files of older versions (no process id in the name) go after a day


def rejects_temp() -> tuple[int, str]:
    """``mkstemp`` for a rejects file of this process."""
    return tempfile.mkstemp(prefix=f"{REJECTS_PREFIX}{os.getpid()}-", suffix=".csv")


def clean_stale(folder: Path | None = None) -> list[Path]:
    """Remove rejects files whose process no longer runs; returns what was removed."""
    removed: list[Path] = []
    root = folder or Path(tempfile.gettempdir())
    cutoff = default_clock().instant().timestamp() - UNNAMED_DAYS * 86400
    try:
        entries = list(root.glob(f"{REJECTS_PREFIX}*.csv"))
    except OSError:
        return removed
    for entry in entries:
        m = _NAMED.match(entry.name)
        with contextlib.suppress(OSError):
            if m:
                if pid_alive(int(m.group(1))):
                    continue
            elif entry.stat().st_mtime > cutoff:
                continue
            entry.unlink()
            removed.append(entry)
    return removed
