"""Sessions, CSRF and login rate limiting.

* The session is a signed cookie (itsdangerous) holding the user id, a CSRF token and the
  time of sign-in; HttpOnly, SameSite=Lax, Secure behind HTTPS.  Anonymous visitors get a
  session too (for the login form's CSRF token).
* Every unsafe request (POST/PUT/PATCH/DELETE) authenticated by the cookie must carry the
  session's CSRF token in the ``csrf_token`` form field or the ``X-CSRF-Token`` header
  (HTMX sends the header).  Requests with an API token (Bearer) need none.
* Failed logins are limited per username and per client address in a sliding window.
"""

from __future__ import annotations

import hmac
import secrets
import threading
import time
from collections import defaultdict, deque
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "rashinban_session"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


@dataclass
class Session:
    csrf: str
    user_id: int | None = None
    issued: float = 0.0
    lang: str | None = None

    def to_dict(self) -> dict[str, object]:
        return {"c": self.csrf, "u": self.user_id, "i": self.issued, "l": self.lang}


class SessionCodec:
    def __init__(self, secret: str, max_age_seconds: int) -> None:
        self.serializer = URLSafeTimedSerializer(secret, salt="rashinban-session")
        self.max_age = max_age_seconds

    def load(self, cookie: str | None) -> Session:
        if cookie:
            try:
                data = self.serializer.loads(cookie, max_age=self.max_age)
                return Session(str(data["c"]), data.get("u"), float(data.get("i") or 0), data.get("l"))
            except (BadSignature, KeyError, TypeError, ValueError):
                pass
        return Session(csrf=secrets.token_urlsafe(24))

    def dump(self, session: Session) -> str:
        return self.serializer.dumps(session.to_dict())


def csrf_ok(session: Session, supplied: str | None) -> bool:
    return bool(supplied) and hmac.compare_digest(session.csrf, str(supplied))


class LoginLimiter:
    """At most ``attempts`` failures per key in ``window`` seconds (thread-safe, in memory)."""

    def __init__(self, attempts: int = 5, window: float = 300.0) -> None:
        self.attempts = attempts
        self.window = window
        self._fails: dict[str, deque[float]] = defaultdict(deque)
        self._lock = threading.Lock()

    def _prune(self, key: str, now: float) -> deque[float]:
        q = self._fails[key]
        while q and now - q[0] > self.window:
            q.popleft()
        return q

    def blocked(self, *keys: str) -> float:
        """Seconds until a login may be tried again (0 when allowed)."""
        now = time.monotonic()
        with self._lock:
            waits = [
                self.window - (now - q[0]) for k in keys if len(q := self._prune(k, now)) >= self.attempts
            ]
        return max(waits, default=0.0)

    def failed(self, *keys: str) -> None:
        now = time.monotonic()
        with self._lock:
            for k in keys:
                self._prune(k, now).append(now)

    def succeeded(self, *keys: str) -> None:
        with self._lock:
            for k in keys:
                self._fails.pop(k, None)
