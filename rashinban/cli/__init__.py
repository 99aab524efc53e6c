"""The ``rashinban`` command (Typer + Rich): a thin layer over :mod:`rashinban.service`."""

from __future__ import annotations

import typer

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
from rashinban.cli import web as _web  # noqa: F401
from rashinban.cli.app import app, err_console, state
from rashinban.errors import RashinbanError
from rashinban.i18n import render_error, t


def main(argv: list[str] | None = None) -> int:
    """Run the CLI and return its exit code.

    A :class:`RashinbanError` becomes one clear message on stderr and its exit code (2 for
    bad input), never a traceback; usage errors are Typer's (exit 2).
    """
    command = typer.main.get_command(app)
    try:
        command.main(args=argv, prog_name="rashinban", standalone_mode=True)
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except RashinbanError as e:
        prefix = t("cli.error_prefix", state.lang)
        err_console.print(f"[bold red]{prefix}:[/] ", end="")
        err_console.print(render_error(e, state.lang), markup=False)
        return e.exit_code
    except KeyboardInterrupt:
        err_console.print(t("cli.interrupted", state.lang))
        return 130
    finally:
        state.close()
    return 0
