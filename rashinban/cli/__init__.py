"""The ``rashinban`` command (Typer + Rich): a thin layer over :mod:`rashinban.service`."""

from __future__ import annotations

import errno
import os
import signal
import threading
from pathlib import Path

import typer
from typer import rich_utils

from rashinban.cli import _startup  # noqa: F401  (first: Ctrl-C while the rest loads)
from rashinban.cli import alerts as _alerts  # noqa: F401
from rashinban.cli import audit as _audit  # noqa: F401
from rashinban.cli import data as _data  # noqa: F401
from rashinban.cli import demo as _demo  # noqa: F401  (registers the commands)
from rashinban.cli import forecast as _forecast  # noqa: F401
from rashinban.cli import insights as _insights  # noqa: F401
from rashinban.cli import jobs as _jobs  # noqa: F401
from rashinban.cli import metrics as _metrics  # noqa: F401  (registers the commands)
from rashinban.cli import models as _models  # noqa: F401
from rashinban.cli import planning as _planning  # noqa: F401
from rashinban.cli import reviews as _reviews  # noqa: F401
from rashinban.cli import trust as _trust  # noqa: F401
from rashinban.cli import web as _web  # noqa: F401
from rashinban.cli.app import app, err_console, state
from rashinban.clock import default_clock
from rashinban.errors import Interrupted, RashinbanError
from rashinban.i18n import render_error, t


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code — never a traceback.

    A :class:`RashinbanError` becomes one line on stderr and its exit code (2 for bad input,
    130 for an interrupted import); usage errors are Typer's (exit 2); Ctrl-C is one line and
    exit 130; a full disk or an unwritable file is one line (exit 2); anything unexpected is
    one line naming a crash report with the details (exit 1; ``RASHINBAN_DEBUG=1`` shows the
    traceback instead).
    """
    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
    command = typer.main.get_command(app)
    try:
        try:
            code = command.main(args=argv, prog_name="rashinban", standalone_mode=False)
        finally:
            state.close()
        return code if isinstance(code, int) else 0  # typer.Exit(n) comes back as n
    except typer.Exit as e:
        if e.exit_code == 130 and isinstance(e.__cause__, KeyboardInterrupt):
            err_console.print(t("cli.interrupted", state.lang))
        return e.exit_code
    except typer.TyperException as e:  # usage errors (exit 2), shown as Typer shows them
        rich_utils.rich_format_error(e)  # type: ignore[arg-type]
        return e.exit_code
    except (typer.Abort, KeyboardInterrupt):
        err_console.print(t("cli.interrupted", state.lang))
        return 130
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except Interrupted as e:
        err_console.print(render_error(e, state.lang), markup=False, soft_wrap=True)
        return e.exit_code
    except RashinbanError as e:
        _error_line(render_error(e, state.lang))
        return e.exit_code
    except Exception as e:
        if os.environ.get("RASHINBAN_DEBUG") == "1":
            raise
        return _unexpected(e)


def _error_line(message: str) -> None:
    """One line, whatever the message quotes (a cell with a line break shows it as \\n)."""
    prefix = t("cli.error_prefix", state.lang)
    err_console.print(f"[bold red]{prefix}:[/] ", end="")
    err_console.print(message.replace("\r", "").replace("\n", "\\n"), markup=False, soft_wrap=True)


def _unexpected(e: Exception) -> int:
    """A full disk or a file we may not write is the machine's state, said in one line; any
    other exception is a bug: one line, and the traceback in a crash report."""
    err = e if isinstance(e, OSError) else _os_cause(e)
    if err is not None and err.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
        _error_line(t("error.disk_full", state.lang, path=err.filename or "-", reason=err.strerror or ""))
        return 2
    text = str(e)
    if "No space left on device" in text or "File too large" in text or "Disk quota exceeded" in text:
        _error_line(t("error.disk_full", state.lang, path="-", reason=text.splitlines()[0][:200]))
        return 2
    if err is not None and err.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        _error_line(t("error.os_denied", state.lang, path=err.filename or "-", reason=err.strerror or ""))
        return 2
    report = _crash_report(e)
    where = str(report) if report else "-"
    line = (text.splitlines() or [""])[0][:200]
    _error_line(t("error.unexpected", state.lang, type=type(e).__name__, message=line, report=where))
    return 1


def _os_cause(e: BaseException) -> OSError | None:
    seen: BaseException | None = e
    while seen is not None:
        if isinstance(seen, OSError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def _crash_report(e: Exception) -> Path | None:
    import tempfile
    import traceback

    stamp = default_clock().now().strftime("%Y%m%d-%H%M%S")
    path = Path(tempfile.gettempdir()) / f"rashinban-crash-{stamp}-{os.getpid()}.log"
    try:
        path.write_text("".join(traceback.format_exception(e)), encoding="utf-8")
    except OSError:
        return None
    return path
