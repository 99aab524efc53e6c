"""One ASGI middleware in front of every route: who is asking, how much they may send, and
the headers every answer carries.

1. **Who**: the session cookie's token is checked against the store (a live session and its
   user) and an ``Authorization: Bearer`` token against the API tokens — before the body is
   read.  A cookie whose session is over makes the visitor anonymous (a fresh anonymous
   cookie; a cookie is never re-issued for a dead session).
2. **How much**: the body limit follows from that — a few KB before sign-in, a couple of MB
   for a signed-in user's forms and JSON, the upload limit on the two upload routes.  A
   ``Content-Length`` over the limit is refused with 413 before a byte of the body is read;
   a body without one (chunked) is counted as it arrives and cut at the limit, and whatever
   the route made of the cut body is replaced by the 413.
3. **Headers**: a strict CSP (the app's own scripts only), nosniff, no framing, HSTS behind
   HTTPS, ``Cache-Control: no-store`` on everything a signed-in user or an API client gets;
   the session cookie when it changed.
"""

from __future__ import annotations

import json
from typing import Any

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from rashinban.errors import RashinbanError
from rashinban.service import Rashinban
from rashinban.web.security import (
    COOKIE,
    HEADERS,
    HSTS,
    Session,
    SessionCodec,
    client_address,
    new_token,
    parse_proxies,
)
from rashinban.web.settings import WebSettings

UPLOAD_PATHS = ("/import/upload", "/api/imports")


class TooLarge(RashinbanError):
    """The body went over the limit while the route was answering (never leaves here)."""

    http_status = 413


class SecurityMiddleware:
    def __init__(self, app: ASGIApp, web: Any) -> None:
        self.app = app
        self.web = web  # the FastAPI app: its state holds the store, the codec, the policy
        settings: WebSettings = web.state.settings
        self.settings = settings
        self.proxies = parse_proxies(settings.trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        path = request.url.path
        static = path.startswith("/static/")
        state = scope.setdefault("state", {})
        address = client_address(
            request.client.host if request.client else None,
            request.headers.get("x-forwarded-for"),
            self.proxies,
        )
        state["address"] = address
        codec: SessionCodec = self.web.state.codec
        session = codec.load(request.cookies.get(COOKIE))
        fresh = session is None
        session = session or Session(csrf=new_token())
        user = None
        token_user = None
        if not static:
            user, token_user, alive, versions = await run_in_threadpool(self._who, request, session, address)
            state["versions"] = versions  # the route's facade reuses them: one read per request
            if session.token and not alive:
                session.sign_out()
                fresh = True
        state["session"] = session
        state["user"] = user
        state["token_user"] = token_user
        before = session.to_dict()
        limit = self._limit(path, request.method, user is not None or token_user is not None)
        length = request.headers.get("content-length")
        if length is not None and (not length.isdigit() or int(length) > limit):
            await _refuse(send, limit)
            return
        received = 0
        cut = False
        started = False
        status = 0

        async def counted() -> Message:
            nonlocal received, cut
            if cut:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    cut = True
                    return {"type": "http.disconnect"}
            return message

        https = self.settings.https or scope.get("scheme") == "https"
        signed_in = user is not None or token_user is not None

        async def sending(message: Message) -> None:
            nonlocal started, status
            if cut:
                raise TooLarge("body_too_large")
            if message["type"] == "http.response.start":
                started = True
                status = int(message["status"])
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                for name, value in HEADERS + ((HSTS,) if https else ()):
                    if name.encode() not in names:
                        headers.append((name.encode(), value.encode()))
                if not static and (signed_in or session.token or path.startswith("/api/")):
                    headers = [(k, v) for k, v in headers if k.lower() != b"cache-control"]
                    headers.append((b"cache-control", b"no-store"))
                if not static and (fresh or session.to_dict() != before):
                    cookie = _cookie(codec.dump(session), codec.max_age, https)
                    headers.append((b"set-cookie", cookie.encode("latin-1")))
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, counted, sending)
        except TooLarge:
            if not started:
                await _refuse(send, limit)
        except Exception:
            if not cut:
                raise
            if not started:
                await _refuse(send, limit)
        if status == 403 and not cut:
            who = token_user or user
            await run_in_threadpool(self._forbidden, who, address, path, request.method)

    def _limit(self, path: str, method: str, signed_in: bool) -> int:
        s = self.settings
        if not signed_in:
            return s.anonymous_body_kb * 1024
        if method == "POST" and path in UPLOAD_PATHS:
            return s.upload_mb * 1024 * 1024 + 1024 * 1024  # the file and the form around it
        return s.body_kb * 1024

    def _forbidden(self, user: Any, address: str, path: str, method: str) -> None:
        svc = Rashinban.for_store(self.web.state.store, user, "en", self.web.state.clock, address)
        svc.audit.forbidden(path, method, 403)

    def _who(self, request: Request, session: Session, address: str) -> tuple[Any, Any, bool, Any]:
        """(session user, token user, whether the cookie's session is alive, the store's
        versions read meanwhile) — blocking."""
        svc = Rashinban.for_store(self.web.state.store, None, "en", self.web.state.clock, address)
        user = None
        alive = False
        if session.token:
            live = svc.accounts.session(session.token, self.web.state.policy)
            if live is not None:
                user, alive = live.user, True
                session.user_id = user.id
        token_user = None
        auth = request.headers.get("authorization", "")
        if auth.lower().startswith("bearer ") and len(auth) < 500:
            token_user = svc.accounts.token_user(auth[7:].strip())
        return user, token_user, alive, svc.ctx.versions_read


def _cookie(value: str, max_age: int, secure: bool) -> str:
    parts = [f"{COOKIE}={value}", "Path=/", f"Max-Age={max_age}", "HttpOnly", "SameSite=lax"]
    if secure:
        parts.append("Secure")
    return "; ".join(parts)


async def _refuse(send: Send, limit: int) -> None:
    body = json.dumps({"error": "http", "detail": f"request body over {limit // 1024} KB"}).encode()
    headers = [
        (b"content-type", b"application/json"),
        (b"content-length", str(len(body)).encode()),
        (b"connection", b"close"),
        *((k.encode(), v.encode()) for k, v in HEADERS),
        (b"cache-control", b"no-store"),
    ]
    await send({"type": "http.response.start", "status": 413, "headers": headers})
    await send({"type": "http.response.body", "body": body})
