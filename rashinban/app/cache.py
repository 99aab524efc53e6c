"""Computed results cached per store, keyed on the data version.

Every write bumps the store's data version in its own transaction (``Store.write``), so an
entry computed at version *v* is valid exactly as long as the store is at *v* — in this
process and in every other worker.  Entries of older versions are never served; they age
out of the LRU.  Nothing here needs to agree across processes: a miss only recomputes.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from rashinban.store.db import Store

T = TypeVar("T")
MAX_ENTRIES = 512
_LOCK = threading.Lock()


def _entries(store: Store) -> OrderedDict[Hashable, Any]:
    with _LOCK:
        cache: OrderedDict[Hashable, Any] = store.resources.setdefault("versioned_cache", OrderedDict())
        return cache


def cached(store: Store, version: Hashable, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` once per (key, data version)."""
    cache = _entries(store)
    full = (version, key)
    with _LOCK:
        if full in cache:
            cache.move_to_end(full)
            return cache[full]  # type: ignore[no-any-return]
    value = compute()
    with _LOCK:
        cache[full] = value
        cache.move_to_end(full)
        while len(cache) > MAX_ENTRIES:
            cache.popitem(last=False)
    return value
