"""The Google adapters against the fake Google server: request counts, RAW writes, batching,
Calendar's insert/409/patch/cancel, Gmail's look-up before create, and the retry policy.
"""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
from fakegoogle import FakeGoogle, Fault
from google.auth.credentials import Credentials
from googlekit import FAST, NOW, clients, demo_sheet, template_sheet

from sheet_template import TEMPLATE
from sheetsync.adapters.google.calendar import GoogleCalendar, sheet_tag
from sheetsync.adapters.google.clients import batch_uri, build_clients
from sheetsync.adapters.google.gmail import GmailMailbox
from sheetsync.adapters.google.http import is_transient, retry_policy
from sheetsync.adapters.google.sheet_view import GRID_FIELDS
from sheetsync.adapters.google.sheets import GoogleSheetStore
from sheetsync.core.plan import Attachment, CellWrite, DraftSpec, EventSpec, SheetChanges
from sheetsync.core.summary import LAYOUT_MARK, LAYOUT_MARK_CELL
from sheetsync.core.table import RowRef, Snapshot, column_map, row_refs
from sheetsync.entrypoints.demo import FLYER_PDF
from sheetsync.errors import BackendError

DAY = date(2026, 12, 10)
#: A 403 that is not a rate limit (the fake's status shortcut makes every 403 a rate limit).
FORBIDDEN = Fault("403", 403, "forbidden", "global", "The caller does not have permission")
NO_SCOPE = Fault("403-scope", 403, "insufficientPermissions", "global", "Insufficient Permission")


def fault(status: int, reason: str) -> Fault | int:
    return FORBIDDEN if (status, reason) == (403, "forbidden") else status


@pytest.fixture
def server():
    with FakeGoogle(seed=7) as fake:
        yield fake


# -- Sheets ---------------------------------------------------------------------------------


def sheet_store(server: FakeGoogle, spreadsheet_id: str) -> GoogleSheetStore:
    gc, _, _ = clients(server)
    return GoogleSheetStore(gc, spreadsheet_id, FAST)


def contact_refs(snapshot: Snapshot) -> list[RowRef]:
    table = snapshot.table("Contacts")
    tab = TEMPLATE.tab("Contacts")
    return [r for r in row_refs(table, tab, column_map(table, tab)) if r is not None]


def test_read_is_one_grid_get_of_every_tab_with_serial_dates(server):
    sid = demo_sheet(server)
    server.reset_log()
    store = sheet_store(server, sid)
    snapshot = store.read()
    (request,) = server.requests("sheets")
    assert request.method_id == "sheets.spreadsheets.get"
    assert request.query["ranges"] == [f"'{tab.name}'" for tab in TEMPLATE.tabs]
    # Values and row metadata only: no formats, no formatted text.
    assert request.query["fields"] == [GRID_FIELDS]
    assert "userEnteredFormat" not in GRID_FIELDS and "formattedValue" not in GRID_FIELDS
    assert set(snapshot.tables) == {tab.name for tab in TEMPLATE.tabs}
    contacts = snapshot.table("Contacts")
    assert contacts.header[1] == "Name"
    # Dates typed by a person come back as serial day numbers.
    assert any(isinstance(v, int | float) and v > 40000 for row in contacts.rows for v in row)
    assert store.request_counts() == {"sheets": 1}
    assert store.namespace == sid


def test_the_grid_read_gives_what_a_values_read_gives(server):
    """The same cells as values.batchGet with UNFORMATTED_VALUE and SERIAL_NUMBER dates, so
    rows read either way have the same fingerprints."""
    sid = demo_sheet(server)
    snapshot = sheet_store(server, sid).read()
    gc, _, _ = clients(server)
    names = [tab.name for tab in TEMPLATE.tabs]
    reply = gc.http_client.values_batch_get(
        sid,
        names,
        params={"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER"},
    )
    for name, value_range in zip(names, reply["valueRanges"], strict=True):
        rows = value_range.get("values", [])
        table = snapshot.table(name)
        got = [list(table.header), *(list(r) for r in table.rows)]
        trimmed = [[None if v == "" else v for v in r] for r in rows]
        assert [_trim(r) for r in got] == [_trim(r) for r in trimmed], name


def _trim(row):
    row = list(row)
    while row and row[-1] is None:
        row.pop()
    return row


def test_first_write_anchors_the_rows_and_writes_through_the_anchors_raw(server):
    sid = demo_sheet(server)
    store = sheet_store(server, sid)
    snapshot = store.read()
    first, second = contact_refs(snapshot)[:2]
    server.reset_log()
    changes = SheetChanges(
        cells=[
            CellWrite(first, "row_id", "C0001"),
            CellWrite(first, "sync_status", "=1+1"),
            CellWrite(first, "next_follow_up", DAY),
            CellWrite(second, "row_id", "C0002"),
        ],
        summary=[["Summary title"], ["Goal", 1]],
    )
    report = store.write(snapshot, changes)
    # No row had an anchor: one batchUpdate anchors them, one write goes through them.
    assert [r.method_id for r in server.requests("sheets")] == [
        "sheets.spreadsheets.batchUpdate",
        "sheets.spreadsheets.values.batchUpdateByDataFilter",
    ]
    body = server.requests("sheets")[1].body
    assert body["valueInputOption"] == "RAW" and body["includeValuesInResponse"] is True
    rows_written = [d for d in body["data"] if "developerMetadataLookup" in d["dataFilter"]]
    assert len(rows_written) == 2
    assert report.cells_written == 4 and report.summary_written
    rows = server.sheet_rows(sid, "Contacts")
    header = rows[0]
    assert rows[first.row_number - 1][header.index("Sync status")] == "=1+1"
    assert rows[first.row_number - 1][header.index("Next follow-up")] == "2026-12-10"
    assert rows[second.row_number - 1][header.index("Row ID")] == "C0002"
    assert server.sheet_rows(sid, "Summary") == [["Summary title"], ["Goal", 1]]
    # Every row of every Row ID tab now carries its anchor; a row with no Row ID yet (no
    # write gives it one here) carries none.
    anchored = server.row_metadata(sid, "Contacts")
    ids = {i: row[header.index("Row ID")] for i, row in enumerate(rows) if i}
    assert {i for i, v in ids.items() if v} == set(anchored)
    assert all(tags == [("r", None)] for tags in anchored.values())


def test_each_row_is_one_entry_from_column_a_with_nulls_for_cells_not_written(server):
    sid = demo_sheet(server)
    store = sheet_store(server, sid)
    snapshot = store.read()
    ref = contact_refs(snapshot)[0]
    header = list(snapshot.table("Contacts").header)
    store.write(snapshot, SheetChanges(cells=[CellWrite(ref, "row_id", "C0001")]))
    snapshot = store.read()
    ref = contact_refs(snapshot)[0]
    user_before = server.sheet_rows(sid, "Contacts")[ref.row_number - 1]
    server.reset_log()
    store.write(snapshot, SheetChanges(cells=[CellWrite(ref, "sync_status", "OK")]))
    body = server.requests("sheets", inner=None)[-1].body
    (entry,) = [d for d in body["data"] if "developerMetadataLookup" in d["dataFilter"]]
    (values,) = entry["values"]
    status = header.index("Sync status")
    assert values == [None] * status + ["OK"]
    row = server.sheet_rows(sid, "Contacts")[ref.row_number - 1]
    # Rows come back trimmed: the row before ended short of the Sync status column.
    before = user_before + [""] * (len(row) - len(user_before))
    assert row[status] == "OK"
    assert [v for i, v in enumerate(row) if i != status] == [
        v for i, v in enumerate(before) if i != status
    ]


def test_summary_is_padded_so_old_content_is_cleared(server):
    sid = template_sheet(server)
    store = sheet_store(server, sid)
    store.write(store.read(), SheetChanges(summary=[["a", "b", "c"], ["d"], ["e"], ["f", "g"]]))
    store.write(store.read(), SheetChanges(summary=[["new"]]))
    assert server.sheet_rows(sid, "Summary") == [["new"]]


def test_summary_only_write_is_one_request_sized_by_the_snapshot_it_is_given(server):
    sid = template_sheet(server)
    store = sheet_store(server, sid)
    # The first row carries the layout mark, as every Summary grid does: no dress is due.
    first = ["a", "b", "c", *[""] * (LAYOUT_MARK_CELL[1] - 3), LAYOUT_MARK]
    store.write(store.read(), SheetChanges(summary=[first, ["d"], ["e"], ["f", "g"]]))
    snapshot = store.read()
    # Another store, which never read: all it knows of the Sheet is the snapshot it is given.
    writer = sheet_store(server, sid)
    server.reset_log()
    report = writer.write(snapshot, SheetChanges(summary=[["new"]]))
    # No cell to find again: the Summary is sync-owned and its size is known from the snapshot.
    assert [r.method_id for r in server.requests("sheets")] == [
        "sheets.spreadsheets.values.batchUpdateByDataFilter"
    ]
    assert report.summary_written and report.cells_written == 0
    assert server.sheet_rows(sid, "Summary") == [["new"]]


def test_a_snapshot_without_the_summary_makes_the_write_read_it_again(server):
    sid = template_sheet(server)
    store = sheet_store(server, sid)
    store.write(store.read(), SheetChanges(summary=[["a", "b", "c"], ["d"], ["e"], ["f", "g"]]))
    store.read()  # what this store read earlier is not used: only the snapshot given
    server.reset_log()
    store.write(Snapshot({}), SheetChanges(summary=[["new"]]))
    assert [r.method_id for r in server.requests("sheets")] == [
        "sheets.spreadsheets.get",
        "sheets.spreadsheets.values.batchUpdateByDataFilter",
    ]
    assert server.sheet_rows(sid, "Summary") == [["new"]]


def test_sheets_request_count_does_not_grow_with_the_sheet(server):
    sid = template_sheet(server)
    gc, _, _ = clients(server)
    rows = [[f"C{n:04d}", f"Person {n}", "", "", "", "", "GP / PCP"] for n in range(1, 401)]
    gc.http_client.values_batch_update(
        sid, body={"valueInputOption": "RAW", "data": [{"range": "Contacts!A2", "values": rows}]}
    )
    # A Summary grid as every sync writes it, with the layout mark: no dress is due.
    summary = [["s", *[""] * (LAYOUT_MARK_CELL[1] - 1), LAYOUT_MARK]]
    store = sheet_store(server, sid)
    snapshot = store.read()
    writes = [CellWrite(ref, "sync_status", "OK") for ref in contact_refs(snapshot)]
    store.write(snapshot, SheetChanges(cells=writes, summary=summary))
    # Read, the batchUpdate anchoring all 400 rows, the write through them.
    assert store.request_counts() == {"sheets": 3}
    # Anchored now: the next sync reads and writes, nothing else.
    again = sheet_store(server, sid)
    snapshot = again.read()
    writes = [CellWrite(ref, "sync_status", "Done") for ref in contact_refs(snapshot)]
    report = again.write(snapshot, SheetChanges(cells=writes, summary=summary))
    assert again.request_counts() == {"sheets": 2}
    assert report.cells_written == 400


def test_missing_tab_is_a_template_error_naming_it(server):
    sid = server.create_spreadsheet(
        "Bare", [tab.name for tab in TEMPLATE.tabs if tab.name != "Log"]
    )
    snapshot = sheet_store(server, sid).read()
    assert "Log" not in snapshot.tables
    with pytest.raises(Exception, match="no tab named 'Log'"):
        snapshot.table("Log")


@pytest.mark.parametrize(
    ("status", "reason"),
    [
        (429, None),
        (503, None),
        (500, None),
        (403, "rateLimitExceeded"),
        (403, "userRateLimitExceeded"),
    ],
)
def test_sheets_read_retries_transient_errors(server, status, reason):
    sid = template_sheet(server)
    server.reset_log()
    server.fail_next(2, status, reason=reason, apis={"sheets"})
    store = sheet_store(server, sid)
    assert "Contacts" in store.read().tables
    assert len(server.requests("sheets")) == 3
    assert store.request_counts() == {"sheets": 3}


def test_sheets_retries_a_dropped_connection(server):
    sid = template_sheet(server)
    server.reset_log()
    server.fail_next(1, drop=True, apis={"sheets"})
    assert "Contacts" in sheet_store(server, sid).read().tables
    assert [r.dropped for r in server.requests("sheets")] == [True, False]


@pytest.mark.parametrize(
    ("status", "reason", "requests"),
    # A 400 on the read makes one metadata request to see whether a tab is missing.
    [(400, "badRequest", 2), (404, "notFound", 1), (403, "forbidden", 1)],
)
def test_sheets_permanent_errors_are_not_retried(server, status, reason, requests):
    sid = template_sheet(server)
    server.reset_log()
    server.fail_next(1, fault(status, reason), reason=reason, apis={"sheets"})
    store = sheet_store(server, sid)
    with pytest.raises(BackendError) as caught:
        store.read()
    assert caught.value.code == status
    assert str(caught.value).startswith(f"Reading the Sheet failed: HTTP {status} {reason}")
    assert len(server.requests("sheets")) == requests


def test_sheets_gives_up_after_the_deadline(server):
    sid = template_sheet(server)
    server.fail_next(1000, 503, apis={"sheets"})
    gc, _, _ = clients(server)
    store = GoogleSheetStore(gc, sid, retry_policy(initial=0.001, maximum=0.002, deadline=0.2))
    with pytest.raises(BackendError) as caught:
        store.read()
    assert caught.value.code == 503
    assert "still failing after retries" in str(caught.value)


# -- Calendar -------------------------------------------------------------------------------


def event(n: int, day: date = DAY, title: str = "Nurture", cancelled: bool = False) -> EventSpec:
    event_id = f"{n:032d}".replace("0", "a")[:32]
    return EventSpec(
        event_id,
        "nurture",
        "primary",
        day,
        f"{title} {n}",
        "Share an article",
        (),
        cancelled=cancelled,
    )


def calendar(server: FakeGoogle, retry=FAST) -> GoogleCalendar:
    _, service, _ = clients(server)
    return GoogleCalendar(service, "sheet-1", batch_uri("calendar", server.url), retry)


def test_calendar_inserts_all_day_tagged_events_with_our_ids(server):
    cal = calendar(server)
    outcomes = cal.apply([event(1), event(2)])
    assert [o.action for o in outcomes] == ["created", "created"]
    stored = {e["id"]: e for e in server.calendar_events()}
    created = stored[event(1).event_id]
    assert created["start"] == {"date": "2026-12-10"}
    assert created["end"] == {"date": "2026-12-11"}
    assert created["extendedProperties"]["private"] == {
        "sheetsync": "1",
        "purpose": "nurture",
        "sheet": sheet_tag("sheet-1"),
    }
    assert "sheet-1" not in str(created)
    assert cal.request_counts() == {"calendar": 1, "calendar_writes": 2}
    assert all(not r.authorized for r in server.requests())


def test_calendar_409_gets_and_patches_only_what_changed(server):
    calendar(server).apply([event(1), event(2), event(3)])
    server.reset_log()
    cal = calendar(server)
    wanted = [event(1), event(2, day=DAY + timedelta(days=3)), event(3, title="Coffee")]
    outcomes = cal.apply(wanted)
    assert [o.action for o in outcomes] == ["unchanged", "moved", "updated"]
    stored = {e["id"]: e for e in server.calendar_events()}
    assert stored[event(2).event_id]["start"] == {"date": "2026-12-13"}
    assert stored[event(3).event_id]["summary"] == "Coffee 3"
    # insert batch (3 x 409), get batch, patch batch
    assert server.http_round_trips("calendar") == 3
    assert server.count("calendar", method_id="events.patch") == 2
    assert len(server.calendar_events()) == 3


def test_calendar_restores_an_event_a_person_deleted(server):
    calendar(server).apply([event(1)])
    server.calendar_delete_event("primary", event(1).event_id)
    (outcome,) = calendar(server).apply([event(1)])
    assert outcome.action == "updated"
    (stored,) = server.calendar_events()
    assert stored["status"] == "confirmed"


def test_calendar_cancels_and_reports_absent_events(server):
    calendar(server).apply([event(1)])
    outcomes = calendar(server).apply([event(1, cancelled=True), event(2, cancelled=True)])
    assert [o.action for o in outcomes] == ["cancelled", "absent"]
    assert server.calendar_events() == []
    assert server.calendar_events(include_deleted=True)[0]["status"] == "cancelled"


def test_calendar_batches_carry_at_most_50_calls(server):
    server.reset_log()
    cal = calendar(server)
    outcomes = cal.apply([event(n) for n in range(120)])
    assert {o.action for o in outcomes} == {"created"}
    assert server.http_round_trips("calendar") == 3
    envelopes = server.requests("batch-calendar")
    assert len(envelopes) == 3
    inner = server.requests("calendar", inner=True)
    assert len(inner) == 120
    assert cal.request_counts() == {"calendar": 3, "calendar_writes": 120}


@pytest.mark.parametrize(
    ("status", "reason"),
    [(429, None), (503, None), (403, "rateLimitExceeded"), (403, "userRateLimitExceeded")],
)
def test_calendar_retries_failed_batch_items_one_by_one(server, status, reason):
    server.fail_next(2, status, reason=reason, apis={"calendar"}, include_batch_envelopes=False)
    cal = calendar(server)
    outcomes = cal.apply([event(n) for n in range(5)])
    assert {o.action for o in outcomes} == {"created"}
    assert len(server.calendar_events()) == 5
    # one batch, then each of the two failed calls alone
    assert server.http_round_trips("calendar") == 3
    assert len(server.requests("batch-calendar")) == 1


def test_calendar_retries_a_whole_batch_that_failed(server):
    server.fail_next(1, 503, apis={"calendar"})  # the envelope itself
    outcomes = calendar(server).apply([event(n) for n in range(3)])
    assert {o.action for o in outcomes} == {"created"}
    assert len(server.requests("batch-calendar")) == 2


def test_calendar_survives_dropped_connections(server):
    # httplib2 re-sends once by itself, so two drops reach our retry policy.
    server.fail_next(2, drop=True, apis={"calendar"})
    outcomes = calendar(server).apply([event(n) for n in range(3)])
    assert {o.action for o in outcomes} == {"created"}
    assert len(server.calendar_events()) == 3


def test_calendar_lost_reply_after_insert_makes_no_duplicate(server):
    server.fail_next(2, after=True, apis={"calendar"})
    outcomes = calendar(server).apply([event(n) for n in range(3)])
    assert all(o.action in ("created", "unchanged") for o in outcomes)
    assert len(server.calendar_events()) == 3


@pytest.mark.parametrize(
    ("status", "reason"), [(400, "invalid"), (404, "notFound"), (403, "forbidden")]
)
def test_calendar_permanent_item_errors_fail_that_event_only(server, status, reason):
    server.fail_next(
        1, fault(status, reason), reason=reason, apis={"calendar"}, include_batch_envelopes=False
    )
    outcomes = calendar(server).apply([event(1), event(2)])
    assert [o.action for o in outcomes] == ["failed", "created"]
    assert outcomes[0].error.endswith(f"HTTP {status} {reason}")
    assert "@" not in outcomes[0].error
    # no retry: one batch round trip only
    assert server.http_round_trips("calendar") == 1


def test_no_pending_events_means_no_requests(server):
    cal = calendar(server)
    assert cal.apply([]) == []
    assert cal.request_counts() == {"calendar": 0, "calendar_writes": 0}


# -- Gmail ----------------------------------------------------------------------------------


def draft(n: int, attachment: Attachment | None = None) -> DraftSpec:
    return DraftSpec(
        f"<intro.test{n:04d}@sheetsync.invalid>",
        "intro",
        (),
        ((f"Zoë {n}", f"person{n}@example.com"),),
        ("Alex Morgan", "alex@example.com"),
        "Would you be open to meeting?",
        f"Hi {n},\n\nCoffee?\n",
        attachment,
    )


def mailbox(server: FakeGoogle, check_sent=True) -> GmailMailbox:
    _, _, service = clients(server)
    return GmailMailbox(
        service, batch_uri("gmail", server.url), FAST, check_sent, clock=lambda: NOW
    )


def test_gmail_creates_drafts_with_our_message_id_and_flyer(server):
    box = mailbox(server)
    outcomes = box.ensure([draft(1), draft(2, attachment=Attachment("flyer.pdf", FLYER_PDF))])
    assert [o.state for o in outcomes] == ["created", "created"]
    stored = server.gmail_drafts()
    assert set(stored) == {o.draft_id for o in outcomes}
    by_mid = {f"<{m.message_id}>": m for m in stored.values()}
    with_flyer = by_mid[draft(2).message_id]
    names = [p.get_filename() for p in with_flyer.parsed.walk() if p.get_filename()]
    assert names == ["flyer.pdf"]
    assert [p.get_content() for p in with_flyer.parsed.iter_attachments()] == [FLYER_PDF]
    assert "Zoë 1" in str(by_mid[draft(1).message_id].parsed["To"])
    assert server.count("gmail", writes_only=True) == 2  # never a send


def test_gmail_finds_existing_and_sent_drafts_before_creating(server):
    first = mailbox(server).ensure([draft(1), draft(2)])
    server.gmail_send_draft(first[1].draft_id)
    server.reset_log()
    box = mailbox(server)
    outcomes = box.ensure([draft(1), draft(2), draft(3)])
    assert [(o.state, o.draft_id) for o in outcomes[:2]] == [
        ("exists", first[0].draft_id),
        ("sent", ""),
    ]
    assert outcomes[2].state == "created"
    creates = server.count("gmail", method_id="drafts.create")
    assert creates == 1
    queries = [r.query["q"][0] for r in server.requests("gmail") if "q" in r.query]
    assert "rfc822msgid:intro.test0001@sheetsync.invalid" in queries
    assert "rfc822msgid:intro.test0002@sheetsync.invalid in:sent" in queries
    assert len(server.gmail_drafts()) == 2


def test_gmail_outcomes_carry_the_thread_of_each_draft(server):
    first, second = mailbox(server).ensure([draft(1), draft(2)])
    stored = server.gmail_drafts()
    assert first.thread_id == stored[first.draft_id].thread_id
    assert second.thread_id and second.thread_id != first.thread_id
    server.gmail_send_draft(second.draft_id)  # sent keeping our Message-ID
    again = mailbox(server).ensure([draft(1), draft(2)])
    assert [(o.state, o.thread_id) for o in again] == [
        ("exists", first.thread_id),
        ("sent", second.thread_id),
    ]


def test_gmail_without_sent_scope_checks_drafts_only(server):
    mailbox(server).ensure([draft(1)])
    server.reset_log()
    outcomes = mailbox(server, check_sent=False).ensure([draft(1)])
    assert outcomes[0].state == "exists"
    assert server.count("gmail", method_id="messages.list") == 0


def test_gmail_sent_search_refused_for_scope_falls_back_to_drafts(server):
    # A token minted for gmail.compose alone may not search sent mail.
    server.before_next(
        "messages.list",
        lambda info: server.fail_next(1, NO_SCOPE, apis={"gmail"}, include_batch_envelopes=False),
    )
    box = mailbox(server)
    (outcome,) = box.ensure([draft(1)])
    assert outcome.state == "created"
    assert box.check_sent is False
    assert server.count("gmail", method_id="messages.list") == 1


def test_gmail_batches_look_ups_and_creates_by_50(server):
    server.reset_log()
    box = mailbox(server)
    outcomes = box.ensure([draft(n) for n in range(30)])
    assert {o.state for o in outcomes} == {"created"}
    envelopes = server.requests("batch-gmail")
    # 60 look-ups in 2 batches, 30 creates in 1, the duplicate check in 1
    assert len(envelopes) == 4
    assert box.request_counts()["gmail"] == 4


def test_gmail_lost_replies_after_create_leave_one_draft_each(server):
    # Gmail stores the first draft of the create batch, then the connection drops; httplib2
    # silently re-sends the batch (storing that draft again) and the drop repeats. Each draft
    # is then retried alone, looking up before creating, and the second copy is deleted.
    server.before_next(
        "drafts.create",
        lambda info: server.fail_next(2, after=True, apis={"gmail"}, include_batch_envelopes=False),
    )
    outcomes = mailbox(server).ensure([draft(n) for n in range(3)])
    assert {o.state for o in outcomes} == {"created"}
    stored = server.gmail_drafts()
    assert sorted(f"<{m.message_id}>" for m in stored.values()) == sorted(
        draft(n).message_id for n in range(3)
    )
    assert {o.draft_id for o in outcomes} == set(stored)
    assert server.count("gmail", method_id="drafts.delete") == 1  # the re-sent copy


def second_copy(server: FakeGoogle, draft_id: str) -> str:
    """Another draft with the same message as ``draft_id``'s, made later (as a re-send makes)."""
    time.sleep(0.005)  # a later internalDate (milliseconds): the copy to delete is this one
    return server.gmail_add_draft(server.gmail_drafts()[draft_id].parsed)


def test_gmail_found_drafts_lose_their_second_copies_too(server):
    # A sync crashed after creating a draft twice and before recording it: the next sync
    # finds it ("exists") and keeps the first copy only.
    (first,) = mailbox(server).ensure([draft(1)])
    later = second_copy(server, first.draft_id)
    (found,) = mailbox(server).ensure([draft(1)])
    assert (found.state, found.draft_id, found.thread_id) == (
        "exists",
        first.draft_id,
        first.thread_id,
    )
    assert set(server.gmail_drafts()) == {first.draft_id}
    assert later not in server.gmail_drafts()


def test_gmail_copies_not_settled_are_unchecked_then_cleaned_next_time(server):
    # The clean-up's search for copies keeps failing: the draft is there, but a second copy
    # may be too. It is "unchecked" (the Sheet does not record it); the next ensure, with
    # Gmail answering again, finds it and deletes the second copy.
    (first,) = mailbox(server).ensure([draft(1)])
    later = second_copy(server, first.draft_id)
    cleanup_search = lambda info: info.query.get("maxResults") == ["10"]  # noqa: E731
    server.before_next(cleanup_search, lambda info: server.fail_next(10_000, 503, apis={"gmail"}))
    (unchecked,) = mailbox(server).ensure([draft(1)])
    assert unchecked.state == "unchecked"
    assert unchecked.error.startswith("could not look for a second copy")
    assert set(server.gmail_drafts()) == {first.draft_id, later}
    server.clear_faults()
    (found,) = mailbox(server).ensure([draft(1)])
    assert (found.state, found.draft_id) == ("exists", first.draft_id)
    assert set(server.gmail_drafts()) == {first.draft_id}


def test_gmail_copy_that_cannot_be_read_leaves_both_and_is_unchecked(server):
    (first,) = mailbox(server).ensure([draft(1)])
    second_copy(server, first.draft_id)
    # The clean-up's reads of the two candidates fail for good (a 400 is not retried).
    server.before_next(
        lambda info: info.query.get("maxResults") == ["10"],
        lambda info: server.before_next(
            "drafts.get", lambda info: server.fail_next(2, 400, reason="badRequest")
        ),
    )
    (outcome,) = mailbox(server).ensure([draft(1)])
    assert outcome.state == "unchecked"
    assert "could not read every copy" in outcome.error
    assert len(server.gmail_drafts()) == 2  # nothing deleted without both copies read
    assert server.count("gmail", method_id="drafts.delete") == 0


def test_gmail_lookup_failure_creates_nothing(server):
    server.fail_next(1, 404, reason="notFound", apis={"gmail"}, include_batch_envelopes=False)
    outcomes = mailbox(server, check_sent=False).ensure([draft(1)])
    assert outcomes[0].state == "failed"
    assert outcomes[0].error.startswith("could not check for an existing draft")
    assert server.gmail_drafts() == {}


# -- a store that refuses every call --------------------------------------------------------

UNAUTHENTICATED = Fault("401", 401, "authError", "global", "Invalid Credentials")


class RenewingCredentials(Credentials):
    """Credentials whose refresh always "works", as a real token's does, so a 401 that keeps
    coming back reaches the adapter (googleapiclient refreshes and re-sends first)."""

    def __init__(self) -> None:
        super().__init__()
        self.token = "token-0"
        self.refreshes = 0

    def refresh(self, request: object) -> None:
        self.refreshes += 1
        self.token = f"token-{self.refreshes}"


def refusing_services(server: FakeGoogle, refusal: str) -> tuple[object, object]:
    """(Calendar, Gmail) services on a fake that refuses every API call with ``refusal``."""
    credentials = RenewingCredentials()
    _, calendar_service, gmail_service = build_clients(server.url, credentials)
    fault = {"401": UNAUTHENTICATED, "403": FORBIDDEN}[refusal]
    server.fail_next(10_000, fault, apis={"calendar", "gmail"}, include_batch_envelopes=False)
    return calendar_service, gmail_service


@pytest.mark.parametrize("refusal", ["401", "403", "calendar not shared"])
def test_a_calendar_refusing_every_insert_is_one_backend_error(server, refusal):
    if refusal == "calendar not shared":
        _, service, _ = clients(server)
        missing = "not-shared@group.calendar.google.com"
        cal = GoogleCalendar(service, "s", batch_uri("calendar", server.url), FAST, missing)
        status = 404
    else:
        service, _ = refusing_services(server, refusal)
        cal = GoogleCalendar(service, "s", batch_uri("calendar", server.url), FAST)
        status = int(refusal)
    with pytest.raises(BackendError) as caught:
        cal.apply([event(1), event(2), event(3, cancelled=True)])
    assert caught.value.code == status
    assert str(caught.value).startswith(f"Writing to the calendar failed: HTTP {status}")
    assert server.calendar_events(include_deleted=True) == []


def test_a_calendar_with_only_cancellations_reports_them_absent(server):
    # Nothing to insert: a 404 is what a cancelled event that is not there gets anyway.
    _, service, _ = clients(server)
    missing = "not-shared@group.calendar.google.com"
    cal = GoogleCalendar(service, "s", batch_uri("calendar", server.url), FAST, missing)
    outcomes = cal.apply([event(1, cancelled=True)])
    assert [o.action for o in outcomes] == ["absent"]


@pytest.mark.parametrize("refusal", ["401", "403", "delegation denied"])
def test_a_mailbox_refusing_every_call_is_one_backend_error(server, refusal):
    if refusal == "delegation denied":
        _, _, service = clients(server)
        user = "someone.else@example.org"
        box = GmailMailbox(service, batch_uri("gmail", server.url), FAST, user_id=user)
        status = 403
    else:
        _, service = refusing_services(server, refusal)
        box = GmailMailbox(service, batch_uri("gmail", server.url), FAST)
        status = int(refusal)
    with pytest.raises(BackendError) as caught:
        box.ensure([draft(1), draft(2)])
    assert caught.value.code == status
    assert str(caught.value).startswith(f"Looking up drafts in Gmail failed: HTTP {status}")
    assert "@" not in str(caught.value)
    assert server.gmail_drafts() == {}


def test_a_mailbox_refusing_every_create_is_one_backend_error(server):
    # Look-ups are allowed, creating is not (a token with a read-only Gmail scope).
    no_scope = Fault("403", 403, "insufficientPermissions", "global", "Insufficient Permission")
    server.on_request(lambda _info: server.faults.fail_next(1, no_scope, None, False), "create")
    with pytest.raises(BackendError) as caught:
        mailbox(server).ensure([draft(1), draft(2)])
    assert caught.value.code == 403
    assert str(caught.value).startswith("Creating drafts in Gmail failed: HTTP 403")
    assert server.gmail_drafts() == {}


def test_one_refused_look_up_among_many_fails_that_draft_only(server):
    server.fail_next(1, FORBIDDEN, apis={"gmail"}, include_batch_envelopes=False)
    outcomes = mailbox(server, check_sent=False).ensure([draft(1), draft(2)])
    assert [o.state for o in outcomes] == ["failed", "created"]


# -- the retry predicate --------------------------------------------------------------------


def test_transient_predicate_covers_connection_errors():
    import http.client

    import httplib2
    import requests

    for exc in (
        ConnectionResetError(),
        http.client.RemoteDisconnected(),
        TimeoutError(),
        httplib2.ServerNotFoundError(),
        requests.ConnectionError(),
    ):
        assert is_transient(exc), exc
    assert not is_transient(ValueError())
    assert not is_transient(FileNotFoundError())
