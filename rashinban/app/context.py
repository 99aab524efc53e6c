"""What every application service works with: the store, the user, the language, the clock.

The web app builds one context per request on its long-lived store; the CLI builds one per
command from ``--db`` (opened on first use, disposed by :meth:`AppContext.close`); the jobs
runner builds one per job.  The data version is read once per context, so one request sees
one consistent version for all its cached reads.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Hashable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Protocol, TypeVar

from rashinban.app.cache import cached
from rashinban.clock import Clock, default_clock
from rashinban.errors import UsageError
from rashinban.kpi.calendar import parse_period
from rashinban.org.roles import Permission, require
from rashinban.org.users import User
from rashinban.store.db import Store

T = TypeVar("T")


class Progress(Protocol):
    """Progress of a long piece of work (Rich bars in the CLI, job rows for the web)."""

    def start(self, label: str, total: int, unit: str) -> None: ...

    def advance(self, position: int, rows: int) -> None: ...

    def finish(self) -> None: ...


@dataclass
class AppContext:
    """One unit of work: a request, a command or a job."""

    store_: Store | None = None  # a long-lived store (web, jobs); None: open ``db`` on first use
    db: str | None = None  # the CLI's --db (or RASHINBAN_DB / the default file)
    user: User | None = None
    lang: str = "ja"
    clock: Clock = field(default_factory=default_clock)
    privileged: bool = False  # the CLI and jobs: no user, may do everything
    address: str | None = None  # the client's address (web requests), for the audit trail
    creates: bool = False  # may create the store (db init, demo generate, import): staged, published
    created: str | None = None  # the store this context created (once published)
    _owned: Store | None = None
    _versions: tuple[int, int, int, int] | None = None

    @property
    def store(self) -> Store:
        """The store (opened and migrated on first use when this context owns it)."""
        if self.store_ is not None:
            return self.store_
        if self._owned is None:
            store = Store.open(self.db, create=self.creates, staged=self.creates)
            try:
                store.ready(create=self.creates)
            except BaseException:
                store.dispose()
                raise
            self._owned = store
        return self._owned

    def publish(self) -> None:
        """A store this context created is kept (moved to its path): the work succeeded."""
        if self._owned is not None and self._owned.publish():
            self.created = self._owned.display

    @property
    def has_store(self) -> bool:
        return self.store_ is not None or self._owned is not None

    def close(self) -> None:
        if self._owned is not None:
            self._owned.dispose()
            self._owned = None

    @contextmanager
    def session(self) -> Iterator[AppContext]:
        try:
            yield self
        finally:
            self.close()

    # time ----------------------------------------------------------------------------------
    def now(self) -> datetime:
        return self.clock.now()

    def today(self) -> date:
        return self.clock.today()

    def as_of(self, text: str | None) -> date:
        """``--as-of`` / ``as_of``: a day (default: today in business time)."""
        if text is None:
            return self.today()
        span = parse_period(text)
        if span.kind != "day":
            raise UsageError("option_not_date", option="--as-of", value=text)
        return span.start

    # caching -------------------------------------------------------------------------------
    @property
    def versions(self) -> tuple[int, int]:
        """The store's (data, organisation) versions, read once for this context."""
        return self._all_versions()[:2]

    def _all_versions(self) -> tuple[int, int, int, int]:
        if self._versions is None:
            self._versions = self.store.all_versions()
        return self._versions

    @property
    def versions_read(self) -> tuple[int, int, int, int] | None:
        """The versions this context has read so far (None: none yet)."""
        return self._versions

    def refresh(self) -> None:
        """Forget the versions read (after this context wrote)."""
        self._versions = None

    def cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """``compute()`` once per key and data version, shared by every context of the store
        (for results that read facts)."""
        return cached(self.store, ("data", self.versions[0]), key, compute)

    def org_cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """Like :meth:`cached` for what only teams, members, users, settings and models
        decide (kept across activity writes)."""
        return cached(self.store, ("org", self.versions[1]), key, compute)

    def session_cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """For what only users and sessions decide: kept until an organisation write or a
        sign-out anywhere."""
        _, org, ended, _ = self._all_versions()
        return cached(self.store, ("sessions", org, ended), key, compute)

    def alerts_cached(self, key: Hashable, compute: Callable[[], T]) -> T:
        """For what the alerts' own state decides (kept until any write or an alerts write)."""
        data, _, _, alerts = self._all_versions()
        return cached(self.store, ("alerts", data, alerts), key, compute)

    def cached_forever(self, key: Hashable, compute: Callable[[], T]) -> T:
        """For results that depend only on ``key`` (which must name everything they read)."""
        return cached(self.store, "forever", key, compute)

    def require(self, permission: Permission) -> User | None:
        """The user when their role grants ``permission`` (ForbiddenError otherwise); None for
        a privileged context (the CLI, jobs)."""
        if self.privileged and self.user is None:
            return None
        return require(self.user, permission)

    @property
    def actor(self) -> str | None:
        """Who to name as the author of a write (the CLI: the OS user, or None)."""
        if self.user is not None:
            return self.user.username
        return os.environ.get("USER") or None if self.privileged else None
