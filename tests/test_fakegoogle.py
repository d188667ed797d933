"""Tests of the fakegoogle server through the real gspread and googleapiclient clients."""

from __future__ import annotations

import base64
import http.client
import io
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import google.oauth2.credentials
import gspread
import httplib2
import pytest
import requests
from fakegoogle import FakeGoogle, FakeGoogleInternalError, RequestInfo
from google.auth.credentials import AnonymousCredentials
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build
from googleapiclient.errors import HttpError
from googleapiclient.http import BatchHttpRequest, MediaIoBaseUpload
from gspread.http_client import ParamsType

ALL_DAY = {"start": {"date": "2024-05-01"}, "end": {"date": "2024-05-02"}}


@pytest.fixture
def server() -> Iterator[FakeGoogle]:
    with FakeGoogle(seed=7) as fake:
        yield fake


@pytest.fixture
def gc(server: FakeGoogle) -> gspread.Client:
    return server.gspread_client()


def plain_build(server: FakeGoogle, api: str, version: str) -> Any:
    """Way 2 of the package docstring: a plain httplib2.Http plus client_options."""
    anonymous = AnonymousCredentials()  # type: ignore[no-untyped-call]
    http = AuthorizedHttp(anonymous, http=httplib2.Http())
    return build(
        api,
        version,
        http=http,
        static_discovery=True,
        client_options={"api_endpoint": server.endpoint(api)},
    )


def make_mail(message_id: str, to: str = "dr.who@example.org") -> str:
    msg = EmailMessage()
    msg["From"] = "me@example.com"
    msg["To"] = to
    msg["Subject"] = "Referral introduction"
    msg["Message-ID"] = message_id
    msg.set_content("Hello, I would like to introduce myself.")
    return base64.urlsafe_b64encode(msg.as_bytes()).decode()


# ---- Sheets --------------------------------------------------------------------------------


def test_gspread_create_and_batch_get_bare_titles(server: FakeGoogle, gc: gspread.Client) -> None:
    sh = gc.create("Referral network")
    sh.sheet1.update_title("Contacts")
    sh.add_worksheet("My Tab", rows=10, cols=3)
    sh.values_batch_update(
        {
            "valueInputOption": "RAW",
            "data": [
                {"range": "Contacts!A1", "values": [["Name", "Email", ""], ["Ann", "a@x.org"]]},
                {"range": "'My Tab'!B2", "values": [["x"]]},
            ],
        }
    )

    got = sh.values_batch_get(
        ["Contacts", "'My Tab'", "Contacts!A:A", "Contacts!A1:Z"],
        params={"valueRenderOption": "UNFORMATTED_VALUE", "majorDimension": "ROWS"},
    )["valueRanges"]

    assert [vr["range"] for vr in got] == [
        "Contacts!A1:Z1000",
        "'My Tab'!A1:C10",
        "Contacts!A1:A1000",
        "Contacts!A1:Z1000",
    ]
    # Trailing empty cells are trimmed; a leading empty row stays as [].
    assert got[0]["values"] == [["Name", "Email"], ["Ann", "a@x.org"]]
    assert got[1]["values"] == [[], ["", "x"]]
    assert got[2]["values"] == [["Name"], ["Ann"]]
    assert server.sheet_rows(sh.id, "Contacts") == [["Name", "Email"], ["Ann", "a@x.org"]]


def test_raw_keeps_formula_text_and_user_entered_parses(
    server: FakeGoogle, gc: gspread.Client
) -> None:
    sid = server.create_spreadsheet("T", ["Contacts"])
    sh = gc.open_by_key(sid)
    sh.values_batch_update(
        {
            "valueInputOption": "RAW",
            "data": [{"range": "Contacts!A1:C1", "values": [["=1+1", "42", 7]]}],
        }
    )
    sh.values_batch_update(
        {
            "valueInputOption": "USER_ENTERED",
            "data": [{"range": "Contacts!A2", "values": [["=1+1", "42", "'42", "2024-01-05"]]}],
        }
    )

    def read(render: str) -> list[list[Any]]:
        params: ParamsType = {"valueRenderOption": render}
        return list(sh.values_batch_get(["Contacts"], params=params)["valueRanges"][0]["values"])

    assert read("UNFORMATTED_VALUE") == [["=1+1", "42", 7], [2, 42, "42", 45296]]
    assert read("FORMATTED_VALUE") == [["=1+1", "42", "7"], ["2", "42", "42", "2024-01-05"]]
    assert read("FORMULA")[1][0] == "=1+1"
    assert read("FORMULA")[0][0] == "=1+1"  # stored as text, not as a formula


def test_schema_rejection_gives_envelope_and_clients_raise(
    server: FakeGoogle, gc: gspread.Client
) -> None:
    sid = server.create_spreadsheet("T", ["Contacts"])
    sh = gc.open_by_key(sid)
    with pytest.raises(gspread.exceptions.APIError) as caught:
        sh.values_batch_update(
            {"valueInputOption": "RAW", "data": [{"range": "A1", "values": [[1]], "bogus": 1}]}
        )
    assert caught.value.code == 400
    error = caught.value.response.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert error["errors"][0]["reason"] == "invalid"
    assert 'Unknown name "bogus"' in error["message"]

    sheets = plain_build(server, "sheets", "v4")
    with pytest.raises(HttpError) as http_error:
        sheets.spreadsheets().values().batchUpdate(
            spreadsheetId=sid, body={"data": [{"range": "A1", "values": [[1]]}]}
        ).execute()
    assert http_error.value.status_code == 400
    assert "valueInputOption" in str(http_error.value.reason)
    with pytest.raises(HttpError) as enum_error:
        sheets.spreadsheets().values().batchUpdate(
            spreadsheetId=sid, body={"valueInputOption": "TYPED", "data": []}
        ).execute()
    assert enum_error.value.status_code == 400
    assert server.sheet_rows(sid, "Contacts") == []


def test_unknown_path_and_unknown_ids_are_404(server: FakeGoogle) -> None:
    response = requests.get(server.url + "/v9/nothing", timeout=5)
    assert response.status_code == 404
    assert response.json()["error"]["status"] == "NOT_FOUND"
    sheets = server.service("sheets")
    with pytest.raises(HttpError) as caught:
        sheets.spreadsheets().get(spreadsheetId="missing").execute()
    assert caught.value.status_code == 404
    assert caught.value.error_details[0]["reason"] == "notFound"


def test_spreadsheets_batch_update_kinds_and_atomicity(server: FakeGoogle) -> None:
    sid = server.create_spreadsheet("T", ["Contacts"])
    sheets = server.service("sheets")
    reply = (
        sheets.spreadsheets()
        .batchUpdate(
            spreadsheetId=sid,
            body={
                "requests": [
                    {"addSheet": {"properties": {"title": "Lists", "index": 0}}},
                    {
                        "updateSheetProperties": {
                            "properties": {"sheetId": 0, "gridProperties": {"frozenRowCount": 1}},
                            "fields": "gridProperties.frozenRowCount",
                        }
                    },
                    {
                        "setDataValidation": {
                            "range": {
                                "sheetId": 0,
                                "startRowIndex": 1,
                                "startColumnIndex": 2,
                                "endColumnIndex": 3,
                            },
                            "rule": {"condition": {"type": "BOOLEAN"}},
                        }
                    },
                    {
                        "addProtectedRange": {
                            "protectedRange": {"range": {"sheetId": 0}, "warningOnly": True}
                        }
                    },
                    {
                        "repeatCell": {
                            "range": {"sheetId": 0, "endRowIndex": 1},
                            "cell": {"userEnteredFormat": {"textFormat": {"bold": True}}},
                            "fields": "userEnteredFormat.textFormat.bold",
                        }
                    },
                    {
                        "addChart": {
                            "chart": {"spec": {"title": "Pipeline"}, "position": {"newSheet": True}}
                        }
                    },
                    {
                        "updateSpreadsheetProperties": {
                            "properties": {"title": "Renamed"},
                            "fields": "title",
                        }
                    },
                    {
                        "autoResizeDimensions": {
                            "dimensions": {"sheetId": 0, "dimension": "COLUMNS"}
                        }
                    },
                ]
            },
        )
        .execute()
    )
    assert reply["replies"][0]["addSheet"]["properties"]["title"] == "Lists"
    assert "protectedRangeId" in reply["replies"][3]["addProtectedRange"]["protectedRange"]
    assert "chartId" in reply["replies"][5]["addChart"]["chart"]
    assert reply["replies"][7] == {}

    meta = sheets.spreadsheets().get(spreadsheetId=sid).execute()
    assert meta["properties"]["title"] == "Renamed"
    assert [s["properties"]["title"] for s in meta["sheets"]] == ["Lists", "Contacts"]
    contacts = meta["sheets"][1]
    assert contacts["properties"]["index"] == 1
    assert contacts["properties"]["gridProperties"]["frozenRowCount"] == 1
    assert contacts["protectedRanges"][0]["warningOnly"] is True
    state = server.spreadsheet(sid)
    assert state.by_title("Contacts").validation_at(5, 2) == {"condition": {"type": "BOOLEAN"}}
    assert state.by_title("Contacts").validation_at(0, 2) is None
    assert len(state.requests_of("autoResizeDimensions")) == 1

    # One bad request (unknown sheet id) undoes the whole batch.
    with pytest.raises(HttpError) as caught:
        sheets.spreadsheets().batchUpdate(
            spreadsheetId=sid,
            body={
                "requests": [
                    {"addSheet": {"properties": {"title": "Never"}}},
                    {"deleteSheet": {"sheetId": 424242}},
                ]
            },
        ).execute()
    assert caught.value.status_code == 400
    assert "requests[1].deleteSheet" in str(caught.value.reason)
    assert server.spreadsheet(sid).titles() == ["Lists", "Contacts"]


# ---- Calendar ------------------------------------------------------------------------------


def test_calendar_custom_id_duplicate_and_bad_id(server: FakeGoogle) -> None:
    cal = plain_build(server, "calendar", "v3")
    event = (
        cal.events()
        .insert(
            calendarId="primary", body={"id": "contact00042", "summary": "Follow up", **ALL_DAY}
        )
        .execute()
    )
    assert event["id"] == "contact00042"
    assert event["status"] == "confirmed"
    assert event["etag"].startswith('"')

    with pytest.raises(HttpError) as dup:
        cal.events().insert(calendarId="primary", body={"id": "contact00042", **ALL_DAY}).execute()
    assert dup.value.status_code == 409
    assert dup.value.error_details[0]["reason"] == "duplicate"
    assert dup.value.reason == "The requested identifier already exists."

    for bad in ("UPPER12345", "abc", "has_underscore", "wxyz12345"):  # w-z are not base32hex
        with pytest.raises(HttpError) as invalid:
            cal.events().insert(calendarId="primary", body={"id": bad, **ALL_DAY}).execute()
        assert invalid.value.status_code == 400
        assert invalid.value.error_details[0]["reason"] == "invalid"

    # A deleted event keeps its id taken, as on Google.
    cal.events().delete(calendarId="primary", eventId="contact00042").execute()
    with pytest.raises(HttpError) as again:
        cal.events().insert(calendarId="primary", body={"id": "contact00042", **ALL_DAY}).execute()
    assert again.value.status_code == 409
    gone = cal.events().get(calendarId="primary", eventId="contact00042").execute()
    assert gone["status"] == "cancelled"

    with pytest.raises(HttpError) as missing_end:
        cal.events().insert(calendarId="primary", body={"start": {"date": "2024-05-01"}}).execute()
    assert missing_end.value.status_code == 400
    assert missing_end.value.reason == "Missing end time."


def test_calendar_list_by_private_property_paging_and_deleted(server: FakeGoogle) -> None:
    cal = plain_build(server, "calendar", "v3")
    for i in range(5):
        body = {
            "summary": f"event {i}",
            "extendedProperties": {"private": {"sheetsync": "1", "row": f"r{i % 2}"}},
            **ALL_DAY,
        }
        cal.events().insert(calendarId="primary", body=body).execute()
    cal.events().insert(calendarId="primary", body={"summary": "unrelated", **ALL_DAY}).execute()

    found = (
        cal.events()
        .list(calendarId="primary", privateExtendedProperty=["sheetsync=1", "row=r0"])
        .execute()
    )
    assert [e["summary"] for e in found["items"]] == ["event 0", "event 2", "event 4"]

    pages = []
    request = cal.events().list(
        calendarId="primary", privateExtendedProperty="sheetsync=1", maxResults=2
    )
    while request is not None:
        page = request.execute()
        pages.append([e["summary"] for e in page["items"]])
        request = cal.events().list_next(request, page)
    assert pages == [["event 0", "event 1"], ["event 2", "event 3"], ["event 4"]]
    assert "nextSyncToken" in page

    first_id = found["items"][0]["id"]
    cal.events().delete(calendarId="primary", eventId=first_id).execute()
    visible = cal.events().list(calendarId="primary", privateExtendedProperty="row=r0").execute()
    assert len(visible["items"]) == 2
    with_deleted = (
        cal.events()
        .list(calendarId="primary", privateExtendedProperty="row=r0", showDeleted=True)
        .execute()
    )
    assert [e["status"] for e in with_deleted["items"]] == ["cancelled", "confirmed", "confirmed"]

    window = (
        cal.events()
        .list(calendarId="primary", timeMin="2024-05-01T12:00:00Z", timeMax="2024-05-01T13:00:00Z")
        .execute()
    )
    assert len(window["items"]) == 5
    empty = cal.events().list(calendarId="primary", timeMin="2024-06-01T00:00:00Z").execute()
    assert empty["items"] == []


def test_calendar_patch_bumps_sequence_updated_and_etag() -> None:
    moments = iter(datetime(2024, 1, 1, tzinfo=UTC) + timedelta(minutes=i) for i in range(100))
    with FakeGoogle(clock=lambda: next(moments)) as fake:
        cal = fake.service("calendar")
        created = (
            cal.events()
            .insert(
                calendarId="primary",
                body={"id": "evt0000001", "extendedProperties": {"private": {"a": "1"}}, **ALL_DAY},
            )
            .execute()
        )
        patched = (
            cal.events()
            .patch(
                calendarId="primary",
                eventId="evt0000001",
                body={
                    "summary": "Coffee",
                    "extendedProperties": {"private": {"b": "2"}},
                    "start": {"dateTime": "2024-05-01T10:00:00+02:00"},
                    "end": {"dateTime": "2024-05-01T11:00:00+02:00"},
                },
            )
            .execute()
        )
    assert patched["sequence"] == created["sequence"] + 1
    assert patched["updated"] > created["updated"]
    assert patched["etag"] != created["etag"]
    assert patched["extendedProperties"]["private"] == {"a": "1", "b": "2"}
    assert patched["start"] == {"dateTime": "2024-05-01T10:00:00+02:00"}


def test_calendar_batch_of_three_inserts_is_one_round_trip(server: FakeGoogle) -> None:
    cal = plain_build(server, "calendar", "v3")
    results: dict[str, Any] = {}

    def collect(request_id: str, response: Any, exception: Exception | None) -> None:
        results[request_id] = exception or response["id"]

    batch = BatchHttpRequest(callback=collect, batch_uri=server.batch_uri("calendar"))
    for i in range(3):
        body = {"id": f"batch{i}0000", **ALL_DAY}
        batch.add(cal.events().insert(calendarId="primary", body=body), request_id=f"row{i}")
    batch.execute()

    assert results == {"row0": "batch00000", "row1": "batch10000", "row2": "batch20000"}
    assert server.http_round_trips("calendar") == 1
    assert server.count("calendar") == 3
    assert server.count("batch-calendar") == 1
    inner = server.requests("calendar", inner=True)
    assert [r.method_id for r in inner] == ["calendar.events.insert"] * 3

    # Way 1: with host rewriting, the discovery-derived batch URI works unchanged, and an
    # inner error comes back per part.
    rewired = server.service("calendar")
    second: dict[str, Any] = {}
    batch2 = rewired.new_batch_http_request(
        callback=lambda rid, resp, exc: second.__setitem__(rid, exc or resp)
    )
    batch2.add(rewired.events().get(calendarId="primary", eventId="batch00000"))
    batch2.add(rewired.events().insert(calendarId="primary", body={"id": "batch00000", **ALL_DAY}))
    batch2.execute()
    assert second["1"]["id"] == "batch00000"
    assert isinstance(second["2"], HttpError) and second["2"].status_code == 409
    assert server.http_round_trips("calendar") == 2


# ---- Gmail ---------------------------------------------------------------------------------


def test_gmail_draft_create_and_find_by_rfc822msgid(server: FakeGoogle) -> None:
    gmail = plain_build(server, "gmail", "v1")
    draft = (
        gmail.users()
        .drafts()
        .create(userId="me", body={"message": {"raw": make_mail("<intro-1@sheetsync>")}})
        .execute()
    )
    assert draft["message"]["labelIds"] == ["DRAFT"]
    gmail.users().drafts().create(
        userId="me", body={"message": {"raw": make_mail("<intro-2@sheetsync>")}}
    ).execute()

    for query in ("rfc822msgid:intro-1@sheetsync", "rfc822msgid:<intro-1@sheetsync>"):
        listed = gmail.users().drafts().list(userId="me", q=query).execute()
        assert [d["id"] for d in listed["drafts"]] == [draft["id"]]
    assert "drafts" not in gmail.users().drafts().list(userId="me", q="rfc822msgid:x@y").execute()

    full = gmail.users().drafts().get(userId="me", id=draft["id"], format="full").execute()
    headers = {h["name"]: h["value"] for h in full["message"]["payload"]["headers"]}
    assert headers["Message-ID"] == "<intro-1@sheetsync>"
    raw = gmail.users().drafts().get(userId="me", id=draft["id"], format="raw").execute()
    assert b"intro-1@sheetsync" in base64.urlsafe_b64decode(raw["message"]["raw"])

    # The media-upload form (media_body) needs host rewriting: see the package docstring.
    rewired = server.service("gmail")
    msg = EmailMessage()
    msg["Message-ID"] = "<intro-3@sheetsync>"
    msg.set_content("uploaded")
    upload = MediaIoBaseUpload(io.BytesIO(msg.as_bytes()), mimetype="message/rfc822")
    uploaded = rewired.users().drafts().create(userId="me", body={}, media_body=upload).execute()
    found = gmail.users().drafts().list(userId="me", q="rfc822msgid:intro-3@sheetsync").execute()
    assert found["drafts"][0]["id"] == uploaded["id"]

    gmail.users().drafts().delete(userId="me", id=uploaded["id"]).execute()
    with pytest.raises(HttpError) as caught:
        gmail.users().drafts().get(userId="me", id=uploaded["id"]).execute()
    assert caught.value.status_code == 404


def test_gmail_send_simulation_then_messages_list_finds_it(server: FakeGoogle) -> None:
    gmail = server.service("gmail")
    draft = (
        gmail.users()
        .drafts()
        .create(userId="me", body={"message": {"raw": make_mail("<intro-9@sheetsync>")}})
        .execute()
    )
    sent_query = "rfc822msgid:intro-9@sheetsync in:sent"
    assert "messages" not in gmail.users().messages().list(userId="me", q=sent_query).execute()

    message_id = server.gmail_send_draft(draft["id"])

    listed = gmail.users().messages().list(userId="me", q=sent_query).execute()
    assert [m["id"] for m in listed["messages"]] == [message_id]
    assert gmail.users().messages().list(userId="me", q="label:SENT").execute()["messages"]
    assert "drafts" not in gmail.users().drafts().list(userId="me").execute()
    got = gmail.users().messages().get(userId="me", id=message_id, format="metadata").execute()
    assert got["labelIds"] == ["SENT"]


# ---- faults, crashes, log, hooks -----------------------------------------------------------


def test_fault_injection_client_sees_503_and_connection_errors(
    server: FakeGoogle, gc: gspread.Client
) -> None:
    sid = server.create_spreadsheet("T", ["Contacts"])
    sh = gc.open_by_key(sid)
    cal = server.service("calendar")

    server.fail_next(1, 503, apis={"calendar"})
    with pytest.raises(HttpError) as caught:
        cal.events().insert(calendarId="primary", body={"id": "fault00001", **ALL_DAY}).execute()
    assert caught.value.status_code == 503
    assert server.calendar_events() == []  # the faulted request changed nothing

    server.fail_next(1, 403, reason="userRateLimitExceeded")
    with pytest.raises(gspread.exceptions.APIError) as rate:
        sh.values_batch_get(["Contacts"])
    assert rate.value.code == 403
    assert rate.value.response.json()["error"]["errors"][0]["domain"] == "usageLimits"

    server.fail_next(1, drop=True, apis={"sheets"})
    with pytest.raises(requests.exceptions.ConnectionError):
        sh.values_batch_get(["Contacts"])

    # httplib2 replays once after a dropped connection, so it takes two drops to surface.
    server.fail_next(2, drop=True, apis={"calendar"})
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        cal.events().list(calendarId="primary").execute()

    # Dropped after the effect: the event exists although the client saw an error, and
    # httplib2's replay then meets the duplicate id.
    server.fail_next(1, after=True, apis={"calendar"})
    with pytest.raises(HttpError) as replayed:
        cal.events().insert(calendarId="primary", body={"id": "fault00002", **ALL_DAY}).execute()
    assert replayed.value.status_code == 409
    assert [e["id"] for e in server.calendar_events()] == ["fault00002"]


def test_seeded_random_faults_are_reproducible() -> None:
    def run(seed: int) -> list[tuple[int, str]]:
        with FakeGoogle(seed=seed) as fake:
            fake.set_fault_rate(0.4, seed=seed, apis={"sheets"})
            sid = fake.create_spreadsheet("T", ["Contacts"])
            session = requests.Session()
            for _ in range(25):
                try:
                    session.get(f"{fake.url}/v4/spreadsheets/{sid}", timeout=5)
                except requests.exceptions.ConnectionError:
                    session = requests.Session()
            return [(f.seq, f.fault) for f in fake.injected_faults]

    first = run(11)
    assert first == run(11)
    assert first != run(12)
    assert 3 < len(first) < 20


def test_crash_after_k_requests(server: FakeGoogle) -> None:
    cal = server.service("calendar")
    server.crash_after(2, apis={"calendar"}, lose_last_response=True)
    cal.events().insert(calendarId="primary", body={"id": "crash00001", **ALL_DAY}).execute()
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        cal.events().insert(calendarId="primary", body={"id": "crash00002", **ALL_DAY}).execute()
    assert server.crashed
    # The second insert took effect even though its response was lost.
    assert [e["id"] for e in server.calendar_events()] == ["crash00001", "crash00002"]

    server.clear_faults()
    retry = cal.events().insert(calendarId="primary", body={"id": "crash00002", **ALL_DAY})
    with pytest.raises(HttpError) as caught:
        retry.execute()
    assert caught.value.status_code == 409


def test_dropped_inner_request_loses_the_whole_batch_response(server: FakeGoogle) -> None:
    cal = server.service("calendar")
    batch = cal.new_batch_http_request()
    for i in range(3):
        batch.add(
            cal.events().insert(calendarId="primary", body={"id": f"inner{i}0000", **ALL_DAY})
        )
    # The crash hits inner #2 after #1 took effect; httplib2's replay of the batch then
    # meets the crashed server too.
    server.crash_after(1, apis={"calendar"})
    with pytest.raises((http.client.HTTPException, ConnectionError)):
        batch.execute()
    assert [e["id"] for e in server.calendar_events()] == ["inner00000"]
    envelopes = server.requests("batch-calendar")
    assert envelopes and all(e.dropped for e in envelopes)


def test_request_log_counts_and_auth_flag(server: FakeGoogle, gc: gspread.Client) -> None:
    sid = server.create_spreadsheet("T", ["Contacts"])
    sh = gc.open_by_key(sid)
    sh.values_batch_get(["Contacts"])
    sh.values_batch_update(
        {"valueInputOption": "RAW", "data": [{"range": "Contacts!A1", "values": [["x"]]}]}
    )
    cal = server.service("calendar")
    cal.events().insert(calendarId="primary", body=ALL_DAY).execute()
    cal.events().list(calendarId="primary").execute()

    assert server.count("sheets") == 3  # open_by_key's metadata get, batchGet, batchUpdate
    assert server.count("sheets", writes_only=True) == 1
    assert server.count("sheets", method_id="values.batchGet") == 1
    assert server.count("calendar", writes_only=True) == 1
    assert server.http_round_trips("calendar") == 2
    assert not any(r.authorized for r in server.requests())

    token = google.oauth2.credentials.Credentials(token="fake-token")  # type: ignore[no-untyped-call]
    authed = build(
        "calendar",
        "v3",
        static_discovery=True,
        http=AuthorizedHttp(token, http=httplib2.Http()),
        client_options={"api_endpoint": server.endpoint("calendar")},
    )
    authed.events().list(calendarId="primary").execute()
    assert server.requests("calendar")[-1].authorized

    server.reset_log()
    assert server.requests() == []


def test_hook_reorders_rows_before_next_batch_update(
    server: FakeGoogle, gc: gspread.Client
) -> None:
    sid = server.create_spreadsheet("T", ["Contacts"])
    server.set_sheet_rows(
        sid, "Contacts", [["Name", "Status"], ["Carol", ""], ["Alice", ""], ["Bob", ""]]
    )
    sh = gc.open_by_key(sid)
    rows = sh.values_batch_get(["Contacts"])["valueRanges"][0]["values"]
    carol_row = next(i for i, r in enumerate(rows) if r[0] == "Carol") + 1

    seen: list[RequestInfo] = []

    def person_sorts_sheet(info: RequestInfo) -> None:
        seen.append(info)
        server.sort_rows(sid, "Contacts", key=0)

    hook = server.before_next("values.batchUpdate", person_sorts_sheet)
    sh.values_batch_get(["Contacts"])  # not a batchUpdate: the hook waits
    assert hook.fired == 0
    sh.values_batch_update(
        {
            "valueInputOption": "RAW",
            "data": [{"range": f"Contacts!B{carol_row}", "values": [["emailed"]]}],
        }
    )
    assert hook.fired == 1
    assert seen[0].method_id == "sheets.spreadsheets.values.batchUpdate"
    # The write by stale row number landed on whoever sorted into Carol's old row.
    assert server.sheet_rows(sid, "Contacts") == [
        ["Name", "Status"],
        ["Alice", "emailed"],
        ["Bob"],
        ["Carol"],
    ]

    server.insert_row(sid, "Contacts", 1, ["Dana", "new"])
    server.delete_row(sid, "Contacts", 3)
    server.move_row(sid, "Contacts", 3, 1)
    assert [r[0] for r in server.sheet_rows(sid, "Contacts")] == ["Name", "Carol", "Dana", "Alice"]

    calls: list[str] = []
    every: Callable[[RequestInfo], None] = lambda info: calls.append(info.api)  # noqa: E731
    server.on_request(every)
    sh.values_batch_get(["Contacts"])
    assert calls == ["sheets"]


def test_hook_failure_is_a_500_and_fails_the_server_context() -> None:
    def broken(info: RequestInfo) -> None:
        raise RuntimeError("hook bug")

    with pytest.raises(FakeGoogleInternalError, match="hook bug"), FakeGoogle() as fake:
        fake.before_next("sheets", broken)
        response = requests.get(f"{fake.url}/v4/spreadsheets/any", timeout=5)
        assert response.status_code == 500
        assert response.json()["error"]["errors"][0]["reason"] == "backendError"
