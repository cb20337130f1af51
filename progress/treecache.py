"""Remember reads of the live page tree until the tree changes.

Recording a batch of events needs the same few facts again and again (which
course a lesson belongs to, what a course requires). They change only when a
page is published, unpublished, moved or deleted, so each process keeps them
in memory under a tree version kept in the shared cache; those signals change
the version, and every process drops its copies on its next read.
"""

from __future__ import annotations

import threading
import uuid

from django.core.cache import cache

VERSION_KEY = "progress:tree-version"
MAX_ENTRIES = 20_000

_lock = threading.Lock()
_memo: dict = {"version": None, "entries": {}}


def tree_version() -> str:
    version = cache.get(VERSION_KEY)
    if version is None:
        cache.add(VERSION_KEY, uuid.uuid4().hex, timeout=None)
        version = cache.get(VERSION_KEY)
    return version


def tree_changed(**kwargs) -> None:
    """Signal receiver: any change to the live tree invalidates every copy."""
    cache.set(VERSION_KEY, uuid.uuid4().hex, timeout=None)


def lookup(namespace: str, keys, compute) -> dict:
    """``compute(missing_keys) -> {key: value}``, memoised per key.

    Keys ``compute`` finds nothing for are not remembered, so unknown keys
    sent by a client cannot fill the memory.
    """
    version = tree_version()
    with _lock:
        if _memo["version"] != version or len(_memo["entries"]) > MAX_ENTRIES:
            _memo.update(version=version, entries={})
        entries = _memo["entries"]
        found = {k: entries[(namespace, k)] for k in keys if (namespace, k) in entries}
    missing = [k for k in keys if k not in found]
    if missing:
        computed = compute(missing)
        with _lock:
            if _memo["version"] == version:
                for key, value in computed.items():
                    _memo["entries"][(namespace, key)] = value
        found.update(computed)
    return found
