"""The write-back's one ``spreadsheets.batchUpdate``: anchors put right, columns and rows added.

Built from one view of the Sheet (what the sync read, or a fresh read), in this order, so that
no request moves what a later one points at:

1. anchors to delete (conflicting, stale, or, on a retry, every one about to be created);
2. columns to add: a fresh column after the tab's last header (inserted, so no cell a person
   typed there is overwritten), its header, note and look (``template_requests``);
3. anchors to create, each on the row the view shows for it;
4. rows to append: inserted after the tab's last row with data (again nothing is
   overwritten), their values, and on a Row ID tab each row's anchor.

A batchUpdate is atomic: it all happens, or nothing does. Row IDs are not written here but by
the values write that follows, through the anchors this batch created: by then the batch's own
answer has shown where each anchor really landed (see ``sheets``), and a Row ID written by
position could land in a row that moved since the view was taken.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sheet_template import TEMPLATE, Tab
from sheetsync.adapters.google.anchors import KEY, Review, anchor_for
from sheetsync.adapters.google.row_writes import raw_value
from sheetsync.adapters.google.sheet_view import GridSnapshot, Meta, TabView
from sheetsync.adapters.google.template_requests import added_column_requests
from sheetsync.core.cells import Cell, as_text, is_blank
from sheetsync.core.plan import ColumnAdd, RowAppend
from sheetsync.core.table import column_map, norm_header


@dataclass
class Batch:
    """The requests of one batchUpdate, and what they add."""

    requests: list[dict[str, Any]] = field(default_factory=list)
    columns_added: int = 0
    rows_appended: int = 0
    notes: list[str] = field(default_factory=list)


def _delete(metadata_id: int) -> dict[str, Any]:
    # The key too: a record another app keeps under the same id is never deleted.
    lookup = {"metadataId": metadata_id, "metadataKey": KEY}
    return {"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": lookup}}}


def _create(sheet_id: int, grid_row: int, meta: Meta) -> dict[str, Any]:
    body: dict[str, Any] = {
        "metadataId": meta.metadata_id,
        "metadataKey": KEY,
        "location": {
            "dimensionRange": {
                "sheetId": sheet_id,
                "dimension": "ROWS",
                "startIndex": grid_row,
                "endIndex": grid_row + 1,
            }
        },
        # DOCUMENT: readable by whichever Cloud project the sync runs under.
        "visibility": "DOCUMENT",
    }
    if meta.value is not None:
        body["metadataValue"] = meta.value
    return {"createDeveloperMetadata": {"developerMetadata": body}}


def _dimension(sheet_id: int, dimension: str, start: int, count: int) -> dict[str, Any]:
    end = start + count
    return {"sheetId": sheet_id, "dimension": dimension, "startIndex": start, "endIndex": end}


def _room(view: TabView, dimension: str, start: int, count: int) -> dict[str, Any]:
    """Fresh rows or columns at ``start``: inserted there, or appended at the grid's end."""
    size = view.row_count if dimension == "ROWS" else view.column_count
    if start >= size:
        return {
            "appendDimension": {"sheetId": view.sheet_id, "dimension": dimension, "length": count}
        }
    return {
        "insertDimension": {
            "range": _dimension(view.sheet_id, dimension, start, count),
            # A new row takes the look of the row above (dropdowns, date formats, grey); a new
            # column gets its own look below instead of the neighbour's.
            "inheritFromBefore": dimension == "ROWS" and start > 1,
        }
    }


def first_free_column(view: TabView) -> int:
    """The 0-based column after the tab's last header."""
    used = [i for i, value in enumerate(view.table.header) if not is_blank(value)]
    return used[-1] + 1 if used else 0


def _column_requests(
    view: GridSnapshot, adds: Sequence[ColumnAdd], batch: Batch
) -> dict[str, dict[str, int]]:
    """Add the columns; returns, per tab, the 0-based index each added column gets."""
    by_tab: dict[str, list[ColumnAdd]] = {}
    for add in adds:
        by_tab.setdefault(add.tab, []).append(add)
    placed: dict[str, dict[str, int]] = {}
    for name, tab_adds in by_tab.items():
        tab, grid = TEMPLATE.tab(name), view.grids.get(name)
        if grid is None:
            batch.notes.append(f"{name}: the tab is missing; its columns were not added")
            continue
        present = {norm_header(h) for h in grid.table.header}
        cols = []
        for add in tab_adds:
            col = tab.column(add.key)
            if norm_header(col.header) in present:
                continue  # added already (by a person, or a sync whose answer was lost)
            present.add(norm_header(col.header))
            cols.append(col)
        if not cols:
            continue
        start = first_free_column(grid)
        batch.requests.append(_room(grid, "COLUMNS", start, len(cols)))
        for offset, col in enumerate(cols):
            batch.requests += added_column_requests(tab, col, grid.sheet_id, start + offset)
            placed.setdefault(name, {})[col.key] = start + offset
        batch.columns_added += len(cols)
    return placed


def extended_value(value: Cell) -> dict[str, Any]:
    """A cell as a RAW ``userEnteredValue``: text (even "=...") stays text, dates ISO text."""
    raw = raw_value(value)
    if raw == "":
        return {}
    if isinstance(raw, bool):
        return {"boolValue": raw}
    if isinstance(raw, int | float):
        return {"numberValue": raw}
    return {"stringValue": raw}


def _present(tab: Tab, grid: TabView, columns: Mapping[str, int], append: RowAppend) -> bool:
    """Whether the row is there already: its Row ID, or its key column (a letter's name)."""
    if tab.id_prefix:
        key = "row_id"
    else:
        key = next((c.key for c in tab.columns if c.header == tab.key_column), "")
    wanted = norm_header(append.cells.get(key)) if key else ""
    index = columns.get(key)
    if not wanted or index is None:
        return False
    found = (norm_header(row[index] if index < len(row) else None) for row in grid.table.rows)
    return wanted in found


def _append_requests(
    view: GridSnapshot,
    appends: Sequence[RowAppend],
    added: Mapping[str, Mapping[str, int]],
    anchors: bool,
    batch: Batch,
) -> list[int]:
    """The requests appending rows (into the columns the batch adds too, ``added``); returns
    the ids of the anchors they create."""
    created: list[int] = []
    by_tab: dict[str, list[RowAppend]] = {}
    for append in appends:
        by_tab.setdefault(append.tab, []).append(append)
    for name, tab_appends in by_tab.items():
        tab, grid = TEMPLATE.tab(name), view.grids.get(name)
        if grid is None:
            batch.notes.append(f"{name}: the tab is missing; its rows were not appended")
            continue
        columns = {**column_map(grid.table, tab), **added.get(name, {})}
        todo = [a for a in tab_appends if not _present(tab, grid, columns, a)]
        if not todo:
            continue
        start = len(grid.table.rows) + 1  # the grid row after the last row with data
        width = max(columns.values(), default=-1) + 1
        rows = []
        for append in todo:
            values: list[dict[str, Any]] = [{} for _ in range(width)]
            for key, value in append.cells.items():
                if key in columns:
                    values[columns[key]] = {"userEnteredValue": extended_value(value)}
            rows.append({"values": values})
        batch.requests.append(_room(grid, "ROWS", start, len(todo)))
        batch.requests.append(
            {
                "updateCells": {
                    "start": {"sheetId": grid.sheet_id, "rowIndex": start, "columnIndex": 0},
                    "rows": rows,
                    "fields": "userEnteredValue",
                }
            }
        )
        batch.rows_appended += len(todo)
        if anchors and tab.id_prefix:
            for offset, append in enumerate(todo):
                row_id = as_text(append.cells.get("row_id"))
                if row_id:
                    meta = anchor_for(tab, row_id)
                    batch.requests.append(_create(grid.sheet_id, start + offset, meta))
                    created.append(meta.metadata_id)
    return created


def build_batch(
    view: GridSnapshot,
    reviews: Mapping[str, Review],
    columns: Sequence[ColumnAdd],
    rows: Sequence[RowAppend],
    *,
    anchors: bool,
    clear_first: bool = False,
) -> Batch:
    """The batchUpdate that puts ``reviews`` right (unless ``anchors`` is off: the tabs are
    full) and adds ``columns`` and ``rows``. ``clear_first`` deletes every anchor before it
    is created: for a retry after Google refused an id that some record (one we could not
    see: on another tab, say) already has."""
    batch = Batch()
    deletes: list[int] = []
    creates: list[tuple[int, int, Meta]] = []
    if anchors:
        for name, review in reviews.items():
            grid = view.grids[name]
            deletes += review.deletes
            creates += [(grid.sheet_id, row, meta) for row, meta in review.creates]
    added_columns = Batch()
    added = _column_requests(view, columns, added_columns)
    appended = Batch()
    append_anchors = _append_requests(view, rows, added, anchors, appended)
    if clear_first:
        deletes += [meta.metadata_id for _, _, meta in creates] + append_anchors
    batch.requests += [_delete(i) for i in dict.fromkeys(deletes)]
    batch.requests += added_columns.requests
    batch.requests += [_create(sheet_id, row, meta) for sheet_id, row, meta in creates]
    batch.requests += appended.requests
    batch.columns_added = added_columns.columns_added
    batch.rows_appended = appended.rows_appended
    batch.notes += added_columns.notes + appended.notes
    return batch
