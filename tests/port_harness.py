"""Per-adapter harnesses for the shared port behaviour suite (``test_port_contract.py``).

Each harness builds one adapter of a port plus a small inspector that reads the adapter's
backing store directly (the workbook file, the .ics file, the fake Google server's state), so
the same tests can assert on what really happened for every adapter.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email import policy
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import openpyxl
from icalendar import Calendar as ICalendar

from sheetsync.adapters.local.eml_mailbox import EmlMailbox
from sheetsync.adapters.local.ics_calendar import IcsCalendar, uid_of
from sheetsync.adapters.local.workbook_template import write_template
from sheetsync.adapters.local.xlsx_store import XlsxStore, set_cell
from sheetsync.core.cells import Cell
from sheetsync.ports import Calendar, Mailbox, SheetStore

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


@dataclass
class SheetHarness:
    store: SheetStore
    #: The rows of a tab as the backing store holds them now (header first).
    rows: Callable[[str], list[list[Cell]]]
    #: Replace a tab's data rows (header kept), as a person editing would.
    set_rows: Callable[[str, list[list[Cell]]], None]
    #: An adapter of the port on a broken store (a corrupt file, a Sheet that is not there).
    broken: Callable[[], SheetStore]
    #: Remove a column (by header) from a tab, as if the Sheet predated it.
    drop_column: Callable[[str, str], None]


@dataclass
class CalendarHarness:
    calendar: Calendar
    #: event id -> (day, title, cancelled)
    events: Callable[[], dict[str, tuple[date, str, bool]]]
    #: An adapter on a broken store (a corrupt .ics, a calendar that is not shared).
    broken: Callable[[], Calendar]
    #: event id -> its repeat rule as stored, without "RRULE:" ("" for a one-off); several
    #: rules, or lines that are not RRULEs, come back joined by newlines, as they are.
    recurrence: Callable[[str], str]


@dataclass
class MailboxHarness:
    mailbox: Mailbox
    #: Message-ID -> (subject, attachment file names)
    drafts: Callable[[], dict[str, tuple[str, list[str]]]]
    #: The raw RFC 5322 bytes stored for a Message-ID.
    raw: Callable[[str], bytes]
    #: An adapter on a broken store (a drafts "folder" that is a file, a mailbox refusing all).
    broken: Callable[[], Mailbox]
    #: The user deletes the draft of a Message-ID, as a person would (file, or Gmail's Discard).
    discard: Callable[[str], None]


def local_sheet(tmp_path: Path, rows: dict[str, list[list[Cell]]]) -> SheetHarness:
    path = tmp_path / "book.xlsx"
    write_template(path, rows)

    def read_rows(tab: str) -> list[list[Cell]]:
        ws = openpyxl.load_workbook(path)[tab]
        values = [[c.value for c in row] for row in ws.iter_rows()]
        return [r for r in values if any(v is not None for v in r)]

    def set_rows(tab: str, new_rows: list[list[Cell]]) -> None:
        wb = openpyxl.load_workbook(path)
        ws = wb[tab]
        width = ws.max_column
        for r in range(2, ws.max_row + 1):
            for c in range(1, width + 1):
                ws.cell(row=r, column=c).value = None
        for r, values in enumerate(new_rows, 2):
            for c, value in enumerate(values, 1):
                set_cell(ws, r, c, value)
        wb.save(path)

    def broken() -> SheetStore:
        path.write_bytes(b"PK\x03\x04 a zip file cut short")
        return XlsxStore(path)

    def drop_column(tab: str, header: str) -> None:
        wb = openpyxl.load_workbook(path)
        ws = wb[tab]
        headers = [c.value for c in ws[1]]
        ws.delete_cols(headers.index(header) + 1)
        wb.save(path)

    return SheetHarness(XlsxStore(path), read_rows, set_rows, broken, drop_column)


def local_calendar(tmp_path: Path) -> CalendarHarness:
    path = tmp_path / "calendar.ics"

    def events() -> dict[str, tuple[date, str, bool]]:
        if not path.exists():
            return {}
        cal = ICalendar.from_ical(path.read_bytes())
        out = {}
        for event in cal.walk("VEVENT"):
            uid = str(event["uid"])
            eid = uid.removesuffix(uid_of(""))
            cancelled = str(event.get("status", "")) == "CANCELLED"
            out[eid] = (event["dtstart"].dt, str(event["summary"]), cancelled)
        return out

    def broken() -> Calendar:
        path.write_bytes(b"BEGIN:VCALENDAR\r\nthis line is not iCalendar\r\n")
        return IcsCalendar(path, lambda: NOW)

    def recurrence(event_id: str) -> str:
        cal = ICalendar.from_ical(path.read_bytes())
        (event,) = (e for e in cal.walk("VEVENT") if str(e["uid"]) == uid_of(event_id))
        rules = event.get("rrule")
        if rules is None:
            return ""
        rules = rules if isinstance(rules, list) else [rules]
        return "\n".join(rule.to_ical().decode() for rule in rules)

    return CalendarHarness(IcsCalendar(path, lambda: NOW), events, broken, recurrence)


def local_mailbox(tmp_path: Path) -> MailboxHarness:
    folder = tmp_path / "drafts"

    def drafts() -> dict[str, tuple[str, list[str]]]:
        out: dict[str, tuple[str, list[str]]] = {}
        parser = BytesParser(policy=policy.default)
        for path in folder.glob("*.eml") if folder.exists() else []:
            message: Any = parser.parsebytes(path.read_bytes())
            names = [part.get_filename() for part in message.iter_attachments()]
            out[str(message["Message-ID"])] = (str(message["Subject"]), names)
        return out

    def broken() -> Mailbox:
        folder.write_bytes(b"a file where the drafts folder should be")
        return EmlMailbox(folder, lambda: NOW)

    def raw(message_id: str) -> bytes:
        parser = BytesParser(policy=policy.default)
        for path in folder.glob("*.eml"):
            data = path.read_bytes()
            if str(parser.parsebytes(data, headersonly=True)["Message-ID"]) == message_id:
                return data
        raise KeyError(message_id)

    def discard(message_id: str) -> None:
        parser = BytesParser(policy=policy.default)
        for path in folder.glob("*.eml"):
            if str(parser.parsebytes(path.read_bytes(), True)["Message-ID"]) == message_id:
                path.unlink()

    return MailboxHarness(EmlMailbox(folder, lambda: NOW), drafts, raw, broken, discard)
