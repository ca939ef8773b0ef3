"""All settings of controlgraph, in one place.

Each setting is read from an environment variable ``CONTROLGRAPH_<NAME>`` and may be overridden
by a CLI option. ``docs/settings.md`` is generated from the field metadata below
(``controlgraph settings --markdown``) and a test keeps the two in step.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from controlgraph.errors import ConfigurationError

ENV_PREFIX = "CONTROLGRAPH_"
_TRUE, _FALSE = {"true", "1", "yes", "on"}, {"false", "0", "no", "off"}


def _setting(default: Any, doc: str) -> Any:
    return field(default=default, metadata={"doc": doc})


@dataclass(frozen=True)
class Settings:
    store: str = _setting(
        "data/store",
        "Where the graph lives: a directory for the embedded on-disk store, `memory` for an in-memory "
        "store (tests), or an `http(s)://` address of a SPARQL 1.1 Protocol + Graph Store Protocol server.",
    )
    data_dir: str = _setting(
        "",
        "Folder holding `ontology/` and `mappings/` to build from; empty means the data shipped with the "
        "package (or the repository checkout).",
    )
    host: str = _setting("127.0.0.1", "Address `controlgraph serve` listens on.")
    port: int = _setting(8000, "Port `controlgraph serve` listens on.")
    workers: int = _setting(1, "Worker processes for `controlgraph serve`.")
    max_hops: int = _setting(3, "Longest chain of asserted mappings the composition engine follows.")
    likely_threshold: float = _setting(
        -1.0,
        "Coverage: a candidate link at or above this probability shows as 'likely' (never counted as proven). "
        "Probabilities are the calibrated ones where the build stores them, else the candidate ranking score. "
        "Negative (the default): the operating threshold the build chose leave-one-set-out "
        "(cg:operatingThreshold, docs/reasoning.md), 0.5 without a fitted model.",
    )
    hub_share: float = _setting(
        0.1,
        "Coverage: an implemented control linked to at least this share of a target's items is a hub; its "
        "partial and likely evidence weighs hub_share / share in expected coverage.",
    )
    candidate_probability_floor: float = _setting(
        0.2,
        "Candidates whose possibility set is still 'any' (a bare shared neighbour) are stored in the candidates "
        "graph only when their calibrated probability reaches this floor; constrained candidates always are.",
    )
    sparql_timeout: float = _setting(10.0, "Seconds a SPARQL or saved query may run before it is stopped.")
    sparql_row_cap: int = _setting(10_000, "Most result rows a SPARQL or saved query returns.")
    sparql_max_result_bytes: int = _setting(
        16_000_000,
        "Most bytes a SPARQL or saved query answer holds. An answer within `sparql_stream_window` is cut at it "
        "as at the row cap (`X-Result-Truncated: true`); a streamed answer that reaches it (or the row cap) "
        "ends with the connection closed before the end of its chunked body, never as a complete-looking answer.",
    )
    sparql_stream_window: int = _setting(
        1_000_000,
        "SPARQL and saved-query answers whose terms fit in this many bytes are sent whole (`Content-Length`, "
        "`X-Result-Rows`); larger ones are streamed from the query worker in chunks (`Transfer-Encoding: "
        "chunked`), so the server never holds a whole large answer.",
    )
    sparql_stream_chunk: int = _setting(
        65_536, "Bytes per chunk of a streamed SPARQL answer; the server holds one chunk per streamed answer."
    )
    sparql_queue_wait: float = _setting(
        2.0,
        "Most seconds a SPARQL or saved query waits for a free query worker before `503`; the wait is part of "
        "the query's time limit (`CONTROLGRAPH_SPARQL_TIMEOUT` counts from the request's arrival).",
    )
    sparql_per_caller: int = _setting(
        1,
        "Most SPARQL and saved queries one caller runs at once (a tenant by its key, an anonymous caller by "
        "its address); one more answers `429`. Behind a reverse proxy all anonymous callers share its address.",
    )
    sparql_workers: int = _setting(
        2,
        "Worker processes answering public SPARQL and saved queries on an embedded on-disk store; a query "
        "past its time limit is stopped by ending its worker.",
    )
    sparql_public_copy_max_quads: int = _setting(
        2_000_000,
        "Embedded on-disk store holding tenant graphs: up to this many quads, each query worker keeps an "
        "in-memory copy of the shared graphs for anonymous queries (fast, refreshed after each write); past it, "
        "anonymous queries read the store with tenant graphs left out of the dataset (many times slower).",
    )
    store_query_path: str = _setting(
        "/query", "Remote store: path of the SPARQL query endpoint under the store address (Oxigraph server's)."
    )
    store_update_path: str = _setting(
        "/update", "Remote store: path of the SPARQL update endpoint under the store address."
    )
    store_graph_store_path: str = _setting(
        "/store", "Remote store: path of the Graph Store Protocol endpoint under the store address."
    )
    store_union_param: str = _setting(
        "union-default-graph",
        "Remote store: URL parameter asking for the union of all graphs as the default graph; empty when the "
        "server's default graph already is that union (GraphDB; Fuseki with `unionDefaultGraph`).",
    )
    graphql_max_depth: int = _setting(10, "Deepest GraphQL selection accepted.")
    graphql_max_complexity: int = _setting(5_000, "Largest estimated GraphQL query cost accepted.")
    graphql_max_aliases: int = _setting(30, "Most aliases in one GraphQL document.")
    page_size_max: int = _setting(200, "Largest page (`first`) a list field returns.")
    graphql_cache_bytes: int = _setting(
        32 * 1024 * 1024,
        "Bytes of GraphQL answers (their JSON text) kept to serve repeated queries until the next write; "
        "least recently used first out; 0 keeps none.",
    )
    graphql_cache_entry_bytes: int = _setting(
        256 * 1024,
        "Largest GraphQL answer (JSON bytes) kept in that cache; larger answers, and `crosswalkExport` "
        "whatever its size, are computed each time.",
    )
    max_request_bytes: int = _setting(1_000_000, "Largest request body accepted by the web app.")
    api_keys: str = _setting(
        "",
        "Write access: comma-separated `tenant:sha256-hex-of-key` pairs (`controlgraph hash-key` prints "
        "the hash). Keys themselves are never stored.",
    )
    admin_keys: str = _setting(
        "",
        "Admin access (imports into a running server, `/admin/imports`): comma-separated sha256-hex hashes of "
        "admin keys (`controlgraph hash-key` prints one). Empty turns the admin routes off.",
    )
    max_import_bytes: int = _setting(64_000_000, "Largest file accepted by `/admin/imports` (admin only).")
    validate_max_bytes: int = _setting(
        64_000_000,
        "`controlgraph validate`: most bytes of input files (together) it reads; validation holds the data as an "
        "rdflib graph for pyshacl, about 11 bytes of memory per input byte, so larger inputs are refused.",
    )
    validate_fast_max_bytes: int = _setting(
        1_000_000,
        "`controlgraph validate`: up to this many bytes of input files (together), a fast check runs first and "
        "answers for data that conform (about 4x sooner; it holds the data as Python objects, about 17 bytes per "
        "input byte); larger inputs, and any the check doubts, go to pyshacl. 0: always pyshacl.",
    )
    cors_origins: str = _setting(
        "", "Comma-separated origins allowed by CORS (with the `Authorization` header); empty turns CORS off."
    )
    api_explorers: bool = _setting(
        True,
        "Serve the API explorers: GraphiQL and GraphQL introspection at `/graphql`, `/docs`, `/redoc` and "
        "`/openapi.json`. Set to `false` on a public deployment to hide the schema.",
    )
    http_header_timeout: float = _setting(
        10.0, "`controlgraph serve`: seconds a client has to send a request's headers, from its first byte "
        "(or from connecting); the connection is closed past it.",
    )
    http_body_timeout: float = _setting(
        30.0, "Seconds a client has to send a whole request body; past it the answer is `408`.",
    )
    http_keep_alive: float = _setting(5.0, "`controlgraph serve`: seconds an idle keep-alive connection is kept.")
    http_max_connections: int = _setting(
        512, "`controlgraph serve`: most open connections; one more is closed at once.",
    )
    log_level: str = _setting("INFO", "Logging level of the server and the CLI.")

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Defaults, then ``CONTROLGRAPH_*`` variables, then explicit overrides (CLI options)."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for f in dataclasses.fields(cls):
            raw = env.get(ENV_PREFIX + f.name.upper())
            if raw is not None:
                values[f.name] = _convert(f.name, f.type, raw)
        values.update({k: v for k, v in overrides.items() if v is not None})
        settings = cls(**values)
        settings.check()
        return settings

    def check(self) -> None:
        positive = ("port", "workers", "max_hops", "sparql_row_cap", "sparql_workers", "page_size_max",
                    "max_request_bytes", "max_import_bytes", "sparql_max_result_bytes", "sparql_per_caller",
                    "sparql_stream_window", "sparql_stream_chunk", "validate_max_bytes",
                    "http_max_connections", "sparql_timeout", "sparql_queue_wait", "http_header_timeout",
                    "http_body_timeout", "http_keep_alive")
        for name in positive:
            if getattr(self, name) <= 0:
                raise ConfigurationError(f"{ENV_PREFIX}{name.upper()} must be positive")
        for name in ("graphql_cache_bytes", "graphql_cache_entry_bytes", "validate_fast_max_bytes"):
            if getattr(self, name) < 0:
                raise ConfigurationError(f"{ENV_PREFIX}{name.upper()} must not be negative")
        if self.likely_threshold > 1.0:
            raise ConfigurationError(f"{ENV_PREFIX}LIKELY_THRESHOLD must be at most 1 (negative: the build's)")
        for name in ("hub_share", "candidate_probability_floor"):
            if not 0.0 <= getattr(self, name) <= 1.0:
                raise ConfigurationError(f"{ENV_PREFIX}{name.upper()} must be between 0 and 1")

    @property
    def store_is_remote(self) -> bool:
        return self.store.startswith(("http://", "https://"))

    @property
    def store_path(self) -> Path:
        return Path(self.store)

    @property
    def cors_origin_list(self) -> list[str]:
        return [o.strip() for o in self.cors_origins.split(",") if o.strip()]

    def with_overrides(self, **overrides: Any) -> Settings:
        return dataclasses.replace(self, **{k: v for k, v in overrides.items() if v is not None})


def _convert(name: str, type_name: Any, raw: str) -> Any:
    kind = type_name if isinstance(type_name, str) else getattr(type_name, "__name__", str(type_name))
    if kind == "bool":
        flag = raw.strip().lower()
        if flag not in _TRUE | _FALSE:
            raise ConfigurationError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not true or false")
        return flag in _TRUE
    try:
        if kind == "int":
            return int(raw)
        if kind == "float":
            return float(raw)
    except ValueError:
        wanted = "a whole number" if kind == "int" else "a number"
        raise ConfigurationError(f"{ENV_PREFIX}{name.upper()}={raw!r} is not {wanted}") from None
    return raw


def settings_markdown() -> str:
    """The settings reference, as kept in docs/settings.md."""
    lines = [
        "# Settings",
        "",
        "Every setting is an environment variable; CLI options of the same name override it.",
        "Generated by `controlgraph settings --markdown`; a test checks this file is current.",
        "",
        "| variable | default | meaning |",
        "|---|---|---|",
    ]
    for f in dataclasses.fields(Settings):
        default = str(f.default).lower() if isinstance(f.default, bool) else f.default if f.default != "" else "(empty)"
        lines.append(f"| `{ENV_PREFIX}{f.name.upper()}` | `{default}` | {f.metadata['doc']} |")
    return "\n".join(lines) + "\n"
