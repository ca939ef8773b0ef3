"""Tolerant search across frameworks on the shipped graph, and the "did you mean" the CLI shares."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from controlgraph.analysis.search import find_control, identifier_tokens, search
from controlgraph.errors import NotFound
from controlgraph.vocabulary import parse_control_ref


def refs(store, query: str) -> list[str]:  # type: ignore[no-untyped-def]
    return [h.control.ref for h in search(store, query).hits]


def test_identifier_tokens_read_numbers_as_numbers() -> None:
    assert identifier_tokens("PR.AA-01") == identifier_tokens("pr.aa-1") == ("pr", "aa", "1")
    assert identifier_tokens("Art.9(2)(a)") == ("art", "9", "2", "a")


@pytest.mark.parametrize(("query", "expected"), [
    ("a.5.15", ["iso27001-2022:A.5.15"]),
    ("A.5.15", ["iso27001-2022:A.5.15"]),
    ("PR.AA-1", ["nist-csf-2.0:PR.AA-01"]),
    ("nist-csf-2.0:pr.aa-01", ["nist-csf-2.0:PR.AA-01"]),
])
def test_identifiers_are_found_whatever_their_spelling(built_store, query: str, expected: list[str]) -> None:  # type: ignore[no-untyped-def]
    assert refs(built_store, query) == expected


def test_a_bare_number_finds_the_control_with_and_without_its_letters(built_store) -> None:  # type: ignore[no-untyped-def]
    found = refs(built_store, "5.15")
    assert "iso27002-2022:5.15" in found and "iso27001-2022:A.5.15" in found
    assert found[0] == "iso27002-2022:5.15"  # the exact identifier first


def test_a_prefix_lists_the_item_and_those_beneath_it(built_store) -> None:  # type: ignore[no-untyped-def]
    found = refs(built_store, "PR.AA")
    assert found[0] == "nist-csf-2.0:PR.AA"
    assert "nist-csf-2.0:PR.AA-06" in found and all(r.startswith("nist-csf-2.0:PR.AA") for r in found)


def test_words_are_looked_up_in_titles(built_store) -> None:  # type: ignore[no-untyped-def]
    result = search(built_store, "access control")
    assert result.total >= 5
    assert "iso27001-2022:A.5.15" in [h.control.ref for h in result.hits]
    assert all("access" in h.control.title.lower() for h in result.hits)


def test_a_near_miss_gets_suggestions(built_store) -> None:  # type: ignore[no-untyped-def]
    typo = search(built_store, "acess controll")
    assert typo.hits == [] and typo.respelt == "access control"
    near = search(built_store, "iso27001-2022:A.5.155")
    assert near.hits == [] and "iso27001-2022:A.5.15" in [i.ref for i in near.suggestions]
    assert search(built_store, "   ").hits == []


def test_the_cli_not_found_error_names_the_nearest_controls(built_store) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(NotFound, match=r"did you mean nist-csf-2.0:PR.AA-01"):
        find_control(built_store, parse_control_ref("nist-csf-2.0:PR.AA-1"))
    assert find_control(built_store, parse_control_ref("nist-csf-2.0:PR.AA-01")).title


def test_the_cli_prints_the_suggestions(built_disk_store) -> None:  # type: ignore[no-untyped-def]
    from controlgraph.cli import main

    result = CliRunner().invoke(main, ["--store", str(built_disk_store), "satisfiers", "iso27001-2022:A.5.155"])
    assert result.exit_code == 3
    assert "did you mean iso27001-2022:A.5.15" in result.output
