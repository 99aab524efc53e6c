"""Web settings from the environment (and the command line of ``rashinban serve``).

The session signing key is not a setting: it is ``RASHINBAN_SECRET`` or the key kept in the
store (created once, shared by every worker) — see ``Accounts.signing_secret``.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field


@dataclass
class WebSettings:
    db: str | None = None
    model: str | None = None  # a KPI model file for every page (None: the store's models)
    secret_key: str = ""  # explicit signing key (tests); empty: RASHINBAN_SECRET or the store's
    https: bool = False  # Secure cookies (set when served behind HTTPS)
    session_hours: int = 12  # a session's absolute lifetime
    session_idle_minutes: int = 120  # a session unused this long is over
    login_attempts: int = 5  # password checks per account (and per known device) …
    login_address_attempts: int = 20  # … and per client address …
    login_window_seconds: int = 300  # … in this window; then a delay that doubles each time
    login_delay_seconds: int = 5  # the first delay …
    login_max_delay_seconds: int = 60  # … and the longest
    password_checks: int = 2  # argon2 checks at once per worker (64 MiB each)
    trusted_proxies: tuple[str, ...] = ()  # peers whose X-Forwarded-For is believed
    anonymous_body_kb: int = 16  # request bodies before sign-in
    body_kb: int = 2048  # request bodies of signed-in users (uploads: RASHINBAN_UPLOAD_MB)
    jobs: bool = True  # run the jobs runner in this process
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.model is None:
            self.model = os.environ.get("RASHINBAN_MODEL") or None
        if not self.trusted_proxies and (env := os.environ.get("RASHINBAN_TRUSTED_PROXIES")):
            self.trusted_proxies = tuple(p.strip() for p in env.split(",") if p.strip())

    @property
    def upload_mb(self) -> int:
        try:
            return max(1, int(os.environ.get("RASHINBAN_UPLOAD_MB", "100")))
        except ValueError:
            return 100
