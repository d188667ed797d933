"""The Google SheetStore: the contact database is a Google Sheet, reached through gspread.

Owns how the Sheet is read and written, at a fixed cost whatever its size:

* ``read``: ONE ``spreadsheets.get`` of every template tab with a ``fields`` mask that keeps
  only the values and the developer metadata on rows (``sheet_view``), so the rows and their
  anchors (``anchors``) come in one request;
* ``write``: when rows need anchors (new rows, rows from before anchors, rows whose anchor
  went astray), columns or rows are added: ONE ``spreadsheets.batchUpdate`` (``anchor_batch``)
  whose answer is a fresh read of the tabs it touched; then ONE
  ``values.batchUpdateByDataFilter`` (RAW) with every row's cells, each row sent through the
  anchor on it (``row_writes``), and the Summary grid by its range. A steady sync is one read
  and one write; a first sync three requests.

A write through an anchor lands in its row wherever the row is at that moment: rows inserted,
deleted or moved meanwhile, even during the request, send nothing into a wrong row. What
sorting, pasting or copying a tab does to anchors Google does not document, so each answer is
checked (``includeValuesInResponse``): a write that landed in another row is put back by one
more write, and the row is written by the next sync. Rows whose anchor disagrees with them when
read are reported, anchored again and written through the new anchor once the batchUpdate's
answer has shown where it is (``problems_with`` tells the Summary before the write).

When a tab has no room left for anchors (30,000 characters of metadata each), the write falls
back to what it did before anchors: a fresh read, and rows found again there and written by
their place; the Summary says so.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import gspread
from google.api_core.retry import Retry
from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL, SPREADSHEET_URL
from gspread.utils import rowcol_to_a1

from sheet_template import TEMPLATE
from sheet_template import tabs as t
from sheet_template.tabs import SUMMARY
from sheetsync.adapters.google.anchor_batch import build_batch
from sheetsync.adapters.google.anchors import (
    HEADROOM,
    LIMIT,
    Review,
    full_message,
    review_settings,
    review_table,
)
from sheetsync.adapters.google.http import (
    DEFAULT_RETRY,
    GOOGLE_ERRORS,
    RequestCounter,
    http_status,
    short_reason,
    to_backend_error,
)
from sheetsync.adapters.google.row_writes import (
    Addressed,
    RawValue,
    RowWrite,
    Sent,
    address,
    check,
    correct,
    group,
    moved_problem,
    quote_title,
    raw_value,
    still_wrong_problem,
    verify,
    where_in,
)
from sheetsync.adapters.google.sheet_view import GRID_FIELDS, GridSnapshot, parse_grid
from sheetsync.adapters.google.summary_dress import dress_summary, needs_dress
from sheetsync.adapters.synclock import one_sync_at_a_time
from sheetsync.core.cells import Cell
from sheetsync.core.ids import check_spreadsheet_id
from sheetsync.core.plan import SheetChanges
from sheetsync.core.table import Snapshot, Table
from sheetsync.core.validation import Problem
from sheetsync.errors import ConfigError
from sheetsync.ports import SheetStore, WriteReport

__all__ = ["GoogleSheetStore", "quote_title", "raw_value"]

BY_FILTER_URL = SPREADSHEET_URL + "/values:batchUpdateByDataFilter"
#: What the values write's answer keeps: per range its filter and the row as written.
WRITE_FIELDS = "responses(dataFilter,updatedRange,updatedData(range,values))"
ROW_ID_TABS = tuple(tab.name for tab in t.TABLE_TABS)

T = TypeVar("T")


def _grid_size(values: Sequence[Sequence[Any]]) -> tuple[int, int]:
    return len(values), max((len(row) for row in values), default=0)


def summary_entry(summary: Sequence[Sequence[Cell]], previous: Table | None) -> dict[str, Any]:
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
    where = f"{quote_title(SUMMARY.name)}!A1:{rowcol_to_a1(rows, cols)}"
    return {"dataFilter": {"a1Range": where}, "majorDimension": "ROWS", "values": grid}


@dataclass
class Prepared:
    """A write-back worked out against one view of the Sheet (no request made)."""

    rows: list[RowWrite]
    reviews: dict[str, Review]
    #: False when a tab has no room left for its anchors: rows are then written by place.
    anchors: bool
    problems: list[Problem] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def needs_batch(self, changes: SheetChanges) -> bool:
        """Whether a batchUpdate is needed: anchors to put right, columns or rows to add."""
        work = self.anchors and any(review.work for review in self.reviews.values())
        return work or bool(changes.columns) or bool(changes.rows)

    def untrusted(self, view: GridSnapshot) -> bool:
        """Whether any row to write has no anchor of its own in ``view``."""
        located = where_in(view, self.rows)
        for row in self.rows:
            review = self.reviews.get(row.tab)
            grid_row = located.get(row.ref)
            if review is None or grid_row is None or grid_row not in review.trusted:
                return True
        return False


def prepare(view: GridSnapshot, changes: SheetChanges) -> Prepared:
    """Group the cells by row and review every written tab's anchors, in ``view``."""
    rows, notes = group(changes.cells, view)
    located = where_in(view, rows)
    planned: dict[str, dict[int, str]] = {}
    for row in rows:
        grid_row = located.get(row.ref)
        if grid_row is not None and (row.sets_identity or row.tab == t.SETTINGS.name):
            planned.setdefault(row.tab, {})[grid_row] = row.identity
    reviews: dict[str, Review] = {}
    for name in ROW_ID_TABS:
        if name in view.grids:
            reviews[name] = review_table(
                TEMPLATE.tab(name), view.grids[name], planned.get(name, {})
            )
    settings = planned.get(t.SETTINGS.name)
    if settings and t.SETTINGS.name in view.grids:
        reviews[t.SETTINGS.name] = review_settings(view.grids[t.SETTINGS.name], settings)
    full = [r for r in reviews.values() if r.creates and r.chars_after > LIMIT - HEADROOM]
    prepared = Prepared(rows, reviews, anchors=not full, notes=notes)
    if full:
        prepared.problems += [
            Problem(r.tab, None, "", full_message(r.tab, r.chars_after)) for r in full
        ]
    else:
        prepared.problems += [p for review in reviews.values() for p in review.conflicts]
    return prepared


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

    def _get_grid(self, tabs: Sequence[str]) -> GridSnapshot:
        """One ``spreadsheets.get`` of whole tabs (no retry here: callers retry whole steps)."""
        self.counter.round_trips += 1
        reply = self.client.http_client.request(
            "get",
            SPREADSHEET_URL % self.spreadsheet_id,
            params={
                "ranges": [quote_title(tab) for tab in tabs],
                "includeGridData": "true",
                "fields": GRID_FIELDS,
            },
        )
        return parse_grid(reply.content, tabs)

    def _existing_tabs(self) -> set[str]:
        self.counter.round_trips += 1
        meta = self.client.http_client.fetch_sheet_metadata(
            self.spreadsheet_id, params={"fields": "sheets.properties.title"}
        )
        return {s["properties"]["title"] for s in meta.get("sheets", [])}

    def _read_tabs(self, tabs: Sequence[str]) -> GridSnapshot:
        try:
            return self._get_grid(tabs)
        except gspread.exceptions.APIError as exc:
            if http_status(exc) != 400:
                raise
            # A 400 here usually means a tab is missing ("Unable to parse range"). Read the
            # tabs that exist, so the missing one is reported by name as a TemplateError.
            present = self._existing_tabs()
            wanted = [t for t in tabs if t in present]
            if len(wanted) == len(tabs):
                raise  # every tab is there: the 400 is about something else
        return self._get_grid(wanted) if wanted else GridSnapshot({})

    def _post_batch(self, requests: list[dict[str, Any]], tabs: Sequence[str]) -> GridSnapshot:
        """One ``spreadsheets.batchUpdate``, answered with a fresh read of ``tabs``."""
        self.counter.round_trips += 1
        reply = self.client.http_client.request(
            "post",
            SPREADSHEET_BATCH_UPDATE_URL % self.spreadsheet_id,
            params={"fields": f"updatedSpreadsheet({GRID_FIELDS})"},
            json={
                "requests": requests,
                "includeSpreadsheetInResponse": True,
                "responseIncludeGridData": True,
                "responseRanges": [quote_title(tab) for tab in tabs],
            },
        )
        return parse_grid(reply.content, tabs, under="updatedSpreadsheet")

    def _post_values(self, entries: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """One ``values.batchUpdateByDataFilter`` (RAW), answered with each range as written."""
        self.counter.round_trips += 1
        reply = self.client.http_client.request(
            "post",
            BY_FILTER_URL % self.spreadsheet_id,
            params={"fields": WRITE_FIELDS},
            json={
                "valueInputOption": "RAW",
                "includeValuesInResponse": True,
                "responseValueRenderOption": "UNFORMATTED_VALUE",
                "responseDateTimeRenderOption": "SERIAL_NUMBER",
                "data": entries,
            },
        )
        responses: list[dict[str, Any]] = reply.json().get("responses", [])
        return responses

    def _retried(self, step: Callable[[], T]) -> T:
        return self.retry(step)()

    # -- the port ---------------------------------------------------------------------------

    def read(self) -> GridSnapshot:
        try:
            return self.retry(self._read_tabs)(self.tabs)
        except GOOGLE_ERRORS as exc:
            raise to_backend_error(exc, "Reading the Sheet") from None

    def problems_with(self, snapshot: Snapshot, changes: SheetChanges) -> list[Problem]:
        if not isinstance(snapshot, GridSnapshot):
            return []  # nothing seen yet: the write reports what it finds
        return prepare(snapshot, changes).problems

    def write(self, snapshot: Snapshot, changes: SheetChanges) -> WriteReport:
        try:
            if needs_dress(snapshot.tables.get(SUMMARY.name)):
                # A Summary made for another layout: dressed before the write that marks it,
                # so a failure in between leaves the mark out and the next sync dresses again.
                self.counter.round_trips += self.retry(dress_summary)(
                    self.client, self.spreadsheet_id, SUMMARY.name
                )
            return self._write(snapshot, changes)
        except GOOGLE_ERRORS as exc:
            raise to_backend_error(exc, "Writing back to the Sheet") from None

    def _write(self, snapshot: Snapshot, changes: SheetChanges) -> WriteReport:
        report = WriteReport()
        tabs = self._tabs_of(changes)
        view = snapshot if isinstance(snapshot, GridSnapshot) else None
        if view is None or any(name not in view.grids for name in tabs):
            # This store did not read these tabs: read them (and the Summary, whose old size
            # the new grid must cover) now.
            view = self._retried(lambda: self._read_tabs([*tabs, SUMMARY.name]))
        summary = summary_entry(
            changes.summary, snapshot.tables.get(SUMMARY.name) or view.tables.get(SUMMARY.name)
        )
        prepared = prepare(view, changes)
        report.details += prepared.notes
        report.rows_not_found += len(prepared.notes)
        current, fresh = view, False
        if prepared.needs_batch(changes):
            current, prepared = self._batch(view, changes, prepared, report)
            fresh = True
        elif not prepared.anchors and prepared.untrusted(view):
            # Anchors full: the rows without one are found by place, in a read made now.
            current, fresh = self._retried(lambda: self._read_tabs(tabs)), True
        addressed = address(current, prepared.rows, fresh=fresh, by_place=not prepared.anchors)
        try:
            answers = self._retried(lambda: self._post_values([*_entries(addressed), summary]))
        except gspread.exceptions.APIError as exc:
            if http_status(exc) != 400 or not addressed.sent:
                raise
            # Google may refuse a filter that matches nothing (a row deleted meanwhile took
            # its anchor along), or values wider than the grid now is: look again, once (two
            # requests more: the read and the write).
            report.retakes += 2
            current = self._retried(lambda: self._read_tabs(tabs))
            addressed = address(current, prepared.rows, fresh=True, by_place=not prepared.anchors)
            answers = self._retried(lambda: self._post_values([*_entries(addressed), summary]))
        report.summary_written = True
        report.rows_not_found += len(addressed.not_found)
        report.details += addressed.notes
        self._settle(addressed, answers, current, report)
        report.metadata_chars = {
            name: grid.metadata_chars
            for name, grid in current.grids.items()
            if name in prepared.reviews
        }
        return report

    def _batch(
        self, view: GridSnapshot, changes: SheetChanges, prepared: Prepared, report: WriteReport
    ) -> tuple[GridSnapshot, Prepared]:
        """Send the batchUpdate; returns the fresh view its answer holds, and the write worked
        out again if a retry had to read the Sheet first.

        A retry after a transient failure looks at the Sheet first: the try before may have
        been carried out with only its answer lost, and rows must not be appended twice. A
        400 is tried once more with every anchor deleted before it is created (a record this
        store cannot see may hold an id it derived); a second 400 falls back to writing rows
        by place, and says so.
        """
        tabs = [*prepared.reviews, *(c.tab for c in changes.columns)]
        tabs = list(dict.fromkeys([*tabs, *(r.tab for r in changes.rows)]))
        state = _BatchState(view, prepared)

        def attempt(clear_first: bool, anchors: bool, todo: SheetChanges = changes) -> GridSnapshot:
            tries = 0

            def step() -> GridSnapshot:
                nonlocal tries
                tries += 1
                if tries > 1:
                    state.view = self._read_tabs(tabs)
                    state.prepared = prepare(state.view, todo)
                batch = build_batch(
                    state.view,
                    state.prepared.reviews,
                    todo.columns,
                    todo.rows,
                    anchors=anchors and state.prepared.anchors,
                    clear_first=clear_first,
                )
                if not batch.requests:
                    # Nothing (left) to do; the positions still come from a read made now.
                    return state.view if tries > 1 else self._read_tabs(tabs)
                fresh = self._post_batch(batch.requests, tabs)
                report.columns_added += batch.columns_added
                report.rows_appended += batch.rows_appended
                report.details += batch.notes
                return fresh

            return self._retried(step)

        try:
            try:
                fresh = attempt(clear_first=False, anchors=True)
            except gspread.exceptions.APIError as exc:
                if http_status(exc) != 400:
                    raise
                fresh = attempt(clear_first=True, anchors=True)
        except gspread.exceptions.APIError as exc:
            if http_status(exc) != 400:
                raise
            report.conflicts += [
                Problem(name, None, "", _anchors_refused(short_reason(exc)))
                for name, review in state.prepared.reviews.items()
                if review.work
            ]
            state.prepared.anchors = False
            try:
                fresh = attempt(clear_first=False, anchors=False)
            except gspread.exceptions.APIError as again_exc:
                if http_status(again_exc) != 400 or not (changes.columns or changes.rows):
                    raise
                # The columns or rows themselves are refused: the cells still go in.
                report.details.append(
                    f"columns and rows were not added ({short_reason(again_exc)})"
                )
                fresh = self._retried(lambda: self._read_tabs(tabs))
            return fresh, state.prepared
        cells_only = SheetChanges(cells=changes.cells)
        again = prepare(fresh, cells_only)
        if again.anchors and any(review.work for review in again.reviews.values()):
            # The answer shows rows that moved between the read and the batch (its anchors
            # went by the read's places): one more batch puts those anchors on their rows.
            state.view, state.prepared = fresh, again
            report.retakes += 1
            try:
                fresh = attempt(clear_first=False, anchors=True, todo=cells_only)
            except gspread.exceptions.APIError as exc:
                if http_status(exc) != 400:
                    raise
                # Refused: the fresh view's anchors still lead each write to its row.
        return fresh, again

    def _settle(
        self,
        addressed: Addressed,
        answers: list[dict[str, Any]],
        view: GridSnapshot,
        report: WriteReport,
    ) -> None:
        """Check each row's answer, and write again the rows that writes went astray into."""
        checked = check(addressed.sent, answers)
        written = {item.row.ref for item in checked.ok}
        report.cells_written = sum(_cells(item) for item in checked.ok)
        if checked.wrong:
            corrections = correct(checked.wrong, view, [s.row for s in addressed.sent])
            try:
                again = self._retried(
                    lambda: self._post_values([c.sent.entry for c in corrections])
                )
                good, bad = verify(corrections, again)
            except gspread.exceptions.APIError as exc:
                if http_status(exc) != 400:
                    raise
                good, bad = [], corrections
            report.retakes += 1
            for item in good:
                if item.target is not None and item.target.ref not in written:
                    written.add(item.target.ref)
                    report.cells_written += len(item.target.cells)
            report.conflicts += [still_wrong_problem(item.sent.row) for item in bad]
            for landed in checked.wrong:
                if landed.sent.row.ref not in written:
                    report.conflicts.append(moved_problem(landed.sent.row))
        report.rows_not_found += len({item.row.ref for item in addressed.sent} - written)

    def exclusive(self) -> AbstractContextManager[None]:
        # Keyed by the spreadsheet id, the Sheet's identity (see ``synclock``).
        return one_sync_at_a_time(f"sheet:{self.namespace}")

    def request_counts(self) -> dict[str, int]:
        return {"sheets": self.counter.round_trips}

    @staticmethod
    def _tabs_of(changes: SheetChanges) -> list[str]:
        names = [w.ref.tab for w in changes.cells]
        names += [c.tab for c in changes.columns] + [r.tab for r in changes.rows]
        # Every Row ID tab is reviewed (and anchored) whenever one is written.
        if any(name in ROW_ID_TABS for name in names):
            names += ROW_ID_TABS
        return [name for name in dict.fromkeys(names) if name != SUMMARY.name]


@dataclass
class _BatchState:
    """What a batchUpdate is built from: changed by a retry that reads the Sheet again."""

    view: GridSnapshot
    prepared: Prepared


def _entries(addressed: Addressed) -> list[dict[str, Any]]:
    return [item.entry for item in addressed.sent]


def _cells(item: Sent) -> int:
    return sum(1 for value in item.entry["values"][0] if value is not None)


def _anchors_refused(reason: str) -> str:
    return (
        f"Row anchors could not be added ({reason}); this sync wrote rows by their place in "
        "a fresh read"
    )
