"""Which subpackage of ``controlgraph`` imports which, read from the source with :mod:`ast`.

The rules themselves live in ``test_layering.py``; this module only reads imports, so the test
can also run it on a deliberately broken package and see it fail.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from pathlib import Path

ROOT_MODULES = frozenset({"__init__", "vocabulary", "settings", "errors"})
CORE = "core"  # the package root's modules: vocabulary, settings, errors, __init__


def layer_of(module: str, package: str = "controlgraph") -> str | None:
    """``controlgraph.analysis.coverage`` -> ``analysis``; a root module -> ``core``; outside -> None."""
    parts = module.split(".")
    if parts[0] != package:
        return None
    if len(parts) == 1 or parts[1] in ROOT_MODULES:
        return CORE
    return parts[1]


def _module_name(path: Path, source_root: Path) -> str:
    rel = path.relative_to(source_root).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts = parts[:-1] if len(parts) > 1 else parts
    return ".".join(parts)


def _imported_modules(tree: ast.AST, module: str, is_package: bool) -> list[tuple[str, int]]:
    """Every module an import statement names (at any depth: imports inside functions count too)."""
    found: list[tuple[str, int]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = module.split(".")
                base = base[: len(base) - node.level + (1 if is_package else 0)]
                target = ".".join([*base, node.module] if node.module else base)
            else:
                target = node.module or ""
            found.append((target, node.lineno))
            # ``from controlgraph import cli`` imports the subpackage cli
            found += [(f"{target}.{alias.name}", node.lineno) for alias in node.names]
    return found


def layer_imports(source_root: Path, package: str = "controlgraph") -> dict[tuple[str, str], list[str]]:
    """(importing layer, imported layer) -> ["file:line", ...] for every import across layers."""
    edges: dict[tuple[str, str], list[str]] = defaultdict(list)
    for path in sorted((source_root / package).rglob("*.py")):
        module = _module_name(path, source_root)
        if module == f"{package}.__main__":
            continue  # ``python -m controlgraph`` is the CLI's entry point, above every layer
        here = layer_of(module, package)
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for target, line in _imported_modules(tree, module, path.name == "__init__.py"):
            there = layer_of(target, package)
            if here is None or there is None or there == here:
                continue
            if there not in _layers_present(source_root, package) and there != CORE:
                continue  # a name imported from the root package, not a subpackage
            edges[(here, there)].append(f"{path.relative_to(source_root)}:{line}")
    return dict(edges)


def _layers_present(source_root: Path, package: str) -> set[str]:
    return {p.name for p in (source_root / package).iterdir() if (p / "__init__.py").is_file()}


def cycles(edges: dict[tuple[str, str], list[str]]) -> list[list[str]]:
    """Every strongly connected group of two or more layers (Tarjan), each sorted."""
    graph: dict[str, set[str]] = defaultdict(set)
    for a, b in edges:
        graph[a].add(b)
        graph.setdefault(b, set())
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in sorted(graph[v]):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = []
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.append(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return groups
