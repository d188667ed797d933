"""Repeating events, adapter by adapter: what the .ics holds, what Google is sent, and how the
fake Calendar checks ``recurrence``. The behaviour both adapters share is in
``test_port_contract.py``.
"""

from __future__ import annotations

from datetime import date, datetime

import pytest
from dateutil.rrule import rrulestr
from fakegoogle import FakeGoogle
from googleapiclient.errors import HttpError
from googlekit import FAST, NOW, clients
from icalendar import Calendar as ICalendar
from icalendar import vRecur

from sheetsync.adapters.google.calendar import GoogleCalendar
from sheetsync.adapters.google.clients import batch_uri
from sheetsync.adapters.local.ics_calendar import IcsCalendar, uid_of
from sheetsync.core.plan import EventSpec
from sheetsync.core.rhythm import RULES, next_on_or_after

EID = "0123456789abcdefghijklmnopqrstuv"
MONTHLY = RULES["Monthly"]
DAY = date(2027, 1, 31)
NOON = datetime.min.time().replace(hour=12)


def meeting(day: date = DAY, rule: str = MONTHLY, title: str = "Peer group") -> EventSpec:
    return EventSpec(EID, "meeting", "primary", day, title, "Meets monthly", (), recurrence=rule)


# -- the .ics ---------------------------------------------------------------------------------


def ics_event(path):
    (event,) = ICalendar.from_ical(path.read_bytes()).walk("VEVENT")
    assert str(event["uid"]) == uid_of(EID)
    return event


def test_the_ics_holds_an_rrule_that_calendar_apps_expand_as_the_core_does(tmp_path):
    path = tmp_path / "calendar.ics"
    IcsCalendar(path, lambda: NOW).apply([meeting()])
    text = path.read_bytes().decode()
    assert "DTSTART;VALUE=DATE:20270131\r\n" in text
    assert "RRULE:FREQ=MONTHLY;INTERVAL=1\r\n" in text
    event = ics_event(path)
    assert event["rrule"] == vRecur({"FREQ": ["MONTHLY"], "INTERVAL": [1]})
    # Expanded from the file alone, as an app would: 31 January, then the months with a 31st.
    start = event["dtstart"].dt
    series = rrulestr(event["rrule"].to_ical().decode(), dtstart=datetime.combine(start, NOON))
    dates = [d.date() for d in series[:4]]
    assert dates == [date(2027, 1, 31), date(2027, 3, 31), date(2027, 5, 31), date(2027, 7, 31)]
    assert dates[1] == next_on_or_after(start, MONTHLY, date(2027, 2, 1))


def test_a_new_rule_raises_the_sequence_and_replaces_the_rrule(tmp_path):
    path = tmp_path / "calendar.ics"
    cal = IcsCalendar(path, lambda: NOW)
    cal.apply([meeting()])
    assert int(ics_event(path)["sequence"]) == 0
    assert [o.action for o in cal.apply([meeting(rule=RULES["Quarterly"])])] == ["moved"]
    event = ics_event(path)
    assert int(event["sequence"]) == 1
    assert event["rrule"].to_ical() == b"FREQ=MONTHLY;INTERVAL=3"
    assert path.read_bytes().count(b"RRULE") == 1
    assert [o.action for o in cal.apply([meeting(rule="")])] == ["moved"]
    event = ics_event(path)
    assert int(event["sequence"]) == 2 and "rrule" not in event
    assert b"RRULE" not in path.read_bytes()


def ics_with(path, rrule_lines: bytes) -> None:
    path.write_bytes(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\n"
        + f"UID:{uid_of(EID)}\r\n".encode()
        + b"DTSTART;VALUE=DATE:20270131\r\nDTEND;VALUE=DATE:20270201\r\nSEQUENCE:4\r\n"
        + b"SUMMARY:Peer group\r\nDESCRIPTION:Meets monthly\r\nSTATUS:CONFIRMED\r\n"
        + rrule_lines
        + b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )


@pytest.mark.parametrize(
    "lines",
    [
        b"RRULE:FREQ=MONTHLY;BYMONTHDAY=31\r\n",  # a rule we would not write
        b"RRULE:FREQ=MONTHLY;INTERVAL=zz\r\n",  # one icalendar cannot read
        b"RRULE:FREQ=MONTHLY\r\nRRULE:FREQ=WEEKLY\r\n",  # two
        b"RRULE:FREQ=MONTHLY;INTERVAL=1\r\nEXDATE;VALUE=DATE:20270331\r\n",  # and dates off
    ],
)
def test_an_rrule_of_ours_that_differs_is_rewritten(tmp_path, lines):
    path = tmp_path / "calendar.ics"
    ics_with(path, lines)
    cal = IcsCalendar(path, lambda: NOW)
    assert [o.action for o in cal.apply([meeting()])] == ["moved"]
    event = ics_event(path)
    assert event["rrule"].to_ical() == b"FREQ=MONTHLY;INTERVAL=1"
    assert "exdate" not in event
    assert int(event["sequence"]) == 5
    assert [o.action for o in cal.apply([meeting()])] == ["unchanged"]


def test_an_rrule_spelled_otherwise_is_left_alone(tmp_path):
    path = tmp_path / "calendar.ics"
    ics_with(path, b"RRULE:freq=monthly\r\n")
    before = path.read_bytes()
    assert [o.action for o in IcsCalendar(path, lambda: NOW).apply([meeting()])] == ["unchanged"]
    assert path.read_bytes() == before


def test_a_bad_rule_alone_does_not_rewrite_the_file(tmp_path):
    path = tmp_path / "calendar.ics"
    cal = IcsCalendar(path, lambda: NOW)
    cal.apply([meeting()])
    before = path.read_bytes()
    (outcome,) = cal.apply([meeting(rule="FREQ=MONTHLY;BYDAY=1TU")])
    assert outcome.action == "failed"
    assert outcome.error == (
        "its repeat rule cannot be written: repeat rules with BYDAY are not supported"
    )
    assert path.read_bytes() == before


# -- Google -----------------------------------------------------------------------------------


@pytest.fixture
def server():
    with FakeGoogle(seed=11) as fake:
        yield fake


def google(server: FakeGoogle) -> GoogleCalendar:
    _, service, _ = clients(server)
    return GoogleCalendar(service, "sheet-1", batch_uri("calendar", server.url), FAST)


def bodies(server: FakeGoogle, method: str) -> list[dict]:
    return [r.body for r in server.requests("calendar", inner=True) if r.method_id == method]


def test_google_is_sent_the_rule_as_recurrence_on_insert_with_dates_and_no_zone(server):
    assert [o.action for o in google(server).apply([meeting()])] == ["created"]
    (body,) = bodies(server, "calendar.events.insert")
    assert body["recurrence"] == ["RRULE:FREQ=MONTHLY;INTERVAL=1"]
    # All-day: dates, which repeat as dates; a timeZone is required for dateTime ones only.
    assert body["start"] == {"date": "2027-01-31"}
    assert body["end"] == {"date": "2027-02-01"}
    (stored,) = server.calendar_events()
    assert stored["recurrence"] == ["RRULE:FREQ=MONTHLY;INTERVAL=1"]


def test_a_one_off_insert_carries_no_recurrence(server):
    google(server).apply([meeting(rule="")])
    (body,) = bodies(server, "calendar.events.insert")
    assert "recurrence" not in body


def test_google_patches_a_new_rule_and_clears_a_removed_one(server):
    google(server).apply([meeting()])
    server.reset_log()
    assert [o.action for o in google(server).apply([meeting(rule=RULES["Weekly"])])] == ["moved"]
    (patch,) = bodies(server, "calendar.events.patch")
    assert patch["recurrence"] == ["RRULE:FREQ=WEEKLY;INTERVAL=1"]
    (stored,) = server.calendar_events()
    assert stored["sequence"] == 1
    server.reset_log()
    assert [o.action for o in google(server).apply([meeting(rule="")])] == ["moved"]
    (patch,) = bodies(server, "calendar.events.patch")
    assert patch["recurrence"] == []  # a patch replaces a list whole: [] makes a one-off
    (stored,) = server.calendar_events()
    assert "recurrence" not in stored and stored["sequence"] == 2


def test_google_compares_rules_not_spellings(server):
    google(server).apply([meeting()])
    # Google's own editor writes a monthly rule without INTERVAL=1: the same rule.
    server.calendar_patch_event("primary", EID, {"recurrence": ["RRULE:FREQ=MONTHLY"]})
    server.reset_log()
    assert [o.action for o in google(server).apply([meeting()])] == ["unchanged"]
    assert bodies(server, "calendar.events.patch") == []


@pytest.mark.parametrize(
    "recurrence",
    [
        ["RRULE:FREQ=MONTHLY;BYMONTHDAY=31"],
        ["RRULE:FREQ=MONTHLY;INTERVAL=1", "EXDATE;VALUE=DATE:20270331"],
        ["EXDATE;VALUE=DATE:20270331"],
    ],
)
def test_a_recurrence_that_is_not_ours_is_patched_back(server, recurrence):
    google(server).apply([meeting()])
    server.calendar_patch_event("primary", EID, {"recurrence": recurrence})
    server.reset_log()
    assert [o.action for o in google(server).apply([meeting()])] == ["moved"]
    (stored,) = server.calendar_events()
    assert stored["recurrence"] == ["RRULE:FREQ=MONTHLY;INTERVAL=1"]


def test_a_bad_rule_is_not_sent_to_google(server):
    other = EventSpec("vvvvvvvvvvvvvvvvvvvvvvvvvvvvvvvv", "nurture", "primary", DAY, "T", "d", ())
    bad, good = google(server).apply([meeting(rule="FREQ=MONTHLY;COUNT=3"), other])
    assert bad.action == "failed"
    assert bad.error == (
        "its repeat rule cannot be written: repeat rules with COUNT are not supported"
    )
    assert good.action == "created"
    assert [b["id"] for b in bodies(server, "calendar.events.insert")] == [other.event_id]


# -- the fake Calendar's checks ----------------------------------------------------------------

ALL_DAY = {"start": {"date": "2027-01-31"}, "end": {"date": "2027-02-01"}}
TIMED = {
    "start": {"dateTime": "2027-01-31T18:00:00+00:00"},
    "end": {"dateTime": "2027-01-31T19:30:00+00:00"},
}


def insert(server: FakeGoogle, body: dict) -> dict:
    events = server.service("calendar").events()
    return events.insert(calendarId="primary", body=body).execute()


def refusal(server: FakeGoogle, body: dict) -> tuple[int, str, str]:
    with pytest.raises(HttpError) as caught:
        insert(server, body)
    error = caught.value
    return error.status_code, error.error_details[0]["reason"], error.reason


@pytest.mark.parametrize(
    "line",
    [
        "RRULE:FREQ=MONTHLY;BYDAY=1TU,-1FR;BYMONTH=1,6",
        "RRULE:FREQ=WEEKLY;UNTIL=20271231T000000Z;WKST=MO",
        "RRULE:FREQ=DAILY;COUNT=10;INTERVAL=2",
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=-1",
        "rrule:freq=yearly",
        "EXDATE;VALUE=DATE:20270228,20270331",
        "RDATE:20270605T120000Z",
    ],
)
def test_the_fake_stores_a_valid_recurrence_and_returns_it(server, line):
    created = insert(server, {"id": "rule00001", "recurrence": [line], **ALL_DAY})
    assert created["recurrence"] == [line]
    got = server.service("calendar").events().get(calendarId="primary", eventId="rule00001")
    assert got.execute()["recurrence"] == [line]


@pytest.mark.parametrize(
    "line",
    [
        "FREQ=WEEKLY",  # no property name
        "DTSTART;VALUE=DATE:20270131",  # the start says that
        "RRULE:FREQ=SOMETIMES",
        "RRULE:INTERVAL=2",
        "RRULE:FREQ=WEEKLY;FREQ=DAILY",
        "RRULE:FREQ=WEEKLY;INTERVAL=0",
        "RRULE:FREQ=WEEKLY;COUNT=2;UNTIL=20271231",
        "RRULE:FREQ=WEEKLY;UNTIL=20271399",
        "RRULE:FREQ=WEEKLY;BYDAY=XX",
        "RRULE:FREQ=MONTHLY;BYMONTHDAY=32",
        "RRULE:FREQ=MONTHLY;BYMONTH=0",
        "RRULE:FREQ=WEEKLY;X-NAME=1",
        "RRULE:FREQ=WEEKLY;",
        "RRULE:FREQ=WEEKLY\nRRULE:FREQ=DAILY",
        "EXDATE:last tuesday",
        "EXDATE:",
    ],
)
def test_the_fake_refuses_a_malformed_recurrence_as_google_does(server, line):
    body = {"recurrence": [line], **ALL_DAY}
    assert refusal(server, body) == (400, "invalid", "Invalid recurrence rule.")
    assert server.calendar_events() == []


def test_the_fake_checks_recurrence_against_the_discovery_document(server):
    status, _, message = refusal(server, {"recurrence": "RRULE:FREQ=WEEKLY", **ALL_DAY})
    assert status == 400 and "recurrence" in message


def test_a_repeating_timed_event_needs_its_time_zone(server):
    body = {"recurrence": ["RRULE:FREQ=WEEKLY"], **TIMED}
    missing = (400, "required", "Missing time zone definition for start time.")
    assert refusal(server, body) == missing
    zoned = {
        "start": {**TIMED["start"], "timeZone": "Europe/London"},
        "end": {**TIMED["end"]},
    }
    assert refusal(server, {"recurrence": ["RRULE:FREQ=WEEKLY"], **zoned})[2] == (
        "Missing time zone definition for end time."
    )
    zoned["end"]["timeZone"] = "Europe/London"
    assert insert(server, {"recurrence": ["RRULE:FREQ=WEEKLY"], **zoned})["recurrence"]
    assert insert(server, dict(TIMED))["start"] == TIMED["start"]  # a one-off needs none


def test_the_fake_patches_recurrence_whole_and_refuses_a_bad_one(server):
    insert(server, {"id": "rule00001", "recurrence": ["RRULE:FREQ=WEEKLY"], **ALL_DAY})
    events = server.service("calendar").events()
    with pytest.raises(HttpError) as caught:
        body = {"recurrence": ["RRULE:FREQ=NEVER"]}
        events.patch(calendarId="primary", eventId="rule00001", body=body).execute()
    assert caught.value.status_code == 400
    assert server.calendar_events()[0]["recurrence"] == ["RRULE:FREQ=WEEKLY"]
    body = {"recurrence": ["RRULE:FREQ=DAILY"]}
    patched = events.patch(calendarId="primary", eventId="rule00001", body=body).execute()
    assert patched["recurrence"] == ["RRULE:FREQ=DAILY"]
    single = events.patch(calendarId="primary", eventId="rule00001", body={"recurrence": []})
    assert "recurrence" not in single.execute()
    with pytest.raises(HttpError) as caught:
        update = {"recurrence": ["RRULE:FREQ=WEEKLY"], **TIMED}
        events.update(calendarId="primary", eventId="rule00001", body=update).execute()
    assert caught.value.reason == "Missing time zone definition for start time."


def test_the_fake_lists_a_series_in_windows_after_its_first_day(server):
    insert(server, {"id": "series001", "recurrence": ["RRULE:FREQ=MONTHLY"], **ALL_DAY})
    ended = ["RRULE:FREQ=MONTHLY;UNTIL=20270301"]
    insert(server, {"id": "series002", "recurrence": ended, **ALL_DAY})
    insert(server, {"id": "single001", **ALL_DAY})
    events = server.service("calendar").events()

    def listed(time_min: str) -> list[str]:
        reply = events.list(calendarId="primary", timeMin=time_min).execute()
        return [e["id"] for e in reply["items"]]

    assert listed("2027-01-01T00:00:00Z") == ["series001", "series002", "single001"]
    assert listed("2027-02-15T00:00:00Z") == ["series001", "series002"]
    assert listed("2027-06-01T00:00:00Z") == ["series001"]
