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
    session_hours: int = 12
    login_attempts: int = 5  # per username and client address …
    login_window_seconds: int = 300  # … in this window
    jobs: bool = True  # run the jobs runner in this process
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.model is None:
            self.model = os.environ.get("RASHINBAN_MODEL") or None
