"""Schema migrations (Alembic), run programmatically on a store's engine.

``upgrade`` brings any store to the newest revision: a new store gets every table, an old
one gets the changes since its revision.  A store whose tables were made by
``metadata.create_all`` before migrations existed is stamped first (its tables match
the initial revision), then upgraded.
"""

from __future__ import annotations

from importlib import resources

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.ddl.impl import DefaultImpl
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from rashinban.store.schema import metadata

INITIAL_REVISION = "0001"


class DuckDBImpl(DefaultImpl):
    """Alembic has no DuckDB implementation of its own; the default DDL works."""

    __dialect__ = "duckdb"
    transactional_ddl = True


def _config(conn: sa.Connection) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("rashinban.store") / "migrations"))
    cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("rashinban.store") / "migrations"))
    head = ScriptDirectory.from_config(cfg).get_current_head()
    return head or ""


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: sa.Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Upgrade to ``revision``; returns (revision before, revision after)."""
    before = current_revision(engine)
    with engine.begin() as conn:
        cfg = _config(conn)
        if before is None:
            existing = set(sa.inspect(conn).get_table_names())
            if existing >= set(metadata.tables):  # made by metadata.create_all: already current
                command.stamp(cfg, "head")
            elif existing & set(metadata.tables):  # made by create_all before migrations
                command.stamp(cfg, INITIAL_REVISION)
        command.upgrade(cfg, revision)
    return before, current_revision(engine)
