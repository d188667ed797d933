"""The local SheetStore: an ``.xlsx`` workbook read and written with openpyxl.

Only sync-owned cells and the Summary tab change. Every user-entered cell, its formatting and
the row order are kept, because the workbook is loaded whole, changed cell by cell, and saved
atomically (a temporary file, then a rename), so a crash never leaves half a workbook.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..cells import Cell
from ..errors import BackendError
from ..ports import SheetStore, WriteReport
from ..summary import COLUMN_WIDTHS, GOAL_COUNT, GOAL_HEADER_ROW
from ..table import Snapshot, Table
from ..writeback import CellWrite, place
from .files import write_atomically

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

# openpyxl loads on first use (about 80 ms): the Google backend, which the Cloud Functions use,
# never needs it, and the composition root imports this module whichever backend is chosen.

DATE_FORMAT = "yyyy-mm-dd"


def set_cell(ws: Worksheet, row: int, column: int, value: Cell) -> None:
    """Set a value; text stays text even when it starts with '=' (never a formula)."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, datetime):
        value = value.date()
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    if isinstance(value, date):
        cell.number_format = DATE_FORMAT


def _table(ws: Any) -> Table:
    rows = [tuple(r) for r in ws.iter_rows(values_only=True)]
    # Formatted but empty rows at the bottom (the template prepares 1,000) are not data.
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    header = rows[0] if rows else ()
    return Table(ws.title, tuple(header), tuple(rows[1:]))


def _load(path: Path, **options: Any) -> Any:
    import openpyxl

    try:
        return openpyxl.load_workbook(path, **options)
    except FileNotFoundError:
        raise BackendError(f"No workbook at {path}; create one with `init`.") from None
    except Exception as error:  # openpyxl raises many types for a file that is not xlsx
        raise BackendError(
            f"{path.name} is not a readable .xlsx workbook ({type(error).__name__})"
        ) from None


def write_summary(wb: Any, grid: Sequence[Sequence[Cell]]) -> None:
    """Replace the Summary tab with ``grid`` and a chart of the goals."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.styles import Font

    index = wb.sheetnames.index("Summary") if "Summary" in wb.sheetnames else 0
    if "Summary" in wb.sheetnames:
        wb.remove(wb["Summary"])
    ws = wb.create_sheet("Summary", index)
    for r, row in enumerate(grid, 1):
        for c, value in enumerate(row, 1):
            set_cell(ws, r, c, value)
    ws["A1"].font = Font(bold=True, size=14)
    for cell in ws[GOAL_HEADER_ROW]:
        cell.font = Font(bold=True)
    for letter, width in zip("ABCDEFG", COLUMN_WIDTHS, strict=True):
        ws.column_dimensions[letter].width = width
    if len(grid) > GOAL_HEADER_ROW:
        chart = BarChart()
        chart.title = "Progress towards the goals"
        chart.y_axis.title = "Relationships"
        first, last = GOAL_HEADER_ROW, GOAL_HEADER_ROW + GOAL_COUNT
        chart.add_data(Reference(ws, min_col=3, min_row=first, max_row=last), titles_from_data=True)
        chart.add_data(Reference(ws, min_col=7, min_row=first, max_row=last), titles_from_data=True)
        chart.set_categories(Reference(ws, min_col=1, min_row=first + 1, max_row=last))
        chart.width, chart.height = 18, 8
        ws.add_chart(chart, "I4")


def save_atomically(wb: Any, path: Path) -> None:
    """Save the workbook so that a crash leaves either the old file or the new one."""
    buffer = io.BytesIO()
    wb.save(buffer)
    write_atomically(path, buffer.getvalue())


class XlsxStore(SheetStore):
    """A workbook on disk standing in for the Google Sheet."""

    def __init__(self, path: Path) -> None:
        self.path = path
        # The file name keys event ids and Message-IDs, like a spreadsheet id does on Google.
        self.namespace = f"xlsx:{path.stem}"

    def read(self) -> Snapshot:
        # data_only: formulas a person typed are read as the values they last showed.
        wb = _load(self.path, read_only=True, data_only=True)
        try:
            return Snapshot({ws.title: _table(ws) for ws in wb.worksheets})
        finally:
            wb.close()

    def write(self, writes: Sequence[CellWrite], summary: Sequence[Sequence[Cell]]) -> WriteReport:
        report = WriteReport()
        # Read the values again to find each row where it is now; write into the full workbook,
        # which keeps formulas and formatting.
        fresh = self.read()
        wb = _load(self.path)
        placed, report.rows_not_found = place(writes, fresh)
        for cell in placed:
            set_cell(wb[cell.tab], cell.row, cell.column, cell.value)
        report.cells_written = len(placed)
        write_summary(wb, summary)
        report.summary_written = True
        save_atomically(wb, self.path)
        return report
