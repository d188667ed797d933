"""The fake Sheets v4 API: spreadsheet state and the handlers that serve it.

Owns spreadsheets (properties, sheets, per-sheet 2-D cell lists, and the recorded side
structures: data validations, protected ranges, charts, formats, ...), the ``spreadsheets.*``
and ``spreadsheets.values.*`` handlers, and the state helpers tests use to play a person
editing the sheet (insert/delete/move/sort/copy/cut rows) between two API requests. Every row
and column edit also moves the developer metadata on those rows (see ``metadata.py``; the
``*ByDataFilter`` and ``developerMetadata.*`` handlers are in ``data_filters.py``).
"""

from __future__ import annotations

import copy
import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, cast

from . import a1
from . import metadata as md
from .a1 import Box
from .cells import (
    Cell,
    DateValue,
    Formula,
    Skip,
    extended_value,
    from_extended_value,
    parse_input,
    render,
)
from .common import Call, Clock, Handler, Ids, Reply
from .errors import ApiError, bad_request, not_found
from .fields import parse_mask, selects

DEFAULT_ROWS = 1000
DEFAULT_COLS = 26


@dataclass
class Sheet:
    """One tab: its properties, its cells (ragged rows, ``None`` = empty) and side records."""

    properties: dict[str, Any]
    cells: list[list[Cell]] = field(default_factory=list)
    data_validations: list[dict[str, Any]] = field(default_factory=list)
    protected_ranges: list[dict[str, Any]] = field(default_factory=list)
    charts: list[dict[str, Any]] = field(default_factory=list)
    conditional_formats: list[dict[str, Any]] = field(default_factory=list)
    formats: list[dict[str, Any]] = field(default_factory=list)
    merges: list[dict[str, Any]] = field(default_factory=list)
    banded_ranges: list[dict[str, Any]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(self.properties["title"])

    @property
    def sheet_id(self) -> int:
        return int(self.properties["sheetId"])

    @property
    def grid(self) -> dict[str, Any]:
        grid: dict[str, Any] = self.properties.setdefault("gridProperties", {})
        return grid

    @property
    def row_count(self) -> int:
        return int(self.grid.get("rowCount", DEFAULT_ROWS))

    @property
    def col_count(self) -> int:
        return int(self.grid.get("columnCount", DEFAULT_COLS))

    def get(self, row: int, col: int) -> Cell:
        if row < len(self.cells) and col < len(self.cells[row]):
            return self.cells[row][col]
        return None

    def put(self, row: int, col: int, value: Cell) -> None:
        while len(self.cells) <= row:
            self.cells.append([])
        line = self.cells[row]
        if value is None and col >= len(line):
            return
        while len(line) <= col:
            line.append(None)
        line[col] = value

    def used_rows(self) -> int:
        """Index after the last row holding any value."""
        for i in range(len(self.cells) - 1, -1, -1):
            if any(c is not None for c in self.cells[i]):
                return i + 1
        return 0

    def ensure_rows(self, count: int) -> None:
        """Grow the grid to at least ``count`` rows (helpers and appends may grow it)."""
        if count > self.row_count:
            self.grid["rowCount"] = count

    def ensure_cols(self, count: int) -> None:
        if count > self.col_count:
            self.grid["columnCount"] = count

    def validation_at(self, row: int, col: int) -> dict[str, Any] | None:
        """The data-validation rule in force at a cell (the last setDataValidation wins)."""
        rule: dict[str, Any] | None = None
        for entry in self.data_validations:
            if _grid_contains(entry["range"], row, col):
                rule = entry.get("rule")
        return rule


def _grid_contains(grid: dict[str, Any], row: int, col: int) -> bool:
    r0 = int(grid.get("startRowIndex", 0))
    r1 = grid.get("endRowIndex")
    c0 = int(grid.get("startColumnIndex", 0))
    c1 = grid.get("endColumnIndex")
    in_rows = r0 <= row and (r1 is None or row < int(r1))
    return in_rows and c0 <= col and (c1 is None or col < int(c1))


@dataclass
class Spreadsheet:
    """A spreadsheet and everything done to it through ``spreadsheets.batchUpdate``."""

    spreadsheet_id: str
    properties: dict[str, Any]
    sheets: list[Sheet]
    created: datetime
    modified: datetime
    named_ranges: list[dict[str, Any]] = field(default_factory=list)
    developer_metadata: md.MetadataStore = field(default_factory=md.MetadataStore)
    applied_requests: list[dict[str, Any]] = field(default_factory=list)

    @property
    def title(self) -> str:
        return str(self.properties.get("title", ""))

    def titles(self) -> list[str]:
        return [s.title for s in self.sheets]

    def by_title(self, title: str) -> Sheet:
        for sheet in self.sheets:
            if sheet.title == title:
                return sheet
        raise KeyError(f"no sheet titled {title!r} in {self.spreadsheet_id}")

    def by_id(self, sheet_id: int) -> Sheet | None:
        for sheet in self.sheets:
            if sheet.sheet_id == sheet_id:
                return sheet
        return None

    def reindex(self) -> None:
        for i, sheet in enumerate(self.sheets):
            sheet.properties["index"] = i

    def requests_of(self, kind: str) -> list[dict[str, Any]]:
        """Bodies of every applied batchUpdate request of one kind, e.g. ``"addChart"``."""
        return [r[kind] for r in self.applied_requests if kind in r]


def _restore(target: Spreadsheet, backup: Spreadsheet) -> None:
    # Put a failed batch's spreadsheet back in place (same object, so references stay valid).
    target.__dict__.update(backup.__dict__)


#: A batchUpdate request kind served outside this module: (spreadsheet, body, project) -> reply.
RequestFn = Callable[[Spreadsheet, dict[str, Any], str], dict[str, Any] | None]


class SheetsApi:
    """In-memory Sheets v4 backend."""

    def __init__(self, ids: Ids, clock: Clock) -> None:
        self.ids = ids
        self.clock = clock
        self.spreadsheets: dict[str, Spreadsheet] = {}
        #: What sorting, copy-paste, cut-paste and duplicating a tab do to row metadata.
        self.policy = md.MetadataPolicy()
        #: Characters of developer metadata allowed per spreadsheet and per sheet.
        self.metadata_limit = md.CHAR_LIMIT
        #: batchUpdate request kinds other modules serve (the developer metadata requests).
        self.extra_requests: dict[str, RequestFn] = {}

    # ---- state helpers ----------------------------------------------------------------

    def create(self, title: str, sheet_titles: list[str] | None = None) -> Spreadsheet:
        """Create a spreadsheet directly in state (no request logged)."""
        body = {
            "properties": {"title": title},
            "sheets": [{"properties": {"title": t}} for t in sheet_titles or ["Sheet1"]],
        }
        return self._create_from(body)

    def get(self, spreadsheet_id: str) -> Spreadsheet:
        ss = self.spreadsheets.get(spreadsheet_id)
        if ss is None:
            raise not_found()
        return ss

    def sheet(self, spreadsheet_id: str, title: str) -> Sheet:
        ss = self.spreadsheets.get(spreadsheet_id)
        if ss is None:
            raise KeyError(f"no spreadsheet {spreadsheet_id!r}")
        return ss.by_title(title)

    def touch(self, ss: Spreadsheet) -> None:
        ss.modified = self.clock()

    # ---- routing ----------------------------------------------------------------------

    def handlers(self) -> dict[str, Handler]:
        return {
            "sheets.spreadsheets.create": self.h_create,
            "sheets.spreadsheets.get": self.h_get,
            "sheets.spreadsheets.batchUpdate": self.h_batch_update,
            "sheets.spreadsheets.values.get": self.h_values_get,
            "sheets.spreadsheets.values.batchGet": self.h_values_batch_get,
            "sheets.spreadsheets.values.update": self.h_values_update,
            "sheets.spreadsheets.values.batchUpdate": self.h_values_batch_update,
            "sheets.spreadsheets.values.append": self.h_values_append,
            "sheets.spreadsheets.values.clear": self.h_values_clear,
            "sheets.spreadsheets.values.batchClear": self.h_values_batch_clear,
        }

    # ---- spreadsheets -----------------------------------------------------------------

    def _create_from(self, body: dict[str, Any]) -> Spreadsheet:
        now = self.clock()
        props = {
            "title": "Untitled spreadsheet",
            "locale": "en_US",
            "autoRecalc": "ON_CHANGE",
            "timeZone": "Etc/GMT",
        }
        props.update(copy.deepcopy(body.get("properties") or {}))
        ss = Spreadsheet(self.ids.spreadsheet_id(), props, [], now, now)
        sheet_bodies = body.get("sheets") or [{}]
        for i, sheet_body in enumerate(sheet_bodies):
            sprops = copy.deepcopy(sheet_body.get("properties") or {})
            # Google gives the first sheet id 0; later ones random positive ids.
            sprops.setdefault("sheetId", 0 if i == 0 else self._new_sheet_id(ss))
            sprops.setdefault("title", f"Sheet{i + 1}")
            sheet = self._new_sheet(sprops)
            if sheet.title in ss.titles():
                raise bad_request(
                    f'A sheet with the name "{sheet.title}" already exists. '
                    "Please enter another name."
                )
            for grid_data in sheet_body.get("data") or []:
                self._load_grid_data(sheet, grid_data)
            ss.sheets.append(sheet)
        ss.reindex()
        self.spreadsheets[ss.spreadsheet_id] = ss
        return ss

    def _new_sheet(self, props: dict[str, Any]) -> Sheet:
        grid = {"rowCount": DEFAULT_ROWS, "columnCount": DEFAULT_COLS}
        grid.update(props.get("gridProperties") or {})
        props["gridProperties"] = grid
        props.setdefault("sheetType", "GRID")
        props.setdefault("index", 0)
        return Sheet(props)

    def _new_sheet_id(self, ss: Spreadsheet) -> int:
        while True:
            candidate = self.ids.int_id()
            if ss.by_id(candidate) is None:
                return candidate

    def _load_grid_data(self, sheet: Sheet, grid_data: dict[str, Any]) -> None:
        row0 = int(grid_data.get("startRow", 0))
        col0 = int(grid_data.get("startColumn", 0))
        for i, row in enumerate(grid_data.get("rowData") or []):
            for j, cell in enumerate(row.get("values") or []):
                value = from_extended_value(cell.get("userEnteredValue") or {})
                sheet.ensure_rows(row0 + i + 1)
                sheet.ensure_cols(col0 + j + 1)
                sheet.put(row0 + i, col0 + j, value)

    def resource(
        self,
        ss: Spreadsheet,
        include_grid: bool = False,
        project: str = md.DEFAULT_PROJECT,
        ranges: list[str] | None = None,
    ) -> dict[str, Any]:
        """The Spreadsheet resource as spreadsheets.get returns it.

        Developer metadata visible to ``project`` sits where Google puts it: the spreadsheet's
        at the top, a sheet's in the sheet, a row's or column's in the grid data's
        ``rowMetadata``/``columnMetadata`` (so only with grid data). ``ranges`` (A1) limit the
        answer to the sheets they name, and the grid data to those ranges ("Limiting the range
        returns only the portions of the spreadsheet that intersect the requested ranges").
        """
        visible = ss.developer_metadata.visible(project)
        boxes: dict[int, list[Box]] = {}
        for text in ranges or []:
            sheet, box = self.resolve(ss, text)
            boxes.setdefault(sheet.sheet_id, []).append(box)
        sheets = []
        for sheet in ss.sheets:
            if ranges and sheet.sheet_id not in boxes:
                continue
            item: dict[str, Any] = {"properties": copy.deepcopy(sheet.properties)}
            for key, records in (
                ("protectedRanges", sheet.protected_ranges),
                ("charts", sheet.charts),
                ("conditionalFormats", sheet.conditional_formats),
                ("merges", sheet.merges),
                ("bandedRanges", sheet.banded_ranges),
            ):
                if records:
                    item[key] = copy.deepcopy(records)
            own = [
                m.resource() for m in visible if m.location == md.Location(md.SHEET, sheet.sheet_id)
            ]
            if own:
                item["developerMetadata"] = own
            if include_grid:
                wanted = boxes.get(sheet.sheet_id) or [Box(0, None, 0, None)]
                item["data"] = [self._grid_data(sheet, visible, box) for box in wanted]
            sheets.append(item)
        out: dict[str, Any] = {
            "spreadsheetId": ss.spreadsheet_id,
            "properties": copy.deepcopy(ss.properties),
            "sheets": sheets,
            "spreadsheetUrl": f"https://docs.google.com/spreadsheets/d/{ss.spreadsheet_id}/edit",
        }
        if ss.named_ranges:
            out["namedRanges"] = copy.deepcopy(ss.named_ranges)
        top = [m.resource() for m in visible if m.location.kind == md.SPREADSHEET]
        if top:
            out["developerMetadata"] = top
        return out

    def _grid_data(
        self, sheet: Sheet, visible: list[md.Metadata], box: Box | None = None
    ) -> dict[str, Any]:
        box = box or Box(0, None, 0, None)
        last_row = min(sheet.used_rows(), box.row1 if box.row1 is not None else sheet.row_count)
        rows = []
        for r in range(box.row0, last_row):
            values = []
            end = len(sheet.cells[r]) if box.col1 is None else min(len(sheet.cells[r]), box.col1)
            for c in range(box.col0, end):
                cell = sheet.get(r, c)
                data: dict[str, Any] = {}
                if cell is not None:
                    data["userEnteredValue"] = extended_value(cell)
                    shown = render(cell, "UNFORMATTED_VALUE", "SERIAL_NUMBER")
                    data["effectiveValue"] = extended_value(
                        shown if not isinstance(cell, Formula) else _as_cell(shown)
                    )
                    data["formattedValue"] = render(cell, "FORMATTED_VALUE", "FORMATTED_STRING")
                rule = sheet.validation_at(r, c)
                if rule is not None:
                    data["dataValidation"] = copy.deepcopy(rule)
                values.append(data)
            rows.append({"values": values})
        grid: dict[str, Any] = {"startRow": box.row0, "startColumn": box.col0, "rowData": rows}
        widest = max((len(r["values"]) for r in rows), default=0)
        for kind, key, first, end, used, pixels in (
            (md.ROW, "rowMetadata", box.row0, box.row1, box.row0 + len(rows), 21),
            (md.COLUMN, "columnMetadata", box.col0, box.col1, box.col0 + widest, 100),
        ):
            placed: dict[int, list[dict[str, Any]]] = {}
            for meta in visible:
                loc = meta.location
                if loc.kind != kind or loc.sheet_id != sheet.sheet_id or loc.index is None:
                    continue
                if loc.index >= first and (end is None or loc.index < end):
                    placed.setdefault(loc.index, []).append(meta.resource())
            # Google lists every row of the range; the fake stops after the last used or
            # tagged one, which keeps indexes right for any client reading by position.
            count = max([used, *(i + 1 for i in placed)])
            grid[key] = [
                {"pixelSize": pixels, **({"developerMetadata": placed[i]} if i in placed else {})}
                for i in range(first, count)
            ]
        return grid

    def h_create(self, call: Call) -> Reply:
        ss = self._create_from(call.body or {})
        return Reply(self.resource(ss))

    def h_get(self, call: Call) -> Reply:
        ss = self.get(call.params["spreadsheetId"])
        ranges = list(call.param("ranges", []))
        for text in ranges:
            self.resolve(ss, text)  # an unknown range is a 400 even for metadata reads
        # "includeGridData ... is ignored if a field mask was set": the mask decides then.
        include = _grid_wanted(call.param("fields"), bool(call.param("includeGridData", False)))
        return Reply(self.resource(ss, include, md.project_of(call.headers), ranges))

    # ---- ranges -----------------------------------------------------------------------

    def resolve(self, ss: Spreadsheet, text: str) -> tuple[Sheet, Box]:
        """Resolve a range string to its sheet and box (whole sheet for a bare title)."""
        parsed = a1.parse(text, ss.titles())
        sheet = ss.by_title(parsed.title) if parsed.title is not None else ss.sheets[0]
        return sheet, parsed.box or Box(0, None, 0, None)

    @staticmethod
    def _grid_error(sheet: Sheet, row0: int, row1: int, col0: int, col1: int) -> ApiError:
        span = a1.format_range(sheet.title, row0, row1, col0, col1).split("!", 1)[1]
        quoted = "'" + sheet.title.replace("'", "''") + "'"
        return bad_request(
            f"Range ({quoted}!{span}) exceeds grid limits. Max rows: {sheet.row_count}, "
            f"max columns: {sheet.col_count}"
        )

    def read(
        self,
        sheet: Sheet,
        box: Box,
        major: str = "ROWS",
        value_option: str = "FORMATTED_VALUE",
        date_option: str = "SERIAL_NUMBER",
    ) -> dict[str, Any]:
        """A ValueRange for a box, trimmed the way Google trims it."""
        row1 = box.row1 if box.row1 is not None else sheet.row_count
        col1 = box.col1 if box.col1 is not None else sheet.col_count
        if row1 > sheet.row_count or col1 > sheet.col_count or box.row0 >= sheet.row_count:
            raise self._grid_error(sheet, box.row0, max(row1, box.row0 + 1), box.col0, col1)
        if box.col0 >= sheet.col_count:
            raise self._grid_error(sheet, box.row0, row1, box.col0, box.col0 + 1)
        grid = [
            [
                render(sheet.get(r, c), value_option, date_option)
                for c in range(box.col0, min(col1, box.col0 + _row_width(sheet, r, box.col0)))
            ]
            for r in range(box.row0, min(row1, sheet.used_rows()))
        ]
        if major == "COLUMNS":
            grid = _transpose(grid)
        out: dict[str, Any] = {
            "range": a1.format_range(sheet.title, box.row0, row1, box.col0, col1),
            "majorDimension": "COLUMNS" if major == "COLUMNS" else "ROWS",
        }
        values = _trim(grid)
        if values:
            out["values"] = values
        return out

    def write(
        self,
        sheet: Sheet,
        box: Box,
        values: Any,
        major: str,
        option: str,
        *,
        grow: bool = False,
    ) -> dict[str, Any]:
        """Write a ValueRange's values anchored at the box's top-left cell."""
        if not isinstance(values, list) or not all(isinstance(r, list) for r in values):
            raise bad_request("Invalid values: expected a list of lists.")
        rows: list[list[Any]] = _transpose_ragged(values) if major == "COLUMNS" else values
        if box.single:
            box = Box(box.row0, None, box.col0, None)
        nrows = len(rows)
        ncols = max((len(r) for r in rows), default=0)
        requested = a1.format_range(
            sheet.title,
            box.row0,
            box.row1 if box.row1 is not None else box.row0 + max(nrows, 1),
            box.col0,
            box.col1 if box.col1 is not None else box.col0 + max(ncols, 1),
        )
        if box.row1 is not None and box.row0 + nrows > box.row1:
            raise bad_request(
                f"Requested writing within range [{requested}], but tried writing to row "
                f"[{box.row0 + nrows}]"
            )
        if box.col1 is not None and box.col0 + ncols > box.col1:
            raise bad_request(
                f"Requested writing within range [{requested}], but tried writing to column "
                f"[{a1.col_letters(box.col0 + ncols - 1)}]"
            )
        if grow:
            sheet.ensure_rows(box.row0 + nrows)
            sheet.ensure_cols(box.col0 + ncols)
        elif box.row0 + nrows > sheet.row_count or box.col0 + ncols > sheet.col_count:
            raise self._grid_error(
                sheet, box.row0, box.row0 + max(nrows, 1), box.col0, box.col0 + max(ncols, 1)
            )
        cells = 0
        touched_rows: set[int] = set()
        touched_cols: set[int] = set()
        for i, row in enumerate(rows):
            for j, raw in enumerate(row):
                value = parse_input(raw, option)
                if isinstance(value, Skip):
                    continue
                sheet.put(box.row0 + i, box.col0 + j, value)
                cells += 1
                touched_rows.add(i)
                touched_cols.add(j)
        out: dict[str, Any] = {"updatedRange": requested}
        if cells:
            out = {
                "updatedRange": a1.format_range(
                    sheet.title, box.row0, box.row0 + nrows, box.col0, box.col0 + ncols
                ),
                "updatedRows": len(touched_rows),
                "updatedColumns": len(touched_cols),
                "updatedCells": cells,
            }
        return out

    # ---- values handlers --------------------------------------------------------------

    def h_values_get(self, call: Call) -> Reply:
        ss = self.get(call.params["spreadsheetId"])
        sheet, box = self.resolve(ss, call.params["range"])
        return Reply(self.read(sheet, box, *self._render_opts(call)))

    def h_values_batch_get(self, call: Call) -> Reply:
        ss = self.get(call.params["spreadsheetId"])
        opts = self._render_opts(call)
        ranges = [self.resolve(ss, text) for text in call.param("ranges", [])]
        return Reply(
            {
                "spreadsheetId": ss.spreadsheet_id,
                "valueRanges": [self.read(sheet, box, *opts) for sheet, box in ranges],
            }
        )

    @staticmethod
    def _render_opts(call: Call, prefix: str = "") -> tuple[str, str, str]:
        def opt(name: str) -> str | None:
            key = f"{prefix}{name[0].upper()}{name[1:]}" if prefix else name
            value = call.param(key)
            if value is None and isinstance(call.body, dict):
                value = call.body.get(key)
            return value if isinstance(value, str) else None

        major = opt("majorDimension") or "ROWS"
        return (
            "COLUMNS" if major == "COLUMNS" else "ROWS",
            opt("valueRenderOption") or "FORMATTED_VALUE",
            opt("dateTimeRenderOption") or "SERIAL_NUMBER",
        )

    @staticmethod
    def _input_option(value: Any) -> str:
        if value not in ("RAW", "USER_ENTERED"):
            raise bad_request(f"Invalid valueInputOption: {value}")
        return str(value)

    def _updated_data(
        self, call: Call, sheet: Sheet, result: dict[str, Any], source: dict[str, Any]
    ) -> None:
        include = call.param("includeValuesInResponse")
        if include is None and isinstance(call.body, dict):
            include = source.get("includeValuesInResponse")
        if not include or "updatedRows" not in result:
            return
        _, box = self.resolve(self.get(call.params["spreadsheetId"]), result["updatedRange"])
        value_opt = (
            call.param("responseValueRenderOption")
            or source.get("responseValueRenderOption")
            or "FORMATTED_VALUE"
        )
        date_opt = (
            call.param("responseDateTimeRenderOption")
            or source.get("responseDateTimeRenderOption")
            or "SERIAL_NUMBER"
        )
        result["updatedData"] = self.read(sheet, box, "ROWS", value_opt, date_opt)

    def h_values_update(self, call: Call) -> Reply:
        ss = self.get(call.params["spreadsheetId"])
        body = call.body or {}
        option = self._input_option(call.param("valueInputOption"))
        if body.get("range") and not _same_range(ss, body["range"], call.params["range"]):
            raise bad_request(
                f"Requested writing within range [{call.params['range']}], but the request "
                f"body has range [{body['range']}]."
            )
        backup = copy.deepcopy(ss)
        try:
            sheet, box = self.resolve(ss, call.params["range"])
            result = self.write(
                sheet, box, body.get("values", []), body.get("majorDimension", "ROWS"), option
            )
            self._updated_data(call, sheet, result, {})
        except ApiError:
            _restore(ss, backup)
            raise
        self.touch(ss)
        return Reply({"spreadsheetId": ss.spreadsheet_id, **result})

    def h_values_batch_update(self, call: Call) -> Reply:
        ss = self.get(call.params["spreadsheetId"])
        body = call.body or {}
        option = self._input_option(body.get("valueInputOption"))
        backup = copy.deepcopy(ss)
        responses = []
        # All-or-nothing like Google: a bad range in data[3] leaves data[0..2] unapplied.
        try:
            for i, value_range in enumerate(body.get("data") or []):
                text = value_range.get("range")
                if not text:
                    raise bad_request(f"Invalid data[{i}]: Unable to parse range: ")
                try:
                    sheet, box = self.resolve(ss, text)
                    result = self.write(
                        sheet,
                        box,
                        value_range.get("values", []),
                        value_range.get("majorDimension", "ROWS"),
                        option,
                    )
                except ApiError as exc:
                    raise bad_request(f"Invalid data[{i}]: {exc.message}") from exc
                self._updated_data(call, sheet, result, body)
                responses.append({"spreadsheetId": ss.spreadsheet_id, **result})
        except ApiError:
            _restore(ss, backup)
            raise
        self.touch(ss)
        updated = [r for r in responses if "updatedCells" in r]
        out: dict[str, Any] = {"spreadsheetId": ss.spreadsheet_id}
        if updated:
            out.update(
                {
                    "totalUpdatedRows": sum(r["updatedRows"] for r in updated),
                    "totalUpdatedColumns": sum(r["updatedColumns"] for r in updated),
                    "totalUpdatedCells": sum(r["updatedCells"] for r in updated),
                    "totalUpdatedSheets": len({r["updatedRange"].split("!")[0] for r in updated}),
                }
            )
        out["responses"] = responses
        return Reply(out)

    def h_values_append(self, call: Call) -> Reply:
        ss = self.get(call.params["spreadsheetId"])
        body = call.body or {}
        option = self._input_option(call.param("valueInputOption"))
        sheet, box = self.resolve(ss, call.params["range"])
        values = body.get("values", [])
        table = _find_table(sheet, box)
        out: dict[str, Any] = {"spreadsheetId": ss.spreadsheet_id}
        if table is None:
            start, first_col = box.row0, box.col0
        else:
            top, start, first_col, end_col = table
            out["tableRange"] = a1.format_range(sheet.title, top, start, first_col, end_col)
        nrows = len(values) if isinstance(values, list) else 0
        if call.param("insertDataOption") == "INSERT_ROWS" and nrows:
            self.insert_rows(ss, sheet, start, nrows)
        col_end = box.col1 if box.col1 is not None and not box.single else None
        write_box = Box(start, None, first_col, col_end)
        result = self.write(
            sheet, write_box, values, body.get("majorDimension", "ROWS"), option, grow=True
        )
        self._updated_data(call, sheet, result, {})
        out["updates"] = {"spreadsheetId": ss.spreadsheet_id, **result}
        self.touch(ss)
        return Reply(out)

    def _clear(self, ss: Spreadsheet, text: str) -> str:
        return self.clear_box(*self.resolve(ss, text))

    @staticmethod
    def clear_box(sheet: Sheet, box: Box) -> str:
        """Empty a box's cells (clamped to the grid); returns the range cleared."""
        row1 = min(box.row1 if box.row1 is not None else sheet.row_count, sheet.row_count)
        col1 = min(box.col1 if box.col1 is not None else sheet.col_count, sheet.col_count)
        for r in range(box.row0, min(row1, len(sheet.cells))):
            for c in range(box.col0, min(col1, len(sheet.cells[r]))):
                sheet.cells[r][c] = None
        return a1.format_range(sheet.title, box.row0, row1, box.col0, col1)

    def h_values_clear(self, call: Call) -> Reply:
        ss = self.get(call.params["spreadsheetId"])
        cleared = self._clear(ss, call.params["range"])
        self.touch(ss)
        return Reply({"spreadsheetId": ss.spreadsheet_id, "clearedRange": cleared})

    def h_values_batch_clear(self, call: Call) -> Reply:
        ss = self.get(call.params["spreadsheetId"])
        backup = copy.deepcopy(ss)
        try:
            cleared = [self._clear(ss, text) for text in (call.body or {}).get("ranges", [])]
        except ApiError:
            _restore(ss, backup)
            raise
        self.touch(ss)
        return Reply({"spreadsheetId": ss.spreadsheet_id, "clearedRanges": cleared})

    # ---- row edits (shared by batchUpdate and the test helpers) -------------------------
    # Each one remaps the developer metadata of the rows (or columns) it moves, so metadata
    # shifts exactly as the cells do and is deleted with its row.

    @staticmethod
    def insert_rows(ss: Spreadsheet, sheet: Sheet, index: int, count: int) -> None:
        while len(sheet.cells) < index:
            sheet.cells.append([])
        sheet.cells[index:index] = [[] for _ in range(count)]
        sheet.grid["rowCount"] = sheet.row_count + count
        ss.developer_metadata.remap(sheet.sheet_id, md.ROW, md.inserted(index, count))

    @staticmethod
    def delete_rows(ss: Spreadsheet, sheet: Sheet, start: int, end: int) -> None:
        del sheet.cells[start:end]
        sheet.grid["rowCount"] = sheet.row_count - (end - start)
        ss.developer_metadata.remap(sheet.sheet_id, md.ROW, md.deleted(start, end))

    @staticmethod
    def move_rows(ss: Spreadsheet, sheet: Sheet, start: int, end: int, dest: int) -> None:
        """moveDimension on rows: ``[start, end)`` goes before the row that was at ``dest``."""
        order = list(range(max(end, dest, len(sheet.cells))))
        moved = order[start:end]
        del order[start:end]
        at = dest if dest <= start else dest - (end - start)
        order[at:at] = moved
        SheetsApi.reorder_rows(ss, sheet, order, 0, metadata_follows=True)

    @staticmethod
    def reorder_rows(
        ss: Spreadsheet, sheet: Sheet, order: list[int], first: int, *, metadata_follows: bool
    ) -> None:
        """Put the row that was at ``order[i]`` at ``first + i`` (rows outside stay put)."""
        while len(sheet.cells) < first + len(order):
            sheet.cells.append([])
        sheet.cells[first : first + len(order)] = [sheet.cells[old] for old in order]
        if metadata_follows:
            new_of_old = {old: first + i for i, old in enumerate(order)}
            ss.developer_metadata.remap(sheet.sheet_id, md.ROW, md.permuted(new_of_old))

    @staticmethod
    def _insert_cols(ss: Spreadsheet, sheet: Sheet, index: int, count: int) -> None:
        for row in sheet.cells:
            if len(row) > index:
                row[index:index] = [None] * count
        sheet.grid["columnCount"] = sheet.col_count + count
        ss.developer_metadata.remap(sheet.sheet_id, md.COLUMN, md.inserted(index, count))

    @staticmethod
    def _delete_cols(ss: Spreadsheet, sheet: Sheet, start: int, end: int) -> None:
        for row in sheet.cells:
            del row[start:end]
        sheet.grid["columnCount"] = sheet.col_count - (end - start)
        ss.developer_metadata.remap(sheet.sheet_id, md.COLUMN, md.deleted(start, end))

    # ---- spreadsheets.batchUpdate -------------------------------------------------------

    def apply_request(
        self, ss: Spreadsheet, kind: str, req: dict[str, Any], project: str = md.DEFAULT_PROJECT
    ) -> dict[str, Any] | None:
        """Apply one batchUpdate request straight to state (the person-edit helpers)."""
        return self._apply(ss, kind, req, project)

    def h_batch_update(self, call: Call) -> Reply:
        ss = self.get(call.params["spreadsheetId"])
        body = call.body or {}
        requests = body.get("requests") or []
        if not requests:
            raise bad_request("Must specify at least one request.")
        backup = copy.deepcopy(ss)
        replies: list[dict[str, Any]] = []
        project = md.project_of(call.headers)
        # Metadata characters per pool, kept up to date across a run of creates (thousands of
        # anchors in one batch); any other request makes them be counted again.
        totals: dict[int | None, int] | None = None
        try:
            for i, request in enumerate(requests):
                kinds = [k for k, v in request.items() if v is not None]
                if len(kinds) != 1:
                    raise bad_request(
                        f"Invalid requests[{i}]: "
                        + ("No request set." if not kinds else "Only one request may be set.")
                    )
                kind = kinds[0]
                try:
                    store = ss.developer_metadata
                    reply = self._apply(ss, kind, request[kind], project)
                    if kind == "createDeveloperMetadata" and totals is not None:
                        pool = md.pool_of(store.records[-1])
                        totals[pool] = totals.get(pool, 0) + store.records[-1].size
                        store.check_limits(self.metadata_limit, totals)
                    elif kind in _METADATA_GROWING:
                        # Checked per request, so the error names the one that went over.
                        totals = store.check_limits(self.metadata_limit)
                        if kind != "createDeveloperMetadata":
                            totals = None
                    else:
                        totals = None
                except ApiError as exc:
                    raise bad_request(f"Invalid requests[{i}].{kind}: {exc.message}") from exc
                ss.applied_requests.append({kind: copy.deepcopy(request[kind])})
                replies.append(reply or {})
        except ApiError:
            # Google applies a batchUpdate atomically: one bad request undoes all of them.
            _restore(ss, backup)
            raise
        self.touch(ss)
        out: dict[str, Any] = {"spreadsheetId": ss.spreadsheet_id, "replies": replies}
        if body.get("includeSpreadsheetInResponse"):
            ranges = list(body.get("responseRanges") or [])
            flag = bool(body.get("responseIncludeGridData"))
            include = _grid_wanted(call.param("fields"), flag, "updatedSpreadsheet")
            out["updatedSpreadsheet"] = self.resource(ss, include, project, ranges)
        return Reply(out)

    def _apply(
        self, ss: Spreadsheet, kind: str, req: dict[str, Any], project: str
    ) -> dict[str, Any] | None:
        if kind in self.extra_requests:
            return self.extra_requests[kind](ss, req, project)
        method = cast(
            Callable[[Spreadsheet, dict[str, Any]], dict[str, Any] | None] | None,
            getattr(self, f"_r_{kind}", None),
        )
        if method is not None:
            return method(ss, req)
        # Kinds without a model here (formatting, sizing, filters, ...) passed the schema
        # check; the caller records them and they get the empty reply Google gives such kinds.
        return None

    def _sheet_for(self, ss: Spreadsheet, sheet_id: Any) -> Sheet:
        sheet = ss.by_id(int(sheet_id or 0))  # proto3: an absent sheetId means 0
        if sheet is None:
            raise bad_request(f"No grid with id: {int(sheet_id or 0)}")
        return sheet

    def _grid_sheet(self, ss: Spreadsheet, grid: dict[str, Any] | None) -> Sheet:
        return self._sheet_for(ss, (grid or {}).get("sheetId"))

    def _check_title(self, ss: Spreadsheet, title: str, exclude: Sheet | None = None) -> None:
        for sheet in ss.sheets:
            if sheet is not exclude and sheet.title.lower() == title.lower():
                raise bad_request(
                    f'A sheet with the name "{title}" already exists. Please enter another name.'
                )

    def _r_addSheet(self, ss: Spreadsheet, req: dict[str, Any]) -> dict[str, Any]:
        props = copy.deepcopy(req.get("properties") or {})
        if "sheetId" in props:
            if ss.by_id(int(props["sheetId"])) is not None:
                raise bad_request(f"Sheet with id {props['sheetId']} already exists.")
            props["sheetId"] = int(props["sheetId"])
        else:
            props["sheetId"] = self._new_sheet_id(ss)
        if "title" not in props:
            n = len(ss.sheets) + 1
            while f"Sheet{n}" in ss.titles():
                n += 1
            props["title"] = f"Sheet{n}"
        self._check_title(ss, props["title"])
        index = min(int(props.get("index", len(ss.sheets))), len(ss.sheets))
        sheet = self._new_sheet(props)
        ss.sheets.insert(index, sheet)
        ss.reindex()
        return {"addSheet": {"properties": copy.deepcopy(sheet.properties)}}

    def _r_deleteSheet(self, ss: Spreadsheet, req: dict[str, Any]) -> None:
        sheet = self._sheet_for(ss, req.get("sheetId"))
        if len(ss.sheets) == 1:
            raise bad_request("You can't remove all the sheets in a document.")
        ss.sheets.remove(sheet)
        ss.reindex()
        ss.developer_metadata.drop_sheet(sheet.sheet_id)

    def _r_duplicateSheet(self, ss: Spreadsheet, req: dict[str, Any]) -> dict[str, Any]:
        source = self._sheet_for(ss, req.get("sourceSheetId"))
        if req.get("newSheetId") is not None and ss.by_id(int(req["newSheetId"])) is not None:
            raise bad_request(f"Sheet with id {req['newSheetId']} already exists.")
        new = copy.deepcopy(source)
        new.properties["sheetId"] = int(req.get("newSheetId") or self._new_sheet_id(ss))
        new.properties["title"] = req.get("newSheetName") or f"Copy of {source.title}"
        self._check_title(ss, new.title)
        index = min(int(req.get("insertSheetIndex", len(ss.sheets))), len(ss.sheets))
        ss.sheets.insert(index, new)
        ss.reindex()
        # Google does not say what a copied tab's metadata does: the policy decides.
        store = ss.developer_metadata
        pairs = [
            (m.location, dataclasses.replace(m.location, sheet_id=new.sheet_id))
            for m in store.on_sheet(source.sheet_id)
        ]
        store.transfer(pairs, self.policy.duplicate_sheet, self.ids.int_id)
        return {"duplicateSheet": {"properties": copy.deepcopy(new.properties)}}

    def _r_updateSheetProperties(self, ss: Spreadsheet, req: dict[str, Any]) -> None:
        props = req.get("properties") or {}
        sheet = self._sheet_for(ss, props.get("sheetId"))
        paths = _field_paths(req.get("fields"), props, exclude={"sheetId"})
        old_rows, old_cols = sheet.row_count, sheet.col_count
        for path in paths:
            if path == "title" and "title" in props:
                self._check_title(ss, props["title"], exclude=sheet)
            _apply_path(sheet.properties, props, path)
        if sheet.row_count < old_rows:
            del sheet.cells[sheet.row_count :]
            gone = md.deleted(sheet.row_count, old_rows)
            ss.developer_metadata.remap(sheet.sheet_id, md.ROW, gone)
        if sheet.col_count < old_cols:
            for row in sheet.cells:
                del row[sheet.col_count :]
            gone = md.deleted(sheet.col_count, old_cols)
            ss.developer_metadata.remap(sheet.sheet_id, md.COLUMN, gone)
        if "index" in paths:
            ss.sheets.remove(sheet)
            ss.sheets.insert(min(int(props.get("index", 0)), len(ss.sheets)), sheet)
            ss.reindex()

    def _r_updateSpreadsheetProperties(self, ss: Spreadsheet, req: dict[str, Any]) -> None:
        props = req.get("properties") or {}
        for path in _field_paths(req.get("fields"), props):
            _apply_path(ss.properties, props, path)

    def _dimension(self, ss: Spreadsheet, rng: dict[str, Any]) -> tuple[Sheet, str, int, int]:
        sheet = self._sheet_for(ss, rng.get("sheetId"))
        dim = rng.get("dimension", "DIMENSION_UNSPECIFIED")
        if dim not in ("ROWS", "COLUMNS"):
            raise bad_request("Dimension must be ROWS or COLUMNS.")
        limit = sheet.row_count if dim == "ROWS" else sheet.col_count
        start = int(rng.get("startIndex", 0))
        end = int(rng.get("endIndex", limit))
        if not 0 <= start < end:
            raise bad_request(f"Invalid dimension range [{start}, {end}).")
        return sheet, dim, start, end

    def _r_insertDimension(self, ss: Spreadsheet, req: dict[str, Any]) -> None:
        sheet, dim, start, end = self._dimension(ss, req.get("range") or {})
        limit = sheet.row_count if dim == "ROWS" else sheet.col_count
        if start > limit:
            raise bad_request(f"Cannot insert at index {start}: the grid has {limit}.")
        if dim == "ROWS":
            self.insert_rows(ss, sheet, start, end - start)
        else:
            self._insert_cols(ss, sheet, start, end - start)

    def _r_deleteDimension(self, ss: Spreadsheet, req: dict[str, Any]) -> None:
        sheet, dim, start, end = self._dimension(ss, req.get("range") or {})
        limit = sheet.row_count if dim == "ROWS" else sheet.col_count
        if end > limit:
            raise bad_request(f"Range [{start}, {end}) exceeds grid limits ({limit}).")
        if end - start >= limit:
            raise bad_request("You can't delete all the rows on the sheet.")
        if dim == "ROWS":
            self.delete_rows(ss, sheet, start, end)
        else:
            self._delete_cols(ss, sheet, start, end)

    def _r_appendDimension(self, ss: Spreadsheet, req: dict[str, Any]) -> None:
        sheet = self._sheet_for(ss, req.get("sheetId"))
        length = int(req.get("length", 0))
        if length <= 0:
            raise bad_request("length must be positive.")
        if req.get("dimension") == "COLUMNS":
            sheet.grid["columnCount"] = sheet.col_count + length
        else:
            sheet.grid["rowCount"] = sheet.row_count + length

    def _r_moveDimension(self, ss: Spreadsheet, req: dict[str, Any]) -> None:
        sheet, dim, start, end = self._dimension(ss, req.get("source") or {})
        dest = int(req.get("destinationIndex", 0))
        if dim == "ROWS":
            self.move_rows(ss, sheet, start, end, dest)
        else:
            raise bad_request("moveDimension on COLUMNS is not modelled by fakegoogle.")

    def _r_setDataValidation(self, ss: Spreadsheet, req: dict[str, Any]) -> None:
        grid = req.get("range") or {}
        sheet = self._grid_sheet(ss, grid)
        sheet.data_validations.append(
            {"range": copy.deepcopy(grid), "rule": copy.deepcopy(req.get("rule"))}
        )

    def _r_addProtectedRange(self, ss: Spreadsheet, req: dict[str, Any]) -> dict[str, Any]:
        protected = copy.deepcopy(req.get("protectedRange") or {})
        sheet = self._grid_sheet(ss, protected.get("range"))
        protected.setdefault("range", {"sheetId": sheet.sheet_id})
        protected["protectedRangeId"] = self.ids.int_id()
        protected.setdefault("requestingUserCanEdit", True)
        sheet.protected_ranges.append(protected)
        return {"addProtectedRange": {"protectedRange": copy.deepcopy(protected)}}

    def _find_protected(self, ss: Spreadsheet, pid: Any) -> tuple[Sheet, dict[str, Any]]:
        for sheet in ss.sheets:
            for protected in sheet.protected_ranges:
                if protected["protectedRangeId"] == int(pid or 0):
                    return sheet, protected
        raise bad_request(f"No protected range with id: {pid}")

    def _r_deleteProtectedRange(self, ss: Spreadsheet, req: dict[str, Any]) -> None:
        sheet, protected = self._find_protected(ss, req.get("protectedRangeId"))
        sheet.protected_ranges.remove(protected)

    def _r_updateProtectedRange(self, ss: Spreadsheet, req: dict[str, Any]) -> None:
        props = req.get("protectedRange") or {}
        _, protected = self._find_protected(ss, props.get("protectedRangeId"))
        for path in _field_paths(req.get("fields"), props, exclude={"protectedRangeId"}):
            _apply_path(protected, props, path)

    def _cells_in(self, sheet: Sheet, grid: dict[str, Any]) -> list[tuple[int, int]]:
        r0 = int(grid.get("startRowIndex", 0))
        r1 = min(int(grid.get("endRowIndex", sheet.row_count)), sheet.row_count)
        c0 = int(grid.get("startColumnIndex", 0))
        c1 = min(int(grid.get("endColumnIndex", sheet.col_count)), sheet.col_count)
        return [(r, c) for r in range(r0, r1) for c in range(c0, c1)]

    def _r_repeatCell(self, ss: Spreadsheet, req: dict[str, Any]) -> None:
        grid = req.get("range") or {}
        sheet = self._grid_sheet(ss, grid)
        if not req.get("fields"):
            raise bad_request("At least one field must be updated, but none were specified.")
        sheet.formats.append(copy.deepcopy(req))
        fields = str(req["fields"])
        cell = req.get("cell") or {}
        if "userEnteredValue" in fields or fields.strip() == "*":
            value = from_extended_value(cell.get("userEnteredValue") or {})
            for r, c in self._cells_in(sheet, grid):
                sheet.put(r, c, value)

    def _r_updateCells(self, ss: Spreadsheet, req: dict[str, Any]) -> None:
        if not req.get("fields"):
            raise bad_request("At least one field must be updated, but none were specified.")
        if "start" in req:
            start = req["start"]
            sheet = self._sheet_for(ss, start.get("sheetId"))
            r0, c0 = int(start.get("rowIndex", 0)), int(start.get("columnIndex", 0))
        else:
            grid = req.get("range") or {}
            sheet = self._grid_sheet(ss, grid)
            r0, c0 = int(grid.get("startRowIndex", 0)), int(grid.get("startColumnIndex", 0))
        sheet.formats.append(copy.deepcopy(req))
        fields = str(req["fields"])
        if "userEnteredValue" not in fields and fields.strip() != "*":
            return
        for i, row in enumerate(req.get("rows") or []):
            for j, cell in enumerate(row.get("values") or []):
                if r0 + i >= sheet.row_count or c0 + j >= sheet.col_count:
                    raise self._grid_error(sheet, r0, r0 + i + 1, c0, c0 + j + 1)
                sheet.put(r0 + i, c0 + j, from_extended_value(cell.get("userEnteredValue") or {}))

    def _r_addChart(self, ss: Spreadsheet, req: dict[str, Any]) -> dict[str, Any]:
        chart = copy.deepcopy(req.get("chart") or {})
        anchor = (chart.get("position") or {}).get("overlayPosition", {}).get("anchorCell", {})
        sheet_id = anchor.get("sheetId", (chart.get("position") or {}).get("sheetId"))
        sheet = self._sheet_for(ss, sheet_id) if sheet_id is not None else ss.sheets[0]
        taken = {c["chartId"] for s in ss.sheets for c in s.charts}
        if chart.get("chartId") in taken:
            raise bad_request(f"An object with id {chart['chartId']} already exists.")
        chart.setdefault("chartId", self.ids.int_id())
        sheet.charts.append(chart)
        return {"addChart": {"chart": copy.deepcopy(chart)}}

    def _r_deleteEmbeddedObject(self, ss: Spreadsheet, req: dict[str, Any]) -> None:
        for sheet in ss.sheets:
            for chart in sheet.charts:
                if chart["chartId"] == int(req.get("objectId") or 0):
                    sheet.charts.remove(chart)
                    return
        raise bad_request(f"No embedded object with id: {req.get('objectId')}")

    def _r_addConditionalFormatRule(self, ss: Spreadsheet, req: dict[str, Any]) -> None:
        rule = copy.deepcopy(req.get("rule") or {})
        ranges = rule.get("ranges") or [{}]
        sheet = self._grid_sheet(ss, ranges[0])
        index = min(int(req.get("index", len(sheet.conditional_formats))), 10**6)
        sheet.conditional_formats.insert(index, rule)

    def _r_deleteConditionalFormatRule(self, ss: Spreadsheet, req: dict[str, Any]) -> None:
        sheet = self._sheet_for(ss, req.get("sheetId"))
        index = int(req.get("index", 0))
        if not 0 <= index < len(sheet.conditional_formats):
            raise bad_request(f"No conditional format on sheet {sheet.sheet_id} at index {index}.")
        del sheet.conditional_formats[index]

    def _r_addNamedRange(self, ss: Spreadsheet, req: dict[str, Any]) -> dict[str, Any]:
        named = copy.deepcopy(req.get("namedRange") or {})
        self._grid_sheet(ss, named.get("range"))
        named.setdefault("namedRangeId", self.ids.token(12, "abcdefghijklmnopqrstuvwxyz0123456789"))
        ss.named_ranges.append(named)
        return {"addNamedRange": {"namedRange": copy.deepcopy(named)}}

    def _r_addBanding(self, ss: Spreadsheet, req: dict[str, Any]) -> dict[str, Any]:
        banded = copy.deepcopy(req.get("bandedRange") or {})
        sheet = self._grid_sheet(ss, banded.get("range"))
        banded.setdefault("bandedRangeId", self.ids.int_id())
        sheet.banded_ranges.append(banded)
        return {"addBanding": {"bandedRange": copy.deepcopy(banded)}}

    def _r_mergeCells(self, ss: Spreadsheet, req: dict[str, Any]) -> None:
        grid = req.get("range") or {}
        self._grid_sheet(ss, grid).merges.append(copy.deepcopy(grid))

    def _r_unmergeCells(self, ss: Spreadsheet, req: dict[str, Any]) -> None:
        grid = req.get("range") or {}
        sheet = self._grid_sheet(ss, grid)
        sheet.merges = [m for m in sheet.merges if m != grid]

    def _r_sortRange(self, ss: Spreadsheet, req: dict[str, Any]) -> None:
        grid = req.get("range") or {}
        sheet = self._grid_sheet(ss, grid)
        r0 = int(grid.get("startRowIndex", 0))
        r1 = min(int(grid.get("endRowIndex", sheet.row_count)), sheet.used_rows())
        c0 = int(grid.get("startColumnIndex", 0))
        c1 = int(grid.get("endColumnIndex", sheet.col_count))
        order = list(range(r0, r1))
        for spec in reversed(req.get("sortSpecs") or []):
            col = int(spec.get("dimensionIndex", 0))
            descending = spec.get("sortOrder") == "DESCENDING"
            order.sort(key=functools.partial(_cell_key, sheet, col), reverse=descending)
        block = [[sheet.get(r, c) for c in range(c0, c1)] for r in order]
        for i, row in enumerate(block):
            for j, value in enumerate(row):
                sheet.put(r0 + i, c0 + j, value)
        if self.policy.sort == md.MOVES:
            new_of_old = {old: r0 + i for i, old in enumerate(order)}
            ss.developer_metadata.remap(sheet.sheet_id, md.ROW, md.permuted(new_of_old))

    def _box_of(self, sheet: Sheet, grid: dict[str, Any]) -> tuple[int, int, int, int]:
        """A GridRange's half-open bounds, unbounded edges clamped to the grid."""
        r0 = int(grid.get("startRowIndex", 0))
        r1 = min(int(grid.get("endRowIndex", sheet.row_count)), sheet.row_count)
        c0 = int(grid.get("startColumnIndex", 0))
        c1 = min(int(grid.get("endColumnIndex", sheet.col_count)), sheet.col_count)
        if not (0 <= r0 < r1 and 0 <= c0 < c1):
            raise bad_request(f"Invalid range [{r0}, {r1}) x [{c0}, {c1}).")
        return r0, r1, c0, c1

    def _paste(
        self,
        ss: Spreadsheet,
        source: Sheet,
        box: tuple[int, int, int, int],
        dest: Sheet,
        at: tuple[int, int, int, int],
        *,
        values: bool,
        cut: bool,
        mode: str,
    ) -> None:
        """Copy (or cut) a block to ``at`` = (top, rows, left, columns), tiling it as Sheets
        does when the destination is a multiple of the block, and apply the metadata policy.
        """
        r0, r1, c0, c1 = box
        height, width = r1 - r0, c1 - c0
        top, rows, left, cols = at
        tiles_down = rows // height if rows % height == 0 and rows > height else 1
        tiles_across = cols // width if cols % width == 0 and cols > width else 1
        if (
            top + height * tiles_down > dest.row_count
            or left + width * tiles_across > dest.col_count
        ):
            raise self._grid_error(
                dest, top, top + height * tiles_down, left, left + width * tiles_across
            )
        block = [[source.get(r, c) for c in range(c0, c1)] for r in range(r0, r1)]
        if cut:
            for r in range(r0, r1):
                for c in range(c0, c1):
                    source.put(r, c, None)
        if values:
            for down in range(tiles_down):
                for across in range(tiles_across):
                    for i, line in enumerate(block):
                        for j, value in enumerate(line):
                            dest.put(top + down * height + i, left + across * width + j, value)
        # Row metadata: each source row pairs with the rows it was pasted onto, first tile
        # first (MOVES takes a record to its first destination only).
        pairs = [
            (
                md.Location(md.ROW, source.sheet_id, r0 + i),
                md.Location(md.ROW, dest.sheet_id, top + down * height + i),
            )
            for down in range(tiles_down)
            for i in range(height)
        ]
        ss.developer_metadata.transfer(pairs, mode, self.ids.int_id)

    def _r_copyPaste(self, ss: Spreadsheet, req: dict[str, Any]) -> None:
        if req.get("pasteOrientation") == "TRANSPOSE":
            raise bad_request("A transposed paste is not modelled by fakegoogle.")
        source = self._grid_sheet(ss, req.get("source"))
        box = self._box_of(source, req.get("source") or {})
        dest_grid = req.get("destination") or {}
        dest = self._grid_sheet(ss, dest_grid)
        d0, d1, e0, e1 = self._box_of(dest, dest_grid)
        self._paste(
            ss,
            source,
            box,
            dest,
            (d0, d1 - d0, e0, e1 - e0),
            values=req.get("pasteType", "PASTE_NORMAL") in _VALUE_PASTES,
            cut=False,
            mode=self.policy.copy_paste,
        )

    def _r_cutPaste(self, ss: Spreadsheet, req: dict[str, Any]) -> None:
        source = self._grid_sheet(ss, req.get("source"))
        box = self._box_of(source, req.get("source") or {})
        coordinate = req.get("destination") or {}
        dest = self._sheet_for(ss, coordinate.get("sheetId"))
        top, left = int(coordinate.get("rowIndex", 0)), int(coordinate.get("columnIndex", 0))
        self._paste(
            ss,
            source,
            box,
            dest,
            (top, box[1] - box[0], left, box[3] - box[2]),
            # "All the source data will be cut, regardless of what is pasted."
            values=req.get("pasteType", "PASTE_NORMAL") in _VALUE_PASTES,
            cut=True,
            mode=self.policy.cut_paste,
        )


# ---- module helpers ---------------------------------------------------------------------


def _grid_wanted(fields: Any, flag: bool, *prefix: str) -> bool:
    """Whether grid data goes in a Spreadsheet resource: the ``fields`` mask decides when one
    is set (Google ignores the include flag then), else the flag does."""
    if not isinstance(fields, str) or not fields.strip():
        return flag
    return selects(parse_mask(fields), *prefix, "sheets", "data")


# Requests that can add characters to a sheet's (or the spreadsheet's) developer metadata.
_METADATA_GROWING = frozenset(
    {
        "createDeveloperMetadata",
        "updateDeveloperMetadata",
        "copyPaste",
        "cutPaste",
        "duplicateSheet",
    }
)
# Paste types that carry cell values (the fake stores values and formulas alike).
_VALUE_PASTES = frozenset({"PASTE_NORMAL", "PASTE_VALUES", "PASTE_NO_BORDERS", "PASTE_FORMULA"})


def _find_table(sheet: Sheet, box: Box) -> tuple[int, int, int, int] | None:
    """Sheets' append target: (top row, row after the table, first column, end column).

    The "table" is found by searching the range for data: its first row holding any value
    starts it, and it runs down while rows hold data. A lone-cell range (gspread's
    insert_rows sends one) searches only that cell but then extends right. So a range
    whose data starts at B2 appends at B3, and a blank row inside the data is filled first.
    """
    search_end = box.row1 if box.row1 is not None else len(sheet.cells)
    bounded = box.col1 is not None and not box.single

    def has_data(row: int, first: int) -> bool:
        if row >= len(sheet.cells):
            return False
        end = box.col1 if bounded and box.col1 is not None else len(sheet.cells[row])
        return any(sheet.get(row, c) is not None for c in range(first, end))

    top = next(
        (r for r in range(box.row0, min(search_end, len(sheet.cells))) if has_data(r, box.col0)),
        None,
    )
    if top is None or (box.single and top != box.row0):
        return None
    line = sheet.cells[top]
    first_col = next(c for c in range(box.col0, len(line)) if line[c] is not None)
    bottom = top
    while has_data(bottom, box.col0):
        bottom += 1
    width = max(len(sheet.cells[r]) for r in range(top, bottom))
    end_col = box.col1 if bounded and box.col1 is not None else max(width, first_col + 1)
    return top, bottom, first_col, end_col


def _row_width(sheet: Sheet, row: int, col0: int) -> int:
    return max(len(sheet.cells[row]) - col0, 0) if row < len(sheet.cells) else 0


def _trim(grid: list[list[Any]]) -> list[list[Any]]:
    rows = []
    for row in grid:
        end = len(row)
        while end and row[end - 1] == "":
            end -= 1
        rows.append(row[:end])
    while rows and not rows[-1]:
        rows.pop()
    return rows


def _transpose(grid: list[list[Any]]) -> list[list[Any]]:
    width = max((len(r) for r in grid), default=0)
    return [[row[c] if c < len(row) else "" for row in grid] for c in range(width)]


def _transpose_ragged(columns: list[list[Any]]) -> list[list[Any]]:
    height = max((len(c) for c in columns), default=0)
    return [[col[r] if r < len(col) else None for col in columns] for r in range(height)]


def _same_range(ss: Spreadsheet, left: str, right: str) -> bool:
    try:
        return a1.parse(left, ss.titles()) == a1.parse(right, ss.titles())
    except ApiError:
        return False


def _field_paths(fields: Any, props: dict[str, Any], exclude: set[str] | None = None) -> list[str]:
    if not fields or not str(fields).strip():
        raise bad_request("At least one field must be updated, but none were specified.")
    text = str(fields).strip()
    if text == "*":
        return [k for k in props if k not in (exclude or set())]
    return expand_field_mask(text)


def expand_field_mask(text: str) -> list[str]:
    """Dotted paths of a field mask; accepts ``a/b``, ``a.b`` and ``a(b,c)`` spellings."""
    paths: list[str] = []
    depth = 0
    token = ""
    for ch in text + ",":
        if ch == "," and depth == 0:
            token = token.strip().replace("/", ".")
            if "(" in token and token.endswith(")"):
                prefix, inner = token.split("(", 1)
                paths.extend(f"{prefix}.{sub}" for sub in expand_field_mask(inner[:-1]))
            elif token:
                paths.append(token)
            token = ""
            continue
        depth += (ch == "(") - (ch == ")")
        token += ch
    return paths


def _apply_path(target: dict[str, Any], source: dict[str, Any], path: str) -> None:
    """Field-mask update: copy ``path`` from source, or clear it when source lacks it."""
    parts = path.split(".")
    src: Any = source
    for part in parts:
        src = src.get(part) if isinstance(src, dict) else None
    dst = target
    for part in parts[:-1]:
        dst = dst.setdefault(part, {})
    if src is None:
        dst.pop(parts[-1], None)
    else:
        dst[parts[-1]] = copy.deepcopy(src)


def _cell_key(sheet: Sheet, col: int, row: int) -> tuple[int, Any]:
    return sort_key(sheet.get(row, col))


def sort_key(cell: Cell) -> tuple[int, Any]:
    """Sheets' sort order for one cell."""
    # Sheets sorts numbers before text and puts empty cells last.
    if cell is None:
        return (3, "")
    if isinstance(cell, bool):
        return (2, int(cell))
    if isinstance(cell, int | float):
        return (0, cell)
    if isinstance(cell, DateValue):
        return (0, cell.serial)
    if isinstance(cell, Formula):
        return (1, cell.text.lower())
    return (1, str(cell).lower())


def _as_cell(value: Any) -> Cell:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)
