"""The write-back, pure: from a plan and what the backends did to the cells to write, placed."""

from builders import NOW, snapshot

from sheet_template import TEMPLATE
from sheet_template import tabs as t
from sheetsync.core.plan import CellWrite, DraftOutcome, EventOutcome
from sheetsync.core.planner import make_plan
from sheetsync.core.table import Snapshot, Table
from sheetsync.core.validation import validate
from sheetsync.core.writeback import compose, place

NS = "sheet-1"


def therapist(**over):
    return {"name": "Ana Silva", "email": "ana@example.org", "category": t.THERAPIST_OTHER, **over}


def test_a_write_names_its_column_by_key_and_shows_the_header():
    plan = make_plan(validate(snapshot(contacts=[therapist()])), NS, NOW)
    writes, _ = compose(plan, {}, {})
    assert {w.key for w in writes} == {"row_id", "sync_status"}
    status = next(w for w in writes if w.key == "sync_status")
    assert status.header == "Sync status"


def test_a_write_goes_to_the_column_it_was_read_from_not_a_look_alike():
    # A person added their own column with a sync-owned header after the template's columns:
    # the sync reads the first one, so it must write there too, and leave theirs alone.
    snap = snapshot(contacts=[therapist()])
    contacts = snap.tables["Contacts"]
    fresh = Snapshot(
        {
            **snap.tables,
            "Contacts": Table(
                "Contacts",
                (*contacts.header, "Sync status"),
                tuple((*row, "my own note") for row in contacts.rows),
            ),
        }
    )
    plan = make_plan(validate(fresh), NS, NOW)
    writes, _ = compose(plan, {}, {})
    status = next(w.value for w in writes if w.key == "sync_status")
    placed, not_found = place(writes, fresh)
    status_column = TEMPLATE.tab("Contacts").headers.index("Sync status") + 1
    assert not_found == 0
    assert [p.column for p in placed if p.value == status] == [status_column]
    assert len(contacts.header) + 1 not in {p.column for p in placed}


def test_place_finds_a_key_in_a_reordered_header():
    snap = snapshot(contacts=[therapist(row_id="C0001")])
    contacts = snap.tables["Contacts"]
    order = list(reversed(range(len(contacts.header))))
    moved = Table(
        "Contacts",
        tuple(contacts.header[i] for i in order),
        tuple(tuple(row[i] for i in order) for row in contacts.rows),
    )
    ref = validate(snap).contacts[0].ref
    (placed,), _ = place([CellWrite(ref, "sync_status", "x")], Snapshot({"Contacts": moved}))
    assert (placed.row, placed.column) == (2, moved.header.index("Sync status") + 1)


def test_outcomes_change_the_status_once_rendered():
    plan = make_plan(validate(snapshot(contacts=[therapist()])), NS, NOW)
    (draft,) = plan.drafts
    sent = {draft.message_id: DraftOutcome(draft.message_id, "sent")}
    writes, problems = compose(plan, {}, sent)
    status = next(w.value for w in writes if w.key == "sync_status")
    assert status == "OK: intro sent: set Stage to Contacted when you like" and problems == []
    failed = {draft.message_id: DraftOutcome(draft.message_id, "failed", error="HTTP 503")}
    writes, problems = compose(plan, {}, failed)
    status = next(w.value for w in writes if w.key == "sync_status")
    assert status == "Error: Draft not saved (HTTP 503); the next sync retries"
    assert [p.message for p in problems] == ["Draft not saved (HTTP 503); the next sync retries"]


def test_an_unchecked_draft_is_not_recorded_and_its_row_says_why():
    # Saved, but a second copy may be in the drafts: the Draft ID stays empty so that the next
    # sync finds the draft and removes the copy; the row and the Summary say so.
    plan = make_plan(validate(snapshot(contacts=[therapist()])), NS, NOW)
    (draft,) = plan.drafts
    why = "could not look for a second copy, HTTP 503"
    unchecked = {draft.message_id: DraftOutcome(draft.message_id, "unchecked", "r-1", why)}
    writes, problems = compose(plan, {}, unchecked)
    assert "draft_id" not in {w.key for w in writes}
    message = f"Draft saved, but your drafts may hold a second copy of it ({why}); "
    message += "the next sync removes it"
    status = next(w.value for w in writes if w.key == "sync_status")
    assert status == "Error: " + message
    assert [p.message for p in problems] == [message]
    created = {draft.message_id: DraftOutcome(draft.message_id, "created", "r-1")}
    writes, problems = compose(plan, {}, created)
    assert ("draft_id", "r-1") in {(w.key, w.value) for w in writes} and problems == []


def test_a_failed_event_keeps_the_recorded_cells_and_adds_to_an_error():
    plan = make_plan(
        validate(snapshot(contacts=[therapist(stage=t.MET, last_contact=NOW.date(), practice="")])),
        NS,
        NOW,
    )
    (event,) = plan.events
    failed = {event.event_id: EventOutcome(event.event_id, "failed", "HTTP 500")}
    writes, problems = compose(plan, failed, {})
    assert {w.key for w in writes} == {"row_id", "sync_status"}
    status = next(w.value for w in writes if w.key == "sync_status")
    assert status == "Error: Calendar: event not saved (HTTP 500); the next sync retries"
    assert len(problems) == 1
