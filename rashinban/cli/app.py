"""The Typer app, its global options and the consoles."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Annotated

import typer
from rich.console import Console

from rashinban.i18n import detect_lang
from rashinban.service import Rashinban


@dataclass
class State:
    lang: str = "en"
    opened: list[Rashinban] = field(default_factory=list)

    def service(self, db: str | None = None) -> Rashinban:
        """The command's facade on the store named by ``--db`` (closed when the command ends)."""
        svc = Rashinban.for_cli(db, lang=self.lang)
        self.opened.append(svc)
        return svc

    def close(self) -> None:
        while self.opened:
            self.opened.pop().close()


state = State(lang=detect_lang())
console = Console(highlight=False, soft_wrap=False)
err_console = Console(stderr=True, highlight=False)

app = typer.Typer(
    name="rashinban",
    help="羅針盤 Rashinban — sales KPI management: KGI → KPI tree → targets per phase and per rep.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


@app.callback()
def _global(
    lang: Annotated[
        str | None, typer.Option("--lang", help="ja | en (default: RASHINBAN_LANG, then the locale)")
    ] = None,
) -> None:
    state.lang = detect_lang(lang)
