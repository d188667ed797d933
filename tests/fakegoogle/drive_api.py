"""The sliver of Drive v3 that gspread needs around spreadsheets.

Owns ``files.create`` / ``get`` / ``delete`` / ``list`` for Google Sheets files only, backed
by the fake Sheets state: ``gspread.Client.create(title)`` creates through Drive and
``Client.open(title)`` searches Drive, so without this sliver those calls would fail.
"""

from __future__ import annotations

import re
from typing import Any

from .common import Call, Handler, Reply, rfc3339
from .errors import bad_request, not_found
from .sheets_api import SheetsApi, Spreadsheet

SHEETS_MIME = "application/vnd.google-apps.spreadsheet"


class DriveApi:
    """Drive files that are the fake's spreadsheets."""

    def __init__(self, sheets: SheetsApi) -> None:
        self.sheets = sheets

    def handlers(self) -> dict[str, Handler]:
        return {
            "drive.files.create": self.h_create,
            "drive.files.get": self.h_get,
            "drive.files.delete": self.h_delete,
            "drive.files.list": self.h_list,
        }

    @staticmethod
    def _file(ss: Spreadsheet) -> dict[str, Any]:
        return {
            "kind": "drive#file",
            "id": ss.spreadsheet_id,
            "name": ss.title,
            "mimeType": SHEETS_MIME,
            "createdTime": rfc3339(ss.created),
            "modifiedTime": rfc3339(ss.modified),
        }

    def h_create(self, call: Call) -> Reply:
        body = call.body or {}
        if body.get("mimeType") != SHEETS_MIME:
            raise bad_request("fakegoogle's Drive only creates Google Sheets files.")
        ss = self.sheets.create(str(body.get("name") or "Untitled spreadsheet"))
        return Reply(self._file(ss))

    def h_get(self, call: Call) -> Reply:
        ss = self.sheets.spreadsheets.get(call.params["fileId"])
        if ss is None:
            raise not_found(f"File not found: {call.params['fileId']}.")
        return Reply(self._file(ss))

    def h_delete(self, call: Call) -> Reply:
        if self.sheets.spreadsheets.pop(call.params["fileId"], None) is None:
            raise not_found(f"File not found: {call.params['fileId']}.")
        return Reply(None, 204)

    def h_list(self, call: Call) -> Reply:
        query = call.param("q") or ""
        # Only the clauses gspread writes are understood: name = "..." and mimeType = "...".
        names = re.findall(r"name\s*=\s*[\"']((?:[^\"'\\]|\\.)*)[\"']", query)
        mimes = re.findall(r"mimeType\s*=\s*[\"']([^\"']*)[\"']", query)
        files = [
            self._file(ss)
            for ss in self.sheets.spreadsheets.values()
            if all(ss.title == n.replace("\\", "") for n in names)
            and all(m == SHEETS_MIME for m in mimes)
        ]
        return Reply({"kind": "drive#fileList", "incompleteSearch": False, "files": files})
