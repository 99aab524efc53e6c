"""A small cache of computed dashboard results, keyed by the store's data version.

The data version changes with every write made through the app (the web layer bumps
``store.resources["generation"]`` after each successful unsafe request) and with writes by
other processes, which a cheap probe of row counts and last ids notices within
``PROBE_SECONDS``.  So a logged activity shows on the next request, and repeated views of
the same dashboard cost one computation.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

import sqlalchemy as sa

from rashinban.store import Store

T = TypeVar("T")
PROBE_SECONDS = 2.0
MAX_ENTRIES = 512
PROBE_SQL = (
    "SELECT (SELECT count(*) FROM activities), (SELECT count(*) FROM deals), (SELECT count(*) FROM leads),"
    " (SELECT count(*) FROM contracts), (SELECT max(id) FROM import_runs), (SELECT max(id) FROM targets),"
    " (SELECT max(id) FROM audit_log), (SELECT count(*) FROM teams), (SELECT count(*) FROM members)"
)
_LOCK = threading.Lock()


def bump(store: Store) -> None:
    """Record a write made through this process."""
    with _LOCK:
        store.resources["generation"] = store.resources.get("generation", 0) + 1


def data_version(store: Store) -> tuple[Any, ...]:
    now = time.monotonic()
    with _LOCK:
        probed = store.resources.get("probe")
        generation = store.resources.get("generation", 0)
    if probed is None or now - probed[0] > PROBE_SECONDS:
        with store.engine.connect() as conn:
            row = tuple(conn.execute(sa.text(PROBE_SQL)).one())
        probed = (now, row)
        with _LOCK:
            store.resources["probe"] = probed
    return (generation, probed[1])


def cached(store: Store, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per key and data version."""
    version = data_version(store)
    with _LOCK:
        cache: OrderedDict[Hashable, tuple[Any, Any]] = store.resources.setdefault(
            "result_cache", OrderedDict()
        )
        hit = cache.get(key)
        if hit is not None and hit[0] == version:
            cache.move_to_end(key)
            return hit[1]  # type: ignore[no-any-return]
    value = compute()
    with _LOCK:
        cache[key] = (version, value)
        cache.move_to_end(key)
        while len(cache) > MAX_ENTRIES:
            cache.popitem(last=False)
    return value
