"""Reference prose the project must not copy or paraphrase closely, and the measures used to compare it.

Read from the public reference folder: the NIST CSF 2.0 core (outcomes and implementation examples), the
descriptions and annotations of the CISO Assistant framework libraries (GDPR text, intuitem's ISO
paraphrases, CSF 1.1 outcomes, SP 800-53, SOC 2), the CSA CCM control specifications, and the W3C DPV
definitions. Used by tests/catalogs/test_prose_similarity.py (a support module, like set_worlds.py).
"""

from __future__ import annotations

import csv
import difflib
import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # the C loader when PyYAML has it: 5x faster

STOP_WORDS = frozenset({
    "a", "an", "the", "and", "or", "of", "to", "in", "on", "for", "with", "by", "is", "are", "be", "been",
    "as", "its", "it", "their", "that", "this", "these", "from", "at", "which", "all", "any", "into", "where",
    "when", "so", "such", "than", "other", "e", "g", "i",
})
_SUFFIXES = ("isation", "ization", "ations", "ation", "ised", "ized", "ising", "izing", "ies", "ing", "ions",
             "ion", "ed", "es", "s")


def words(text: str) -> list[str]:
    """Lower-case words (letters and digits), curly quotes and hyphens read as separators."""
    return re.findall(r"[a-z0-9]+", text.lower())


def stem(word: str) -> str:
    """A crude stem so that 'inventoried', 'inventory' and 'inventories' compare equal enough."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            return word[: -len(suffix)]
    return word.rstrip("y") if len(word) > 4 else word


def content_stems(text: str) -> list[str]:
    return [stem(w) for w in words(text) if w not in STOP_WORDS]


def sequence_ratio(a: str, b: str) -> float:
    """difflib ratio of the two texts' stemmed word sequences (1.0: same words in the same order)."""
    return difflib.SequenceMatcher(None, content_stems(a), content_stems(b), autojunk=False).ratio()


def coverage(part: str, whole: str) -> float:
    """Share of the distinct content words of ``whole`` that ``part`` also uses."""
    mine = set(content_stems(part))
    theirs = list(dict.fromkeys(content_stems(whole)))
    return sum(1 for w in theirs if w in mine) / len(theirs) if theirs else 0.0


def shingles(text: str, n: int) -> Iterator[tuple[str, ...]]:
    tokens = words(text)
    for i in range(len(tokens) - n + 1):
        yield tuple(tokens[i : i + n])


@dataclass(frozen=True)
class ReferenceText:
    source: str  # file and item, for the failure message
    item: str  # the item's identifier in its source ('' if none)
    text: str


def _library_texts(path: Path) -> Iterator[ReferenceText]:
    data: dict[str, Any] = yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)
    framework = data.get("objects", {}).get("framework")
    if not framework:
        return
    for node in framework.get("requirement_nodes", []):
        for key in ("description", "annotation"):
            value = node.get(key)
            if isinstance(value, str) and value.strip():
                where = f"{path.name}:{node.get('ref_id') or node['urn']}"
                yield ReferenceText(where, str(node.get("ref_id") or ""), value)


def _json_strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _json_strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _json_strings(v)


def reference_texts(reference: Path) -> list[ReferenceText]:
    texts: list[ReferenceText] = []
    with (reference / "nist-csf-2.0" / "csf2_core.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for column in ("text", "implementation_examples"):
                if row[column].strip() and not row[column].startswith("[Withdrawn"):
                    texts.append(ReferenceText(f"csf2_core.csv:{row['id']}:{column}", row["id"], row[column]))
    for path in sorted((reference / "ciso-assistant").glob("*.yaml")):
        texts.extend(_library_texts(path))
    primary = json.loads((reference / "csa-ccm-4.0.12/json-dataset/CCM/primary-dataset.json").read_text("utf-8"))
    for domain in primary["domains"]:
        for control in domain["controls"]:
            prose = [s for k, v in control.items() if k not in ("id", "title") for s in _json_strings(v)]
            texts.extend(ReferenceText(f"CCM:{control['id']}", control["id"], s) for s in prose if len(s) > 20)
    with (reference / "w3c-dpv" / "eu-gdpr-2.2.csv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            for column in ("definition", "scopenote"):
                if row[column].strip():
                    texts.append(ReferenceText(f"DPV:{row['term']}:{column}", row["term"], row[column]))
    return texts


class ShingleIndex:
    """Every run of n words of the reference texts, to find a literal that repeats one."""

    def __init__(self, texts: Iterable[ReferenceText], n: int) -> None:
        self.n = n
        self.where: dict[tuple[str, ...], str] = {}
        for text in texts:
            for shingle in shingles(text.text, n):
                self.where.setdefault(shingle, text.source)

    def shared(self, literal: str) -> tuple[str, str] | None:
        """The first run of n words the literal shares with a reference text, and where, or None."""
        for shingle in shingles(literal, self.n):
            if shingle in self.where:
                return " ".join(shingle), self.where[shingle]
        return None
