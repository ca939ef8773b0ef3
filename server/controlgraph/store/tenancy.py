"""Tenants of a running service: who may write (API keys), and which graphs each caller may read.

A tenant writes only into its own named graph (``graph/tenant/<name>``) and its audit trail
(``graph/tenant/<name>/audit``). Every read of the engine takes a :class:`Visibility`: anonymous callers
see the shared graphs and no tenant graph; an authenticated tenant sees the shared graphs and its own
two, never another tenant's.

API keys are configured as ``tenant:sha256-hex`` pairs (``CONTROLGRAPH_API_KEYS``): the service holds
only hashes, compares them in constant time, and never logs a key.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from dataclasses import dataclass

from controlgraph.errors import AuthenticationError, ConfigurationError
from controlgraph.vocabulary import ID, TENANT_GRAPH

TENANT_AGENT = ID + "tenant/"
_TENANT_RE = re.compile(r"^[a-z0-9][a-z0-9\-]{0,62}$")
_HEX_RE = re.compile(r"^[0-9a-f]{64}$")


def tenant_graph(tenant: str) -> str:
    return TENANT_GRAPH + tenant


def tenant_audit_graph(tenant: str) -> str:
    """The graph of the tenant's audit trail: only ever added to, so a write never reads or rewrites it.

    (Tenant names hold no ``/``, so no tenant's graph is another's audit graph.)
    """
    return tenant_graph(tenant) + "/audit"


def tenant_agent(tenant: str) -> str:
    """The IRI standing for the tenant as publisher and as the agent of its changes."""
    return TENANT_AGENT + tenant


def hash_key(key: str) -> str:
    """The sha256 (hex) of an API key, as configured in ``CONTROLGRAPH_API_KEYS``."""
    return hashlib.sha256(key.strip().encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Visibility:
    """Which graphs a read may draw on: the shared ones, plus the caller's own tenant graph and audit trail."""

    tenant: str | None = None

    def sees_graph(self, graph: str) -> bool:
        if not graph.startswith(TENANT_GRAPH):
            return True
        return self.tenant is not None and graph in (tenant_graph(self.tenant), tenant_audit_graph(self.tenant))

    def visible_graphs(self, graph_names: Iterable[str]) -> list[str]:
        return [g for g in graph_names if self.sees_graph(g)]


PUBLIC = Visibility()


class ApiKeys:
    """The configured tenants and the hashes of their keys."""

    def __init__(self, hashes: dict[str, list[str]]) -> None:
        self._hashes = hashes

    @classmethod
    def parse(cls, configured: str) -> ApiKeys:
        """Read ``tenant:sha256hex,tenant:sha256hex``; a tenant may have several keys (rotation)."""
        hashes: dict[str, list[str]] = {}
        for position, entry in enumerate((e.strip() for e in configured.split(",")), start=1):
            if not entry:
                continue
            tenant, sep, digest = entry.partition(":")
            tenant, digest = tenant.strip(), digest.strip().lower()
            if not sep or not _TENANT_RE.match(tenant):
                raise ConfigurationError(
                    f"CONTROLGRAPH_API_KEYS entry {position}: write tenant:sha256hex with a tenant name of "
                    "lower-case letters, digits and hyphens"
                )
            if not _HEX_RE.match(digest):
                raise ConfigurationError(
                    f"CONTROLGRAPH_API_KEYS entry {position} (tenant {tenant}): the hash must be 64 hex digits "
                    "(controlgraph hash-key prints it)"
                )
            hashes.setdefault(tenant, []).append(digest)
        return cls(hashes)

    @property
    def tenants(self) -> list[str]:
        return sorted(self._hashes)

    def authenticate(self, key: str) -> str:
        """The tenant owning ``key``; :class:`AuthenticationError` when no tenant does."""
        offered = hash_key(key)
        owner: str | None = None
        # Every configured hash is compared, so the time taken does not tell which tenant came close.
        for tenant, digests in self._hashes.items():
            for digest in digests:
                if hmac.compare_digest(offered, digest):
                    owner = tenant
        if owner is None:
            raise AuthenticationError("the API key is not valid")
        return owner

    def from_authorization(self, header: str | None) -> str | None:
        """The tenant of an ``Authorization: Bearer <key>`` header; None when the header is absent."""
        if header is None or not header.strip():
            return None
        scheme, _, key = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not key.strip():
            raise AuthenticationError("the Authorization header must read 'Bearer <API key>'")
        return self.authenticate(key.strip())
