"""The Google SheetStore: the contact database is a Google Sheet, reached through gspread.

Owns how the Sheet is read and written, at a fixed cost whatever its size:

* ``read``: ONE ``values.batchGet`` of every template tab (bare tab titles as ranges),
  unformatted values with dates as serial numbers (``sheetsync.core.cells`` parses those);
* ``write``: ONE ``values.batchGet`` of the tabs being written (each row is found again by its
  ``RowRef``, never by its old position, so sorting, inserting or deleting rows meanwhile never
  sends a value into a wrong row), then ONE ``values.batchUpdate`` with every cell and the
  Summary grid. When no cell but the Summary's changes (a steady-state sync), the re-read is
  skipped: the Summary tab is wholly sync-owned, so there is no row to find again, and its old
  size (to blank what the new grid does not cover) is known from the snapshot the sync read
  (which ``write`` is given). A steady sync is then one read and one write.

Values are written with ``valueInputOption=RAW``: a name starting with ``=`` stays text. Dates
are written as ISO text (``2026-03-04``): RAW stores a number as a number, so a serial would
show as ``46085`` wherever the column has no date format (a person may have cleared it), while
ISO text reads the same everywhere, sorts correctly and is parsed back by ``cells.parse_date``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from datetime import date, datetime
from typing import Any

import gspread
from google.api_core.retry import Retry
from gspread.urls import SPREADSHEET_VALUES_BATCH_UPDATE_URL
from gspread.utils import rowcol_to_a1

from sheet_template import TEMPLATE
from sheet_template.tabs import SUMMARY
from sheetsync.adapters.google.http import (
    DEFAULT_RETRY,
    GOOGLE_ERRORS,
    RequestCounter,
    http_status,
    to_backend_error,
)
from sheetsync.adapters.synclock import one_sync_at_a_time
from sheetsync.core.cells import Cell, as_text
from sheetsync.core.ids import check_spreadsheet_id
from sheetsync.core.plan import CellWrite
from sheetsync.core.table import Snapshot, Table
from sheetsync.core.writeback import place, tabs_written
from sheetsync.errors import ConfigError
from sheetsync.ports import SheetStore, WriteReport

#: How values come back: raw numbers and booleans, dates as serial day numbers.
READ_PARAMS: dict[str, Any] = {
    "valueRenderOption": "UNFORMATTED_VALUE",
    "dateTimeRenderOption": "SERIAL_NUMBER",
    "majorDimension": "ROWS",
}

RawValue = str | int | float | bool


def quote_title(title: str) -> str:
    """A tab title as an A1 sheet reference: 'My tab' (quotes doubled inside)."""
    return "'" + title.replace("'", "''") + "'"


def raw_value(value: Cell) -> RawValue:
    """A cell as sent with RAW: text stays text, dates become ISO text, nothing becomes ""."""
    # JSON null in a ValueRange means "leave the cell as it is", so a cleared cell must be "".
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return as_text(value)
    return value


def _table(name: str, values: Sequence[Sequence[Any]]) -> Table:
    rows = [tuple(row) for row in values]
    header = rows[0] if rows else ()
    return Table(name, header, tuple(rows[1:]))


def _row_runs(tab: str, cells: Mapping[int, Mapping[int, RawValue]]) -> list[dict[str, Any]]:
    """One value range per run of adjacent written cells in a row ({row: {column: value}}).

    A run holds only cells being written (a user cell between two is never part of one), so
    this writes exactly what cell-by-cell ranges would, in fewer, smaller ranges: a contact's
    sync-owned columns sit side by side, and a 10,000-contact first sync sends and gets back
    a fraction of the ranges.
    """
    ranges: list[dict[str, Any]] = []

    def add(row: int, start: int, values: list[RawValue]) -> None:
        where = rowcol_to_a1(row, start)
        if len(values) > 1:
            where += ":" + rowcol_to_a1(row, start + len(values) - 1)
        ranges.append(
            {"range": f"{quote_title(tab)}!{where}", "majorDimension": "ROWS", "values": [values]}
        )

    for row in sorted(cells):
        columns = cells[row]
        start = previous = -1
        values: list[RawValue] = []
        for column in sorted(columns):
            if values and column != previous + 1:
                add(row, start, values)
                values = []
            if not values:
                start = column
            values.append(columns[column])
            previous = column
        if values:
            add(row, start, values)
    return ranges


def _grid_size(values: Sequence[Sequence[Any]]) -> tuple[int, int]:
    return len(values), max((len(row) for row in values), default=0)


class GoogleSheetStore(SheetStore):
    """A Google Sheet, by spreadsheet id, through an injected ``gspread.Client``."""

    def __init__(
        self,
        client: gspread.Client,
        spreadsheet_id: str,
        retry: Retry = DEFAULT_RETRY,
        tabs: Iterable[str] | None = None,
    ) -> None:
        self.client = client
        # The last line of defence: the id goes into request URLs as it is (callers check
        # ids from requests and settings with a message naming their source).
        self.spreadsheet_id = check_spreadsheet_id(
            spreadsheet_id, "the spreadsheet id", ConfigError
        )
        # Event ids and Message-IDs are keyed by the spreadsheet id.
        self.namespace = spreadsheet_id
        self.retry = retry
        self.tabs = tuple(tabs) if tabs is not None else tuple(t.name for t in TEMPLATE.tabs)
        self.counter = RequestCounter()

    # -- requests ---------------------------------------------------------------------------

    def _batch_get(self, tabs: Sequence[str]) -> dict[str, Table]:
        """One ``values.batchGet`` of whole tabs (no retry here: callers retry whole steps)."""
        self.counter.round_trips += 1
        reply = self.client.http_client.values_batch_get(
            self.spreadsheet_id, list(tabs), params=dict(READ_PARAMS)
        )
        ranges = reply.get("valueRanges", [])
        # Value ranges come back in the order asked for.
        return {
            name: _table(name, vr.get("values", [])) for name, vr in zip(tabs, ranges, strict=True)
        }

    def _existing_tabs(self) -> set[str]:
        self.counter.round_trips += 1
        meta = self.client.http_client.fetch_sheet_metadata(
            self.spreadsheet_id, params={"fields": "sheets.properties.title"}
        )
        return {s["properties"]["title"] for s in meta.get("sheets", [])}

    def _read_tabs(self, tabs: Sequence[str]) -> dict[str, Table]:
        try:
            return self._batch_get(tabs)
        except gspread.exceptions.APIError as exc:
            if http_status(exc) != 400:
                raise
            # A 400 here usually means a tab is missing ("Unable to parse range"). Read the
            # tabs that exist, so the missing one is reported by name as a TemplateError.
            present = self._existing_tabs()
            wanted = [t for t in tabs if t in present]
            if len(wanted) == len(tabs):
                raise  # every tab is there: the 400 is about something else
        return self._batch_get(wanted) if wanted else {}

    # -- the port ---------------------------------------------------------------------------

    def read(self) -> Snapshot:
        try:
            tables = self.retry(self._read_tabs)(self.tabs)
        except GOOGLE_ERRORS as exc:
            raise to_backend_error(exc, "Reading the Sheet") from None
        return Snapshot(tables)

    def write(
        self, snapshot: Snapshot, writes: Sequence[CellWrite], summary: Sequence[Sequence[Cell]]
    ) -> WriteReport:
        # The re-read, the row look-up and the update are retried together, so a retry after a
        # pause finds the rows where they are then.
        try:
            return self.retry(self._write_once)(snapshot.tables.get(SUMMARY.name), writes, summary)
        except GOOGLE_ERRORS as exc:
            raise to_backend_error(exc, "Writing back to the Sheet") from None

    def _write_once(
        self,
        summary_read: Table | None,
        writes: Sequence[CellWrite],
        summary: Sequence[Sequence[Cell]],
    ) -> WriteReport:
        # The re-read tables are dropped once the ranges are built, before the update's
        # request and reply take their own memory (at 10,000 contacts both are megabytes).
        data, report = self._value_ranges(summary_read, writes, summary)
        self.counter.round_trips += 1
        # gspread's values_batch_update with a partial response: Google answers every range
        # with an UpdateValuesResponse unless told to send only what we read (nothing).
        self.client.http_client.request(
            "post",
            SPREADSHEET_VALUES_BATCH_UPDATE_URL % self.spreadsheet_id,
            params={"fields": "totalUpdatedCells"},
            json={"valueInputOption": "RAW", "data": data},
        )
        report.summary_written = True
        return report

    def _value_ranges(
        self,
        summary_read: Table | None,
        writes: Sequence[CellWrite],
        summary: Sequence[Sequence[Cell]],
    ) -> tuple[list[dict[str, Any]], WriteReport]:
        """Every range to update (the rows found again by a re-read), and the counts.

        ``summary_read`` is the Summary tab as the sync read it (``None``: read it again).
        """
        report = WriteReport()
        tabs = tabs_written(writes)
        if tabs or summary_read is None:
            fresh = self._read_tabs([*tabs, SUMMARY.name])
        else:
            # Only the Summary to write: nothing to find again (see the module docstring).
            fresh = {SUMMARY.name: summary_read}
        placed, report.rows_not_found = place(writes, Snapshot(fresh))
        report.cells_written = len(placed)
        data: list[dict[str, Any]] = []
        for tab_name in tabs:
            cells: dict[int, dict[int, RawValue]] = {}
            for cell in placed:
                if cell.tab == tab_name:
                    cells.setdefault(cell.row, {})[cell.column] = raw_value(cell.value)
            data += _row_runs(tab_name, cells)
        data.append(self._summary_range(summary, fresh.get(SUMMARY.name)))
        return data, report

    def _summary_range(
        self, summary: Sequence[Sequence[Cell]], previous: Table | None
    ) -> dict[str, Any]:
        """The Summary grid, padded with "" to the old content's size so none of it is left."""
        old_rows, old_cols = (0, 0)
        if previous is not None:
            old_rows, old_cols = _grid_size([previous.header, *previous.rows])
        new_rows, new_cols = _grid_size(summary)
        rows, cols = max(old_rows, new_rows, 1), max(old_cols, new_cols, 1)
        grid: list[list[RawValue]] = []
        for r in range(rows):
            line = list(summary[r]) if r < len(summary) else []
            grid.append([raw_value(v) for v in line] + [""] * (cols - len(line)))
        return {
            "range": f"{quote_title(SUMMARY.name)}!A1:{rowcol_to_a1(rows, cols)}",
            "majorDimension": "ROWS",
            "values": grid,
        }

    def exclusive(self) -> AbstractContextManager[None]:
        # Keyed by the spreadsheet id, the Sheet's identity (see ``synclock``).
        return one_sync_at_a_time(f"sheet:{self.namespace}")

    def request_counts(self) -> dict[str, int]:
        return {"sheets": self.counter.round_trips}
