"""Jobs: the durable queue and the schedules, as the CLI and the web see them."""

from __future__ import annotations

from typing import Any

from rashinban.app.context import AppContext


class Jobs:
    def __init__(self, ctx: AppContext) -> None:
        self.ctx = ctx

    def start_runner(self) -> Any:
        """Start this process's jobs runner (None until the runner is wired)."""
        return None
