"""One contact's whole life, a GP practice's drop-in and a monthly group, on the local backend.

The therapist only records what happened (a Log row, a Stage when they like); each sync moves
the contact on, the calendar file shows what is due, and a second sync on the same day changes
nothing.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import openpyxl
from icalendar import Calendar

from sheet_template import TEMPLATE
from sheet_template import tabs as t
from sheetsync.adapters.local.workbook_template import write_template
from sheetsync.bootstrap import local_backend
from sheetsync.service import run_sync

DAY1 = date(2026, 12, 1)
SETTINGS = {
    "Your name": "Alex Morgan",
    "Practice name": "Brightside",
    "Your email": "alex@brightside.example",
    "Your specialty": "anxiety in teens",
    "Who you help": "teenagers with anxiety",
    "Website URL": "https://brightside.example",
    "Local area": "Newtown",
}


def on(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 9, 0, tzinfo=UTC)


def row(tab: str, **cells: object) -> list[object]:
    return [cells.get(col.key) for col in TEMPLATE.tab(tab).columns]


def workbook(tmp_path: Path) -> Path:
    path = tmp_path / "network.xlsx"
    write_template(
        path,
        {
            "Contacts": [
                row(
                    "Contacts",
                    name="Ana Silva",
                    email="ana@example.org",
                    category=t.THERAPIST_OTHER,
                    practice_size="Solo",
                ),
                row(
                    "Contacts",
                    name="Dr Jane Smith",
                    category=t.GP,
                    practice="Harbour Medical",
                    access_route=t.ROUTE_DROP_IN,
                    practice_manager="Jo Peters",
                    practice_manager_email="jo@harbour.example",
                ),
            ],
            "Groups": [
                row(
                    "Groups",
                    name="Peer group",
                    type=t.GROUP_PEER_ASSOCIATION,
                    meets="Monthly",
                    next_meeting=DAY1 + timedelta(days=4),
                    status=t.GROUP_JOINED,
                ),
            ],
        },
    )
    wb = openpyxl.load_workbook(path)
    ws = wb["Settings"]
    for r in range(2, ws.max_row + 1):
        label = ws.cell(r, 1).value
        if label in SETTINGS:
            ws.cell(r, 2).value = SETTINGS[label]
    wb.save(path)
    return path


class Network:
    """The workbook as the therapist sees it, and their edits."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def sync(self, day: date):
        return run_sync(local_backend(self.path, lambda: on(day)), on(day))

    def cell(self, tab: str, name: str, header: str) -> object:
        ws = openpyxl.load_workbook(self.path)[tab]
        headers = [c.value for c in ws[1]]
        for values in ws.iter_rows(min_row=2, values_only=True):
            if values[headers.index("Name")] == name:
                return values[headers.index(header)]
        raise KeyError(name)

    def log(self, day: date, contact: str, what: str) -> None:
        wb = openpyxl.load_workbook(self.path)
        ws = wb["Log"]
        headers = [c.value for c in ws[1]]
        new = ws.max_row + 1
        while new > 2 and ws.cell(new - 1, 2).value is None:
            new -= 1
        ws.cell(new, headers.index("Date") + 1).value = day
        ws.cell(new, headers.index("Contact") + 1).value = contact
        ws.cell(new, headers.index("What") + 1).value = what
        wb.save(self.path)

    def set_stage(self, name: str, stage: str) -> None:
        wb = openpyxl.load_workbook(self.path)
        ws = wb["Contacts"]
        headers = [c.value for c in ws[1]]
        for r in range(2, ws.max_row + 1):
            if ws.cell(r, headers.index("Name") + 1).value == name:
                ws.cell(r, headers.index("Stage") + 1).value = stage
        wb.save(self.path)

    def events(self) -> dict[str, tuple[date, str]]:
        """Title (without the overdue note) -> (day, status) of every event in calendar.ics."""
        cal = Calendar.from_ical((self.path.parent / "calendar.ics").read_bytes())
        out = {}
        for event in cal.walk("VEVENT"):
            title = str(event["summary"]).split(" (overdue")[0]
            out[title] = (event["dtstart"].dt, str(event["status"]))
        return out


def test_a_contact_goes_from_prospect_to_nurturing_by_what_is_recorded(tmp_path):
    net = Network(workbook(tmp_path))
    # Day 1: the intro is drafted, nothing is in the calendar for Ana yet.
    first = net.sync(DAY1)
    # Ana's intro, Harbour Medical's GP kit: its cover note and its letter for the doctors.
    assert first.drafts["created"] == 3
    assert net.cell("Contacts", "Ana Silva", "Sync status").startswith("OK: intro drafted")
    assert "Follow up intro: Ana Silva" not in net.events()
    again = net.sync(DAY1)
    assert again.created == 0 and not [w for w in again.writes if w.ref.tab != "Summary"]

    # Day 2: she sends it and logs it. The follow-up counts from the send date.
    day2 = DAY1 + timedelta(days=1)
    net.log(day2, "Ana Silva", t.INTRO_SENT)
    net.sync(day2)
    assert net.cell("Contacts", "Ana Silva", "Sync status") == (
        "OK: intro sent on 2 Dec: set Stage to Contacted when you like"
    )
    assert net.events()["Follow up intro: Ana Silva"] == (day2 + timedelta(days=14), "CONFIRMED")
    assert net.cell("Contacts", "Ana Silva", "Stage") is None  # never written by the sync

    # Day 17: no answer; the follow-up is overdue, so it is on today's agenda.
    day17 = DAY1 + timedelta(days=16)
    net.sync(day17)
    assert net.events()["Follow up intro: Ana Silva"] == (day17, "CONFIRMED")

    # Day 18: a coffee is booked for day 25: it goes in the calendar; the follow-up stays
    # where it was done, in the past.
    day18 = DAY1 + timedelta(days=17)
    net.log(DAY1 + timedelta(days=24), "Ana Silva", t.COFFEE)
    net.sync(day18)
    events = net.events()
    assert events["Coffee: Ana Silva"] == (DAY1 + timedelta(days=24), "CONFIRMED")
    assert events["Follow up intro: Ana Silva"] == (day17, "CONFIRMED")

    # Day 26: the coffee happened. Was it a fit? Meanwhile the cadence counts from it.
    day26 = DAY1 + timedelta(days=25)
    net.sync(day26)
    assert net.cell("Contacts", "Ana Silva", "Sync status") == (
        "OK: met on 25 Dec: was it a fit? Set Stage to Nurturing or Not a fit"
    )
    touch = net.events()["Nurture touch: Ana Silva"]
    assert touch == (DAY1 + timedelta(days=24 + 60), "CONFIRMED")

    # She decides: Nurturing. The status is plain, and the touch stays where it was.
    net.set_stage("Ana Silva", t.NURTURING)
    settled = net.sync(day26)
    assert net.cell("Contacts", "Ana Silva", "Sync status") == "OK"
    assert settled.events.get("moved", 0) == 0 and settled.created == 0
    assert net.events()["Nurture touch: Ana Silva"] == touch


def test_a_gp_practice_goes_from_drop_in_to_its_own_next_step(tmp_path):
    net = Network(workbook(tmp_path))
    net.sync(DAY1)
    visit = "Drop in at Harbour Medical: letter and flyers for the Practice Manager"
    assert net.events()[visit] == (DAY1 + timedelta(days=7), "CONFIRMED")
    day9 = DAY1 + timedelta(days=8)
    net.log(day9, "Dr Jane Smith", t.DROP_IN_VISIT)
    net.sync(day9)
    events = net.events()
    assert events["Follow up with Harbour Medical: call the Practice Manager"] == (
        day9 + timedelta(days=14),
        "CONFIRMED",
    )
    assert not any(title.startswith("Follow up intro") for title in events)
    assert net.cell("Contacts", "Dr Jane Smith", "Sync status") == (
        "OK: drop-in visit made 9 Dec: set Stage to Contacted when you like"
    )


def test_a_monthly_group_is_one_repeating_event(tmp_path):
    net = Network(workbook(tmp_path))
    net.sync(DAY1)
    cal = Calendar.from_ical((tmp_path / "calendar.ics").read_bytes())
    (series,) = [e for e in cal.walk("VEVENT") if str(e["summary"]) == "Peer group meeting"]
    assert series["dtstart"].dt == DAY1 + timedelta(days=4)
    assert series["rrule"].to_ical() == b"FREQ=MONTHLY;INTERVAL=1"
    later = DAY1 + timedelta(days=6)
    report = net.sync(later)
    assert report.events.get("created", 0) == 0 and report.events.get("moved", 0) == 0
    assert net.cell("Groups", "Peer group", "Sync status") == "OK: next meeting 5 Jan 2027"
