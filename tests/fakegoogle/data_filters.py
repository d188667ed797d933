"""The fake Sheets API's data-filter surface: developer metadata and the ``*ByDataFilter`` methods.

Owns the handlers of ``spreadsheets.developerMetadata.get``/``search`` and
``spreadsheets.values.batchGetByDataFilter``/``batchUpdateByDataFilter``/
``batchClearByDataFilter``, and the three ``spreadsheets.batchUpdate`` requests
``createDeveloperMetadata``, ``updateDeveloperMetadata`` and ``deleteDeveloperMetadata``
(served through :attr:`SheetsApi.extra_requests`). It also owns how a ``DataFilter`` resolves:
an ``a1Range`` or ``gridRange`` is that range; a ``developerMetadataLookup`` is every range its
records sit on *at the time of the request* (a row record: that whole row, from column A; a
column record: that whole column; a sheet record: the whole sheet; spreadsheet records hold no
cells). The records themselves live in ``metadata.py``.
"""

from __future__ import annotations

import copy
from typing import Any

from . import metadata as md
from .a1 import Box
from .common import Call, Handler, Reply
from .errors import ApiError, bad_request, not_found
from .sheets_api import Sheet, SheetsApi, Spreadsheet, _restore

_FILTER_KINDS = ("a1Range", "gridRange", "developerMetadataLookup")
Matched = tuple[Sheet, Box]


class DataFilterApi:
    """Developer metadata requests and data-filter value methods over a :class:`SheetsApi`."""

    def __init__(self, sheets: SheetsApi) -> None:
        self.sheets = sheets
        sheets.extra_requests.update(
            {
                "createDeveloperMetadata": self._r_create,
                "updateDeveloperMetadata": self._r_update,
                "deleteDeveloperMetadata": self._r_delete,
            }
        )

    def handlers(self) -> dict[str, Handler]:
        return {
            "sheets.spreadsheets.developerMetadata.get": self.h_get,
            "sheets.spreadsheets.developerMetadata.search": self.h_search,
            "sheets.spreadsheets.values.batchGetByDataFilter": self.h_batch_get,
            "sheets.spreadsheets.values.batchUpdateByDataFilter": self.h_batch_update,
            "sheets.spreadsheets.values.batchClearByDataFilter": self.h_batch_clear,
        }

    # ---- resolving data filters ---------------------------------------------------------

    @staticmethod
    def _grid_of(ss: Spreadsheet) -> md.GridOf:
        def dims(sheet_id: int) -> tuple[int, int] | None:
            sheet = ss.by_id(sheet_id)
            return None if sheet is None else (sheet.row_count, sheet.col_count)

        return dims

    @staticmethod
    def _kind(data_filter: Any) -> str:
        kinds = [k for k in _FILTER_KINDS if isinstance(data_filter, dict) and k in data_filter]
        if len(kinds) != 1:
            raise bad_request(
                "A data filter must set exactly one of a1Range, gridRange or "
                "developerMetadataLookup."
            )
        return kinds[0]

    def _range(self, ss: Spreadsheet, data_filter: dict[str, Any], kind: str) -> Matched:
        if kind == "a1Range":
            return self.sheets.resolve(ss, str(data_filter["a1Range"]))
        grid = data_filter["gridRange"] or {}
        sheet = self.sheets._sheet_for(ss, grid.get("sheetId"))
        r1, c1 = grid.get("endRowIndex"), grid.get("endColumnIndex")
        return sheet, Box(
            int(grid.get("startRowIndex", 0)),
            None if r1 is None else int(r1),
            int(grid.get("startColumnIndex", 0)),
            None if c1 is None else int(c1),
        )

    def metadata_matching(
        self, ss: Spreadsheet, data_filter: Any, project: str
    ) -> list[md.Metadata]:
        """Records a filter selects: by lookup, or every record intersecting its range."""
        kind = self._kind(data_filter)
        store = ss.developer_metadata
        if kind == "developerMetadataLookup":
            criteria = data_filter["developerMetadataLookup"]
            return md.lookup(store, criteria, project, self._grid_of(ss))
        sheet, box = self._range(ss, data_filter, kind)
        region = (sheet.sheet_id, box.row0, box.row1, box.col0, box.col1)
        return [m for m in store.visible(project) if md.in_region(m, region)]

    def ranges_matching(self, ss: Spreadsheet, data_filter: Any, project: str) -> list[Matched]:
        """The cell ranges a filter selects now, each once, in record order."""
        kind = self._kind(data_filter)
        if kind != "developerMetadataLookup":
            return [self._range(ss, data_filter, kind)]
        out: list[Matched] = []
        seen: set[tuple[int, int, int | None, int, int | None]] = set()
        for meta in self.metadata_matching(ss, data_filter, project):
            loc = meta.location
            sheet = ss.by_id(loc.sheet_id) if loc.sheet_id is not None else None
            if sheet is None:
                continue  # spreadsheet-level metadata holds no cells
            rows, cols = sheet.row_count, sheet.col_count
            if loc.kind == md.ROW and loc.index is not None:
                box = Box(loc.index, loc.index + 1, 0, cols)
            elif loc.kind == md.COLUMN and loc.index is not None:
                box = Box(0, rows, loc.index, loc.index + 1)
            else:
                box = Box(0, rows, 0, cols)
            key = (sheet.sheet_id, box.row0, box.row1, box.col0, box.col1)
            if key not in seen:
                seen.add(key)
                out.append((sheet, box))
        return out

    # ---- developerMetadata.get / search -------------------------------------------------

    def h_get(self, call: Call) -> Reply:
        ss = self.sheets.get(call.params["spreadsheetId"])
        try:
            metadata_id = int(call.params["metadataId"])
        except ValueError as exc:
            raise bad_request(f"Invalid value for metadataId: {call.params['metadataId']}") from exc
        meta = ss.developer_metadata.by_id(metadata_id)
        # Another project's PROJECT metadata is as invisible as a missing id.
        if meta is None or not meta.visible_to(md.project_of(call.headers)):
            raise not_found(f"No developer metadata with id {metadata_id}.")
        return Reply(meta.resource())

    def h_search(self, call: Call) -> Reply:
        ss = self.sheets.get(call.params["spreadsheetId"])
        filters = (call.body or {}).get("dataFilters") or []
        if not filters:
            raise bad_request("At least one data filter must be specified.")
        project = md.project_of(call.headers)
        found: dict[int, tuple[md.Metadata, list[Any]]] = {}
        for i, data_filter in enumerate(filters):
            for meta in self._matching(ss, i, data_filter, project):
                found.setdefault(meta.metadata_id, (meta, []))[1].append(copy.deepcopy(data_filter))
        if not found:
            return Reply({})  # proto3 JSON: an empty list is left out
        matched = [
            {"developerMetadata": meta.resource(), "dataFilters": matching}
            for meta, matching in found.values()
        ]
        return Reply({"matchedDeveloperMetadata": matched})

    def _matching(
        self, ss: Spreadsheet, i: int, data_filter: Any, project: str
    ) -> list[md.Metadata]:
        """:meth:`metadata_matching`, its errors naming the filter's place in the request."""
        try:
            return self.metadata_matching(ss, data_filter, project)
        except ApiError as exc:
            raise bad_request(f"Invalid dataFilters[{i}]: {exc.message}") from exc

    # ---- values by data filter ----------------------------------------------------------

    def h_batch_get(self, call: Call) -> Reply:
        ss = self.sheets.get(call.params["spreadsheetId"])
        filters = (call.body or {}).get("dataFilters") or []
        if not filters:
            raise bad_request("At least one data filter must be specified.")
        project = md.project_of(call.headers)
        opts = self.sheets._render_opts(call)
        # A range several filters match comes back once, listing every filter that matched.
        groups: dict[tuple[int, Box], dict[str, Any]] = {}
        for i, data_filter in enumerate(filters):
            try:
                for sheet, box in self.ranges_matching(ss, data_filter, project):
                    group = groups.setdefault(
                        (sheet.sheet_id, box),
                        {"valueRange": self.sheets.read(sheet, box, *opts), "dataFilters": []},
                    )
                    group["dataFilters"].append(copy.deepcopy(data_filter))
            except ApiError as exc:
                raise bad_request(f"Invalid dataFilters[{i}]: {exc.message}") from exc
        out: dict[str, Any] = {"spreadsheetId": ss.spreadsheet_id}
        if groups:
            out["valueRanges"] = list(groups.values())
        return Reply(out)

    def h_batch_update(self, call: Call) -> Reply:
        ss = self.sheets.get(call.params["spreadsheetId"])
        body = call.body or {}
        option = self.sheets._input_option(body.get("valueInputOption"))
        project = md.project_of(call.headers)
        backup = copy.deepcopy(ss)
        written: list[tuple[dict[str, Any], Sheet, Box, Any]] = []
        # All-or-nothing like values.batchUpdate: values too wide or too tall for any one
        # matched range fail the whole request.
        try:
            for i, item in enumerate(body.get("data") or []):
                try:
                    written.extend(self._write_one(ss, item, option, project))
                except ApiError as exc:
                    raise bad_request(f"Invalid data[{i}]: {exc.message}") from exc
        except ApiError:
            _restore(ss, backup)
            raise
        self.sheets.touch(ss)
        include = bool(body.get("includeValuesInResponse"))
        value_opt = body.get("responseValueRenderOption") or "FORMATTED_VALUE"
        date_opt = body.get("responseDateTimeRenderOption") or "SERIAL_NUMBER"
        responses = []
        for result, sheet, box, data_filter in written:
            response: dict[str, Any] = {**result, "dataFilter": copy.deepcopy(data_filter)}
            if include:
                # "The values of the cells in the range matched by the dataFilter after all
                # updates were applied": read once everything is written.
                shown = self.sheets.resolve(ss, result["updatedRange"])[1] if box.single else box
                response["updatedData"] = self.sheets.read(
                    sheet, shown, "ROWS", value_opt, date_opt
                )
            responses.append(response)
        out: dict[str, Any] = {"spreadsheetId": ss.spreadsheet_id}
        updated = [r for r in responses if "updatedCells" in r]
        if updated:
            out.update(
                {
                    "totalUpdatedRows": sum(r["updatedRows"] for r in updated),
                    "totalUpdatedColumns": sum(r["updatedColumns"] for r in updated),
                    "totalUpdatedCells": sum(r["updatedCells"] for r in updated),
                    "totalUpdatedSheets": len({r["updatedRange"].split("!")[0] for r in updated}),
                }
            )
        if responses:
            out["responses"] = responses
        return Reply(out)

    def _write_one(
        self, ss: Spreadsheet, item: dict[str, Any], option: str, project: str
    ) -> list[tuple[dict[str, Any], Sheet, Box, Any]]:
        data_filter = item.get("dataFilter")
        if not data_filter:
            raise bad_request("dataFilter is required.")
        matched = self.ranges_matching(ss, data_filter, project)
        if not matched and self.sheets.policy.unmatched_write == md.ERROR:
            raise bad_request("The data filter matched no range.")
        out = []
        # "If more than one range is matched by the specified DataFilter the specified values
        # are applied to all of those ranges."
        for sheet, box in matched:
            result = self.sheets.write(
                sheet, box, item.get("values", []), item.get("majorDimension", "ROWS"), option
            )
            out.append((result, sheet, box, data_filter))
        return out

    def h_batch_clear(self, call: Call) -> Reply:
        ss = self.sheets.get(call.params["spreadsheetId"])
        filters = (call.body or {}).get("dataFilters") or []
        if not filters:
            raise bad_request("At least one data filter must be specified.")
        project = md.project_of(call.headers)
        backup = copy.deepcopy(ss)
        cleared: list[str] = []
        try:
            for i, data_filter in enumerate(filters):
                try:
                    for sheet, box in self.ranges_matching(ss, data_filter, project):
                        cleared.append(self.sheets.clear_box(sheet, box))
                except ApiError as exc:
                    raise bad_request(f"Invalid dataFilters[{i}]: {exc.message}") from exc
        except ApiError:
            _restore(ss, backup)
            raise
        self.sheets.touch(ss)
        out: dict[str, Any] = {"spreadsheetId": ss.spreadsheet_id}
        if cleared:
            out["clearedRanges"] = cleared
        return Reply(out)

    # ---- batchUpdate requests -------------------------------------------------------------

    def _r_create(self, ss: Spreadsheet, req: dict[str, Any], project: str) -> dict[str, Any]:
        store = ss.developer_metadata
        meta = md.new_record(
            req.get("developerMetadata"), self._grid_of(ss), store, project, self.sheets.ids.int_id
        )
        store.records.append(meta)
        return {"createDeveloperMetadata": {"developerMetadata": meta.resource()}}

    def _r_update(self, ss: Spreadsheet, req: dict[str, Any], project: str) -> dict[str, Any]:
        filters = req.get("dataFilters") or []
        if not filters:
            raise bad_request("At least one data filter must be specified.")
        changes = req.get("developerMetadata") or {}
        paths = md.update_paths(req.get("fields"))
        location = None
        if "location" in paths:
            location = md.parse_location(changes.get("location"), self._grid_of(ss))
        matched: dict[int, md.Metadata] = {}
        for i, data_filter in enumerate(filters):
            for meta in self._matching(ss, i, data_filter, project):
                matched.setdefault(meta.metadata_id, meta)
        for meta in matched.values():
            md.apply_update(meta, changes, paths, location)
        reply: dict[str, Any] = {}
        if matched:
            reply["developerMetadata"] = [m.resource() for m in matched.values()]
        return {"updateDeveloperMetadata": reply}

    def _r_delete(self, ss: Spreadsheet, req: dict[str, Any], project: str) -> dict[str, Any]:
        data_filter = req.get("dataFilter")
        if not data_filter:
            raise bad_request("dataFilter is required.")
        matched = self.metadata_matching(ss, data_filter, project)
        ss.developer_metadata.remove(matched)
        reply: dict[str, Any] = {}
        if matched:
            reply["deletedDeveloperMetadata"] = [m.resource() for m in matched]
        return {"deleteDeveloperMetadata": reply}
