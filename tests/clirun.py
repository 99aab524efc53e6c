"""Running the ``rashinban`` command as a user does: a real process."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def run_cli(*args: str, lang: str = "en", timeout: float = 300) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "RASHINBAN_LANG": lang, "COLUMNS": "200"}
    return subprocess.run(
        [sys.executable, "-m", "rashinban", *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
        timeout=timeout,
    )
