"""An intro from draft to reply on Google, with nothing logged by hand: the sync follows the
draft's thread (sent from the web interface under a new Message-ID, answered, or deleted).

The person's part is played on the fake Google server between syncs; each sync's cells,
events and calls are checked, and a second sync on the same day changes nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fakegoogle import FakeGoogle
from googlekit import FAST, fill_rows, rows_by_name, template_sheet
from test_lifecycle_roundtrip import Network, workbook

from sheet_template import TEMPLATE
from sheet_template import tabs as t
from sheetsync.adapters.google.credentials import GoogleCredentials
from sheetsync.bootstrap import google_backend
from sheetsync.service import SyncReport, run_sync

DAY1 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
ANA = "ana@example.org"


class Clock:
    """The fake server's and the adapters' clock, moved by the test."""

    def __init__(self) -> None:
        self.now = DAY1

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def server(clock: Clock):
    with FakeGoogle(seed=5, user_email="alex@brightside.example", clock=clock) as fake:
        yield fake


def contact(**cells: Any) -> list[Any]:
    return [cells.get(col.key) for col in TEMPLATE.tab("Contacts").columns]


@pytest.fixture
def sheet(server: FakeGoogle) -> str:
    sid = template_sheet(server)
    ana = contact(name="Ana Silva", email=ANA, category=t.THERAPIST_OTHER, practice_size="Solo")
    fill_rows(server, sid, {"Contacts": [ana]})
    return sid


def sync(server: FakeGoogle, sid: str, clock: Clock, day: int) -> SyncReport:
    """A sync on day ``day`` (1 = the first), as the scheduled function runs it."""
    clock.now = DAY1 + timedelta(days=day - 1)
    backend = google_backend(
        sid,
        endpoint=server.url,
        credentials=GoogleCredentials.anonymous(),
        retry=FAST,
        clock=clock,
    )
    server.reset_log()
    return run_sync(backend, clock.now)


def ana(server: FakeGoogle, sid: str) -> dict[str, Any]:
    return rows_by_name(server, sid, "Contacts")["Ana Silva"]


def on(day: int) -> date:
    return (DAY1 + timedelta(days=day - 1)).date()


def shown(day: int) -> str:
    """A date as the Sheet shows a date the sync wrote (the template's date format)."""
    return on(day).isoformat()


def follow_ups(server: FakeGoogle) -> dict[str, Any]:
    return {
        e["summary"]: e
        for e in server.calendar_events()
        if e["summary"].startswith("Follow up intro")
    }


def test_sent_from_the_web_then_answered_moves_the_contact_on_with_nothing_logged(
    server, sheet, clock
):
    first = sync(server, sheet, clock, 1)
    assert first.drafts["created"] == 1
    row = ana(server, sheet)
    (draft_id,) = server.gmail_drafts()
    assert row["Draft ID"] and row["Thread ID"]
    assert row["Sync status"] == (
        "OK: intro drafted: send it from your drafts; the next sync sees it sent"
    )
    assert not follow_ups(server)

    # Day 2: the therapist presses Send in Gmail; Gmail gives it a Message-ID of its own.
    clock.now = DAY1 + timedelta(days=1, hours=2)
    server.gmail_send_from_web(row["Draft ID"])
    sync(server, sheet, clock, 3)
    row = ana(server, sheet)
    assert row["Intro sent"] == shown(2)
    assert row["Stage"] == ""  # the person's cell is never written
    assert row["Sync status"] == "OK: intro sent on 2 Dec: set Stage to Contacted when you like"
    (follow_up,) = follow_ups(server).values()
    assert follow_up["start"]["date"] == (on(2) + timedelta(days=14)).isoformat()
    assert not server.gmail_drafts()  # not drafted again, though the Message-ID is gone

    # The same day again: nothing changes, and the thread is read once more at most.
    again = sync(server, sheet, clock, 3)
    assert again.writes == [] and again.created == 0
    assert again.requests["gmail"] <= 1

    # Day 5: Ana answers in the thread.
    clock.now = DAY1 + timedelta(days=4, hours=1)
    server.gmail_receive_reply(row["Thread ID"], f"Ana Silva <{ANA}>")
    sync(server, sheet, clock, 6)
    row = ana(server, sheet)
    assert row["Replied"] == shown(5)
    assert row["Sync status"].startswith("OK: replied on 5 Dec: book a meeting")
    assert all(e.get("status") == "cancelled" for e in follow_ups(server).values())

    # Answered: the thread is not asked about again.
    last = sync(server, sheet, clock, 6)
    assert last.writes == [] and last.requests["gmail"] == 0
    assert draft_id  # the first draft's id was Gmail's


def test_a_draft_deleted_unsent_is_not_drafted_again_and_the_row_says_so(server, sheet, clock):
    sync(server, sheet, clock, 1)
    row = ana(server, sheet)
    server.gmail_discard_draft(row["Draft ID"])
    report = sync(server, sheet, clock, 2)
    assert report.drafts["created"] == 0 and not server.gmail_drafts()
    row = ana(server, sheet)
    assert row["Sync status"].startswith("OK: the intro draft was deleted unsent")
    assert row["Intro sent"] == ""
    # Clearing Draft ID is the way to ask for a new one.
    column = server.sheet_rows(sheet, "Contacts")[0].index("Draft ID")
    server.spreadsheet(sheet).by_title("Contacts").put(1, column, "")
    assert sync(server, sheet, clock, 2).drafts["created"] == 1


def test_a_dry_run_asks_the_mailbox_too_and_plans_what_the_sync_does(server, sheet, clock):
    sync(server, sheet, clock, 1)
    server.gmail_send_from_web(ana(server, sheet)["Draft ID"])
    clock.now = DAY1 + timedelta(days=2)
    backend = google_backend(
        sheet,
        endpoint=server.url,
        credentials=GoogleCredentials.anonymous(),
        retry=FAST,
        clock=clock,
    )
    dry = run_sync(backend, clock.now, dry_run=True)
    assert {w.key for w in dry.writes} >= {"intro_sent", "next_follow_up", "event_id"}
    real = sync(server, sheet, clock, 3)
    assert [(w.ref, w.key, w.value) for w in dry.writes if w.key != "event_id"] == [
        (w.ref, w.key, w.value) for w in real.writes if w.key != "event_id"
    ]


def test_the_local_backend_asks_for_a_log_row_when_the_intro_is_sent(tmp_path: Path):
    """A local mailbox cannot see a draft sent from a mail program, so the row says to log it."""
    net = Network(workbook(tmp_path))
    net.sync(date(2026, 12, 1))
    assert net.cell("Contacts", "Ana Silva", "Sync status") == (
        "OK: intro drafted: send it from your drafts, then log it (What: Intro sent)"
    )
