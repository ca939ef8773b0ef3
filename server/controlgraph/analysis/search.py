"""Find controls across frameworks by identifier or title, tolerantly, with "did you mean" for near misses.

An identifier is compared token by token, numbers read as numbers: ``a.5.15`` finds ISO/IEC 27001:2022
A.5.15, ``PR.AA-1`` finds NIST CSF 2.0 PR.AA-01, ``5.15`` finds ISO/IEC 27002:2022 5.15 and (through the
identifier without its leading letters) A.5.15, ``PR.AA`` finds the category and the items beneath it.
``FRAMEWORK:ID`` restricts the search to one framework. Otherwise the words are looked up in titles
(``access control``). When nothing matches, the nearest identifiers and a respelt query are suggested;
the web explorer and the CLI's "no control" error give the same suggestions.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Collection
from dataclasses import dataclass, field

from controlgraph.analysis.catalog import frameworks
from controlgraph.analysis.coverage import framework_items
from controlgraph.analysis.satisfiers import ControlInfo, control_info, notation_key
from controlgraph.errors import NotFound
from controlgraph.store.base import GraphStore
from controlgraph.store.read_cache import cached
from controlgraph.vocabulary import ControlRef

MAX_QUERY = 200  # characters of a query looked at; longer input is cut, never an error
_TOKEN = re.compile(r"[a-z]+|\d+")
_WORD = re.compile(r"[a-z0-9]+")

# How a hit matched, best first.
EXACT, WITHOUT_PREFIX, BENEATH, TITLE_PHRASE, TITLE_WORDS = range(5)
MATCH_NAMES = {EXACT: "identifier", WITHOUT_PREFIX: "identifier", BENEATH: "identifier prefix",
               TITLE_PHRASE: "title", TITLE_WORDS: "title words"}


def identifier_tokens(text: str) -> tuple[str, ...]:
    """Letters and numbers of an identifier, lower case, numbers without leading zeros: PR.AA-01 -> pr aa 1."""
    return tuple(str(int(t)) if t.isdigit() else t for t in _TOKEN.findall(text.casefold()))


def _without_prefix(tokens: tuple[str, ...]) -> tuple[str, ...]:
    """The tokens after the leading letters (A.5.15 -> 5.15, CLD.6.3.1 -> 6.3.1); unchanged if all letters."""
    for i, token in enumerate(tokens):
        if token.isdigit():
            return tokens[i:] if i else tokens
    return tokens


@dataclass(frozen=True)
class _Entry:
    info: ControlInfo
    tokens: tuple[str, ...]
    bare: tuple[str, ...]
    title: str
    words: frozenset[str]


@dataclass(frozen=True)
class _Index:
    entries: tuple[_Entry, ...]
    identifiers: dict[str, tuple[int, ...]]  # ".".join(tokens) -> entry positions
    vocabulary: frozenset[str]  # every word of every title
    by_initial: dict[str, tuple[str, ...]]  # the same words by first letter, for respelling
    slugs: frozenset[str]


def _index(store: GraphStore) -> _Index:
    return cached(store, ("search_index",), lambda: _build_index(store))


def _build_index(store: GraphStore) -> _Index:
    entries = []
    slugs = [f.slug for f in frameworks(store)]
    for slug in slugs:
        for item in framework_items(store, slug).items:
            tokens = identifier_tokens(item.info.notation)
            title = item.info.title.casefold()
            entries.append(_Entry(item.info, tokens, _without_prefix(tokens), title, frozenset(_WORD.findall(title))))
    identifiers: dict[str, list[int]] = {}
    for position, entry in enumerate(entries):
        identifiers.setdefault(".".join(entry.tokens), []).append(position)
    vocabulary = frozenset(w for e in entries for w in e.words if len(w) > 2)
    by_initial: dict[str, list[str]] = {}
    for word in sorted(vocabulary):
        by_initial.setdefault(word[0], []).append(word)
    return _Index(tuple(entries), {k: tuple(v) for k, v in identifiers.items()}, vocabulary,
                  {k: tuple(v) for k, v in by_initial.items()}, frozenset(slugs))


@dataclass(frozen=True)
class SearchHit:
    control: ControlInfo
    match: str  # identifier, identifier prefix, title or title words


@dataclass
class SearchResult:
    query: str
    hits: list[SearchHit]
    total: int  # hits before the limit
    suggestions: list[ControlInfo] = field(default_factory=list)  # nearest identifiers, when nothing matched
    respelt: str | None = None  # the query with its words respelt as words of titles, when that differs


def _split_framework(index: _Index, text: str) -> tuple[str | None, str]:
    slug, sep, rest = text.partition(":")
    if sep and rest.strip() and slug.strip().lower() in index.slugs:
        return slug.strip().lower(), rest.strip()
    return None, text


def _rank(entry: _Entry, tokens: tuple[str, ...], text: str, words: list[str]) -> int | None:
    if tokens and entry.tokens == tokens:
        return EXACT
    if len(tokens) > 1 or (tokens and tokens[0].isdigit()):
        if entry.bare == tokens:
            return WITHOUT_PREFIX
        if len(tokens) > 1 and len(entry.tokens) > len(tokens) and entry.tokens[:len(tokens)] == tokens:
            return BENEATH
    if words and text in entry.title:
        return TITLE_PHRASE
    if words and all(any(have.startswith(w) for have in entry.words) for w in words):
        return TITLE_WORDS
    return None


def search(store: GraphStore, query: str, *, framework_slugs: Collection[str] = (), limit: int = 200) -> SearchResult:
    """Controls whose identifier or title matches ``query``, best match first, then by framework and identifier."""
    text = " ".join(query[:MAX_QUERY].split())
    if not text:
        return SearchResult(query=text, hits=[], total=0)
    index = _index(store)
    slug, rest = _split_framework(index, text)
    tokens = identifier_tokens(rest)
    folded = rest.casefold()
    words = [w for w in _WORD.findall(folded) if len(w) > 1 or not tokens]
    ranked: list[tuple[int, ControlInfo]] = []
    for entry in index.entries:
        if slug is not None and entry.info.framework != slug:
            continue
        if framework_slugs and entry.info.framework not in framework_slugs:
            continue
        rank = _rank(entry, tokens, folded, words)
        if rank is not None:
            ranked.append((rank, entry.info))
    best = min((r for r, _ in ranked), default=None)
    if best is not None and best <= WITHOUT_PREFIX:  # an identifier matched: do not drown it in title hits
        ranked = [(r, i) for r, i in ranked if r <= BENEATH]
    ranked.sort(key=lambda p: (p[0], p[1].framework, notation_key(p[1].notation)))
    hits = [SearchHit(info, MATCH_NAMES[rank]) for rank, info in ranked[:limit]]
    result = SearchResult(query=text, hits=hits, total=len(ranked))
    if not ranked:
        result.suggestions = suggest(store, rest, framework=slug)
        result.respelt = _respelt(index, folded)
    return result


def suggest(store: GraphStore, text: str, *, framework: str | None = None, limit: int = 5) -> list[ControlInfo]:
    """The controls whose identifiers are nearest to ``text`` (for a "did you mean")."""
    index = _index(store)
    key = ".".join(identifier_tokens(text[:MAX_QUERY]))
    if not key:
        return []
    names = list(index.identifiers)
    near = difflib.get_close_matches(key, names, n=limit * 3, cutoff=0.75)
    found: list[ControlInfo] = []
    for name in near:
        for position in index.identifiers[name]:
            info = index.entries[position].info
            if framework is None or info.framework == framework:
                found.append(info)
    return found[:limit]


def _respelt(index: _Index, folded: str) -> str | None:
    words = _WORD.findall(folded)
    if not words or all(w.isdigit() for w in words):
        return None
    out = []
    for word in words:
        if word in index.vocabulary or len(word) <= 2:
            out.append(word)
            continue
        near = difflib.get_close_matches(word, index.by_initial.get(word[0], ()), n=1, cutoff=0.75)
        out.append(near[0] if near else word)
    respelt = " ".join(out)
    return respelt if respelt != " ".join(words) else None


def find_control(store: GraphStore, ref: ControlRef) -> ControlInfo:
    """:func:`control_info`, whose "no control" error names the nearest controls of that framework."""
    try:
        return control_info(store, ref)
    except NotFound as exc:
        near = suggest(store, ref.notation, framework=ref.slug) or suggest(store, ref.notation)
        if not near:
            raise
        raise NotFound(f"{exc}; did you mean {', '.join(i.ref for i in near)}?") from None
