"""How every workbook controlgraph writes looks: frozen header, auto-filter, widths, coverage colours.

Coverage cells are coloured the same everywhere: full green, partial amber, none grey.

Every text is written as text, whatever it holds (it may come from an imported file or a tenant's
comment): a cell starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is stored as a
string with Excel's quote prefix, so it is never a formula, not even after the cell is edited
("formula injection"). Characters no workbook can hold (C0 controls) become U+FFFD, and a text over
Excel's 32,767 characters per cell is cut there with a closing ellipsis.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Sequence

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

COVERAGE_FILLS: dict[str, str] = {"full": "C6EFCE", "partial": "E2F0D9", "likely": "FFE699", "none": "D9D9D9"}
_HEADER_FILL = PatternFill("solid", fgColor="1F3864")
_HEADER_FONT = Font(bold=True, color="FFFFFF")
_MAX_WIDTH = 60
Cell = str | int | float | None
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MAX_CELL_CHARS = 32_767  # Excel's limit; a longer text makes the workbook unreadable to it


def _text_cell(value: str) -> str:
    value = ILLEGAL_CHARACTERS_RE.sub("\ufffd", value)
    return value if len(value) <= MAX_CELL_CHARS else value[:MAX_CELL_CHARS - 1] + "\u2026"


def _append_as_data(sheet: Worksheet, values: Sequence[Cell]) -> None:
    """Append a row whose strings are all text cells, never formulas."""
    sheet.append([_text_cell(v) if isinstance(v, str) else v for v in values])
    for cell in sheet[sheet.max_row]:
        if isinstance(cell.value, str) and cell.value.startswith(FORMULA_STARTS):
            cell.data_type = "s"
            cell.quotePrefix = True


def sheet_title(text: str) -> str:
    """A valid, unique-enough sheet title: at most 31 characters, none of ``[]:*?/\\``."""
    cleaned = "".join("-" if c in "[]:*?/\\" else c for c in text)
    return cleaned[:31]


def write_table(sheet: Worksheet, headings: Sequence[str], rows: Iterable[Sequence[Cell]],
                coverage_columns: Sequence[int] = ()) -> int:
    """Write a header and rows; colour the 0-based ``coverage_columns`` by their value. Returns rows written."""
    _append_as_data(sheet, list(headings))
    for cell in sheet[1]:
        cell.fill = _HEADER_FILL
        cell.font = _HEADER_FONT
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    widths = [len(h) for h in headings]
    count = 0
    for values in rows:
        _append_as_data(sheet, list(values))
        count += 1
        for index, value in enumerate(values):
            widths[index] = max(widths[index], len(str(value)) if value is not None else 0)
        for index in coverage_columns:
            fill = COVERAGE_FILLS.get(str(values[index]))
            if fill:
                sheet.cell(row=count + 1, column=index + 1).fill = PatternFill("solid", fgColor=fill)
    sheet.freeze_panes = "A2"
    last = get_column_letter(max(len(headings), 1))
    sheet.auto_filter.ref = f"A1:{last}{count + 1}"
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = min(max(width, 8) + 2, _MAX_WIDTH)
    return count


def write_pairs(sheet: Worksheet, pairs: Iterable[tuple[str, Cell]]) -> None:
    """A two-column key/value sheet (summaries, notes)."""
    write_table(sheet, ["Item", "Value"], ([k, v] for k, v in pairs))
    sheet.auto_filter.ref = None


def new_workbook() -> Workbook:
    book = Workbook()
    default = book.active
    if default is not None:
        book.remove(default)
    return book


def workbook_bytes(book: Workbook) -> bytes:
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
