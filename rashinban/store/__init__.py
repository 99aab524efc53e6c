"""The canonical store (DuckDB by default, PostgreSQL by URL)."""

from rashinban.store.db import Store, resolve_url

__all__ = ["Store", "resolve_url"]
