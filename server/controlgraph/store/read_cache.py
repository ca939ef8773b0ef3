"""Answers computed from a store, kept until the data they were computed from changes.

The embedded store owns one :class:`ReadCache` and tells it of every write it makes (a build, an
import, a tenant's mapping), so a cached answer is never older than the data: the next read after a
write recomputes. A store whose data can change behind our back (a remote SPARQL server shared by
several replicas) has no cache. Keys name the engine function and all of its arguments, visibility
included, so one tenant never receives another's cached answer.

A write of shared graphs makes every answer stale. A write of a tenant's graphs (its mappings, its audit
trail) makes stale only the answers whose key holds a :class:`~controlgraph.store.tenancy.Visibility`
of that tenant: a key without one must be computed from what every caller sees (the shared graphs), and
a tenant's triples only ever describe the tenant's own nodes. So a tenant writing does not empty the
cache of everyone else's reads.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Hashable, Iterator
from typing import TypeVar

from controlgraph.store.tenancy import Visibility
from controlgraph.vocabulary import TENANT_GRAPH

T = TypeVar("T")


def _tenants_in(key: object) -> Iterator[str]:
    if isinstance(key, Visibility):
        if key.tenant is not None:
            yield key.tenant
    elif isinstance(key, tuple | frozenset):
        for part in key:
            yield from _tenants_in(part)


def _tenants_written(graphs: Collection[str] | None) -> set[str] | None:
    """The tenants whose graphs are ``graphs``; None when one of them is not a tenant's (or unknown)."""
    if graphs is None:
        return None
    tenants = set()
    for graph in graphs:
        if not graph.startswith(TENANT_GRAPH):
            return None
        tenants.add(graph[len(TENANT_GRAPH):].split("/", 1)[0])
    return tenants


class ReadCache:
    def __init__(self, max_entries: int = 4096) -> None:
        self._entries: OrderedDict[Hashable, tuple[Hashable, object]] = OrderedDict()
        self._max = max_entries
        self._lock = threading.Lock()
        self.generation = 0  # renewed by every write of shared graphs
        self._tenant_generations: dict[str, int] = {}  # renewed by every write of that tenant's graphs

    def clear(self, graphs: Collection[str] | None = None) -> None:
        """After a write of ``graphs`` (None: of anything): the answers that may read them are stale."""
        tenants = _tenants_written(graphs)
        with self._lock:
            if tenants is None:
                self._entries.clear()
                self.generation += 1
                return
            for tenant in tenants:
                self._tenant_generations[tenant] = self._tenant_generations.get(tenant, 0) + 1

    def _stamp(self, key: Hashable) -> Hashable:
        return (self.generation, *sorted((t, self._tenant_generations.get(t, 0)) for t in set(_tenants_in(key))))

    def stamp(self, key: Hashable) -> Hashable:
        """The state of the data ``key``'s answer reads: an answer computed at one stamp is stale at another."""
        with self._lock:
            return self._stamp(key)

    def get_or_compute(self, key: Hashable, compute: Callable[[], T]) -> T:
        with self._lock:
            stamp = self._stamp(key)
            entry = self._entries.get(key)
            if entry is not None and entry[0] == stamp:
                self._entries.move_to_end(key)
                return entry[1]  # type: ignore[return-value]
        value = compute()
        with self._lock:
            # A write that landed while computing makes the value stale: hand it out, do not keep it.
            if self._stamp(key) == stamp:
                self._entries[key] = (stamp, value)
                self._entries.move_to_end(key)
                if len(self._entries) > self._max:
                    self._entries.popitem(last=False)
        return value


def cached(store: object, key: Hashable, compute: Callable[[], T]) -> T:
    """``compute()`` through the store's cache when it has one."""
    cache = getattr(store, "read_cache", None)
    if not isinstance(cache, ReadCache):
        return compute()
    return cache.get_or_compute(key, compute)
