"""Harnesses that run the shared port suite (``test_port_contract.py``) on the Google adapters.

Each harness gets its own fake Google server (so drafts and calendars of one test never show up
in another) and reads the fake's state directly, as ``port_harness`` reads the local files.
Its ``set_rows`` retypes a tab's cells, which leaves row metadata where it was: to the Sheet's
row anchors it is a sort that Google does not move them with.
The servers are stopped when the test session ends.
"""

from __future__ import annotations

import atexit
import itertools
from datetime import date
from pathlib import Path
from typing import Any

from fakegoogle import FakeGoogle
from googlekit import FAST, NOW, clients, template_sheet
from port_harness import CalendarHarness, MailboxHarness, SheetHarness

from sheetsync.adapters.google.calendar import GoogleCalendar
from sheetsync.adapters.google.clients import batch_uri
from sheetsync.adapters.google.gmail import GmailMailbox
from sheetsync.adapters.google.sheets import GoogleSheetStore
from sheetsync.core.cells import Cell

_counter = itertools.count(1)


def _server() -> FakeGoogle:
    server = FakeGoogle(seed=next(_counter)).start()
    atexit.register(server.stop)
    return server


def google_sheet(tmp_path: Path, rows: dict[str, list[list[Cell]]]) -> SheetHarness:
    server = _server()
    sid = template_sheet(server)

    def read_rows(tab: str) -> list[list[Cell]]:
        # Like the local harness: full-width rows, empty cells as None, empty rows left out.
        values = server.sheet_rows(sid, tab)
        width = max((len(r) for r in values), default=0)
        padded = [[None if v == "" else v for v in r] + [None] * (width - len(r)) for r in values]
        return [r for r in padded if any(v is not None for v in r)]

    def set_rows(tab: str, new_rows: list[list[Cell]]) -> None:
        header = server.sheet_rows(sid, tab)[:1]
        server.set_sheet_rows(sid, tab, [*header, *[list(r) for r in new_rows]])

    for tab, tab_rows in rows.items():
        set_rows(tab, tab_rows)
    gc, _, _ = clients(server)

    def broken() -> GoogleSheetStore:
        # A spreadsheet id that names no spreadsheet (deleted, or never shared).
        return GoogleSheetStore(gc, "1NoSuchSpreadsheet000000000000000000000000", FAST)

    def drop_column(tab: str, header: str) -> None:
        sheet = server.spreadsheet(sid).by_title(tab)
        index = server.sheet_rows(sid, tab)[0].index(header)
        where = {"sheetId": sheet.sheet_id, "dimension": "COLUMNS"}
        server.sheets.apply_request(
            server.spreadsheet(sid),
            "deleteDimension",
            {"range": {**where, "startIndex": index, "endIndex": index + 1}},
        )

    return SheetHarness(GoogleSheetStore(gc, sid, FAST), read_rows, set_rows, broken, drop_column)


def google_calendar(tmp_path: Path) -> CalendarHarness:
    server = _server()
    _, service, _ = clients(server)
    calendar = GoogleCalendar(service, "sheet", batch_uri("calendar", server.url), FAST)

    def events() -> dict[str, tuple[date, str, bool]]:
        out = {}
        for event in server.calendar_events(include_deleted=True):
            day = date.fromisoformat(event["start"]["date"])
            out[event["id"]] = (day, event.get("summary", ""), event["status"] == "cancelled")
        return out

    def broken() -> GoogleCalendar:
        # Settings name a calendar nobody shared with the sync: every call is answered 404.
        missing = "not-shared@group.calendar.google.com"
        return GoogleCalendar(service, "sheet", batch_uri("calendar", server.url), FAST, missing)

    def recurrence(event_id: str) -> str:
        (event,) = (e for e in server.calendar_events(include_deleted=True) if e["id"] == event_id)
        return "\n".join(line.removeprefix("RRULE:") for line in event.get("recurrence", []))

    return CalendarHarness(calendar, events, broken, recurrence)


def google_mailbox(tmp_path: Path) -> MailboxHarness:
    server = _server()
    _, _, service = clients(server)
    mailbox = GmailMailbox(service, batch_uri("gmail", server.url), FAST, clock=lambda: NOW)

    def drafts() -> dict[str, tuple[str, list[str]]]:
        out: dict[str, tuple[str, list[str]]] = {}
        for message in server.gmail_drafts().values():
            parsed: Any = message.parsed
            names = [p.get_filename() for p in parsed.walk() if p.get_filename()]
            out[message.header("Message-ID")] = (message.header("Subject"), names)
        return out

    def broken() -> GmailMailbox:
        # Delegation to another user's mailbox that was never granted: every call is a 403.
        return GmailMailbox(
            service,
            batch_uri("gmail", server.url),
            FAST,
            user_id="someone.else@example.org",
            clock=lambda: NOW,
        )

    def raw(message_id: str) -> bytes:
        for message in server.gmail_drafts().values():
            if message.header("Message-ID") == message_id:
                return message.raw
        raise KeyError(message_id)

    def discard(message_id: str) -> None:
        for draft_id, message in server.gmail_drafts().items():
            if message.header("Message-ID") == message_id:
                server.gmail_discard_draft(draft_id)

    return MailboxHarness(mailbox, drafts, raw, broken, discard)
