"""Job handlers by kind.

A handler takes a :class:`~rashinban.jobs.context.JobContext` and returns a JSON-able dict
(stored as the job's result; None counts as ``{}``)::

    handlers = Handlers()

    @handlers.register("import")
    def run_import(ctx: JobContext) -> dict[str, Any]:
        ...
        ctx.progress(done, total, label="rows", unit="rows")
        return {"rows": done}
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, overload

if TYPE_CHECKING:
    from rashinban.jobs.context import JobContext

Handler = Callable[["JobContext"], "Mapping[str, Any] | None"]


class Handlers:
    """Kind → handler.  A job whose kind has no handler fails with ``job_unknown_kind``."""

    def __init__(self, handlers: Mapping[str, Handler] | None = None) -> None:
        self._by_kind: dict[str, Handler] = dict(handlers or {})

    @overload
    def register(self, kind: str) -> Callable[[Handler], Handler]: ...

    @overload
    def register(self, kind: str, fn: Handler) -> Handler: ...

    def register(self, kind: str, fn: Handler | None = None) -> Handler | Callable[[Handler], Handler]:
        """Register ``fn`` for ``kind`` (replacing any earlier one); usable as a decorator."""
        if fn is None:
            return lambda f: self.register(kind, f)
        self._by_kind[kind] = fn
        return fn

    def get(self, kind: str) -> Handler | None:
        return self._by_kind.get(kind)

    def kinds(self) -> frozenset[str]:
        return frozenset(self._by_kind)

    def __contains__(self, kind: object) -> bool:
        return kind in self._by_kind

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self._by_kind))

    def __len__(self) -> int:
        return len(self._by_kind)


__all__ = ["Handler", "Handlers"]
