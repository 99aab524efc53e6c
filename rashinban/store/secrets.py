"""Secrets created once per store (the session signing key): every worker reads the same."""

from __future__ import annotations

import secrets
from datetime import datetime

import sqlalchemy as sa

from rashinban.store.db import Store
from rashinban.store.schema import app_secrets

SIGNING_KEY = "session_signing_key"


def get_or_create(store: Store, key: str, now: datetime) -> str:
    """The secret ``key``; created (random, 64 bytes) by whichever process asks first.  Two
    processes asking at once both end with the one that was committed first."""
    q = sa.select(app_secrets.c.value).where(app_secrets.c.key == key)
    with store.engine.connect() as conn:
        value = conn.execute(q).scalar()
    if value is not None:
        return str(value)
    with store.write() as conn:  # serialised across processes: the second writer sees the first's
        value = conn.execute(q).scalar()
        if value is None:
            value = secrets.token_urlsafe(64)
            conn.execute(app_secrets.insert().values(key=key, value=value, created_at=now))
    return str(value)
