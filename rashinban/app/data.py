"""The store itself: create/upgrade it, and generate the demo organisation into it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from rashinban.app.context import AppContext
from rashinban.app.models import Models, default_model_path
from rashinban.store.db import Store, resolve_url


class Data:
    def __init__(self, ctx: AppContext, models: Models) -> None:
        self.ctx = ctx
        self.models = models

    def upgrade(self) -> dict[str, Any]:
        """Create or upgrade the store's schema (``db init`` and ``db upgrade``)."""
        store = Store.open(self.ctx.db)
        try:
            before, after = store.ready()
            return {
                "url": store.engine.url.render_as_string(hide_password=True),
                "before": before,
                "after": after,
            }
        finally:
            store.dispose()

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
        url = resolve_url(self.ctx.db)
        if url.startswith("duckdb:///"):
            Path(url.removeprefix("duckdb:///")).parent.mkdir(parents=True, exist_ok=True)
        out = Path(model_out) if model_out else default_model_path(self.ctx.db)
        result = generate(self.ctx.store, cfg, replace=replace, model_out=out, progress=progress)
        if result.model_path is not None:
            self.models.push(result.model_path, message="demo generate")
            self.ctx.refresh()
        return result
