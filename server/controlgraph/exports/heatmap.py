"""Framework-by-framework coverage heatmap: rows are what is implemented, columns the target frameworks.

Each cell is a stacked bar of the target's assessable items by level, computed by
:func:`controlgraph.analysis.coverage.coverage`: full (proven containment, dark green), partial (proven
overlap, light green), likely (candidate at or above the probability threshold, amber) and none (grey),
with the percentages and the expected coverage written above and below the bar. 100% partial and 39%
partial look different; a cell with a little full coverage and much partial shows both. Columns carry
the frameworks' names, rows the implemented frameworks' names. The SVG is inline and self-contained;
every text is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from controlgraph.analysis.catalog import frameworks
from controlgraph.analysis.coverage import CoverageReport, HaveSpec, coverage
from controlgraph.store.base import GraphStore

# (level, fill, text colour) in stacking order.
LEVEL_FILLS: tuple[tuple[str, str, str], ...] = (
    ("full", "#1b7837", "#ffffff"),
    ("partial", "#7fbf7b", "#000000"),
    ("likely", "#f4a340", "#000000"),
    ("none", "#d9d9d9", "#000000"),
)
_CELL_W, _CELL_H, _ROW_HEAD, _COL_HEAD = 190, 70, 230, 56
BAR_W, BAR_H, _BAR_Y = 170, 22, 22


@dataclass(frozen=True)
class HeatCell:
    have: str
    target: str
    leaf_items: int
    full: int
    partial: int
    likely: int = 0
    expected: float = 0.0

    @property
    def none(self) -> int:
        return self.leaf_items - self.full - self.partial - self.likely

    def percent(self, level: str) -> float:
        return 100.0 * getattr(self, level) / self.leaf_items if self.leaf_items else 0.0

    @property
    def percent_full(self) -> float:
        return self.percent("full")

    @property
    def percent_partial(self) -> float:
        return self.percent("partial")

    @property
    def percent_expected(self) -> float:
        return 100.0 * self.expected / self.leaf_items if self.leaf_items else 0.0

    def segments(self) -> list[tuple[str, str, float, float]]:
        """(level, fill, x offset, width) of each non-empty bar segment, in pixels."""
        out, x = [], 0.0
        for level, fill, _ink in LEVEL_FILLS:
            width = BAR_W * self.percent(level) / 100.0 if self.leaf_items else (BAR_W if level == "none" else 0.0)
            if width > 0:
                out.append((level, fill, x, width))
                x += width
        return out


def cell_of(report: CoverageReport, have: str) -> HeatCell:
    overall = report.overall()
    return HeatCell(have, report.target, overall.total, overall.full, overall.partial, overall.likely,
                    overall.expected)


def heatmap_cells(store: GraphStore, have_rows: Sequence[str], targets: Sequence[str],
                  scopes: Mapping[str, str] | None = None) -> list[HeatCell]:
    """One cell per (row, target); a row is a --have value (framework, control pattern or list)."""
    scopes = scopes or {}
    return [cell_of(coverage(store, HaveSpec.parse([row]), target, scope=scopes.get(target)), row)
            for row in have_rows for target in targets]


def framework_titles(store: GraphStore) -> dict[str, str]:
    return {f.slug: f.title for f in frameworks(store)}


def _label(value: str, titles: Mapping[str, str]) -> str:
    slug, _, rest = value.partition(":")
    title = titles.get(slug)
    if title is None:
        return value
    return f"{title} {rest}".strip() if rest else title


def _short(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit - 1] + "\u2026"


def heatmap_svg(cells: Sequence[HeatCell], have_rows: Sequence[str], targets: Sequence[str],
                titles: Mapping[str, str] | None = None) -> str:
    titles = titles or {}
    width = _ROW_HEAD + _CELL_W * len(targets)
    height = _COL_HEAD + _CELL_H * len(have_rows)
    by_key = {(c.have, c.target): c for c in cells}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" id="coverage-heatmap" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="coverage heatmap" '
             'font-family="sans-serif" font-size="12">']
    for column, target in enumerate(targets):
        x = _ROW_HEAD + column * _CELL_W + _CELL_W / 2
        name = _label(target, titles)
        parts.append(f'<text x="{x:.0f}" y="{_COL_HEAD - 28}" text-anchor="middle" font-weight="bold">'
                     f'<title>{html.escape(name)}</title>{html.escape(_short(name, 28))}</text>'
                     f'<text x="{x:.0f}" y="{_COL_HEAD - 12}" text-anchor="middle" fill="#555">'
                     f'{html.escape(target)}</text>')
    for line, have in enumerate(have_rows):
        y = _COL_HEAD + line * _CELL_H
        name = _label(have, titles)
        parts.append(f'<text x="{_ROW_HEAD - 8}" y="{y + _CELL_H / 2:.0f}" text-anchor="end" font-weight="bold">'
                     f'<title>{html.escape(name)}</title>{html.escape(_short(name, 32))}</text>'
                     f'<text x="{_ROW_HEAD - 8}" y="{y + _CELL_H / 2 + 15:.0f}" text-anchor="end" fill="#555">'
                     f'{html.escape(_short(have, 32))}</text>')
        for column, target in enumerate(targets):
            cell = by_key[(have, target)]
            x = _ROW_HEAD + column * _CELL_W + (_CELL_W - BAR_W) / 2
            tip = (f"{have} -> {target}: {cell.full} full, {cell.partial} partial, {cell.likely} likely, "
                   f"{cell.none} none of {cell.leaf_items} assessable items; expected {cell.percent_expected:.1f}%")
            bar = "".join(f'<rect class="seg-{level}" x="{x + dx:.2f}" y="{y + _BAR_Y}" width="{w:.2f}" '
                          f'height="{BAR_H}" fill="{fill}"/>' for level, fill, dx, w in cell.segments())
            parts.append(
                f'<g class="cell" data-have="{html.escape(have)}" data-target="{html.escape(target)}">'
                f'<title>{html.escape(tip)}</title>'
                f'<text x="{x}" y="{y + 16}">full {cell.percent("full"):.0f}% \u00b7 partial '
                f'{cell.percent("partial"):.0f}%</text>{bar}'
                f'<text x="{x}" y="{y + _BAR_Y + BAR_H + 15}">likely {cell.percent("likely"):.0f}% \u00b7 '
                f'expected {cell.percent_expected:.0f}%</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def legend_html() -> str:
    texts = {"full": "full: proven contained in what is implemented",
             "partial": "partial: overlap proven (any chain)",
             "likely": "likely: candidate link at or above the probability threshold (not proven)",
             "none": "none"}
    return "".join(f'<span class="key"><span class="swatch" style="background:{fill}"></span>'
                   f"{html.escape(texts[level])}</span>" for level, fill, _ink in LEVEL_FILLS)
