"""The FastAPI application."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException as StarletteHTTPException

from rashinban.clock import Clock, default_clock
from rashinban.errors import RashinbanError
from rashinban.i18n import render_error, t
from rashinban.jobs.kinds import start_runner
from rashinban.service import Rashinban
from rashinban.web.deps import LoginRequired, lookup_user
from rashinban.web.i18n import request_lang
from rashinban.web.middleware import SecurityMiddleware
from rashinban.web.routes import (
    account,
    actions,
    activities,
    admin,
    agency,
    alert_settings,
    alerts,
    audit,
    auth,
    breakdown,
    credentials,
    dashboard,
    deals,
    docs,
    forecast,
    funnel,
    imports,
    insights,
    manual,
    members,
    pages,
    planning,
    records,
    reports,
    reviews,
    teams,
    tree,
)
from rashinban.web.routes.auth import login_policy
from rashinban.web.security import SessionCodec
from rashinban.web.settings import WebSettings

STATIC = Path(__file__).parent / "static"


def create_app(settings: WebSettings | None = None, clock: Clock | None = None) -> FastAPI:
    settings = settings or WebSettings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        svc = await run_in_threadpool(Rashinban.open_server, settings.db, app.state.clock)
        app.state.store = svc.ctx.store
        secret = settings.secret_key or await run_in_threadpool(svc.accounts.signing_secret)
        app.state.codec = SessionCodec(secret, settings.session_hours * 3600)
        runner = start_runner(app.state.store, app.state.clock) if settings.jobs else None
        try:
            yield
        finally:
            if runner is not None:
                await run_in_threadpool(runner.stop)
            await run_in_threadpool(svc.close)

    app = FastAPI(
        title="Rashinban 羅針盤",
        description="Sales KPI management: KGI → KPI tree → targets, actuals, pace.",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,  # served by routes/docs.py: vendored assets, signed-in users only
        openapi_url=None,
        redoc_url=None,
    )
    app.state.settings = settings
    app.state.clock = clock or default_clock()
    app.state.policy = login_policy(settings)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    for module in (auth, pages, dashboard, tree, teams, funnel, activities, imports, planning, admin):
        app.include_router(module.router)
    app.include_router(insights.router)
    app.include_router(forecast.router)
    app.include_router(forecast.api)
    for router in (alert_settings.router, alert_settings.api, alerts.router, alerts.api):
        app.include_router(router)

    for router in (reviews.router, reviews.api, actions.router, actions.api, reports.router, reports.api):
        app.include_router(router)
    for module in (account, audit, credentials, docs, manual, members, breakdown, records, deals):
        app.include_router(module.router)
    app.include_router(agency.router)
    app.include_router(agency.api)
    app.add_middleware(SecurityMiddleware, web=app)
    app.openapi = docs.describe(app)  # type: ignore[method-assign]

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"/login?next={quote(target)}", status_code=303)

    @app.exception_handler(RashinbanError)
    async def domain_error(request: Request, exc: RashinbanError) -> Response:
        lang = _lang(request)
        message = render_error(exc, lang)
        if _wants_page(request):
            return await _error_page(request, exc.http_status, message)
        # a refusal (403, or 404 for what the user may not see) says what was refused, never
        # what lies behind it: no parameters
        params = {} if exc.http_status in (403, 404) else _plain(exc.params)
        return JSONResponse(
            {"error": exc.code, "message": message, "params": params}, status_code=exc.http_status
        )

    @app.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        if _wants_page(request):  # a page gets the error page in the reader's language, not JSON
            fields = ", ".join(
                f"{e.get('loc', ('',))[-1]} = '{str(e.get('input', ''))[:40]}'" for e in exc.errors()
            )
            return await _error_page(request, 400, t("web.bad_query", _lang(request), fields=fields))
        errors = [
            {"loc": list(e.get("loc", ())), "msg": str(e.get("msg", "")), "type": str(e.get("type", ""))}
            for e in exc.errors()
        ]
        return JSONResponse({"error": "validation", "detail": errors}, status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        if _wants_page(request) and exc.status_code in (403, 404, 405):
            message = t(f"web.http_{exc.status_code}", _lang(request))
            return await _error_page(request, exc.status_code, message)
        return JSONResponse(
            {"error": "http", "detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
        )

    @app.exception_handler(Exception)
    async def crashed(request: Request, exc: Exception) -> Response:
        """A bug: the reader gets a page (or JSON) in their language, the log the traceback."""
        message = t("web.http_500", _lang(request))
        if _wants_page(request):
            return await _error_page(request, 500, message)
        return JSONResponse({"error": "internal", "message": message}, status_code=500)

    return app


def _lang(request: Request) -> str:
    session = getattr(request.state, "session", None)
    return request_lang(request, session.lang if session is not None else None)


def _wants_page(request: Request) -> bool:
    """A browser page request (not the API, not static files, not an HTMX fragment)."""
    path = request.url.path
    return (
        request.method == "GET"
        and not path.startswith(("/api/", "/static/"))
        and "text/html" in request.headers.get("accept", "")
        and request.headers.get("hx-request") != "true"
    )


async def _error_page(request: Request, status: int, message: str) -> Response:
    from rashinban.web.deps import Ctx
    from rashinban.web.templating import render

    session = request.state.session
    try:
        user, _ = lookup_user(request, session)
    except Exception:  # an error page never fails for want of the user
        user = None
    ctx = Ctx(request, session, user, _lang(request))
    return render(ctx, "error.html", status_code=status, status=status, message=message)


def _plain(params: dict[str, object]) -> dict[str, object]:
    return {
        k: (v if isinstance(v, str | int | float | bool | type(None)) else str(v)) for k, v in params.items()
    }
