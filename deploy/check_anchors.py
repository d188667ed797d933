"""Live check: what Google really does to row anchors when a person sorts, pastes or copies.

sheetsync keeps track of each synced row with developer metadata on the row (a "row anchor")
and writes through it (``values.batchUpdateByDataFilter``). Google documents that such metadata
moves with its row when rows are inserted, deleted or moved, and goes with a deleted row; it
says nothing about sorting, copy-paste, cut-paste or duplicating a tab, nor about a write whose
filter matches nothing. sheetsync is built to be safe whatever the answers are (the test suite
runs under every answer the fake server can give), and this script shows which answers Google
gives today.

Run it against a scratch spreadsheet you own (never the practice's Sheet):

    gcloud auth application-default login \\
      --scopes=https://www.googleapis.com/auth/spreadsheets,https://www.googleapis.com/auth/cloud-platform
    python deploy/check_anchors.py SPREADSHEET_ID

It adds a tab named "anchor check" with five rows A-E, anchors each row (key ``check``, value the
row's letter), then sorts the rows, copies and pastes a row, cuts and pastes one, duplicates the
tab and writes through the anchor of a row that is gone, printing after each step where every
anchor is. It ends with the answers in the fake server's terms (``FakeGoogle.set_metadata_policy``
in tests/fakegoogle). Both tabs are removed at the end unless ``--keep`` is given.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

TAB = "anchor check"
COPY = "anchor check (copy)"
KEY = "check"
LETTERS = "ABCDE"
SCOPE = "https://www.googleapis.com/auth/spreadsheets"
#: Grid rows (0-based) the pastes go to: below the data, so nothing else is overwritten.
COPY_TO, CUT_TO = 8, 10

Rows = dict[int, tuple[str, list[str]]]  # grid row -> (the row's letter, anchors on it)


class Check:
    """The requests of the check, on one spreadsheet, through a gspread HTTP client."""

    def __init__(self, http: Any, spreadsheet_id: str) -> None:
        from gspread.urls import SPREADSHEET_BATCH_UPDATE_URL, SPREADSHEET_URL

        self.http = http
        self.url = SPREADSHEET_URL % spreadsheet_id
        self.batch_url = SPREADSHEET_BATCH_UPDATE_URL % spreadsheet_id
        self.sheet_ids: dict[str, int] = {}

    def batch(self, *requests: dict[str, Any]) -> list[dict[str, Any]]:
        reply = self.http.request("post", self.batch_url, json={"requests": list(requests)})
        replies: list[dict[str, Any]] = reply.json().get("replies", [])
        return replies

    def rows(self, tab: str) -> Rows:
        """Each row of ``tab`` with a letter or an anchor: its letter and its anchors' values."""
        fields = (
            "sheets(properties(title),data(rowData(values(effectiveValue)),"
            "rowMetadata(developerMetadata(metadataKey,metadataValue))))"
        )
        params = {"ranges": f"'{tab}'", "includeGridData": "true", "fields": fields}
        sheet = self.http.request("get", self.url, params=params).json()["sheets"][0]
        data = sheet.get("data", [{}])[0]
        out: Rows = {}
        for index, row in enumerate(data.get("rowData", [])):
            values = row.get("values") or [{}]
            letter = str((values[0].get("effectiveValue") or {}).get("stringValue", ""))
            if letter in LETTERS and letter:
                out[index] = (letter, [])
        for index, meta in enumerate(data.get("rowMetadata", [])):
            tags = [
                str(m.get("metadataValue", ""))
                for m in meta.get("developerMetadata", [])
                if m.get("metadataKey") == KEY
            ]
            if tags:
                out[index] = (out.get(index, ("", []))[0], tags)
        return out

    def where(self, tab: str, letter: str) -> list[int]:
        """The grid rows that carry ``letter``'s anchor."""
        return sorted(i for i, (_, tags) in self.rows(tab).items() if letter in tags)

    def row_of(self, tab: str, letter: str) -> int:
        return next(i for i, (value, _) in self.rows(tab).items() if value == letter)

    def whole_rows(self, tab: str, start: int, end: int) -> dict[str, Any]:
        return {"sheetId": self.sheet_ids[tab], "startRowIndex": start, "endRowIndex": end}


def _print_rows(step: str, check: Check, tabs: Sequence[str]) -> None:
    print(f"\n{step}")
    for tab in tabs:
        for index, (letter, tags) in sorted(check.rows(tab).items()):
            anchors = ", ".join(tags) if tags else "-"
            print(f"  {tab!r} row {index + 1}: holds {letter or '(blank)'}, anchors: {anchors}")


def _verdict(on_source: bool, on_target: bool) -> str:
    if on_source and on_target:
        return "DUPLICATED"
    return "MOVES" if on_target else "STAYS"


def setup(check: Check) -> dict[str, int]:
    """The tab, its rows (letters A-E, sort keys 5-1) and an anchor on each; anchor ids."""
    (added,) = check.batch({"addSheet": {"properties": {"title": TAB}}})
    check.sheet_ids[TAB] = added["addSheet"]["properties"]["sheetId"]
    sheet_id = check.sheet_ids[TAB]
    header: list[dict[str, Any]] = [
        {"userEnteredValue": {"stringValue": v}} for v in ("Row", "Sort key")
    ]
    rows: list[dict[str, Any]] = [{"values": header}]
    rows += [
        {
            "values": [
                {"userEnteredValue": {"stringValue": letter}},
                {"userEnteredValue": {"numberValue": len(LETTERS) - i}},
            ]
        }
        for i, letter in enumerate(LETTERS)
    ]
    cells = {
        "updateCells": {
            "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
            "rows": rows,
            "fields": "userEnteredValue",
        }
    }
    creates = [
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": KEY,
                    "metadataValue": letter,
                    "visibility": "DOCUMENT",
                    "location": {
                        "dimensionRange": {
                            "sheetId": sheet_id,
                            "dimension": "ROWS",
                            "startIndex": i + 1,
                            "endIndex": i + 2,
                        }
                    },
                }
            }
        }
        for i, letter in enumerate(LETTERS)
    ]
    replies = check.batch(cells, *creates)[1:]
    return {
        letter: int(reply["createDeveloperMetadata"]["developerMetadata"]["metadataId"])
        for letter, reply in zip(LETTERS, replies, strict=True)
    }


def run(check: Check, keep: bool = False) -> dict[str, str]:
    """Every step, printed; returns the answers as ``set_metadata_policy`` settings."""
    ids = setup(check)
    answers: dict[str, str] = {}
    try:
        _print_rows("Five rows, each anchored:", check, [TAB])

        # Sort by the sort key: E, D, C, B, A. Does A's anchor follow A to the last row?
        sort_range = check.whole_rows(TAB, 1, 1 + len(LETTERS))
        sort_range |= {"startColumnIndex": 0, "endColumnIndex": 2}
        check.batch(
            {
                "sortRange": {
                    "range": sort_range,
                    "sortSpecs": [{"dimensionIndex": 1, "sortOrder": "ASCENDING"}],
                }
            }
        )
        _print_rows("After sorting the rows (E to A):", check, [TAB])
        answers["sort"] = "MOVES" if check.where(TAB, "A") == [check.row_of(TAB, "A")] else "STAYS"

        # Copy the whole row that carries B's anchor to a blank row below the data.
        (source,) = check.where(TAB, "B")
        check.batch(
            {
                "copyPaste": {
                    "source": check.whole_rows(TAB, source, source + 1),
                    "destination": check.whole_rows(TAB, COPY_TO, COPY_TO + 1),
                    "pasteType": "PASTE_NORMAL",
                }
            }
        )
        _print_rows(f"After copying B's anchored row to row {COPY_TO + 1}:", check, [TAB])
        rows = check.where(TAB, "B")
        answers["copy_paste"] = _verdict(source in rows, COPY_TO in rows)

        # Cut the whole row that carries D's anchor and paste it further down.
        (source,) = check.where(TAB, "D")
        check.batch(
            {
                "cutPaste": {
                    "source": check.whole_rows(TAB, source, source + 1),
                    "destination": {
                        "sheetId": check.sheet_ids[TAB],
                        "rowIndex": CUT_TO,
                        "columnIndex": 0,
                    },
                    "pasteType": "PASTE_NORMAL",
                }
            }
        )
        _print_rows(f"After cutting D's anchored row, pasted at row {CUT_TO + 1}:", check, [TAB])
        rows = check.where(TAB, "D")
        answers["cut_paste"] = _verdict(source in rows, CUT_TO in rows)

        # Duplicate the tab: where is C's anchor now?
        (copied,) = check.batch(
            {"duplicateSheet": {"sourceSheetId": check.sheet_ids[TAB], "newSheetName": COPY}}
        )
        check.sheet_ids[COPY] = copied["duplicateSheet"]["properties"]["sheetId"]
        _print_rows("After duplicating the tab:", check, [TAB, COPY])
        answers["duplicate_sheet"] = _verdict(
            bool(check.where(TAB, "C")), bool(check.where(COPY, "C"))
        )

        answers["unmatched_write"] = _unmatched_write(check, ids["E"])
    finally:
        if not keep:
            check.batch(*({"deleteSheet": {"sheetId": i}} for i in check.sheet_ids.values()))
    return answers


def _unmatched_write(check: Check, metadata_id: int) -> str:
    """Delete E's anchor, then write through it: refused (400), or skipped?"""
    import gspread

    lookup = {"metadataId": metadata_id}
    check.batch({"deleteDeveloperMetadata": {"dataFilter": {"developerMetadataLookup": lookup}}})
    body = {
        "valueInputOption": "RAW",
        "data": [{"dataFilter": {"developerMetadataLookup": lookup}, "values": [["gone"]]}],
    }
    try:
        reply = check.http.request("post", check.url + "/values:batchUpdateByDataFilter", json=body)
    except gspread.exceptions.APIError as exc:
        print(f"\nA write through a deleted anchor: refused ({exc.response.status_code})")
        return "ERROR"
    answered = len(reply.json().get("responses", []))
    print(f"\nA write through a deleted anchor: accepted ({answered} ranges answered)")
    return "SKIP"


def main(argv: Sequence[str] | None = None, http: Any = None) -> int:
    """Run the check; ``http`` (a gspread HTTP client) is for tests, else ADC is used."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("spreadsheet_id", help="a scratch spreadsheet you own")
    parser.add_argument("--keep", action="store_true", help="leave the check's tabs in place")
    args = parser.parse_args(argv)
    if http is None:
        import google.auth

        from sheetsync.adapters.google.clients import sheets_client

        credentials, _ = google.auth.default(scopes=[SCOPE])
        http = sheets_client(credentials).http_client
    answers = run(Check(http, args.spreadsheet_id), keep=args.keep)
    settings = ", ".join(f'{name}="{value}"' for name, value in answers.items())
    print(f"\nGoogle's answers, as the fake server's switch:\n  set_metadata_policy({settings})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
