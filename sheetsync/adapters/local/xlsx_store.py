"""The local SheetStore: an ``.xlsx`` workbook read and written with openpyxl.

Only what a write-back's ``SheetChanges`` name changes: sync-owned cells, the Settings values
the sync records, template columns missing from an older workbook (added after the last header,
with the template's look), rows appended after a tab's data, and the Summary tab. Every other
user-entered cell, its formatting and the row order are kept, because the workbook is loaded
whole, changed cell by cell, and saved atomically (a temporary file, then a rename), so a crash
never leaves half a workbook.

The workbook is the user's file: a read-only one is refused, and so is one open in LibreOffice
or Excel (their lock file is beside it). Replacing a file an app has open goes unnoticed by the
app, and its next save would put back the old cells, wiping the sync's ids and statuses.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sheet_template import TEMPLATE, Tab, look
from sheet_template.tabs import SUMMARY
from sheetsync.adapters.local.file_lock import holding, lock_file
from sheetsync.adapters.local.files import check_replaceable, file_error, write_atomically
from sheetsync.adapters.synclock import one_sync_at_a_time
from sheetsync.core.cells import Cell, is_blank
from sheetsync.core.plan import ColumnAdd, RowAppend, SheetChanges
from sheetsync.core.summary import layout
from sheetsync.core.table import Snapshot, Table, column_map, norm_header
from sheetsync.core.writeback import place
from sheetsync.errors import BackendError
from sheetsync.ports import SheetStore, WriteReport

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

#: The workbook's font (openpyxl's default), named in full on the Summary's styled cells.
FONT = "Calibri"
#: openpyxl sizes charts in centimetres; the layout gives pixels (96 to the inch).
PIXELS_PER_CM = 96 / 2.54

# openpyxl loads on first use (about 80 ms): the Google backend, which the Cloud Functions use,
# never needs it, and the composition root imports this module whichever backend is chosen.


def set_cell(ws: Worksheet, row: int, column: int, value: Cell) -> None:
    """Set a value; text stays text even when it starts with '=' (never a formula)."""
    cell = ws.cell(row=row, column=column)
    if isinstance(value, datetime):
        value = value.date()
    cell.value = value
    if isinstance(value, str) and value.startswith("="):
        cell.data_type = "s"
    if isinstance(value, date):
        cell.number_format = look.DATE_FORMAT


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
    except OSError as error:
        raise file_error("read", path, error) from None
    except Exception as error:  # openpyxl raises many types for a file that is not xlsx
        raise not_a_workbook(path, error) from None


def not_a_workbook(path: Path, error: Exception) -> BackendError:
    """The error for a file openpyxl cannot read (its type only: never the file's contents)."""
    return BackendError(f"{path.name} is not a readable .xlsx workbook ({type(error).__name__})")


def open_in(path: Path) -> tuple[str, str] | None:
    """(app, its lock file's name) if an app has the workbook open, told by the lock file.

    LibreOffice writes ``.~lock.NAME#`` beside the file; Excel writes an owner file ``~$NAME``
    (Office names some with ``~$`` over the first two characters instead: both forms count).
    """
    name = path.name
    candidates = [("LibreOffice", f".~lock.{name}#"), ("Excel", f"~${name}")]
    if len(name) > 2:
        candidates.append(("Excel", f"~${name[2:]}"))
    for app, lock in candidates:
        if (path.parent / lock).exists():
            return app, lock
    return None


def write_summary(wb: Any, grid: Sequence[Sequence[Cell]]) -> None:
    """Replace the Summary tab with ``grid``, dressed as ``core.summary.layout`` says: column
    widths and wrap, headings and headers in bold, the goals chart beside the tables (its data
    in hidden columns) and a page setup that prints the tables fitted to the page's width."""
    name = SUMMARY.name
    index = wb.sheetnames.index(name) if name in wb.sheetnames else 0
    if name in wb.sheetnames:
        wb.remove(wb[name])
    ws = wb.create_sheet(name, index)
    ws.sheet_properties.tabColor = look.tab_colour(SUMMARY)
    for r, row in enumerate(grid, 1):
        for c, value in enumerate(row, 1):
            if value is not None:
                set_cell(ws, r, c, value)
    _dress_summary(ws, grid)


def _dress_summary(ws: Worksheet, grid: Sequence[Sequence[Cell]]) -> None:
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    aligns = [
        Alignment(horizontal="left", vertical="top", wrap_text=column.wrap)
        for column in layout.COLUMNS
    ]
    # A font named in full: LibreOffice shows a font with no name in its own default, a serif.
    bold = Font(name=FONT, size=11, bold=True)
    fill = PatternFill("solid", fgColor=look.HEADER_FILL)
    for r, row in enumerate(grid, 1):
        role = row[layout.ROLE_COLUMN] if len(row) > layout.ROLE_COLUMN else None
        for c in range(1, layout.VISIBLE_COLUMNS + 1):
            cell = ws.cell(row=r, column=c)
            cell.alignment = aligns[c - 1]
            if role in (layout.HEADING, layout.HEADER):
                cell.font = bold
            if role == layout.HEADER:
                cell.fill = fill
        lines = layout.lines_needed(row)
        if lines > 1:
            # Excel keeps a row's stored height: wrapped text shows whole only when the
            # height is set for it.
            ws.row_dimensions[r].height = lines * layout.LINE_POINTS
    ws["A1"].font = Font(name=FONT, bold=True, size=14)
    ws["A1"].alignment = Alignment(horizontal="left", vertical="top", wrap_text=False)
    for c, column in enumerate(layout.COLUMNS, 1):
        dimension = ws.column_dimensions[get_column_letter(c)]
        dimension.width = column.width
        dimension.hidden = column.hidden
    _goals_chart(ws)
    _print_setup(ws, len(grid))


def _goals_chart(ws: Worksheet) -> None:
    """A horizontal bar chart of the goals (short labels on the left), from the hidden block."""
    from openpyxl.chart import BarChart, Reference
    from openpyxl.utils import get_column_letter

    label, *series = (c + 1 for c in layout.CHART_COLUMNS)
    chart = BarChart()
    chart.type = "bar"
    chart.title = look.CHART_TITLE
    chart.y_axis.title = look.CHART_AXIS_TITLE
    chart.y_axis.majorGridlines = None
    chart.visible_cells_only = False  # the data is in hidden columns: plot it all the same
    chart.legend.position = "b"
    values = Reference(
        ws, min_col=series[0], max_col=series[-1], min_row=1, max_row=layout.CHART_ROWS
    )
    chart.add_data(values, titles_from_data=True)
    chart.set_categories(Reference(ws, min_col=label, min_row=2, max_row=layout.CHART_ROWS))
    width, height = layout.CHART_SIZE
    chart.width, chart.height = width / PIXELS_PER_CM, height / PIXELS_PER_CM
    row, column = layout.CHART_ANCHOR
    ws.add_chart(chart, f"{get_column_letter(column + 1)}{row + 1}")


def _print_setup(ws: Worksheet, rows: int) -> None:
    """Landscape, the visible columns fitted to the page's width, as many pages as it takes
    (the demo's Summary takes two)."""
    from openpyxl.utils import get_column_letter
    from openpyxl.worksheet.page import PageMargins
    from openpyxl.worksheet.properties import PageSetupProperties

    ws.print_area = f"A1:{get_column_letter(layout.VISIBLE_COLUMNS)}{max(rows, 1)}"
    ws.page_setup.orientation = "landscape" if layout.PRINT_LANDSCAPE else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.page_margins = PageMargins(left=0.4, right=0.4, top=0.5, bottom=0.5)


def save_atomically(wb: Any, path: Path) -> None:
    """Save the workbook so that a crash leaves either the old file or the new one."""
    buffer = io.BytesIO()
    wb.save(buffer)
    write_atomically(path, buffer.getvalue())


def workbook_namespace(path: Path) -> str:
    """What keeps a workbook's ids apart until it records its Sheet identity: its name."""
    return f"xlsx:{path.stem}"


class XlsxStore(SheetStore):
    """A workbook on disk standing in for the Google Sheet."""

    def __init__(self, path: Path, even_if_open: bool = False) -> None:
        self.path = path
        # The file name keys event ids and Message-IDs, like a spreadsheet id does on Google.
        self.namespace = workbook_namespace(path)
        #: Write even when a lock file says an app has the workbook open (a stale lock file
        #: left by a crash of the app).
        self.even_if_open = even_if_open

    def check_writable(self) -> None:
        check_replaceable(self.path, "the workbook")
        self._check_not_open()

    def _check_not_open(self) -> None:
        found = None if self.even_if_open else open_in(self.path)
        if found is not None:
            app, lock = found
            raise BackendError(
                f"close {self.path.name} in {app} first: its next save would undo the sync "
                f"(if it is not open, {lock} was left by a crash: delete it or sync with "
                "--even-if-open)"
            )

    def exclusive(self) -> AbstractContextManager[None]:
        # Two paths to one file (a symlink, "./book.xlsx") are one workbook.
        real = self.path.resolve()
        return one_sync_at_a_time(f"workbook:{real}", holding(lock_file(real)))

    def read(self) -> Snapshot:
        # data_only: formulas a person typed are read as the values they last showed.
        wb = _load(self.path, read_only=True, data_only=True)
        try:
            return Snapshot({ws.title: _table(ws) for ws in wb.worksheets})
        except Exception as error:  # read-only mode parses each tab only now
            raise not_a_workbook(self.path, error) from None
        finally:
            wb.close()

    def write(self, snapshot: Snapshot, changes: SheetChanges) -> WriteReport:
        """As ``SheetStore.write``; ``snapshot`` spares nothing here: the workbook is loaded
        whole anyway, and every row is found again in what the file holds now."""
        report = WriteReport()
        # Read the values again to find each row where it is now; write into the full workbook,
        # which keeps formulas and formatting.
        fresh = dict(self.read().tables)
        wb = _load(self.path)
        report.columns_added = _add_columns(wb, fresh, changes.columns, report.details)
        report.rows_appended = _append_rows(wb, fresh, changes.rows, report.details)
        placed, report.rows_not_found = place(changes.cells, Snapshot(fresh))
        for cell in placed:
            set_cell(wb[cell.tab], cell.row, cell.column, cell.value)
        report.cells_written = len(placed)
        write_summary(wb, changes.summary)
        report.summary_written = True
        # Opened (or made read-only) while the calendar and drafts were being written: still
        # not replaced.
        self.check_writable()
        save_atomically(wb, self.path)
        return report


def _worksheet(wb: Any, tables: dict[str, Table], name: str) -> tuple[Any, Table]:
    table = Snapshot(tables).table(name)  # a TemplateError naming a missing tab
    return wb[name], table


def _add_columns(
    wb: Any, tables: dict[str, Table], adds: Sequence[ColumnAdd], details: list[str]
) -> int:
    """Put each missing template column after its tab's last header, dressed as the template
    dresses it; ``tables`` gains the headers, so cells can be placed in the new columns."""
    from sheetsync.adapters.local.workbook_template import dress_column

    added = 0
    for add in adds:
        tab = TEMPLATE.tab(add.tab)
        col = tab.column(add.key)
        ws, table = _worksheet(wb, tables, add.tab)
        if any(norm_header(h) == norm_header(col.header) for h in table.header):
            details.append(f"{add.tab}: column {col.header!r} is already there")
            continue
        # The first free column after the last header: a person's own columns stay put.
        used = [i for i, h in enumerate(table.header) if not is_blank(h)]
        index = (used[-1] + 1) if used else 0
        dress_column(ws, tab, col, index + 1)
        header = list(table.header[:index]) + [None] * (index - len(table.header))
        tables[add.tab] = Table(table.name, (*header, col.header), table.rows)
        added += 1
    return added


def _append_rows(
    wb: Any, tables: dict[str, Table], appends: Sequence[RowAppend], details: list[str]
) -> int:
    """Write each row below its tab's last row with data (the prepared rows keep their look).

    A row already there (its Row ID, or on Templates and Settings its key cell) is left out.
    """
    appended = 0
    for append in appends:
        tab = TEMPLATE.tab(append.tab)
        ws, table = _worksheet(wb, tables, append.tab)
        columns = column_map(table, tab)
        if _present(tab, table, columns, append):
            continue
        missing = [key for key in append.cells if key not in columns]
        if missing:
            details.append(f"{append.tab}: an appended row left out columns {sorted(missing)}")
        row_number = len(table.rows) + 2
        values: list[Cell] = [None] * (max(columns.values(), default=-1) + 1)
        for key, value in append.cells.items():
            if key in columns:
                set_cell(ws, row_number, columns[key] + 1, value)
                values[columns[key]] = value
        tables[append.tab] = Table(table.name, table.header, (*table.rows, tuple(values)))
        appended += 1
    return appended


def _present(tab: Tab, table: Table, columns: dict[str, int], append: RowAppend) -> bool:
    if tab.id_prefix:
        key = "row_id"
    else:
        key = next((c.key for c in tab.columns if c.header == tab.key_column), "")
    index = columns.get(key)
    wanted = norm_header(append.cells.get(key)) if key else ""
    if not wanted or index is None:
        return False
    return any(norm_header(table.cell(i, index)) == wanted for i in range(len(table.rows)))
