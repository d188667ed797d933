"""The local Calendar: one RFC 5545 ``.ics`` file, written with the icalendar library.

Each event's UID is its deterministic event id, so an event whose date changes is moved in
place (its SEQUENCE goes up), never duplicated, and any calendar app that imports the file
again updates the event it already has. A repeating event (a group's meetings) carries its
rule as an RRULE property; a new rule, or none, moves the event the same way.

A file that is not iCalendar at all stops the sync with a ``BackendError`` (rewriting it
would lose whatever it holds); one of our events with a value icalendar cannot read (a date,
a SEQUENCE) is rewritten, as any event of ours that differs from what is wanted.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sheetsync.adapters.clock import Clock, utc_now
from sheetsync.adapters.local.files import check_replaceable, file_error, write_atomically
from sheetsync.core.plan import EventOutcome, EventSpec
from sheetsync.core.rhythm import Rule, parse_rule
from sheetsync.errors import BackendError
from sheetsync.ports import Calendar

PRODID = "-//sheetsync//referral network//EN"
UID_DOMAIN = "@sheetsync"


def uid_of(event_id: str) -> str:
    return event_id + UID_DOMAIN


def _new_calendar() -> Any:
    # icalendar loads on first use: the Google backend's cold start does not need it.
    from icalendar import Calendar as ICalendar

    cal = ICalendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("x-wr-calname", "Referral network follow-ups")
    return cal


def _sequence(event: Any) -> int:
    """The event's SEQUENCE; 0 when it has none or one icalendar could not read."""
    try:
        return int(event.get("sequence", 0))
    except ValueError:
        return 0


#: How an event repeats, in iCalendar: all of it is the sync's to write.
RECURRENCE_KEYS = ("rrule", "exrule", "rdate", "exdate")
#: What ``_fill`` writes afresh on every change.
FILLED_KEYS = (
    "dtstart",
    "dtend",
    *RECURRENCE_KEYS,
    "summary",
    "description",
    "status",
    "last-modified",
)


def _rule_of(event: Any) -> Rule | None:
    """The event's RRULE, None for a one-off; ``ValueError`` for a recurrence sheetsync would
    not write (several rules, EXDATE or RDATE, unreadable, parts beyond FREQ and INTERVAL)."""
    if any(key in event for key in RECURRENCE_KEYS[1:]):
        raise ValueError("dates added or taken out")
    prop = event.get("rrule")
    if prop is None:
        return None
    if isinstance(prop, list):
        raise ValueError("several RRULEs")
    # A vRecur, or a vBroken holding the text icalendar could not read: both give text back.
    return parse_rule(prop.to_ical().decode("utf-8", "replace"))


def _differs(event: Any, spec: EventSpec, rule: Rule | None) -> tuple[bool, bool]:
    """(dates differ: first day or repeat rule, text or status differs)."""
    start = event.get("dtstart")
    try:
        moved = start is None or start.dt != spec.day
    except ValueError:  # icalendar's BrokenCalendarProperty: a date it could not read
        moved = True
    try:
        # Compared as parsed rules: "FREQ=MONTHLY" and "FREQ=MONTHLY;INTERVAL=1" are one rule.
        moved = moved or _rule_of(event) != rule
    except ValueError:
        moved = True
    retitled = (
        str(event.get("summary", "")) != spec.title
        or str(event.get("description", "")) != spec.description
        or str(event.get("status", "CONFIRMED")) == "CANCELLED"
    )
    return moved, retitled


class IcsCalendar(Calendar):
    """Events in one ``.ics`` file."""

    def __init__(self, path: Path, clock: Clock = utc_now):
        self.path = path
        self.clock = clock

    def check_writable(self) -> None:
        check_replaceable(self.path, "the calendar file")

    def _load(self) -> Any:
        from icalendar import Calendar as ICalendar

        try:
            data = self.path.read_bytes()
        except FileNotFoundError:
            return _new_calendar()
        except OSError as error:
            raise file_error("read", self.path, error) from None
        try:
            return ICalendar.from_ical(data)
        except ValueError:
            # icalendar's message quotes the line it could not parse: not repeated here.
            raise BackendError(
                f"{self.path.name} in {self.path.parent} is not a readable iCalendar file: "
                "move it away (or fix it) and sync again"
            ) from None

    def _fill(self, event: Any, spec: EventSpec, rule: Rule | None, now: datetime) -> None:
        from icalendar import vRecur

        for key in FILLED_KEYS:
            event.pop(key, None)
        event.add("dtstart", spec.day)
        event.add("dtend", spec.day + timedelta(days=1))
        if rule is not None:
            event.add("rrule", vRecur.from_ical(rule.text))
        event.add("summary", spec.title)
        event.add("description", spec.description)
        event.add("status", "CONFIRMED")
        event.add("last-modified", now)

    def apply(self, events: Sequence[EventSpec]) -> list[EventOutcome]:
        if not events:
            return []
        from icalendar import Event

        cal = self._load()
        by_uid = {str(c.get("uid")): c for c in cal.walk("VEVENT")}
        now = self.clock().astimezone(UTC).replace(microsecond=0)
        outcomes: list[EventOutcome] = []
        changed = False
        for spec in events:
            event = by_uid.get(uid_of(spec.event_id))
            if spec.cancelled:
                if event is None or str(event.get("status", "")) == "CANCELLED":
                    outcomes.append(EventOutcome(spec.event_id, "absent"))
                    continue
                event["status"] = "CANCELLED"
                event["sequence"] = _sequence(event) + 1
                outcomes.append(EventOutcome(spec.event_id, "cancelled"))
                changed = True
                continue
            try:
                rule = parse_rule(spec.recurrence) if spec.recurrence else None
            except ValueError as error:
                # One event's rule, not the whole calendar: the others are still written.
                reason = f"its repeat rule cannot be written: {error}"
                outcomes.append(EventOutcome(spec.event_id, "failed", reason))
                continue
            if event is None:
                event = Event()
                event.add("uid", uid_of(spec.event_id))
                event.add("dtstamp", now)
                event.add("sequence", 0)
                event.add("transp", "TRANSPARENT")
                event.add("x-sheetsync-purpose", spec.purpose)
                self._fill(event, spec, rule, now)
                cal.add_component(event)
                by_uid[uid_of(spec.event_id)] = event
                outcomes.append(EventOutcome(spec.event_id, "created"))
                changed = True
                continue
            moved, retitled = _differs(event, spec, rule)
            if not (moved or retitled):
                outcomes.append(EventOutcome(spec.event_id, "unchanged"))
                continue
            self._fill(event, spec, rule, now)
            event["sequence"] = _sequence(event) + 1
            outcomes.append(EventOutcome(spec.event_id, "moved" if moved else "updated"))
            changed = True
        if changed:
            write_atomically(self.path, cal.to_ical())
        return outcomes
