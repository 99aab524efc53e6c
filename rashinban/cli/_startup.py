"""Imported first by :mod:`rashinban.cli`: Ctrl-C while the command's modules load (seconds
on a busy machine) prints one line and exits 130, instead of an import traceback.
:func:`rashinban.cli.main` puts Python's own handler back once it runs."""

from __future__ import annotations

import signal
import sys
import threading
from types import FrameType


def interrupted_while_starting(signum: int, frame: FrameType | None) -> None:
    from rashinban.i18n import detect_lang, t

    sys.stderr.write(t("cli.interrupted", detect_lang()) + "\n")
    raise SystemExit(130)


if threading.current_thread() is threading.main_thread():
    signal.signal(signal.SIGINT, interrupted_while_starting)
