"""The sliver of Drive v3 that gspread needs around spreadsheets, and who may edit them.

Owns ``files.create`` / ``get`` / ``delete`` / ``list`` for Google Sheets files only, backed
by the fake Sheets state: ``gspread.Client.create(title)`` creates through Drive and
``Client.open(title)`` searches Drive, so without this sliver those calls would fail.

``files.get`` also answers ``capabilities.canEdit`` for the caller (the user whose fake OAuth
token the request carries). A file nobody shared (:meth:`DriveApi.share`) is editable by
every caller, as before; once shared, only its writers can edit it, its readers see
``canEdit: false`` and everyone else gets 404, as Drive answers for a file one cannot see.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import Any

from .common import Call, Handler, Reply, rfc3339
from .errors import bad_request, not_found
from .sheets_api import SheetsApi, Spreadsheet

SHEETS_MIME = "application/vnd.google-apps.spreadsheet"


class DriveApi:
    """Drive files that are the fake's spreadsheets."""

    def __init__(
        self,
        sheets: SheetsApi,
        principal: Callable[[Mapping[str, str]], str | None] = lambda _headers: None,
    ) -> None:
        self.sheets = sheets
        self.principal = principal
        #: File id -> {user sub: "writer" | "reader"}.
        self.acl: dict[str, dict[str, str]] = {}

    def share(self, file_id: str, sub: str, role: str) -> None:
        """Give the user ``sub`` a role ("writer" or "reader") on a file."""
        if role not in ("writer", "reader"):
            raise ValueError("role must be writer or reader")
        self.acl.setdefault(file_id, {})[sub] = role

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
        file_id = call.params["fileId"]
        ss = self.sheets.spreadsheets.get(file_id)
        if ss is None:
            raise not_found(f"File not found: {file_id}.")
        acl = self.acl.get(file_id)
        can_edit = True
        if acl is not None:
            role = acl.get(self.principal(call.headers) or "")
            if role is None:
                raise not_found(f"File not found: {file_id}.")
            can_edit = role == "writer"
        return Reply({**self._file(ss), "capabilities": {"canEdit": can_edit}})

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
