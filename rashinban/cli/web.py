"""serve and users commands."""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Annotated

import typer

from rashinban.cli.app import app, console, err_console, state
from rashinban.i18n import t

users_app = typer.Typer(help="Users and API tokens.", no_args_is_help=True)
app.add_typer(users_app, name="users")
DbOpt = Annotated[
    str | None, typer.Option("--db", help="store: a DuckDB file or postgresql:// URL (RASHINBAN_DB)")
]


@app.command()
def serve(
    db: DbOpt = None,
    host: Annotated[str, typer.Option("--host")] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port")] = 8000,
    workers: Annotated[int, typer.Option("--workers", help="worker processes (PostgreSQL stores)")] = 1,
    model: Annotated[Path | None, typer.Option("--model", help="KPI model file for the dashboards")] = None,
    https: Annotated[bool, typer.Option("--https", help="behind HTTPS: Secure cookies, HSTS")] = False,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option(
            "--trusted-proxy",
            help="address or network of a reverse proxy whose X-Forwarded-For is believed (repeatable)",
        ),
    ] = None,
    jobs: Annotated[
        bool, typer.Option("--jobs/--no-jobs", help="run background jobs here (off: run `rashinban worker`)")
    ] = True,
) -> None:
    """Serve the web app (dashboards, activity log, import, planning)."""
    import uvicorn

    from rashinban.service import resolve_url

    os.umask(0o077)  # what the server writes (the store's WAL, uploads, rejects) is the owner's only
    url = resolve_url(db)
    if workers > 1 and url.startswith("duckdb"):
        err_console.print(t("web.duckdb_one_worker", state.lang))
        workers = 1
    svc = state.service(db)
    svc.data.check_servable(model)  # a missing store or one without a model: one line, exit 2
    state.close()  # the server opens the store itself
    # the server's settings, for the app the workers build (only once the store is servable)
    if db:
        os.environ["RASHINBAN_DB"] = db
    if model:
        os.environ["RASHINBAN_MODEL"] = str(model)
    if https:
        os.environ["RASHINBAN_HTTPS"] = "1"
    os.environ["RASHINBAN_JOBS"] = "1" if jobs else "0"
    if trusted_proxy:
        os.environ["RASHINBAN_TRUSTED_PROXIES"] = ",".join(trusted_proxy)
    address = f"http://{host}:{port}/"
    console.print(t("web.serving", state.lang, url=address))
    # uvicorn stops gracefully on SIGTERM and then re-raises it, which would end the process
    # before the address note beside the store is removed: end with SystemExit instead
    signal.signal(signal.SIGTERM, _exit_on_signal)
    with svc.data.serving(address):
        uvicorn.run(
            "rashinban.web.main:app_from_env",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="warning",
            proxy_headers=False,  # X-Forwarded-For is read by the app, from --trusted-proxy peers only
        )


def _exit_on_signal(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


@users_app.command("token")
def token(
    username: Annotated[str, typer.Argument(help="user name")],
    db: DbOpt = None,
    name: Annotated[str | None, typer.Option("--name", help="what the token is for")] = None,
) -> None:
    """Create an API token (shown once; send it as `Authorization: Bearer …`)."""
    console.print(state.service(db).accounts.create_token(username, name), markup=False)


@users_app.command("revoke")
def revoke(username: Annotated[str, typer.Argument(help="user name")], db: DbOpt = None) -> None:
    """Revoke every API token of a user."""
    count = state.service(db).accounts.revoke_tokens(username)
    console.print(t("web.tokens_revoked", state.lang, count=count, user=username))


@users_app.command("password")
def password(
    username: Annotated[str, typer.Argument(help="user name")],
    db: DbOpt = None,
) -> None:
    """Set a user's password (asked twice, not echoed); every session of the user ends."""
    svc = state.service(db)
    user = next((u for u in svc.admin.overview().users if u.username == username), None)
    if user is None:
        err_console.print(t("error.user_unknown", state.lang, user=username))
        raise typer.Exit(2)
    new = typer.prompt(t("security.account.new", state.lang), hide_input=True, confirmation_prompt=True)
    svc.credentials.reset_password(user.id, new)
    console.print(t("security.account.changed", state.lang))
