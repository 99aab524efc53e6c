"""The store itself: create/upgrade it, and generate the demo organisation into it."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from rashinban.app.context import AppContext
from rashinban.app.import_jobs import ImportJobs
from rashinban.app.models import Models, default_model_path
from rashinban.errors import NotFoundError, StoreError
from rashinban.store.db import Store, duckdb_path, resolve_url
from rashinban.store.opening import create_database, remove_server_note, write_server_note


class Data:
    def __init__(self, ctx: AppContext, models: Models) -> None:
        self.ctx = ctx
        self.models = models

    def upgrade(self, create: bool = True) -> dict[str, Any]:
        """Create or upgrade the store's schema (``db init``; ``db upgrade`` with ``create=False``
        refuses a store that does not exist yet)."""
        store = Store.open(self.ctx.db, create=create, staged=create)
        try:
            try:
                before, after = store.ready(create=create)
            except StoreError as e:  # db init on a server without the database: make it
                if not (create and e.code == "store_no_database" and create_database(store.url)):
                    raise
                before, after = store.ready(create=create)
            created = store.publish()
            return {
                "url": store.display if store.path is None else store.url,
                "before": before,
                "after": after,
                "created": created or (before is None and store.path is None),
            }
        finally:
            store.dispose()

    def check_servable(self, model: str | Path | None = None) -> str:
        """What ``serve`` needs before it starts: a store that opens (never created here) and a
        KPI model — the file named, a stored one, or the file beside the store."""
        store = self.ctx.store
        if model is not None and not Path(model).exists():
            raise NotFoundError("file_not_found", path=str(model))
        self.models.load(model)
        ImportJobs(self.ctx).sweep()  # uploads a killed server left behind
        return store.display

    @contextmanager
    def serving(self, address: str) -> Iterator[None]:
        """While ``serve`` runs on a DuckDB store, its address is left beside the store, so that
        a command that finds the store in use can say where to read it instead."""
        path = duckdb_path(resolve_url(self.ctx.db))
        if path is None:
            yield
            return
        try:
            write_server_note(path, address)
        except OSError:
            path = None
        try:
            yield
        finally:
            if path is not None:
                remove_server_note(path)

    @property
    def created_store(self) -> str | None:
        """The store this command created (``import`` and ``demo generate`` into a new path)."""
        return self.ctx.created

    def generate_demo(
        self,
        *,
        scale: str = "small",
        reps: int | None = None,
        months: int | None = None,
        seed: int = 1,
        password: str | None = None,
        end_month: str | None = None,
        model_out: str | Path | None = None,
        replace: bool = False,
        progress: Any = None,
    ) -> Any:
        """Generate the demo organisation and history (see :mod:`rashinban.demo`), write its
        model file beside the store and push it into the store as the default model."""
        from rashinban.demo import DemoConfig, generate

        cfg = DemoConfig.build(
            scale=scale,
            reps=reps,
            months=months,
            seed=seed,
            end_month=end_month,
            password=password,
            now=self.ctx.now(),
        )
        self.ctx.creates = True  # demo generate may create the store (kept only if it succeeds)
        out = Path(model_out) if model_out else default_model_path(self.ctx.db)
        result = generate(self.ctx.store, cfg, replace=replace, model_out=out, progress=progress)
        if result.model_path is not None:
            self.models.push(result.model_path, message="demo generate")
            self.ctx.refresh()
            from rashinban.app.demo_models import push_agency_model

            month = cfg.month_starts[-1]
            push_agency_model(self.ctx, self.models, f"{month:%Y-%m}", cfg.cutoff.date())
            self.ctx.refresh()
        self.ctx.publish()
        return result
