"""Settings: one place, read from CONTROLGRAPH_* variables, documented in docs/settings.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from controlgraph.errors import ConfigurationError
from controlgraph.settings import Settings, settings_markdown

DOC = Path(__file__).resolve().parent.parent / "docs" / "settings.md"


def test_settings_doc_is_current() -> None:
    assert DOC.read_text(encoding="utf-8") == settings_markdown(), (
        "docs/settings.md is stale: regenerate it with `controlgraph settings --markdown > docs/settings.md`"
    )


def test_environment_then_overrides() -> None:
    env = {"CONTROLGRAPH_STORE": "/srv/graph", "CONTROLGRAPH_MAX_HOPS": "2", "CONTROLGRAPH_SPARQL_TIMEOUT": "2.5"}
    settings = Settings.from_env(env, max_hops=4)
    assert settings.store == "/srv/graph"
    assert settings.sparql_timeout == 2.5
    assert settings.max_hops == 4  # the CLI option wins over the variable


@pytest.mark.parametrize("env,needle", [
    ({"CONTROLGRAPH_PORT": "eighty"}, "CONTROLGRAPH_PORT='eighty' is not a whole number"),
    ({"CONTROLGRAPH_MAX_HOPS": "0"}, "CONTROLGRAPH_MAX_HOPS must be positive"),
])
def test_bad_values_are_named(env: dict[str, str], needle: str) -> None:
    with pytest.raises(ConfigurationError, match=needle):
        Settings.from_env(env)


def test_remote_store_is_recognised() -> None:
    assert Settings.from_env({}, store="http://127.0.0.1:7878").store_is_remote
    assert not Settings.from_env({}, store="data/store").store_is_remote
