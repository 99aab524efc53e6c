"""Schema migrations (Alembic), run programmatically on a store's engine.

``upgrade`` brings any store to the newest revision: a new store gets every table, an old
one gets the changes since its revision.  A store whose tables were made by
``metadata.create_all`` before migrations existed is stamped first (its tables match
the initial revision, or the newest when every table is there), then upgraded.  A store
already at the newest revision is recognised with one query, without loading Alembic.
"""

from __future__ import annotations

import re
from importlib import resources
from typing import Any

import sqlalchemy as sa

from rashinban.store.schema import metadata

INITIAL_REVISION = "0001"
_REV = re.compile(r'^(down_revision|revision)\s*=\s*["\']?([\w]+)', re.M)


def head_from_files() -> str:
    """The newest revision, read from the migration files without loading Alembic."""
    revisions: set[str] = set()
    parents: set[str] = set()
    folder = resources.files("rashinban.store") / "migrations" / "versions"
    for entry in folder.iterdir():
        if entry.name.endswith(".py") and entry.name[0].isdigit():
            for key, value in _REV.findall(entry.read_text(encoding="utf-8")):
                (revisions if key == "revision" else parents).add(value)
    heads = sorted(revisions - parents)
    return heads[-1] if heads else ""


def register_duckdb() -> None:
    """Alembic has no DuckDB implementation of its own; the default DDL works."""
    from alembic.ddl.impl import DefaultImpl, _impls

    if "duckdb" not in _impls:

        class DuckDBImpl(DefaultImpl):
            __dialect__ = "duckdb"
            transactional_ddl = True


def _config(conn: sa.Connection | None = None) -> Any:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(resources.files("rashinban.store") / "migrations"))
    if conn is not None:
        cfg.attributes["connection"] = conn
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_config()).get_current_head() or ""


def current_revision(engine: sa.Engine) -> str | None:
    with engine.connect() as conn:
        if not sa.inspect(conn).has_table("alembic_version"):
            return None
        value = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        return None if value is None else str(value)


def upgrade(engine: sa.Engine, revision: str = "head") -> tuple[str | None, str | None]:
    """Upgrade to ``revision``; returns (revision before, revision after)."""
    before = current_revision(engine)
    if revision == "head" and before is not None and before == head_from_files():
        return before, before
    from alembic import command

    register_duckdb()
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
