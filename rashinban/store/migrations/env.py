"""Alembic environment: runs on the connection that :mod:`rashinban.store.migrate` passes in."""

from __future__ import annotations

from alembic import context

from rashinban.store.migrate import register_duckdb
from rashinban.store.schema import metadata

register_duckdb()


def run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:  # `alembic` command line: build an engine from the URL
        import sqlalchemy as sa

        engine = sa.create_engine(context.config.get_main_option("sqlalchemy.url") or "")
        with engine.connect() as conn:
            context.configure(connection=conn, target_metadata=metadata)
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=metadata)
    with context.begin_transaction():
        context.run_migrations()


run()
