"""The tokens of a SPARQL query, as the SPARQL 1.1 grammar's terminals define them, for deciding what it may do.

The read-only checks (:mod:`controlgraph.service.sparql_access`) must see the keywords pyoxigraph will see.
A regex that blanks strings, IRIs and comments gets that wrong: a prefixed name may hold escapes
(``ex:a\\#``, ``ex:a\\'``) that look like a comment or a string to it, and pyoxigraph's parser
matches a keyword as the first letters of a longer word (``SERVICEex:a`` is ``SERVICE ex:a``).
This lexer knows every terminal (IRIs, prefixed names with their ``\\`` and ``%`` escapes, the four
string forms with their escapes, comments, variables, blank nodes, numbers, language tags, operators).

One ambiguity is not lexical: ``<`` opens an IRI, or is the less-than operator when it follows an
operand inside an expression (``FILTER(?a<?b)``: pyoxigraph reads an operator there, a context-free
tokenizer an IRI ``<?b)...>``, and whatever follows can then be hidden from one reading as a comment or a
string). The lexer therefore follows **every** reading where ``<`` could be either (after an operand,
inside parentheses) and reports the words seen by any of them: a keyword is found if some reading has it.
The readings meet again at the same positions, so the work stays linear in practice; past a bound
(``_MAX_STATES_PER_CHAR``) the query is refused rather than checked partly.

Text no reading can split into terminals is reported as malformed: pyoxigraph would refuse it too, and a
query this lexer cannot read is never passed on.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from controlgraph.errors import QueryRefused

_MAX_STATES_PER_CHAR = 4
# pyoxigraph's parser recurses once per bracket: 30,000 nested parentheses overflow its stack and end
# the process (a query worker, or the server itself on the in-memory and remote stores). No real query
# nests anywhere near this deep.
MAX_NESTING = 256

# Character classes of the grammar's terminals (SPARQL 1.1, section 19.8).
_BASE = ("A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u02ff\u0370-\u037d\u037f-\u1fff\u200c-\u200d"
         "\u2070-\u218f\u2c00-\u2fef\u3001-\ud7ff\uf900-\ufdcf\ufdf0-\ufffd\U00010000-\U000effff")
_CHARS_U = _BASE + "_"
_CHARS = _CHARS_U + r"\-0-9\u00b7\u0300-\u036f\u203f-\u2040"
_PLX = r"(?:%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?#@%])"
_PN_PREFIX = rf"[{_BASE}](?:[{_CHARS}.]*[{_CHARS}])?"
_PN_LOCAL = rf"(?:[{_CHARS_U}:0-9]|{_PLX})(?:(?:[{_CHARS}.:]|{_PLX})*(?:[{_CHARS}:]|{_PLX}))?"

_SKIP = re.compile(r"(?:[ \t\r\n]+|#[^\r\n]*)*")
_IRIREF = re.compile(r"<[^<>\"{}|^`\\\x00-\x20]*>")
_TOKEN = re.compile(
    # The four string forms as "unrolled loops" (runs of plain characters between escapes and lone
    # quotes), so that a long literal is one fast scan.
    r"(?P<string>'''[^'\\]*(?:(?:\\.|'(?!''))[^'\\]*)*'''"
    r"|\"\"\"[^\"\\]*(?:(?:\\.|\"(?!\"\"))[^\"\\]*)*\"\"\""
    r"|'[^'\\\n\r]*(?:\\.[^'\\\n\r]*)*'|\"[^\"\\\n\r]*(?:\\.[^\"\\\n\r]*)*\")"
    rf"|(?P<var>[?$][{_CHARS_U}0-9][{_CHARS_U}0-9\u00b7\u0300-\u036f\u203f-\u2040]*)"
    rf"|(?P<blank>_:[{_CHARS_U}0-9](?:[{_CHARS}.]*[{_CHARS}])?)"
    rf"|(?P<pname>(?:{_PN_PREFIX})?:(?:{_PN_LOCAL})?)"
    rf"|(?P<word>[{_CHARS_U}][{_CHARS_U}0-9]*)"
    r"|(?P<number>(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)"
    r"|(?P<langtag>@[a-zA-Z]+(?:-[a-zA-Z0-9]+)*(?:--[a-zA-Z]+)?)"
    r"|(?P<open>\{\||[({\[])"
    r"|(?P<close>\|\}|[)}\]])"
    r"|(?P<op>\^\^|\|\||&&|!=|>=|>>|[,;.*+\-/^|!=>?~])"
)
_CLOSING = {")": "(", "]": "[", "}": "{", "|}": "{|", ">>": "<<"}
# Tokens after which a following "<" may be the less-than operator (the end of an operand).
_OPERAND_END = {"string", "var", "pname", "word", "number", "langtag", "iri", "close"}


@dataclass
class Lexed:
    """What the readings of a query hold: its words (keywords and bare names, upper-cased) and more."""

    words: set[str] = field(default_factory=set)
    prefixes: set[str] = field(default_factory=set)  # prefix parts of prefixed names, upper-cased
    first_words: list[str] = field(default_factory=list)  # the deterministic start: prologue and query form


class _Stacks:
    """Interned bracket stacks: (top, parent id) -> id, so a reading's state hashes in constant time."""

    def __init__(self) -> None:
        self.ids: dict[tuple[str, int], int] = {}
        self.nodes: list[tuple[str, int]] = [("", -1)]
        self.depths: list[int] = [0]

    def push(self, stack: int, bracket: str) -> int:
        key = (bracket, stack)
        if key not in self.ids:
            depth = self.depths[stack] + 1
            if depth > MAX_NESTING:
                raise QueryRefused(f"the query nests brackets more than {MAX_NESTING} deep")
            self.ids[key] = len(self.nodes)
            self.nodes.append(key)
            self.depths.append(depth)
        return self.ids[key]

    def top(self, stack: int) -> str:
        return self.nodes[stack][0]

    def pop(self, stack: int) -> int:
        return self.nodes[stack][1]


def query_form(words: list[str]) -> str | None:
    """The first word after the prologue (``BASE <iri>``, ``PREFIX p: <iri>``), or None if not reached."""
    skip_next = False
    for word in words:
        if skip_next:
            skip_next = False
        elif word == "PREFIX":
            skip_next = True
        elif word != "BASE":
            return word
    return None


def could_hold(sparql: str, keyword: str) -> bool:
    """Whether any reading of ``sparql`` could hold ``keyword`` or nest too deeply (a cheap over-estimate:
    a keyword has no escapes, so its letters must appear in the text as they are)."""
    openers = sum(sparql.count(c) for c in "({[") + sparql.count("<<")
    return keyword.lower() in sparql.lower() or openers > MAX_NESTING


def lex(sparql: str, *, until_form: bool = False) -> Lexed:
    """Every word any reading of ``sparql`` holds; :class:`QueryRefused` when no reading lexes it all.

    ``until_form``: stop once the query form (the first word after the prologue) is known.
    """
    found = Lexed()
    stacks = _Stacks()
    # A reading's state: (position, the last token ended an operand, its bracket stack).
    pending: list[tuple[int, bool, int]] = [(0, False, 0)]
    seen: set[tuple[int, bool, int]] = set(pending)
    limit = _MAX_STATES_PER_CHAR * len(sparql) + 64
    completed = False
    deterministic = True  # until the first fork, words are recorded in order as the query's start
    while pending:
        pos, after_operand, stack = pending.pop()
        successors = _step(sparql, pos, after_operand, stack, stacks, found, deterministic)
        if successors is None:
            completed = True
            continue
        if until_form and deterministic and query_form(found.first_words) is not None:
            return found
        if len(successors) > 1:
            deterministic = False
        for state in successors:
            if state not in seen:
                seen.add(state)
                pending.append(state)
        if len(seen) > limit:
            raise QueryRefused("the query is too intricate to check (many ways to read '<'); "
                               "put spaces around comparison operators")
    if not completed:
        raise QueryRefused("malformed SPARQL: the query could not be split into SPARQL tokens")
    return found


def _step(text: str, pos: int, after_operand: bool, stack: int, stacks: _Stacks, found: Lexed,
          deterministic: bool) -> list[tuple[int, bool, int]] | None:
    """The states after the next token (several where "<" is ambiguous); None at the end of the text."""
    skip = _SKIP.match(text, pos)
    pos = skip.end() if skip else pos
    if pos >= len(text):
        return None if stack == 0 else []
    if text[pos] == "<":
        readings: list[tuple[int, bool, int]] = []
        iri = _IRIREF.match(text, pos)
        if iri:
            readings.append((iri.end(), True, stack))
        if iri is None or (after_operand and stacks.top(stack) == "("):
            if text.startswith("<<", pos):
                readings.append((pos + 2, False, stacks.push(stack, "<<")))
            elif text.startswith("<=", pos):
                readings.append((pos + 2, False, stack))
            else:
                readings.append((pos + 1, False, stack))
        return readings
    token = _TOKEN.match(text, pos)
    if token is None:
        return []  # this reading cannot go on
    kind = token.lastgroup or ""
    value = token.group()
    if kind in ("word", "pname"):
        head = value.split(":", 1)[0].upper() if kind == "pname" else value.upper()
        (found.prefixes if kind == "pname" else found.words).add(head)
    if deterministic and kind in ("word", "pname"):
        found.first_words.append(value.upper())
    if kind == "open":
        stack = stacks.push(stack, value)
    elif kind == "close" or value == ">>":
        if stacks.top(stack) != _CLOSING[value]:
            if value == ">>":  # not closing a quoted triple: two "greater than" in an expression
                return [(token.end(), False, stack)]
            return []  # unbalanced in this reading: it is not the parser's
        stack = stacks.pop(stack)
    return [(token.end(), kind in _OPERAND_END, stack)]
