"""Building the facade in tests (the CLI's and a request's, on a store the test holds)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rashinban.org.users import User
from rashinban.service import Rashinban
from rashinban.store.db import Store


def generate_demo(db: str | Path, lang: str = "en", **kwargs: Any) -> Any:
    """``rashinban demo generate`` into ``db`` (the store is closed afterwards)."""
    with Rashinban.for_cli(str(db), lang=lang) as svc:
        return svc.data.generate_demo(**kwargs)


def facade(store: Store, user: User | None = None, lang: str = "en") -> Rashinban:
    """A request's facade for ``user``; with no user, the CLI's (may see everything)."""
    if user is None:
        return Rashinban.for_job(store, lang)
    return Rashinban.for_store(store, user, lang)
