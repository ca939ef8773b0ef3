"""Inputs that cannot all be true, found before chaining, reported and read conservatively.

- **merge**: a control X mapped to two or more controls of one other framework that share
  requirements with it (equal, subset-of, intersects-with...), at least one of them typed equal
  (Y1 = X, Y2 subset-of or intersects-with X). Equal is an equivalence, so the data would make Y2
  part of, or overlapping, Y1 (with two equals, Y1 equal Y2): two controls of one framework
  sharing what X asks for. The usual cause is a merge between editions
  (ISO/IEC 27002:2013 12.1.2, 14.2.2, 14.2.3 and 14.2.4 all went into 2022 8.32) with one of the
  merged controls (12.1.2) typed equal. Each such mapping is read as containment of the merged side
  in X (Y subset-of X, or equal: {equal, subset-of}, so that a true equality is not contradicted),
  which is what a merge says; the controls are never merged into one class. Flagged from both ends,
  a mapping is read {equal, subset-of, superset-of}.
- **mixed class**: after merges are set aside, equal mappings that still join two controls of one
  framework into one class (A = B = C with A, C in one framework, through any chain). Every equal
  mapping of that class is read as {equal, subset-of, superset-of}: one of them is wrong and the
  data cannot say which, so the class is not formed.

A finding names the controls and the mappings; the engine reports it with the conflicts (CLI
build summary, GraphQL ``conflicts``, the conflicts graph).
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from controlgraph.reasoning import possibilities as P
from controlgraph.reasoning.class_graph import AssertedMapping
from controlgraph.reasoning.readings import READINGS
from controlgraph.vocabulary import Relation

_EQ = P.of(Relation.EQUAL)
_SUB, _SUP = P.of(Relation.SUBSET_OF), P.of(Relation.SUPERSET_OF)
_IN_OBJECT = _EQ | _SUB  # the subject is contained in the object


@dataclass(frozen=True)
class Finding:
    """A data-quality finding: ``kind`` (merge, mixed-class), the controls and mappings involved."""

    kind: str
    controls: tuple[str, ...]
    mappings: tuple[str, ...]
    message: str


def check_inputs(
    edges: Sequence[AssertedMapping], framework: Callable[[str], str]
) -> tuple[list[AssertedMapping], list[Finding]]:
    """The edges as the engine should read them, and the findings that changed their reading."""
    out = list(edges)
    findings: list[Finding] = []
    # Merges: per control X and other framework F, the F-controls said to share requirements with X;
    # two or more of them with at least one typed equal is a merge typed as equal.
    contained: dict[tuple[str, str], list[int]] = defaultdict(list)
    for k, e in enumerate(out):
        if e.subject == e.object or not P.admits_overlap(e.mask):
            continue
        contained[(e.object, framework(e.subject))].append(k)
        contained[(e.subject, framework(e.object))].append(k)
    reread: dict[int, P.Possibilities] = {}
    for (hub, _), ks in sorted(contained.items()):
        others = {out[k].object if out[k].subject == hub else out[k].subject for k in ks}
        equals = [k for k in ks if out[k].is_equal]
        if len(others) < 2 or not equals:
            continue
        for k in equals:
            e = out[k]
            # The other side is contained in the hub: Y subset-of (or, if the data was right after
            # all, equal to) X, read from the mapping's subject.
            mask = (_SUP if e.subject == hub else _SUB) | _EQ
            reread[k] = reread.get(k, 0) | mask
        named = sorted(out[k].object if out[k].subject == hub else out[k].subject for k in equals)
        findings.append(Finding(
            "merge",
            (hub, *sorted(others)),
            tuple(sorted(out[k].mapping for k in ks)),
            f"{hub} shares requirements with {len(others)} controls of one framework "
            f"({', '.join(sorted(others))}) and is said to be equal to {', '.join(named)}; "
            "equal read as contained in it (subset-of or equal), not merged",
        ))
    for k, mask in reread.items():
        out[k] = dataclasses.replace(out[k], possible=mask, reading="merge-as-containment")
    findings += _mixed_classes(out, framework)
    return out, findings


def _mixed_classes(out: list[AssertedMapping], framework: Callable[[str], str]) -> list[Finding]:
    """Re-read the equal mappings of classes that hold two controls of one framework (in place)."""
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        parent.setdefault(x, x)
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    equal = [k for k, e in enumerate(out) if e.is_equal and e.subject != e.object]
    for k in equal:
        a, b = find(out[k].subject), find(out[k].object)
        if a != b:
            parent[max(a, b)] = min(a, b)
    members: dict[str, set[str]] = defaultdict(set)
    for k in equal:
        members[find(out[k].subject)].update((out[k].subject, out[k].object))
    findings = []
    for root, names in sorted(members.items()):
        by_framework: dict[str, list[str]] = defaultdict(list)
        for n in names:
            by_framework[framework(n)].append(n)
        clashes = sorted(tuple(sorted(v)) for v in by_framework.values() if len(v) > 1)
        if not clashes:
            continue
        ks = [k for k in equal if find(out[k].subject) == root]
        mask = READINGS["equal-in-mixed-class"]
        assert mask is not None
        for k in ks:
            out[k] = dataclasses.replace(out[k], possible=mask, reading="equal-in-mixed-class")
        findings.append(Finding(
            "mixed-class",
            tuple(sorted(names)),
            tuple(sorted(out[k].mapping for k in ks)),
            "equal mappings join controls of one framework ("
            + "; ".join(", ".join(c) for c in clashes)
            + "); each read as {equal, subset-of, superset-of}, not merged",
        ))
    return findings
