"""Opening the store: a DuckDB file by default, or any ``postgresql://`` URL.

``--db`` / ``RASHINBAN_DB`` take either a path (``./rashinban.duckdb``) or a URL
(``duckdb:///path``, ``postgresql://user@host/db``).  PostgreSQL URLs use psycopg 3.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from rashinban.store.schema import metadata

DEFAULT_DB = "rashinban.duckdb"


def resolve_url(db: str | None = None) -> str:
    """A SQLAlchemy URL from ``--db``, ``RASHINBAN_DB`` or the default DuckDB file."""
    value = db or os.environ.get("RASHINBAN_DB") or DEFAULT_DB
    if value.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + value.split("://", 1)[1]
    if "://" in value:
        return value
    return f"duckdb:///{Path(value).expanduser()}"


@dataclass
class Store:
    url: str
    engine: sa.Engine
    # long-lived resources other layers hang on the store (e.g. the metrics layer's DuckDB
    # connection); closed by dispose()
    on_dispose: list[Callable[[], None]] = field(default_factory=list)
    resources: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def open(cls, db: str | None = None) -> Store:
        url = resolve_url(db)
        engine = sa.create_engine(url, future=True)
        return cls(url=url, engine=engine)

    @property
    def dialect(self) -> str:
        """``duckdb`` or ``postgresql``."""
        return self.engine.dialect.name

    @property
    def is_duckdb(self) -> bool:
        return self.dialect == "duckdb"

    def create_all(self) -> None:
        """Bring the store to the newest schema (runs the Alembic migrations)."""
        self.upgrade()

    def upgrade(self) -> tuple[str | None, str | None]:
        """Run the migrations; returns the revision before and after."""
        from rashinban.store import migrate

        return migrate.upgrade(self.engine)

    def ready(self) -> tuple[str | None, str | None]:
        """Upgrade the schema; a store that cannot be reached or opened is a ``StoreError``."""
        from rashinban.errors import StoreError

        try:
            return self.upgrade()
        except (sa.exc.OperationalError, sa.exc.InterfaceError) as e:
            reason = str(getattr(e, "orig", e) or e).strip().splitlines()[0]
            url = self.engine.url.render_as_string(hide_password=True)
            raise StoreError("store_unavailable", url=url, reason=reason) from None

    def revision(self) -> str | None:
        from rashinban.store import migrate

        return migrate.current_revision(self.engine)

    def table_names(self) -> list[str]:
        return [name for name in metadata.tables if sa.inspect(self.engine).has_table(name)]

    def dispose(self) -> None:
        for close in self.on_dispose:
            close()
        self.on_dispose.clear()
        self.engine.dispose()
