"""Web settings from the environment (and the command line of ``rashinban serve``)."""

from __future__ import annotations

import os
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from rashinban.store.db import resolve_url


def _secret_for(db: str | None) -> str:
    """RASHINBAN_SECRET, or a random key kept next to a DuckDB store (so sessions survive
    restarts), or a random key for this process."""
    if env := os.environ.get("RASHINBAN_SECRET"):
        return env
    url = resolve_url(db)
    if url.startswith("duckdb:///"):
        path = Path(url.removeprefix("duckdb:///")).with_suffix(".secret")
        try:
            if path.exists():
                return path.read_text(encoding="utf-8").strip()
            key = secrets.token_urlsafe(48)
            path.write_text(key, encoding="utf-8")
            path.chmod(0o600)
            return key
        except OSError:
            pass
    return secrets.token_urlsafe(48)


@dataclass
class WebSettings:
    db: str | None = None
    model: str | None = None  # the KPI model file the dashboards show
    secret_key: str = ""
    https: bool = False  # Secure cookies (set when served behind HTTPS)
    session_hours: int = 12
    login_attempts: int = 5  # per username and client address …
    login_window_seconds: int = 300  # … in this window
    extra: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.secret_key:
            self.secret_key = _secret_for(self.db)
        if self.model is None:
            from rashinban.service import default_model_path

            self.model = os.environ.get("RASHINBAN_MODEL") or str(default_model_path(self.db))
