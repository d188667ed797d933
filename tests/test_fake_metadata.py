"""Tests of the fake Sheets API's developer metadata and ``*ByDataFilter`` methods.

Everything goes through the real clients (googleapiclient's sheets service; gspread's
``http_client.request`` where production code would use it), as ``test_fakegoogle.py`` does.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import google.oauth2.credentials
import gspread
import pytest
from fakegoogle import FakeGoogle, RequestInfo, authorized_http
from googleapiclient.errors import HttpError

HEADER = ["Name", "Status", "Row ID"]
ROWS = [HEADER, ["Alice", "new", "r-a"], ["Bob", "new", "r-b"], ["Carol", "new", "r-c"]]
SHEETS_URL = "https://sheets.googleapis.com/v4/spreadsheets"


@pytest.fixture
def server() -> Iterator[FakeGoogle]:
    with FakeGoogle(seed=5) as fake:
        yield fake


@pytest.fixture
def sheets(server: FakeGoogle) -> Any:
    return server.service("sheets")


@pytest.fixture
def sid(server: FakeGoogle) -> str:
    spreadsheet_id = server.create_spreadsheet("Network", ["Contacts", "Lists"])
    server.set_sheet_rows(spreadsheet_id, "Contacts", [list(r) for r in ROWS])
    return spreadsheet_id


def row_location(row: int, sheet_id: int = 0) -> dict[str, Any]:
    return {
        "dimensionRange": {
            "sheetId": sheet_id,
            "dimension": "ROWS",
            "startIndex": row,
            "endIndex": row + 1,
        }
    }


def create(
    row: int,
    key: str = "rowid",
    value: str | None = None,
    *,
    sheet_id: int = 0,
    visibility: str = "DOCUMENT",
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {
        "metadataKey": key,
        "location": row_location(row, sheet_id),
        "visibility": visibility,
        **extra,
    }
    if value is not None:
        body["metadataValue"] = value
    return {"createDeveloperMetadata": {"developerMetadata": body}}


def batch(sheets: Any, sid: str, *requests: dict[str, Any]) -> dict[str, Any]:
    reply: dict[str, Any] = (
        sheets.spreadsheets()
        .batchUpdate(spreadsheetId=sid, body={"requests": list(requests)})
        .execute()
    )
    return reply


def search(sheets: Any, sid: str, *filters: dict[str, Any]) -> dict[str, Any]:
    reply: dict[str, Any] = (
        sheets.spreadsheets()
        .developerMetadata()
        .search(spreadsheetId=sid, body={"dataFilters": list(filters)})
        .execute()
    )
    return reply


def found(reply: dict[str, Any]) -> list[tuple[str, str | None]]:
    return [
        (m["developerMetadata"]["metadataKey"], m["developerMetadata"].get("metadataValue"))
        for m in reply.get("matchedDeveloperMetadata", [])
    ]


def by(**criteria: Any) -> dict[str, Any]:
    return {"developerMetadataLookup": criteria}


def write(sheets: Any, sid: str, data: list[dict[str, Any]], **extra: Any) -> dict[str, Any]:
    body = {"valueInputOption": "RAW", "data": data, **extra}
    reply: dict[str, Any] = (
        sheets.spreadsheets()
        .values()
        .batchUpdateByDataFilter(spreadsheetId=sid, body=body)
        .execute()
    )
    return reply


def tag_rows(server: FakeGoogle, sid: str, tab: str = "Contacts") -> None:
    """Tag each data row with its Row ID, as a sync would."""
    for index, row in enumerate(server.sheet_rows(sid, tab)):
        if index:
            server.tag_row(sid, tab, index, "rowid", str(row[2]))


def rejection(call: Any) -> tuple[int, str]:
    with pytest.raises(HttpError) as caught:
        call.execute()
    error = caught.value
    return error.status_code, str(error.reason)


# ---- create, get, search ------------------------------------------------------------------


def test_create_assigns_ids_and_answers_with_googles_shapes(
    server: FakeGoogle, sheets: Any, sid: str
) -> None:
    reply = batch(sheets, sid, create(2, value="r-b"), create(3, value="r-c", metadataId=77))
    made = [r["createDeveloperMetadata"]["developerMetadata"] for r in reply["replies"]]
    assert made[0]["metadataId"] > 0
    assert made[1] == {
        "metadataId": 77,
        "metadataKey": "rowid",
        "metadataValue": "r-c",
        "location": {
            "locationType": "ROW",
            "dimensionRange": {"sheetId": 0, "dimension": "ROWS", "startIndex": 3, "endIndex": 4},
        },
        "visibility": "DOCUMENT",
    }
    got = sheets.spreadsheets().developerMetadata().get(spreadsheetId=sid, metadataId=77).execute()
    assert got == made[1]
    status, _ = rejection(
        sheets.spreadsheets().developerMetadata().get(spreadsheetId=sid, metadataId=78)
    )
    assert status == 404

    # Other locations: the spreadsheet, a sheet, a column.
    lists = server.spreadsheet(sid).by_title("Lists").sheet_id
    other = batch(
        sheets,
        sid,
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": "schema",
                    "metadataValue": "3",
                    "location": {"spreadsheet": True},
                    "visibility": "DOCUMENT",
                }
            }
        },
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": "tab",
                    "location": {"sheetId": lists},
                    "visibility": "DOCUMENT",
                }
            }
        },
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": "column",
                    "location": {
                        "dimensionRange": {
                            "sheetId": 0,
                            "dimension": "COLUMNS",
                            "startIndex": 2,
                            "endIndex": 3,
                        }
                    },
                    "visibility": "DOCUMENT",
                }
            }
        },
    )
    locations = [
        r["createDeveloperMetadata"]["developerMetadata"]["location"] for r in other["replies"]
    ]
    assert locations[0] == {"locationType": "SPREADSHEET", "spreadsheet": True}
    assert locations[1] == {"locationType": "SHEET", "sheetId": lists}
    assert locations[2]["locationType"] == "COLUMN"
    assert server.count("sheets", method_id="developerMetadata.get") == 2


@pytest.mark.parametrize(
    ("developer_metadata", "message"),
    [
        ({"location": row_location(1), "visibility": "DOCUMENT"}, "key"),
        ({"metadataKey": "k", "location": row_location(1)}, "visibility"),
        (
            {
                "metadataKey": "k",
                "location": row_location(1),
                "visibility": "DEVELOPER_METADATA_VISIBILITY_UNSPECIFIED",
            },
            "visibility",
        ),
        ({"metadataKey": "k", "visibility": "DOCUMENT"}, "location"),
        (
            {
                "metadataKey": "k",
                "visibility": "DOCUMENT",
                "location": {
                    "dimensionRange": {
                        "sheetId": 0,
                        "dimension": "ROWS",
                        "startIndex": 1,
                        "endIndex": 3,
                    }
                },
            },
            "single row",
        ),
        (
            {
                "metadataKey": "k",
                "visibility": "DOCUMENT",
                "location": {"dimensionRange": {"sheetId": 0, "dimension": "ROWS"}},
            },
            "unbounded",
        ),
        (
            {"metadataKey": "k", "visibility": "DOCUMENT", "location": row_location(1000)},
            "outside the grid",
        ),
        (
            {"metadataKey": "k", "visibility": "DOCUMENT", "location": row_location(1, 999)},
            "No grid with id: 999",
        ),
        (
            {
                "metadataKey": "k",
                "visibility": "DOCUMENT",
                "location": {**row_location(1), "sheetId": 0},
            },
            "exactly one",
        ),
        (
            {
                "metadataKey": "k",
                "visibility": "DOCUMENT",
                "location": {**row_location(1), "locationType": "COLUMN"},
            },
            "locationType",
        ),
        (
            {
                "metadataKey": "k",
                "visibility": "DOCUMENT",
                "location": row_location(1),
                "metadataId": -4,
            },
            "positive",
        ),
        (
            {
                "metadataKey": "k",
                "visibility": "DOCUMENT",
                "location": row_location(1),
                "metadataId": 5,
            },
            "already exists",
        ),
    ],
)
def test_create_rejects_what_google_rejects_and_undoes_the_batch(
    server: FakeGoogle, sheets: Any, sid: str, developer_metadata: dict[str, Any], message: str
) -> None:
    batch(sheets, sid, create(2, metadataId=5))
    call = sheets.spreadsheets().batchUpdate(
        spreadsheetId=sid,
        body={
            "requests": [
                create(3, "first"),
                {"createDeveloperMetadata": {"developerMetadata": developer_metadata}},
            ]
        },
    )
    status, reason = rejection(call)
    assert status == 400
    assert "requests[1].createDeveloperMetadata" in reason
    assert message in reason
    # The batch is atomic: the valid request before the bad one is undone too.
    assert server.row_metadata(sid, "Contacts") == {2: [("rowid", None)]}


def test_request_bodies_are_checked_against_the_discovery_document(sheets: Any, sid: str) -> None:
    status, reason = rejection(
        sheets.spreadsheets()
        .developerMetadata()
        .search(spreadsheetId=sid, body={"dataFilters": [by(metadataKey="k", bogus=1)]})
    )
    assert status == 400 and 'Unknown name "bogus"' in reason
    status, reason = rejection(
        sheets.spreadsheets()
        .values()
        .batchUpdateByDataFilter(
            spreadsheetId=sid, body={"data": [{"dataFilter": by(metadataKey="k"), "values": [[1]]}]}
        )
    )
    assert status == 400 and "valueInputOption" in reason
    status, reason = rejection(
        sheets.spreadsheets()
        .values()
        .batchUpdateByDataFilter(
            spreadsheetId=sid,
            body={"valueInputOption": "RAW", "data": [{"dataFilter": {"metadataKey": "k"}}]},
        )
    )
    assert status == 400 and 'Unknown name "metadataKey"' in reason
    batch(sheets, sid, create(1))
    status, _ = rejection(
        sheets.spreadsheets().batchUpdate(
            spreadsheetId=sid,
            body={"requests": [create(2, visibility="SECRET")]},
        )
    )
    assert status == 400


def test_search_by_key_value_id_type_and_location(
    server: FakeGoogle, sheets: Any, sid: str
) -> None:
    batch(
        sheets,
        sid,
        create(1, value="r-a", metadataId=11),
        create(2, value="r-b", metadataId=12),
        create(2, "note", "vip", metadataId=13),
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": "column",
                    "metadataId": 14,
                    "location": {
                        "dimensionRange": {
                            "sheetId": 0,
                            "dimension": "COLUMNS",
                            "startIndex": 1,
                            "endIndex": 2,
                        }
                    },
                    "visibility": "DOCUMENT",
                }
            }
        },
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": "rowid",
                    "metadataId": 15,
                    "location": {"spreadsheet": True},
                    "visibility": "DOCUMENT",
                }
            }
        },
    )
    assert found(search(sheets, sid, by(metadataKey="rowid"))) == [
        ("rowid", "r-a"),
        ("rowid", "r-b"),
        ("rowid", None),
    ]
    assert found(search(sheets, sid, by(metadataKey="rowid", metadataValue="r-b"))) == [
        ("rowid", "r-b")
    ]
    assert found(search(sheets, sid, by(metadataId=13))) == [("note", "vip")]
    assert found(search(sheets, sid, by(metadataKey="rowid", locationType="ROW"))) == [
        ("rowid", "r-a"),
        ("rowid", "r-b"),
    ]
    # A row location matches the row's records exactly, and intersecting also the column
    # crossing it; the spreadsheet's own never intersects anything else.
    row2 = {"locationType": "ROW", **row_location(2)}
    exact = by(metadataLocation=row2, locationMatchingStrategy="EXACT_LOCATION")
    assert found(search(sheets, sid, exact)) == [("rowid", "r-b"), ("note", "vip")]
    assert found(search(sheets, sid, by(metadataLocation=row2))) == [
        ("rowid", "r-b"),
        ("note", "vip"),
        ("column", None),
    ]
    assert found(search(sheets, sid, by(metadataLocation={"spreadsheet": True}))) == [
        ("rowid", None)
    ]
    # Range filters return the records on locations intersecting the range.
    assert found(search(sheets, sid, {"a1Range": "Contacts!A2:B2"})) == [
        ("rowid", "r-a"),
        ("column", None),
    ]
    grid = {
        "gridRange": {"sheetId": 0, "startRowIndex": 2, "endRowIndex": 3, "startColumnIndex": 2}
    }
    assert found(search(sheets, sid, grid)) == [("rowid", "r-b"), ("note", "vip")]
    # A record several filters match comes once, listing the filters.
    both = search(sheets, sid, by(metadataId=11), by(metadataValue="r-a"))
    assert len(both["matchedDeveloperMetadata"]) == 1
    assert both["matchedDeveloperMetadata"][0]["dataFilters"] == [
        by(metadataId=11),
        by(metadataValue="r-a"),
    ]
    assert search(sheets, sid, by(metadataKey="nothing")) == {}
    assert server.count("sheets", method_id="developerMetadata.search") == 11


@pytest.mark.parametrize(
    ("data_filter", "message"),
    [
        (by(), "at least one criterion"),
        (by(locationMatchingStrategy="EXACT_LOCATION"), "requires a metadataLocation"),
        (
            by(
                metadataLocation=row_location(1),
                locationMatchingStrategy="EXACT_LOCATION",
                locationType="ROW",
            ),
            "unspecified",
        ),
        (
            by(metadataLocation=row_location(1), locationType="SPREADSHEET"),
            "SPREADSHEET",
        ),
        ({}, "exactly one"),
        ({"a1Range": "Contacts!A1", **by(metadataKey="k")}, "exactly one"),
        ({"a1Range": "Nowhere!A1"}, "Unable to parse range"),
    ],
)
def test_search_rejects_bad_filters(
    sheets: Any, sid: str, data_filter: dict[str, Any], message: str
) -> None:
    status, reason = rejection(
        sheets.spreadsheets()
        .developerMetadata()
        .search(spreadsheetId=sid, body={"dataFilters": [by(metadataKey="k"), data_filter]})
    )
    assert status == 400
    assert "dataFilters[1]" in reason and message in reason


# ---- metadata follows its row -------------------------------------------------------------


def test_row_metadata_shifts_with_every_row_edit_request(
    server: FakeGoogle, sheets: Any, sid: str
) -> None:
    tag_rows(server, sid)
    rows = {"sheetId": 0, "dimension": "ROWS"}
    batch(sheets, sid, {"insertDimension": {"range": {**rows, "startIndex": 1, "endIndex": 3}}})
    assert server.row_metadata(sid, "Contacts") == {
        3: [("rowid", "r-a")],
        4: [("rowid", "r-b")],
        5: [("rowid", "r-c")],
    }
    # moveDimension: Carol's row goes before Alice's (destination in pre-move coordinates).
    batch(
        sheets,
        sid,
        {
            "moveDimension": {
                "source": {**rows, "startIndex": 5, "endIndex": 6},
                "destinationIndex": 3,
            }
        },
    )
    assert server.row_metadata(sid, "Contacts") == {
        3: [("rowid", "r-c")],
        4: [("rowid", "r-a")],
        5: [("rowid", "r-b")],
    }
    # Deleting a row deletes its metadata; the rows below move up.
    batch(sheets, sid, {"deleteDimension": {"range": {**rows, "startIndex": 1, "endIndex": 4}}})
    assert server.row_metadata(sid, "Contacts") == {1: [("rowid", "r-a")], 2: [("rowid", "r-b")]}
    assert [m.get("metadataValue") for m in server.developer_metadata(sid)] == ["r-a", "r-b"]
    # Appending rows at the end changes nothing; an INSERT_ROWS append inserts its rows after
    # the table, so a tagged row below the table moves down.
    batch(sheets, sid, {"appendDimension": {"sheetId": 0, "dimension": "ROWS", "length": 5}})
    assert server.row_metadata(sid, "Contacts") == {1: [("rowid", "r-a")], 2: [("rowid", "r-b")]}
    server.tag_row(sid, "Contacts", 4, "below")
    sheets.spreadsheets().values().append(
        spreadsheetId=sid,
        range="Contacts!A1",
        valueInputOption="RAW",
        insertDataOption="INSERT_ROWS",
        body={"values": [["Dana"], ["Erin"]]},
    ).execute()
    assert server.sheet_rows(sid, "Contacts") == [
        HEADER,
        ["Alice", "new", "r-a"],
        ["Bob", "new", "r-b"],
        ["Dana"],
        ["Erin"],
    ]
    assert server.row_metadata(sid, "Contacts") == {
        1: [("rowid", "r-a")],
        2: [("rowid", "r-b")],
        6: [("below", None)],
    }
    # Shrinking the grid deletes the rows cut off, with their metadata.
    batch(
        sheets,
        sid,
        {
            "updateSheetProperties": {
                "properties": {"sheetId": 0, "gridProperties": {"rowCount": 2}},
                "fields": "gridProperties.rowCount",
            }
        },
    )
    assert server.row_metadata(sid, "Contacts") == {1: [("rowid", "r-a")]}


def test_column_and_sheet_metadata_follow_column_edits_and_sheet_deletion(
    server: FakeGoogle, sheets: Any, sid: str
) -> None:
    lists = server.spreadsheet(sid).by_title("Lists").sheet_id
    column = {"sheetId": 0, "dimension": "COLUMNS"}

    def column_tag(index: int, key: str) -> dict[str, Any]:
        return {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": key,
                    "location": {
                        "dimensionRange": {**column, "startIndex": index, "endIndex": index + 1}
                    },
                    "visibility": "DOCUMENT",
                }
            }
        }

    batch(sheets, sid, column_tag(1, "status"), column_tag(2, "rowid"), create(1, sheet_id=lists))
    batch(sheets, sid, {"insertDimension": {"range": {**column, "startIndex": 0, "endIndex": 1}}})
    batch(sheets, sid, {"deleteDimension": {"range": {**column, "startIndex": 2, "endIndex": 3}}})
    columns = [
        (m["metadataKey"], m["location"]["dimensionRange"]["startIndex"])
        for m in server.developer_metadata(sid)
        if m["location"]["locationType"] == "COLUMN"
    ]
    assert columns == [("rowid", 2)]
    batch(sheets, sid, {"deleteSheet": {"sheetId": lists}})
    assert [m["metadataKey"] for m in server.developer_metadata(sid)] == ["rowid"]


def test_person_edit_helpers_shift_metadata(server: FakeGoogle, sid: str) -> None:
    tag_rows(server, sid)
    server.insert_row(sid, "Contacts", 1, ["Dana"])
    server.move_row(sid, "Contacts", 4, 2)  # Carol up, above Alice
    server.delete_row(sid, "Contacts", 4)  # Bob
    assert [r[0] for r in server.sheet_rows(sid, "Contacts")] == ["Name", "Dana", "Carol", "Alice"]
    assert server.row_metadata(sid, "Contacts") == {2: [("rowid", "r-c")], 3: [("rowid", "r-a")]}
    # Retyping a sheet's cells is not a row edit: metadata stays where it is.
    server.set_sheet_rows(sid, "Contacts", [HEADER])
    assert server.row_metadata(sid, "Contacts") == {2: [("rowid", "r-c")], 3: [("rowid", "r-a")]}


# ---- values.batchUpdateByDataFilter -------------------------------------------------------


def test_write_by_metadata_lands_where_the_row_is_at_write_time(
    server: FakeGoogle, sheets: Any, sid: str
) -> None:
    tag_rows(server, sid)

    def person_edits(_info: RequestInfo) -> None:
        server.insert_row(sid, "Contacts", 1, ["Dana", "typed by hand"])
        server.move_row(sid, "Contacts", 4, 1)  # Carol to the top

    hook = server.before_next("values.batchUpdateByDataFilter", person_edits)
    reply = write(
        sheets,
        sid,
        [
            # A row filter matches the whole row: values start at column A, and a null
            # leaves that cell as it is.
            {
                "dataFilter": by(metadataKey="rowid", metadataValue="r-b"),
                "values": [[None, "emailed"]],
            },
            {
                "dataFilter": by(metadataKey="rowid", metadataValue="r-c"),
                "values": [[None, None, "r-c", "x"]],
            },
        ],
    )
    assert hook.fired == 1
    assert server.sheet_rows(sid, "Contacts") == [
        HEADER,
        ["Carol", "new", "r-c", "x"],
        ["Dana", "typed by hand"],
        ["Alice", "new", "r-a"],
        ["Bob", "emailed", "r-b"],
    ]
    assert reply["responses"][0] == {
        "updatedRange": "Contacts!A5:B5",
        "updatedRows": 1,
        "updatedColumns": 1,
        "updatedCells": 1,
        "dataFilter": by(metadataKey="rowid", metadataValue="r-b"),
    }
    assert reply["responses"][1]["updatedRange"] == "Contacts!A2:D2"
    assert {k: v for k, v in reply.items() if k != "responses"} == {
        "spreadsheetId": sid,
        "totalUpdatedRows": 2,
        "totalUpdatedColumns": 3,
        "totalUpdatedCells": 3,
        "totalUpdatedSheets": 1,
    }
    assert server.count("sheets", method_id="values.batchUpdateByDataFilter") == 1


def test_write_by_filter_matching_several_rows_writes_each_and_returns_values(
    server: FakeGoogle, sheets: Any, sid: str
) -> None:
    server.tag_row(sid, "Contacts", 1, "team", "blue")
    server.tag_row(sid, "Contacts", 3, "team", "blue")
    server.tag_row(sid, "Contacts", 3, "rowid", "r-c")  # same row twice: written once
    reply = write(
        sheets,
        sid,
        [{"dataFilter": by(metadataKey="team"), "values": [[None, "=1+1"]]}],
        includeValuesInResponse=True,
        responseValueRenderOption="UNFORMATTED_VALUE",
        valueInputOption="USER_ENTERED",
    )
    assert [r["updatedRange"] for r in reply["responses"]] == ["Contacts!A2:B2", "Contacts!A4:B4"]
    # updatedData is the whole matched row as it is after the request.
    assert reply["responses"][1]["updatedData"] == {
        "range": "Contacts!A4:Z4",
        "majorDimension": "ROWS",
        "values": [["Carol", 2, "r-c"]],
    }
    assert reply["totalUpdatedCells"] == 2
    assert [r[1] for r in server.sheet_rows(sid, "Contacts", "FORMULA")] == [
        "Status",
        "=1+1",
        "new",
        "=1+1",
    ]
    # RAW keeps a formula's text as text.
    write(sheets, sid, [{"dataFilter": by(metadataValue="r-c"), "values": [[None, "=1+1"]]}])
    assert server.sheet_rows(sid, "Contacts")[3][1] == "=1+1"
    assert server.sheet_rows(sid, "Contacts", "FORMATTED_VALUE")[3][1] == "=1+1"


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ([["a"] * 27], "tried writing to column [AA]"),
        ([["a"], ["b"]], "tried writing to row [3]"),
    ],
)
def test_too_many_values_for_the_matched_row_is_400_and_writes_nothing(
    server: FakeGoogle, sheets: Any, sid: str, values: list[list[str]], message: str
) -> None:
    tag_rows(server, sid)
    status, reason = rejection(
        sheets.spreadsheets()
        .values()
        .batchUpdateByDataFilter(
            spreadsheetId=sid,
            body={
                "valueInputOption": "RAW",
                "data": [
                    {"dataFilter": by(metadataValue="r-b"), "values": [[None, "written?"]]},
                    {"dataFilter": by(metadataValue="r-a"), "values": values},
                ],
            },
        )
    )
    assert status == 400
    assert "data[1]" in reason and message in reason
    assert server.sheet_rows(sid, "Contacts") == ROWS


@pytest.mark.parametrize("policy", ["SKIP", "ERROR"])
def test_a_filter_matching_nothing_is_skipped_or_refused_by_policy(
    server: FakeGoogle, sheets: Any, sid: str, policy: str
) -> None:
    tag_rows(server, sid)
    server.set_metadata_policy(unmatched_write=policy)
    data = [
        {"dataFilter": by(metadataValue="r-a"), "values": [[None, "emailed"]]},
        {"dataFilter": by(metadataValue="r-deleted"), "values": [[None, "emailed"]]},
    ]
    if policy == "SKIP":
        reply = write(sheets, sid, data)
        assert [r["dataFilter"] for r in reply["responses"]] == [by(metadataValue="r-a")]
        assert server.sheet_rows(sid, "Contacts")[1] == ["Alice", "emailed", "r-a"]
        nothing = write(sheets, sid, data[1:])
        assert nothing == {"spreadsheetId": sid}
    else:
        call = (
            sheets.spreadsheets()
            .values()
            .batchUpdateByDataFilter(
                spreadsheetId=sid, body={"valueInputOption": "RAW", "data": data}
            )
        )
        status, reason = rejection(call)
        assert status == 400 and "data[1]" in reason and "matched no range" in reason
        assert server.sheet_rows(sid, "Contacts") == ROWS


def test_write_by_a1_and_grid_range_filters(server: FakeGoogle, sheets: Any, sid: str) -> None:
    reply = write(
        sheets,
        sid,
        [
            {"dataFilter": {"a1Range": "Contacts!B2"}, "values": [["a1"]]},
            {
                "dataFilter": {
                    "gridRange": {"sheetId": 0, "startRowIndex": 2, "startColumnIndex": 1}
                },
                "values": [["grid"]],
            },
        ],
    )
    assert [r["updatedRange"] for r in reply["responses"]] == ["Contacts!B2", "Contacts!B3"]
    assert [r[1] for r in server.sheet_rows(sid, "Contacts")] == ["Status", "a1", "grid", "new"]


def test_gspread_http_client_writes_and_reads_by_metadata(server: FakeGoogle, sid: str) -> None:
    gc: gspread.Client = server.gspread_client()
    tag_rows(server, sid)
    server.delete_row(sid, "Contacts", 1)
    reply = gc.http_client.request(
        "post",
        f"{SHEETS_URL}/{sid}/values:batchUpdateByDataFilter",
        params={"fields": "responses"},
        json={
            "valueInputOption": "RAW",
            "includeValuesInResponse": True,
            "data": [{"dataFilter": by(metadataValue="r-c"), "values": [[None, "met"]]}],
        },
    ).json()
    assert list(reply) == ["responses"]
    assert reply["responses"][0]["updatedData"]["values"] == [["Carol", "met", "r-c"]]
    got = gc.http_client.request(
        "post",
        f"{SHEETS_URL}/{sid}/values:batchGetByDataFilter",
        json={"dataFilters": [by(metadataKey="rowid")], "valueRenderOption": "UNFORMATTED_VALUE"},
    ).json()
    assert [vr["valueRange"]["values"] for vr in got["valueRanges"]] == [
        [["Bob", "new", "r-b"]],
        [["Carol", "met", "r-c"]],
    ]
    with pytest.raises(gspread.exceptions.APIError) as caught:
        gc.http_client.request(
            "post",
            f"{SHEETS_URL}/{sid}/values:batchUpdateByDataFilter",
            json={"valueInputOption": "RAW", "data": [{"dataFilter": by(), "values": [[1]]}]},
        )
    assert caught.value.code == 400
    assert caught.value.response.json()["error"]["status"] == "INVALID_ARGUMENT"


# ---- values.batchGetByDataFilter / batchClearByDataFilter -----------------------------------


def test_batch_get_by_data_filter(server: FakeGoogle, sheets: Any, sid: str) -> None:
    tag_rows(server, sid)
    server.insert_row(sid, "Contacts", 1, ["Dana"])
    reply = (
        sheets.spreadsheets()
        .values()
        .batchGetByDataFilter(
            spreadsheetId=sid,
            body={
                "dataFilters": [
                    by(metadataValue="r-b"),
                    by(metadataKey="rowid", metadataValue="r-b"),
                    {"a1Range": "Contacts!A1:B1"},
                    by(metadataValue="r-gone"),
                ],
                "majorDimension": "COLUMNS",
            },
        )
        .execute()
    )
    assert reply["spreadsheetId"] == sid
    assert reply["valueRanges"] == [
        {
            "valueRange": {
                "range": "Contacts!A4:Z4",
                "majorDimension": "COLUMNS",
                "values": [["Bob"], ["new"], ["r-b"]],
            },
            "dataFilters": [by(metadataValue="r-b"), by(metadataKey="rowid", metadataValue="r-b")],
        },
        {
            "valueRange": {
                "range": "Contacts!A1:B1",
                "majorDimension": "COLUMNS",
                "values": [["Name"], ["Status"]],
            },
            "dataFilters": [{"a1Range": "Contacts!A1:B1"}],
        },
    ]
    none = (
        sheets.spreadsheets()
        .values()
        .batchGetByDataFilter(spreadsheetId=sid, body={"dataFilters": [by(metadataKey="x")]})
        .execute()
    )
    assert none == {"spreadsheetId": sid}


def test_batch_clear_by_data_filter(server: FakeGoogle, sheets: Any, sid: str) -> None:
    tag_rows(server, sid)
    reply = (
        sheets.spreadsheets()
        .values()
        .batchClearByDataFilter(
            spreadsheetId=sid,
            body={"dataFilters": [by(metadataValue="r-b"), by(metadataValue="none")]},
        )
        .execute()
    )
    assert reply == {"spreadsheetId": sid, "clearedRanges": ["Contacts!A3:Z3"]}
    assert server.sheet_rows(sid, "Contacts") == [ROWS[0], ROWS[1], [], ROWS[3]]
    # The row's metadata stays: clearing values is not deleting the row.
    assert server.row_metadata(sid, "Contacts")[2] == [("rowid", "r-b")]


# ---- updateDeveloperMetadata / deleteDeveloperMetadata -----------------------------------


def test_update_and_delete_developer_metadata(server: FakeGoogle, sheets: Any, sid: str) -> None:
    tag_rows(server, sid)
    reply = batch(
        sheets,
        sid,
        {
            "updateDeveloperMetadata": {
                "dataFilters": [by(metadataValue="r-a"), by(metadataValue="r-b")],
                "developerMetadata": {"metadataValue": "same", "location": row_location(1)},
                "fields": "metadataValue",
            }
        },
    )
    updated = reply["replies"][0]["updateDeveloperMetadata"]["developerMetadata"]
    assert [
        (m["metadataValue"], m["location"]["dimensionRange"]["startIndex"]) for m in updated
    ] == [
        ("same", 1),
        ("same", 2),
    ]
    # Moving a record: the location in the mask.
    batch(
        sheets,
        sid,
        {
            "updateDeveloperMetadata": {
                "dataFilters": [by(metadataValue="r-c")],
                "developerMetadata": {"location": row_location(5), "visibility": "PROJECT"},
                "fields": "location,visibility",
            }
        },
    )
    assert server.row_metadata(sid, "Contacts")[5] == [("rowid", "r-c")]
    nothing = batch(
        sheets,
        sid,
        {
            "updateDeveloperMetadata": {
                "dataFilters": [by(metadataValue="none")],
                "developerMetadata": {"metadataValue": "x"},
                "fields": "metadataValue",
            }
        },
    )
    assert nothing["replies"][0] == {"updateDeveloperMetadata": {}}
    for fields, message in (
        ("metadataId", "cannot be updated"),
        ("", "At least one field"),
        ("bogus", "Invalid field mask"),
    ):
        status, reason = rejection(
            sheets.spreadsheets().batchUpdate(
                spreadsheetId=sid,
                body={
                    "requests": [
                        {
                            "updateDeveloperMetadata": {
                                "dataFilters": [by(metadataValue="same")],
                                "developerMetadata": {"metadataId": 1},
                                "fields": fields,
                            }
                        }
                    ]
                },
            )
        )
        assert status == 400 and message in reason, fields

    deleted = batch(
        sheets, sid, {"deleteDeveloperMetadata": {"dataFilter": by(metadataValue="same")}}
    )
    gone = deleted["replies"][0]["deleteDeveloperMetadata"]["deletedDeveloperMetadata"]
    assert [m["metadataValue"] for m in gone] == ["same", "same"]
    assert server.row_metadata(sid, "Contacts") == {5: [("rowid", "r-c")]}
    empty = batch(sheets, sid, {"deleteDeveloperMetadata": {"dataFilter": by(metadataKey="none")}})
    assert empty["replies"][0] == {"deleteDeveloperMetadata": {}}


# ---- storage limits ------------------------------------------------------------------------


def test_storage_limits_per_sheet_and_per_spreadsheet(
    server: FakeGoogle, sheets: Any, sid: str
) -> None:
    lists = server.spreadsheet(sid).by_title("Lists").sheet_id
    # Keys and values count: exactly 30,000 characters on a sheet is allowed...
    batch(sheets, sid, create(1, "k" * 10, "v" * 19_990), create(2, "k", "v" * 9_999))
    # ...another sheet and the spreadsheet itself have their own 30,000.
    batch(
        sheets,
        sid,
        create(1, "k", "v" * 29_999, sheet_id=lists),
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": "k" * 30_000,
                    "location": {"spreadsheet": True},
                    "visibility": "DOCUMENT",
                }
            }
        },
    )
    before = server.developer_metadata(sid)
    for request in (
        create(3, "k"),
        {
            "updateDeveloperMetadata": {
                "dataFilters": [by(metadataKey="k", locationType="ROW")],
                "developerMetadata": {"metadataValue": "v" * 20_000},
                "fields": "metadataValue",
            }
        },
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": "x",
                    "location": {"spreadsheet": True},
                    "visibility": "PROJECT",
                }
            }
        },
    ):
        kind = next(iter(request))
        status, reason = rejection(
            sheets.spreadsheets().batchUpdate(spreadsheetId=sid, body={"requests": [request]})
        )
        assert status == 400, kind
        assert f"requests[0].{kind}" in reason and "limit of 30000" in reason
    assert server.developer_metadata(sid) == before
    # Requests that add no metadata still work on a sheet a test put over the limit.
    server.tag_row(sid, "Lists", 2, "k", "v" * 30_000)
    batch(sheets, sid, {"addSheet": {"properties": {"title": "More"}}})
    assert "More" in server.spreadsheet(sid).titles()


# ---- visibility --------------------------------------------------------------------------


def service_for(server: FakeGoogle, project: str) -> Any:
    """A sheets service whose requests carry X-Goog-User-Project: ``project``."""
    creds = google.oauth2.credentials.Credentials(  # type: ignore[no-untyped-call]
        token="fake-token", quota_project_id=project
    )
    return server.service("sheets", http=authorized_http(server.url, creds))


def test_project_metadata_is_visible_only_to_its_project(
    server: FakeGoogle, sheets: Any, sid: str
) -> None:
    mine, theirs = service_for(server, "project-a"), service_for(server, "project-b")
    batch(mine, sid, create(1, "secret", "a", visibility="PROJECT", metadataId=21))
    batch(theirs, sid, create(2, "secret", "b", visibility="PROJECT", metadataId=22))
    batch(theirs, sid, create(3, "shared", "b", metadataId=23))
    assert found(search(mine, sid, by(locationType="ROW"))) == [("secret", "a"), ("shared", "b")]
    assert found(search(theirs, sid, by(locationType="ROW"))) == [("secret", "b"), ("shared", "b")]
    assert found(search(sheets, sid, by(locationType="ROW"))) == [("shared", "b")]
    assert found(search(mine, sid, by(visibility="PROJECT"))) == [("secret", "a")]
    status, _ = rejection(
        mine.spreadsheets().developerMetadata().get(spreadsheetId=sid, metadataId=22)
    )
    assert status == 404
    # Another project's record cannot be written through, updated or deleted.
    reply = write(theirs, sid, [{"dataFilter": by(metadataId=21), "values": [["x"]]}])
    assert reply == {"spreadsheetId": sid}
    batch(theirs, sid, {"deleteDeveloperMetadata": {"dataFilter": by(metadataKey="secret")}})
    assert sorted(m["metadataId"] for m in server.developer_metadata(sid)) == [21, 23]
    grid = mine.spreadsheets().get(spreadsheetId=sid, includeGridData=True).execute()
    row_meta = grid["sheets"][0]["data"][0]["rowMetadata"]
    assert [m["metadataId"] for m in row_meta[1]["developerMetadata"]] == [21]
    hidden = theirs.spreadsheets().get(spreadsheetId=sid, includeGridData=True).execute()
    assert "developerMetadata" not in hidden["sheets"][0]["data"][0]["rowMetadata"][1]


def test_spreadsheets_get_shows_metadata_where_google_puts_it(
    server: FakeGoogle, sheets: Any, sid: str
) -> None:
    lists = server.spreadsheet(sid).by_title("Lists").sheet_id
    tag_rows(server, sid)
    batch(
        sheets,
        sid,
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": "schema",
                    "location": {"spreadsheet": True},
                    "visibility": "DOCUMENT",
                }
            }
        },
        {
            "createDeveloperMetadata": {
                "developerMetadata": {
                    "metadataKey": "tab",
                    "location": {"sheetId": lists},
                    "visibility": "DOCUMENT",
                }
            }
        },
    )
    meta = sheets.spreadsheets().get(spreadsheetId=sid).execute()
    assert [m["metadataKey"] for m in meta["developerMetadata"]] == ["schema"]
    assert "developerMetadata" not in meta["sheets"][0]
    assert [m["metadataKey"] for m in meta["sheets"][1]["developerMetadata"]] == ["tab"]
    assert "data" not in meta["sheets"][0]
    grid = sheets.spreadsheets().get(spreadsheetId=sid, includeGridData=True).execute()
    rows = grid["sheets"][0]["data"][0]["rowMetadata"]
    assert len(rows) == 4
    assert "developerMetadata" not in rows[0]
    assert [m["metadataValue"] for r in rows[1:] for m in r["developerMetadata"]] == [
        "r-a",
        "r-b",
        "r-c",
    ]


# ---- the policy for what Google leaves undocumented -----------------------------------------


def tagged_sheet(server: FakeGoogle) -> str:
    spreadsheet_id = server.create_spreadsheet("Network", ["Contacts"])
    server.set_sheet_rows(
        spreadsheet_id,
        "Contacts",
        [HEADER, ["Carol", "", "r-c"], ["Alice", "", "r-a"], ["Bob", "", "r-b"]],
    )
    tag_rows(server, spreadsheet_id)
    return spreadsheet_id


def values_at(server: FakeGoogle, sid: str, tab: str = "Contacts") -> dict[int, list[Any]]:
    return {i: [v for _, v in tags] for i, tags in server.row_metadata(sid, tab).items()}


@pytest.mark.parametrize("policy", ["MOVES", "STAYS"])
def test_sort_moves_or_leaves_row_metadata_by_policy(
    server: FakeGoogle, sheets: Any, policy: str
) -> None:
    server.set_metadata_policy(sort=policy)
    by_request, by_person = tagged_sheet(server), tagged_sheet(server)
    batch(
        sheets,
        by_request,
        {
            "sortRange": {
                "range": {"sheetId": 0, "startRowIndex": 1},
                "sortSpecs": [{"dimensionIndex": 0, "sortOrder": "ASCENDING"}],
            }
        },
    )
    server.sort_rows(by_person, "Contacts", key=0)
    want = (
        {1: ["r-a"], 2: ["r-b"], 3: ["r-c"]}
        if policy == "MOVES"
        else {1: ["r-c"], 2: ["r-a"], 3: ["r-b"]}
    )
    for spreadsheet_id in (by_request, by_person):
        assert [r[0] for r in server.sheet_rows(spreadsheet_id, "Contacts")] == [
            "Name",
            "Alice",
            "Bob",
            "Carol",
        ]
        assert values_at(server, spreadsheet_id) == want


@pytest.mark.parametrize(
    ("policy", "want"),
    [
        # A paste keeps the destination row's own metadata: MOVES adds the source's.
        ("MOVES", {2: ["r-a"], 3: ["r-c", "r-b"]}),
        ("STAYS", {1: ["r-c"], 2: ["r-a"], 3: ["r-b"]}),
        ("DUPLICATED", {1: ["r-c"], 2: ["r-a"], 3: ["r-b", "r-c"]}),
    ],
)
def test_copy_paste_moves_leaves_or_duplicates_row_metadata_by_policy(
    server: FakeGoogle, sheets: Any, policy: str, want: dict[int, list[str]]
) -> None:
    server.set_metadata_policy(copy_paste=policy)
    by_request, by_person = tagged_sheet(server), tagged_sheet(server)
    batch(
        sheets,
        by_request,
        {
            "copyPaste": {
                "source": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2},
                "destination": {"sheetId": 0, "startRowIndex": 3, "endRowIndex": 4},
            }
        },
    )
    server.copy_row(by_person, "Contacts", 1, 3)
    for spreadsheet_id in (by_request, by_person):
        rows = server.sheet_rows(spreadsheet_id, "Contacts")
        assert rows[1] == rows[3] == ["Carol", "", "r-c"]
        assert values_at(server, spreadsheet_id) == want
        ids = [m["metadataId"] for m in server.developer_metadata(spreadsheet_id)]
        assert len(ids) == len(set(ids))


@pytest.mark.parametrize(
    ("policy", "want"),
    [
        # A paste keeps the destination row's own metadata: MOVES adds the source's.
        ("MOVES", {2: ["r-a"], 3: ["r-c", "r-b"]}),
        ("STAYS", {1: ["r-c"], 2: ["r-a"], 3: ["r-b"]}),
        ("DUPLICATED", {1: ["r-c"], 2: ["r-a"], 3: ["r-b", "r-c"]}),
    ],
)
def test_cut_paste_moves_leaves_or_duplicates_row_metadata_by_policy(
    server: FakeGoogle, sheets: Any, policy: str, want: dict[int, list[str]]
) -> None:
    server.set_metadata_policy(cut_paste=policy)
    by_request, by_person = tagged_sheet(server), tagged_sheet(server)
    batch(
        sheets,
        by_request,
        {
            "cutPaste": {
                "source": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2},
                "destination": {"sheetId": 0, "rowIndex": 3, "columnIndex": 0},
            }
        },
    )
    server.cut_row(by_person, "Contacts", 1, 3)
    for spreadsheet_id in (by_request, by_person):
        rows = server.sheet_rows(spreadsheet_id, "Contacts")
        assert rows[1:] == [[], ["Alice", "", "r-a"], ["Carol", "", "r-c"]]
        assert values_at(server, spreadsheet_id) == want


@pytest.mark.parametrize(
    ("policy", "original", "copied"),
    [
        ("MOVES", {}, {1: ["r-c"], 2: ["r-a"], 3: ["r-b"]}),
        ("STAYS", {1: ["r-c"], 2: ["r-a"], 3: ["r-b"]}, {}),
        ("DUPLICATED", {1: ["r-c"], 2: ["r-a"], 3: ["r-b"]}, {1: ["r-c"], 2: ["r-a"], 3: ["r-b"]}),
    ],
)
def test_duplicate_sheet_moves_leaves_or_duplicates_metadata_by_policy(
    server: FakeGoogle,
    sheets: Any,
    policy: str,
    original: dict[int, list[str]],
    copied: dict[int, list[str]],
) -> None:
    server.set_metadata_policy(duplicate_sheet=policy)
    by_request, by_person = tagged_sheet(server), tagged_sheet(server)
    reply = batch(
        sheets, by_request, {"duplicateSheet": {"sourceSheetId": 0, "newSheetName": "Copy"}}
    )
    assert reply["replies"][0]["duplicateSheet"]["properties"]["title"] == "Copy"
    server.duplicate_sheet(by_person, "Contacts", "Copy")
    for spreadsheet_id in (by_request, by_person):
        assert server.sheet_rows(spreadsheet_id, "Copy") == server.sheet_rows(
            spreadsheet_id, "Contacts"
        )
        assert values_at(server, spreadsheet_id) == original
        assert values_at(server, spreadsheet_id, "Copy") == copied


def test_a_duplicating_paste_over_the_limit_is_400(server: FakeGoogle, sheets: Any) -> None:
    server.set_metadata_policy(copy_paste="DUPLICATED")
    spreadsheet_id = tagged_sheet(server)
    server.tag_row(spreadsheet_id, "Contacts", 1, "big", "v" * 20_000)
    status, reason = rejection(
        sheets.spreadsheets().batchUpdate(
            spreadsheetId=spreadsheet_id,
            body={
                "requests": [
                    {
                        "copyPaste": {
                            "source": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2},
                            "destination": {"sheetId": 0, "startRowIndex": 3, "endRowIndex": 4},
                        }
                    }
                ]
            },
        )
    )
    assert status == 400 and "requests[0].copyPaste" in reason and "limit" in reason
    assert server.sheet_rows(spreadsheet_id, "Contacts")[3] == ["Bob", "", "r-b"]
    assert len(server.developer_metadata(spreadsheet_id)) == 4


def test_copy_paste_tiles_a_block_over_a_larger_destination(
    server: FakeGoogle, sheets: Any
) -> None:
    server.set_metadata_policy(copy_paste="DUPLICATED")
    spreadsheet_id = tagged_sheet(server)
    batch(
        sheets,
        spreadsheet_id,
        {
            "copyPaste": {
                "source": {"sheetId": 0, "startRowIndex": 1, "endRowIndex": 2, "endColumnIndex": 1},
                "destination": {
                    "sheetId": 0,
                    "startRowIndex": 4,
                    "endRowIndex": 6,
                    "endColumnIndex": 2,
                },
                "pasteType": "PASTE_VALUES",
            }
        },
    )
    assert server.sheet_rows(spreadsheet_id, "Contacts")[4:] == [
        ["Carol", "Carol"],
        ["Carol", "Carol"],
    ]
    assert values_at(server, spreadsheet_id) == {
        1: ["r-c"],
        2: ["r-a"],
        3: ["r-b"],
        4: ["r-c"],
        5: ["r-c"],
    }


def test_policy_settings_are_checked() -> None:
    with FakeGoogle() as fake:
        with pytest.raises(ValueError, match="sort"):
            fake.set_metadata_policy(sort="DUPLICATED")
        with pytest.raises(TypeError):
            fake.set_metadata_policy(sorting="MOVES")
        assert fake.set_metadata_policy(cut_paste="MOVES").cut_paste == "MOVES"
        assert fake.metadata_policy.sort == "STAYS"


# ---- partial responses (the ``fields`` mask) ----------------------------------------------


def test_a_fields_mask_keeps_only_what_it_selects_all_the_way_down(
    server: FakeGoogle, sheets: Any, sid: str
) -> None:
    tag_rows(server, sid)
    fields = (
        "sheets(properties/title,data(rowData/values/effectiveValue,"
        "rowMetadata/developerMetadata(metadataKey,metadataValue)))"
    )
    # Google ignores includeGridData when a mask is set: the mask asks for grid data here.
    reply = sheets.spreadsheets().get(spreadsheetId=sid, ranges=["Contacts"], fields=fields)
    (sheet,) = reply.execute()["sheets"]  # only the tab the range names
    assert sheet["properties"] == {"title": "Contacts"}
    (data,) = sheet["data"]
    assert set(data) == {"rowData", "rowMetadata"}
    first = data["rowData"][1]["values"][0]
    assert first == {"effectiveValue": {"stringValue": "Alice"}}
    assert data["rowMetadata"][1] == {
        "developerMetadata": [{"metadataKey": "rowid", "metadataValue": "r-a"}]
    }
    # A mask that leaves grid data out gets none, whatever includeGridData says.
    bare = sheets.spreadsheets().get(
        spreadsheetId=sid, includeGridData=True, fields="sheets/properties/title"
    )
    assert bare.execute() == {
        "sheets": [{"properties": {"title": "Contacts"}}, {"properties": {"title": "Lists"}}]
    }


def test_an_unbalanced_fields_mask_is_a_400(sheets: Any, sid: str) -> None:
    status, _ = rejection(sheets.spreadsheets().get(spreadsheetId=sid, fields="sheets(data"))
    assert status == 400
