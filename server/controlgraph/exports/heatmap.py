"""Framework-by-framework coverage heatmap: rows are what is implemented, columns the target frameworks.

A cell gives the share of the target's leaf items fully and partially covered, computed by
:func:`controlgraph.analysis.coverage.coverage`; its colour is the band of the fully covered share (any
partial coverage without full coverage shows amber, nothing at all grey). The SVG is inline and
self-contained; every text is escaped.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from controlgraph.analysis.coverage import CoverageReport, HaveSpec, coverage
from controlgraph.store.base import GraphStore

# (lowest fully covered percentage, fill, text colour), checked from the top.
BANDS: tuple[tuple[float, str, str], ...] = (
    (75.0, "#1b7837", "#ffffff"),
    (50.0, "#5aae61", "#ffffff"),
    (25.0, "#a6dba0", "#000000"),
    (0.0, "#d9f0d3", "#000000"),
)
PARTIAL_ONLY = ("#f4a340", "#000000")
NOTHING = ("#bdbdbd", "#000000")
_CELL_W, _CELL_H, _ROW_HEAD, _COL_HEAD = 150, 46, 190, 40


@dataclass(frozen=True)
class HeatCell:
    have: str
    target: str
    leaf_items: int
    full: int
    partial: int

    @property
    def percent_full(self) -> float:
        return 100.0 * self.full / self.leaf_items if self.leaf_items else 0.0

    @property
    def percent_partial(self) -> float:
        return 100.0 * self.partial / self.leaf_items if self.leaf_items else 0.0

    @property
    def colours(self) -> tuple[str, str]:
        """(fill, text colour) of the cell."""
        if self.full:
            return next((fill, ink) for low, fill, ink in BANDS if self.percent_full >= low)
        return PARTIAL_ONLY if self.partial else NOTHING


def cell_of(report: CoverageReport, have: str) -> HeatCell:
    overall = report.overall()
    return HeatCell(have, report.target, overall.total, overall.full, overall.partial)


def heatmap_cells(store: GraphStore, have_rows: Sequence[str], targets: Sequence[str]) -> list[HeatCell]:
    """One cell per (row, target); a row is a --have value (framework, control pattern or list)."""
    return [cell_of(coverage(store, HaveSpec.parse([row]), target), row) for row in have_rows for target in targets]


def heatmap_svg(cells: Sequence[HeatCell], have_rows: Sequence[str], targets: Sequence[str]) -> str:
    width = _ROW_HEAD + _CELL_W * len(targets)
    height = _COL_HEAD + _CELL_H * len(have_rows)
    by_key = {(c.have, c.target): c for c in cells}
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" id="coverage-heatmap" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}" role="img" aria-label="coverage heatmap" '
             'font-family="sans-serif" font-size="12">']
    for column, target in enumerate(targets):
        x = _ROW_HEAD + column * _CELL_W + _CELL_W / 2
        parts.append(f'<text x="{x:.0f}" y="{_COL_HEAD - 12}" text-anchor="middle" font-weight="bold">'
                     f'{html.escape(target)}</text>')
    for line, have in enumerate(have_rows):
        y = _COL_HEAD + line * _CELL_H
        parts.append(f'<text x="{_ROW_HEAD - 8}" y="{y + _CELL_H / 2 + 4:.0f}" text-anchor="end" '
                     f'font-weight="bold">{html.escape(have[:28])}</text>')
        for column, target in enumerate(targets):
            cell = by_key[(have, target)]
            fill, ink = cell.colours
            x = _ROW_HEAD + column * _CELL_W
            tip = (f"{have} -> {target}: {cell.full} full, {cell.partial} partial of {cell.leaf_items} leaf items")
            parts.append(
                f'<g class="cell" data-have="{html.escape(have)}" data-target="{html.escape(target)}">'
                f'<title>{html.escape(tip)}</title>'
                f'<rect x="{x}" y="{y}" width="{_CELL_W - 2}" height="{_CELL_H - 2}" fill="{fill}"/>'
                f'<text x="{x + _CELL_W / 2 - 1:.0f}" y="{y + 18}" text-anchor="middle" fill="{ink}">'
                f'full {cell.percent_full:.0f}%</text>'
                f'<text x="{x + _CELL_W / 2 - 1:.0f}" y="{y + 34}" text-anchor="middle" fill="{ink}">'
                f'partial {cell.percent_partial:.0f}%</text></g>')
    parts.append("</svg>")
    return "".join(parts)


def legend_html() -> str:
    entries = [(fill, f"fully covered {low:.0f}% or more" if low else "some fully covered")
               for low, fill, _ink in BANDS]
    entries += [(PARTIAL_ONLY[0], "partially covered only"), (NOTHING[0], "not covered")]
    return "".join(f'<span class="key"><span class="swatch" style="background:{fill}"></span>{html.escape(text)}'
                   "</span>" for fill, text in entries)
