"""What one grid read of the Sheet holds: each tab's values, its sheet id and grid size, and the
developer metadata on its rows (the sync's row anchors among them).

Owns the read's ``fields`` mask (``GRID_FIELDS``) and the parsing of its answer. One
``spreadsheets.get`` (or a ``spreadsheets.batchUpdate`` answering with the spreadsheet) with
this mask returns values and row metadata together, so the sync still reads the Sheet in one
request.

The answer is parsed with an ``object_pairs_hook`` that folds each cell's
``{"effectiveValue": {"stringValue": "x"}}`` into ``"x"`` as the JSON is decoded: a
10,000-contact Sheet then takes about as much memory as the values API's plain lists, where
the grid's nested objects would take several times that. ``effectiveValue`` is what the values
API returns with ``UNFORMATTED_VALUE`` and ``SERIAL_NUMBER`` dates: raw numbers and booleans,
a formula's result, dates as serial day numbers.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sheetsync.core.cells import Cell
from sheetsync.core.table import Snapshot, Table

_META = "developerMetadata(metadataId,metadataKey,metadataValue)"
#: The parts of a Spreadsheet resource a read needs, and nothing else (no formats, no
#: formatted text, no pixel sizes): values, the sheet's id and size, and metadata on the
#: sheet, its rows and its columns (all of it counts against the tab's storage limit).
GRID_FIELDS = (
    "sheets(properties(sheetId,title,gridProperties(rowCount,columnCount)),"
    f"{_META},"
    "data(startRow,rowData(values(effectiveValue)),"
    f"rowMetadata({_META}),columnMetadata({_META})))"
)

#: What the values API shows for each kind of formula error (ErrorValue.type).
_ERROR_TEXT = {
    "NULL_VALUE": "#NULL!",
    "DIVIDE_BY_ZERO": "#DIV/0!",
    "VALUE": "#VALUE!",
    "REF": "#REF!",
    "NAME": "#NAME?",
    "NUM": "#NUM!",
    "N_A": "#N/A",
    "LOADING": "Loading...",
}
_SCALARS = frozenset({"stringValue", "numberValue", "boolValue", "formulaValue"})


@dataclass(frozen=True)
class Meta:
    """One developer metadata record on a row: its id, key and value (``None``: no value)."""

    metadata_id: int
    key: str
    value: str | None = None

    @property
    def size(self) -> int:
        """What it counts against the storage limits: its key's and value's characters."""
        return len(self.key) + len(self.value or "")


@dataclass(frozen=True)
class TabView:
    """One tab as a grid read saw it."""

    table: Table
    sheet_id: int
    row_count: int
    column_count: int
    #: 0-based grid row (0 is the header row) -> the metadata on that row.
    rows_meta: Mapping[int, tuple[Meta, ...]] = field(default_factory=dict)
    #: Characters of every visible metadata record on the tab (its rows, columns and itself).
    metadata_chars: int = 0


@dataclass(frozen=True)
class GridSnapshot(Snapshot):
    """A ``Snapshot`` that also keeps what the grid read saw of each tab."""

    grids: Mapping[str, TabView] = field(default_factory=dict)


def _fold(pairs: list[tuple[str, Any]]) -> Any:
    """The JSON decoder's hook: a cell or an ExtendedValue becomes its plain value."""
    if len(pairs) == 1:
        key, value = pairs[0]
        if key in _SCALARS:
            return value
        if key == "errorValue":
            kind = value.get("type") if isinstance(value, dict) else None
            return _ERROR_TEXT.get(str(kind), "#ERROR!")
    for key, value in pairs:
        if key == "effectiveValue":
            return value
    return dict(pairs)


def _cell(value: Any) -> Cell:
    # What is left a dict is a cell with no value (empty, or only formatted).
    return None if isinstance(value, dict | list) else value


def _metas(entry: Any) -> tuple[Meta, ...]:
    if not isinstance(entry, dict):
        return ()
    found = []
    for item in entry.get("developerMetadata") or ():
        value = item.get("metadataValue")
        found.append(
            Meta(
                int(item.get("metadataId", 0)),
                str(item.get("metadataKey", "")),
                None if value is None else str(value),
            )
        )
    return tuple(found)


def _tab_view(sheet: Mapping[str, Any]) -> tuple[str, TabView]:
    props = sheet.get("properties") or {}
    title = str(props.get("title", ""))
    size = props.get("gridProperties") or {}
    chars = sum(m.size for m in _metas(sheet))
    rows: list[tuple[Cell, ...]] = []
    rows_meta: dict[int, tuple[Meta, ...]] = {}
    for grid in sheet.get("data") or ():
        start = int(grid.get("startRow", 0))
        for offset, row in enumerate(grid.get("rowData") or ()):
            values = (row.get("values") or ()) if isinstance(row, dict) else ()
            index = start + offset
            while len(rows) < index:
                rows.append(())
            cells = tuple(_cell(v) for v in values)
            if index < len(rows):
                rows[index] = cells
            else:
                rows.append(cells)
        for offset, entry in enumerate(grid.get("rowMetadata") or ()):
            metas = _metas(entry)
            if metas:
                rows_meta[start + offset] = metas
                chars += sum(m.size for m in metas)
        for entry in grid.get("columnMetadata") or ():
            chars += sum(m.size for m in _metas(entry))
    # Trailing rows with no value (the template's prepared rows) are not data.
    while rows and all(v is None for v in rows[-1]):
        rows.pop()
    header = rows[0] if rows else ()
    table = Table(title, header, tuple(rows[1:]))
    view = TabView(
        table,
        int(props.get("sheetId", 0)),
        int(size.get("rowCount", 0)),
        int(size.get("columnCount", 0)),
        rows_meta,
        chars,
    )
    return title, view


def parse_grid(content: bytes, wanted: Iterable[str], under: str | None = None) -> GridSnapshot:
    """The tabs named in ``wanted`` from a Spreadsheet resource read with ``GRID_FIELDS``.

    ``under`` names the key the resource sits under (``updatedSpreadsheet`` in a batchUpdate's
    answer). Tabs the answer does not have are left out, as a batchGet's would be.
    """
    body = json.loads(content, object_pairs_hook=_fold)
    if under is not None:
        body = body.get(under) or {}
    names = set(wanted)
    grids: dict[str, TabView] = {}
    for sheet in body.get("sheets") or ():
        title, view = _tab_view(sheet)
        if title in names:
            grids[title] = view
    return GridSnapshot({name: view.table for name, view in grids.items()}, grids)
