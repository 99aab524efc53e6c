"""The session cookie, CSRF, the known-device cookie, the client address, security headers.

* The session cookie is signed (itsdangerous) and holds a random session token, a CSRF token
  and the language.  The token names a row of the store's ``sessions`` table (only its hash
  is kept there); the row decides whether the session is alive — logout, a password change,
  a role change or a deactivation end it on every worker at once.  A cookie whose session is
  gone is worth nothing: the visitor is anonymous and gets a fresh anonymous cookie.
  HttpOnly, SameSite=Lax, Secure behind HTTPS.
* Every unsafe request (POST/PUT/PATCH/DELETE) authenticated by the cookie must carry the
  cookie's CSRF token in the ``csrf_token`` form field or the ``X-CSRF-Token`` header
  (HTMX sends the header).  Requests with an API token (Bearer) need none.
* The device cookie (signed, a year) marks a browser that signed in as a user before: its
  sign-ins are throttled on their own key, so a stranger guessing the user's password does
  not lock the owner out (see ``app/accounts.py``).
* The client address is the peer's, or — only when the peer is a configured proxy — the
  nearest address in ``X-Forwarded-For`` that is not a proxy.
"""

from __future__ import annotations

import hmac
import ipaddress
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from itsdangerous import BadSignature, URLSafeTimedSerializer

COOKIE = "rashinban_session"
DEVICE_COOKIE = "rashinban_device"
DEVICE_DAYS = 365
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

# only the vendored assets: no inline script, no other origin, no framing.  The one inline
# <style> allowed is htmx's indicator rule (by its hash: the vendored htmx inserts it).
HTMX_INDICATOR_STYLE = "'sha256-faU7yAF8NxuMTNEwVmBz+VcYeIoBQ2EMHW3WaVxCvnk='"
CSP = (
    "default-src 'self'; script-src 'self'; "
    f"style-src 'self' {HTMX_INDICATOR_STYLE}; style-src-attr 'unsafe-inline'; "
    "img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)
HEADERS = (
    ("content-security-policy", CSP),
    ("x-content-type-options", "nosniff"),
    ("x-frame-options", "DENY"),
    ("referrer-policy", "same-origin"),
    ("cross-origin-opener-policy", "same-origin"),
    ("permissions-policy", "camera=(), microphone=(), geolocation=(), payment=()"),
)
HSTS = ("strict-transport-security", "max-age=31536000; includeSubDomains")


@dataclass
class Session:
    """What the session cookie says (the store says whether ``token`` is still alive)."""

    csrf: str
    token: str | None = None  # the server-side session's token (None: anonymous)
    lang: str | None = None
    user_id: int | None = None  # set by the middleware once the store confirmed the token

    def to_dict(self) -> dict[str, object]:
        return {"c": self.csrf, "t": self.token, "l": self.lang}

    def sign_out(self) -> None:
        self.token = None
        self.user_id = None
        self.csrf = new_token()


def new_token() -> str:
    return secrets.token_urlsafe(24)


class SessionCodec:
    def __init__(self, secret: str, max_age_seconds: int) -> None:
        self.serializer = URLSafeTimedSerializer(secret, salt="rashinban-session")
        self.devices = URLSafeTimedSerializer(secret, salt="rashinban-device")
        self.max_age = max_age_seconds

    def load(self, cookie: str | None) -> Session | None:
        """The cookie's content (None: no cookie, or one that is forged or too old)."""
        if cookie and len(cookie) < 4096:
            try:
                data = self.serializer.loads(cookie, max_age=self.max_age)
                token = data.get("t")
                lang = data.get("l")
                return Session(
                    str(data["c"]),
                    str(token) if isinstance(token, str) else None,
                    lang if isinstance(lang, str) else None,
                )
            except (BadSignature, KeyError, TypeError, ValueError, AttributeError):
                pass
        return None

    def dump(self, session: Session) -> str:
        return self.serializer.dumps(session.to_dict())

    def device(self, cookie: str | None) -> tuple[str, int] | None:
        """(device id, user id) of a valid device cookie."""
        if cookie and len(cookie) < 1024:
            try:
                data = self.devices.loads(cookie, max_age=DEVICE_DAYS * 86400)
                return str(data["d"]), int(data["u"])
            except (BadSignature, KeyError, TypeError, ValueError, AttributeError):
                pass
        return None

    def device_cookie(self, user_id: int, device: str | None = None) -> str:
        return self.devices.dumps({"d": device or secrets.token_urlsafe(16), "u": user_id})


def csrf_ok(session: Session, supplied: str | None) -> bool:
    return bool(supplied) and hmac.compare_digest(session.csrf, str(supplied))


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_proxies(items: Iterable[str]) -> tuple[Network, ...]:
    """Addresses or networks (``10.0.0.5``, ``10.0.0.0/8``) of the trusted proxies."""
    out = []
    for item in items:
        if text := item.strip():
            out.append(ipaddress.ip_network(text, strict=False))
    return tuple(out)


def _in(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in networks)


def client_address(peer: str | None, forwarded_for: str | None, proxies: tuple[Network, ...]) -> str:
    """The client's address: the peer's unless the peer is a trusted proxy; then the
    nearest ``X-Forwarded-For`` hop that is not a trusted proxy."""
    address = peer or "?"
    if not proxies or not forwarded_for or not _in(address, proxies):
        return address[:64]
    for hop in reversed([h.strip() for h in forwarded_for.split(",")]):
        if not hop:
            continue
        if not _in(hop, proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return address[:64]
        address = hop
    return address[:64]
