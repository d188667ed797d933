"""One behaviour suite that every adapter of every port passes.

The harnesses in ``port_harness.py`` build each adapter and read its backing store directly.
"""

from __future__ import annotations

from datetime import date
from email import policy
from email.parser import BytesParser

import google_harness  # unconditionally: a broken Google import fails the suite, not halves it
import port_harness as ph
import pytest

from sheet_template import TEMPLATE
from sheet_template import tabs as t
from sheetsync.adapters.local.eml_mailbox import NO_DRAFTS_FOLDER
from sheetsync.core.cells import as_text
from sheetsync.core.plan import (
    Attachment,
    CellWrite,
    ColumnAdd,
    DraftSpec,
    EventSpec,
    RowAppend,
    SheetChanges,
    TrackedDraft,
)
from sheetsync.core.table import RowRef, Snapshot, column_map, row_refs
from sheetsync.core.validation import validate
from sheetsync.errors import BackendError

SHEETS = {"local": ph.local_sheet, "google": google_harness.google_sheet}
CALENDARS = {"local": ph.local_calendar, "google": google_harness.google_calendar}
MAILBOXES = {"local": ph.local_mailbox, "google": google_harness.google_mailbox}

CONTACT_KEYS = [col.key for col in TEMPLATE.tab("Contacts").columns]


def contact(name: str, **cells: object) -> list[object]:
    record = {"name": name, "category": t.THERAPIST_OTHER, **cells}
    return [record.get(key) for key in CONTACT_KEYS]


@pytest.fixture(params=sorted(SHEETS))
def sheet(request, tmp_path):
    rows = {
        "Contacts": [
            contact("Ana", row_id="C0001"),
            contact("=1+1 Ben"),
            contact("Cleo", row_id="C0003"),
        ]
    }
    return SHEETS[request.param](tmp_path, rows)


@pytest.fixture(params=sorted(CALENDARS))
def calendar(request, tmp_path):
    return CALENDARS[request.param](tmp_path)


@pytest.fixture(params=sorted(MAILBOXES))
def mailbox(request, tmp_path):
    return MAILBOXES[request.param](tmp_path)


def refs_of(snapshot, tab_name="Contacts"):
    tab = TEMPLATE.tab(tab_name)
    table = snapshot.table(tab_name)
    return [r for r in row_refs(table, tab, column_map(table, tab)) if r]


def setting_ref(snapshot, label):
    """The ref of the Settings row with this label."""
    table = snapshot.table("Settings")
    for ref in refs_of(snapshot, "Settings"):
        if table.cell(ref.row_number - 2, 0) == label:
            return ref
    raise KeyError(label)


def status_by_name(harness):
    rows = harness.rows("Contacts")
    header = rows[0]
    return {r[header.index("Name")]: r[header.index("Sync status")] for r in rows[1:]}


def test_read_returns_every_tab_with_its_header(sheet):
    snapshot = sheet.store.read()
    for tab in TEMPLATE.tabs:
        if tab.columns:
            column_map(snapshot.table(tab.name), tab)
    names = [r[1] for r in snapshot.table("Contacts").rows]
    assert names == ["Ana", "=1+1 Ben", "Cleo"]


def test_writes_land_in_their_rows_even_after_a_sort(sheet):
    snapshot = sheet.store.read()
    refs = refs_of(snapshot)
    rows = sheet.rows("Contacts")
    sheet.set_rows("Contacts", [[None] * len(rows[0]), *reversed(rows[1:])])  # sort + blank row
    writes = [CellWrite(ref, "sync_status", f"status of {ref.row_number}") for ref in refs]
    writes.append(CellWrite(refs[1], "row_id", "C0004"))
    summary = [["Summary"], ["Last sync", "now"]]
    report = sheet.store.write(snapshot, SheetChanges(cells=writes, summary=summary))
    assert report.cells_written == 4 and report.rows_not_found == 0
    assert status_by_name(sheet) == {
        "Ana": "status of 2",
        "=1+1 Ben": "status of 3",
        "Cleo": "status of 4",
    }


def test_a_row_edited_mid_sync_without_an_id_is_left_for_the_next_sync(sheet):
    snapshot = sheet.store.read()
    refs = refs_of(snapshot)
    rows = sheet.rows("Contacts")
    name_col = rows[0].index("Name")
    rows[2][name_col] = "Benedict"  # the id-less row changes under us
    sheet.set_rows("Contacts", rows[1:])
    writes = [CellWrite(r, "sync_status", "x") for r in refs]
    report = sheet.store.write(snapshot, SheetChanges(cells=writes))
    assert report.rows_not_found == 1
    assert status_by_name(sheet) == {"Ana": "x", "Benedict": None, "Cleo": "x"}


def test_text_that_looks_like_a_formula_stays_text(sheet):
    snapshot = sheet.store.read()
    refs = refs_of(snapshot)
    writes = [CellWrite(refs[0], "sync_status", "=SUM(1,2)")]
    sheet.store.write(snapshot, SheetChanges(cells=writes, summary=[["=HACK()"]]))
    assert status_by_name(sheet)["Ana"] == "=SUM(1,2)"
    assert sheet.rows("Summary")[0][0] == "=HACK()"


def test_summary_is_replaced_whole(sheet):
    sheet.store.write(sheet.store.read(), SheetChanges(summary=[[f"line {i}"] for i in range(8)]))
    sheet.store.write(sheet.store.read(), SheetChanges(summary=[["short"]]))
    assert [r[0] for r in sheet.rows("Summary")] == ["short"]


def test_unknown_ref_is_not_written_anywhere(sheet):
    ghost = RowRef("Contacts", 2, "C9999", "0" * 16)
    ghost_write = CellWrite(ghost, "sync_status", "ghost")
    report = sheet.store.write(sheet.store.read(), SheetChanges(cells=[ghost_write]))
    assert report.rows_not_found == 1
    assert "ghost" not in status_by_name(sheet).values()


@pytest.fixture
def event_id_added_later():
    """Contacts' Event ID as a column a later template added (as if the Sheet predated it)."""
    column = TEMPLATE.tab("Contacts").column("event_id")
    object.__setattr__(column, "added_later", True)  # the template is frozen: a test-only flip
    yield column
    object.__setattr__(column, "added_later", False)


def test_a_column_a_later_template_added_is_put_after_the_last_header(sheet, event_id_added_later):
    sheet.drop_column("Contacts", "Event ID")
    snapshot = sheet.store.read()
    validate(snapshot)  # an older Sheet is still a valid one
    ana, _ben, cleo = refs_of(snapshot)
    before = sheet.rows("Contacts")
    changes = SheetChanges(
        cells=[CellWrite(ana, "event_id", "evt-ana"), CellWrite(cleo, "sync_status", "OK")],
        columns=[ColumnAdd("Contacts", "event_id")],
    )
    report = sheet.store.write(snapshot, changes)
    assert report.columns_added == 1 and report.cells_written == 2
    rows = sheet.rows("Contacts")
    header = rows[0]
    # After the last header (Sync status), not where the template has it.
    assert header == [*before[0], "Event ID"]
    by_name = {r[header.index("Name")]: r for r in rows[1:]}
    assert by_name["Ana"][header.index("Event ID")] == "evt-ana"
    assert by_name["Cleo"][header.index("Sync status")] == "OK"
    # Every other cell is as it was.
    assert [r[:-1] for r in rows[1:]] == [
        [
            ("OK" if r[1] == "Cleo" and h == "Sync status" else v)
            for h, v in zip(header, r, strict=False)
        ]
        for r in before[1:]
    ]
    # Asked again (a later sync), the column is not added twice.
    again = sheet.store.write(sheet.store.read(), changes)
    assert again.columns_added == 0
    assert sheet.rows("Contacts")[0] == header


def test_rows_are_appended_after_the_data(sheet):
    snapshot = sheet.store.read()
    letters = [r[0] for r in sheet.rows("Templates")[1:]]
    log_row = {"row_id": "L0001", "date": date(2026, 11, 2), "contact": "Ana", "what": "Email"}
    # A letter the template does not have (a later template's), appended after the others.
    letter = {"letter": "welcome_back", "subject": "Thank you", "body": "=Hi {name}"}
    changes = SheetChanges(
        rows=[RowAppend("Templates", letter), RowAppend("Log", log_row)],
        summary=[["Summary"]],
    )
    report = sheet.store.write(snapshot, changes)
    assert report.rows_appended == 2
    templates = sheet.rows("Templates")
    assert [r[0] for r in templates[1:]] == [*letters, "welcome_back"]
    assert templates[-1][:3] == ["welcome_back", "Thank you", "=Hi {name}"]  # RAW: text stays text
    (log,) = sheet.rows("Log")[1:]
    header = sheet.rows("Log")[0]
    assert log[header.index("Row ID")] == "L0001"
    assert as_text(log[header.index("Date")]) == "2026-11-02"
    # The appended row is a row like any other: the next write finds it.
    fresh = sheet.store.read()
    (ref,) = refs_of(fresh, "Log")
    sheet.store.write(fresh, SheetChanges(cells=[CellWrite(ref, "sync_status", "OK")]))
    assert sheet.rows("Log")[1][header.index("Sync status")] == "OK"
    # Rows already there (by Row ID, or by a letter's name) are not appended again.
    again = sheet.store.write(sheet.store.read(), changes)
    assert again.rows_appended == 0
    assert len(sheet.rows("Templates")) == len(templates) and len(sheet.rows("Log")) == 2


def test_a_setting_is_written_in_its_own_row_even_after_a_sort(sheet):
    snapshot = sheet.store.read()
    ref = setting_ref(snapshot, "Website URL")
    rows = sheet.rows("Settings")
    sheet.set_rows("Settings", list(reversed(rows[1:])))  # a person sorts the Settings tab
    write = CellWrite(ref, "value", "https://example.org")
    report = sheet.store.write(snapshot, SheetChanges(cells=[write]))
    assert report.cells_written == 1 and report.rows_not_found == 0
    after = sheet.rows("Settings")
    values = {r[0]: r[1] for r in after[1:]}
    assert values["Website URL"] == "https://example.org"
    assert {k: v for k, v in values.items() if k != "Website URL"} == {
        r[0]: r[1] for r in rows[1:] if r[0] != "Website URL"
    }


def event(eid: str, day: date, title: str = "Nurture touch: Ana", cancelled: bool = False):
    return EventSpec(eid, "nurture", "primary", day, title, "desc", (), cancelled=cancelled)


EID = "0123456789abcdefghijklmnopqrstuv"


def test_calendar_creates_keeps_moves_and_cancels(calendar):
    day = date(2026, 12, 1)
    assert [o.action for o in calendar.calendar.apply([event(EID, day)])] == ["created"]
    assert [o.action for o in calendar.calendar.apply([event(EID, day)])] == ["unchanged"]
    later = date(2026, 12, 9)
    assert [o.action for o in calendar.calendar.apply([event(EID, later)])] == ["moved"]
    assert calendar.events() == {EID: (later, "Nurture touch: Ana", False)}
    retitled = event(EID, later, "Nurture touch: Ana B")
    assert [o.action for o in calendar.calendar.apply([retitled])] == ["updated"]
    cancel = event(EID, later, cancelled=True)
    assert [o.action for o in calendar.calendar.apply([cancel])] == ["cancelled"]
    assert calendar.events()[EID][2] is True
    other = event("vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv", later, cancelled=True)
    assert [o.action for o in calendar.calendar.apply([other])] == ["absent"]
    assert len(calendar.events()) == 1


MONTHLY = "FREQ=MONTHLY;INTERVAL=1"


def meeting(day: date, rule: str, title: str = "Peer group", cancelled: bool = False):
    return EventSpec(
        EID, "meeting", "primary", day, title, "desc", (), cancelled=cancelled, recurrence=rule
    )


def test_a_repeating_event_is_created_once_and_changed_in_place(calendar):
    day = date(2026, 12, 31)
    assert [o.action for o in calendar.calendar.apply([meeting(day, MONTHLY)])] == ["created"]
    assert calendar.recurrence(EID) == MONTHLY
    assert [o.action for o in calendar.calendar.apply([meeting(day, MONTHLY)])] == ["unchanged"]
    # The same rule spelled another way is the same rule: nothing to write.
    same = meeting(day, "freq=monthly")
    assert [o.action for o in calendar.calendar.apply([same])] == ["unchanged"]
    fortnightly = "FREQ=WEEKLY;INTERVAL=2"
    assert [o.action for o in calendar.calendar.apply([meeting(day, fortnightly)])] == ["moved"]
    assert calendar.recurrence(EID) == fortnightly
    later = date(2027, 1, 7)
    assert [o.action for o in calendar.calendar.apply([meeting(later, fortnightly)])] == ["moved"]
    retitled = meeting(later, fortnightly, "Peer group (room 2)")
    assert [o.action for o in calendar.calendar.apply([retitled])] == ["updated"]
    assert calendar.events() == {EID: (later, "Peer group (room 2)", False)}
    assert calendar.recurrence(EID) == fortnightly


def test_a_rule_removed_makes_a_one_off_and_a_rule_added_a_series(calendar):
    day = date(2026, 12, 1)
    calendar.calendar.apply([meeting(day, MONTHLY)])
    assert [o.action for o in calendar.calendar.apply([meeting(day, "")])] == ["moved"]
    assert calendar.recurrence(EID) == ""
    assert [o.action for o in calendar.calendar.apply([meeting(day, "")])] == ["unchanged"]
    assert [o.action for o in calendar.calendar.apply([meeting(day, MONTHLY)])] == ["moved"]
    assert calendar.recurrence(EID) == MONTHLY
    assert len(calendar.events()) == 1


def test_a_repeating_event_is_cancelled_whole(calendar):
    day = date(2026, 12, 1)
    calendar.calendar.apply([meeting(day, MONTHLY)])
    cancel = meeting(day, MONTHLY, cancelled=True)
    assert [o.action for o in calendar.calendar.apply([cancel])] == ["cancelled"]
    assert calendar.events()[EID][2] is True
    # Brought back, it repeats again.
    assert [o.action for o in calendar.calendar.apply([meeting(day, MONTHLY)])] == ["updated"]
    assert calendar.events()[EID][2] is False
    assert calendar.recurrence(EID) == MONTHLY


@pytest.mark.parametrize("rule", ["FREQ=SOMETIMES", "FREQ=WEEKLY;INTERVAL=0", "RRULE:FREQ=WEEKLY"])
def test_a_rule_that_cannot_be_written_fails_its_event_only(calendar, rule):
    day = date(2026, 12, 1)
    other = event("vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv", day)
    bad, good = calendar.calendar.apply([meeting(day, rule), other])
    assert (bad.action, good.action) == ("failed", "created")
    assert "repeat rule" in bad.error and rule not in bad.error
    assert list(calendar.events()) == [other.event_id]
    # An existing event given a bad rule is left as it was.
    calendar.calendar.apply([meeting(day, MONTHLY)])
    (again,) = calendar.calendar.apply([meeting(day, rule)])
    assert again.action == "failed"
    assert calendar.recurrence(EID) == MONTHLY


def test_calendar_handles_many_events_at_once(calendar):
    specs = [event(f"{i:05d}" + "a" * 27, date(2026, 12, 1 + i % 28)) for i in range(120)]
    outcomes = calendar.calendar.apply(specs)
    assert [o.action for o in outcomes] == ["created"] * 120
    assert len(calendar.events()) == 120


def draft(mid: str, attachment: Attachment | None = None) -> DraftSpec:
    return DraftSpec(
        mid,
        "intro",
        (),
        (("Zoë Ångström", "zoe@example.org"),),
        ("Alex", "alex@example.org"),
        "Would you be open to meeting?",
        "Hi Zoë,\n\nHello.\n",
        attachment,
    )


def test_mailbox_creates_once_per_message_id(mailbox):
    first = mailbox.mailbox.ensure([draft("<intro.a@sheetsync.invalid>")])
    assert first[0].state == "created" and first[0].draft_id
    again = mailbox.mailbox.ensure([draft("<intro.a@sheetsync.invalid>")])
    assert again[0].state == "exists" and again[0].draft_id == first[0].draft_id
    assert list(mailbox.drafts()) == ["<intro.a@sheetsync.invalid>"]


def test_mailbox_attaches_the_bytes_it_is_given_and_opens_no_file(mailbox, tmp_path, monkeypatch):
    # The flyer's bytes travel in the DraftSpec; a file of that name nearby is never read.
    (tmp_path / "flyer.pdf").write_bytes(b"not this one")
    monkeypatch.chdir(tmp_path)
    flyer = Attachment("flyer.pdf", b"%PDF-1.4 flyer")
    (outcome,) = mailbox.mailbox.ensure([draft("<gp.a@sheetsync.invalid>", flyer)])
    assert outcome.state == "created"
    assert mailbox.drafts()["<gp.a@sheetsync.invalid>"][1] == ["flyer.pdf"]
    parsed = BytesParser(policy=policy.default).parsebytes(mailbox.raw("<gp.a@sheetsync.invalid>"))
    assert [p.get_content() for p in parsed.iter_attachments()] == [b"%PDF-1.4 flyer"]


def test_mailbox_tells_what_became_of_the_drafts_it_made(mailbox):
    mids = ["<intro.a@sheetsync.invalid>", "<intro.b@sheetsync.invalid>"]
    made = mailbox.mailbox.ensure([draft(mid) for mid in mids])
    mailbox.discard(mids[1])
    tracked = [TrackedDraft(o.message_id, o.draft_id, o.thread_id) for o in made]
    fates = mailbox.mailbox.track(tracked)
    assert [(f.message_id, f.state, f.error) for f in fates] == [
        (mids[0], "draft", ""),
        (mids[1], "deleted", ""),
    ]
    assert list(mailbox.drafts()) == [mids[0]]  # following up changes nothing
    assert mailbox.mailbox.track([]) == []


def test_mailbox_keeps_a_draft_known_sent_sent(mailbox):
    # Sent, as the Sheet knows (a Log row locally): no reply found, nothing drafted.
    (made,) = mailbox.mailbox.ensure([draft("<intro.c@sheetsync.invalid>")])
    known = TrackedDraft(made.message_id, made.draft_id, made.thread_id, date(2026, 12, 2))
    (fate,) = mailbox.mailbox.track([known])
    assert (fate.state, fate.sent_on, fate.replied_on) == ("sent", date(2026, 12, 2), None)


def test_local_drafts_are_unknown_not_deleted_when_their_folder_is_gone(tmp_path):
    harness = ph.local_mailbox(tmp_path)
    (made,) = harness.mailbox.ensure([draft("<intro.d@sheetsync.invalid>")])
    (tmp_path / "drafts").rename(tmp_path / "elsewhere")
    (fate,) = harness.mailbox.track([TrackedDraft(made.message_id, made.draft_id)])
    assert fate.state == "unknown"
    assert fate.error == NO_DRAFTS_FOLDER


# -- a broken store is one BackendError, from every adapter ---------------------------------


def test_a_broken_sheet_raises_backend_error(sheet):
    store = sheet.broken()
    with pytest.raises(BackendError):
        store.read()
    with pytest.raises(BackendError):
        store.write(Snapshot({}), SheetChanges(summary=[["Summary"]]))


def test_a_broken_calendar_raises_backend_error(calendar):
    broken = calendar.broken()
    day = date(2026, 12, 1)
    specs = [event(EID, day), event("vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv", day)]
    with pytest.raises(BackendError):
        broken.apply(specs)


def test_a_broken_mailbox_raises_backend_error(mailbox):
    broken = mailbox.broken()
    with pytest.raises(BackendError):
        broken.ensure([draft("<intro.a@sheetsync.invalid>"), draft("<intro.b@sheetsync.invalid>")])
    with pytest.raises(BackendError):
        broken.track([TrackedDraft("<intro.a@sheetsync.invalid>", "r123", "18c5e1f0a2b3c4d5")])
