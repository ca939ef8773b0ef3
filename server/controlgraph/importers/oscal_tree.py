"""The item tree of an OSCAL catalog, at every depth: groups in groups, controls in groups, controls in controls.

* A group's notation is its ``label`` property, else its ``id``; a control's the same (OSCAL's plain
  ``label``, the one without a ``class``, is preferred over the zero-padded or assessment variants).
  SP 800-53 identifiers are normalised as every mapping source writes them (:func:`sp800_53_notation`).
* Nesting is kept as parent/child: a control inside a control (an SP 800-53 enhancement, a CAIQ
  question) is a child of it, a group inside a group a child of that group.
* The statement is the ``statement`` part with all its nested ``item`` parts, each on its own line
  behind its label; ``{{ insert: param, ID }}`` becomes a placeholder built from the parameter:
  ``[Assignment: LABEL]`` or ``[Selection (one or more): A; B]``.
* A control whose ``status`` property is ``withdrawn`` is kept (its identifier stays known) and marked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from controlgraph.data.authoring import ControlRecord
from controlgraph.importers.dataset_builder import DatasetBuilder

MAX_DEPTH = 32  # deeper nesting is a hostile file, not a catalog
_SP800_53 = re.compile(r"^([A-Za-z]{2})-0*(\d+)(?:\s*\(0*(\d+)\))?$")
_INSERT = re.compile(r"\{\{\s*insert:\s*param,\s*([^}\s]+)\s*\}\}")


def sp800_53_notation(text: str) -> str | None:
    """``AC-01`` -> ``AC-1``, ``CP-02(08)`` -> ``CP-2(8)``, ``ac-2.1`` -> ``AC-2(1)``; None if not one."""
    text = text.strip()
    dotted = re.fullmatch(r"([A-Za-z]{2})-0*(\d+)\.0*(\d+)", text)
    if dotted:
        return f"{dotted[1].upper()}-{int(dotted[2])}({int(dotted[3])})"
    match = _SP800_53.match(text)
    if not match:
        return None
    base = f"{match[1].upper()}-{int(match[2])}"
    return f"{base}({int(match[3])})" if match[3] else base


@dataclass
class CatalogTree:
    records: list[ControlRecord] = field(default_factory=list)
    statements: dict[str, str] = field(default_factory=dict)
    withdrawn: set[str] = field(default_factory=set)
    nested: set[str] = field(default_factory=set)  # notations of controls inside controls


def _list(node: dict[str, Any], key: str) -> list[Any]:
    value = node.get(key)
    return value if isinstance(value, list) else []


def _prop(node: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [p for p in _list(node, "props") if isinstance(p, dict) and p.get("name") == name
            and isinstance(p.get("value"), str)]


def notation_of(node: dict[str, Any], slug: str, *, group: bool) -> str:
    labels = _prop(node, "label")
    plain = [p for p in labels if not p.get("class")]
    text = str((plain or labels)[0]["value"]).strip() if labels else str(node.get("id") or "").strip()
    if slug.startswith("nist-sp-800-53"):
        if group and re.fullmatch(r"[a-z]{2}", text):
            return text.upper()
        return sp800_53_notation(text) or text
    return text


class _Params:
    def __init__(self) -> None:
        self.by_id: dict[str, str] = {}

    def add(self, node: dict[str, Any]) -> None:
        for param in _list(node, "params"):
            if isinstance(param, dict) and isinstance(param.get("id"), str):
                self.by_id[param["id"]] = self._placeholder(param)

    @staticmethod
    def _placeholder(param: dict[str, Any]) -> str:
        select = param.get("select")
        if isinstance(select, dict):
            choices = [c for c in _list(select, "choice") if isinstance(c, str)]
            many = " (one or more)" if select.get("how-many") == "one-or-more" else ""
            return f"[Selection{many}: {'; '.join(c.strip() for c in choices)}]"
        label = param.get("label")
        return f"[Assignment: {label.strip() if isinstance(label, str) else param['id']}]"

    def fill(self, prose: str) -> str:
        return _INSERT.sub(lambda m: self.by_id.get(m[1], f"[Assignment: {m[1]}]"), prose)


def _statement(node: dict[str, Any], params: _Params) -> str:
    lines: list[str] = []

    def walk(part: dict[str, Any], depth: int) -> None:
        if depth > MAX_DEPTH:
            return
        prose = part.get("prose")
        label = _prop(part, "label")
        if isinstance(prose, str) and prose.strip():
            prefix = f"{label[0]['value'].strip()} " if label else ""
            lines.append("  " * max(depth - 1, 0) + prefix + params.fill(prose.strip()))
        for child in _list(part, "parts"):
            if isinstance(child, dict) and child.get("name") in ("item", "statement"):
                walk(child, depth + 1)

    for part in _list(node, "parts"):
        if isinstance(part, dict) and part.get("name") == "statement":
            walk(part, 0)
    return "\n".join(lines)


def read_tree(path: str, slug: str, groups: list[Any], builder: DatasetBuilder) -> CatalogTree:
    tree = CatalogTree()
    params = _Params()
    seen: set[str] = set()
    group_kind = "domain" if slug == "csa-ccm-4" else "group"

    def item(node: Any, at: str, parent: str | None, depth: int, *, group: bool, in_control: bool) -> None:
        if depth > MAX_DEPTH:
            builder.reject(at, "", f"nested deeper than {MAX_DEPTH} levels; skipped")
            return
        if not isinstance(node, dict):
            builder.reject(at, type(node).__name__, "group or control is not an object")
            return
        notation = notation_of(node, slug, group=group)
        title = str(node.get("title") or "").strip() if isinstance(node.get("title"), str) else ""
        if not notation or notation in seen:
            builder.reject(at, notation[:200], "no identifier, or a repeated one; skipped with its children")
            return
        if not title and not group:
            builder.reject(at, notation[:200], "control without a title; skipped with its children")
            return
        seen.add(notation)
        params.add(node)
        withdrawn = any(p["value"] == "withdrawn" for p in _prop(node, "status"))
        kind = group_kind if group else ("enhancement" if in_control and slug.startswith("nist-sp-800-53")
                                         else "control")
        tree.records.append(ControlRecord(notation, title or notation, kind, parent=parent,
                                          title_origin="official" if title else "project"))
        if group:
            builder.count("groups read")
        elif in_control:
            builder.count("nested controls read (enhancements, questions)")
            tree.nested.add(notation)
        else:
            builder.count("controls read")
        if withdrawn:
            tree.withdrawn.add(notation)
            builder.count("withdrawn controls (kept, marked)")
        text = _statement(node, params)
        if text:
            tree.statements[notation] = text
        for g, child in enumerate(_list(node, "groups")):
            item(child, f"{at}/groups/{g}", notation, depth + 1, group=True, in_control=False)
        for c, child in enumerate(_list(node, "controls")):
            item(child, f"{at}/controls/{c}", notation, depth + 1, group=False, in_control=not group or in_control)

    for g, group in enumerate(groups):
        item(group, f"{path}#/catalog/groups/{g}", None, 0, group=True, in_control=False)
    return tree
