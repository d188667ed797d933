"""The fake Calendar's reading of an event's ``recurrence``: RRULE, EXRULE, RDATE and EXDATE lines.

Owns what Google checks before it stores a repeating event: every line is one of those four
properties (a DTSTART or DTEND line is refused: the event's start and end say that), every rule
follows RFC 5545's RECUR grammar (FREQ first among equals and required, each part once, COUNT
and UNTIL not both, numbers in range), every date list holds dates or date-times, and a
repeating event whose start or end is a ``dateTime`` names the ``timeZone`` it repeats in
(EventDateTime.timeZone: "For recurring events this field is required"). An all-day event's
dates need none. Anything else is answered as Google answers it, 400 "Invalid recurrence rule.".

Also owns how far a series reaches, for ``events.list``'s time window: from its first start to
its UNTIL, or without end. A window that falls between two meetings still lists the event
(the fake does not expand instances, nor ``singleEvents``).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from .errors import bad_request

INVALID = "Invalid recurrence rule."

_PROPERTIES = ("RRULE", "EXRULE", "RDATE", "EXDATE")
_FREQS = ("SECONDLY", "MINUTELY", "HOURLY", "DAILY", "WEEKLY", "MONTHLY", "YEARLY")
_WEEKDAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")
_DATE = r"\d{8}"
_DATE_TIME = r"\d{8}T\d{6}Z?"
_UNTIL = re.compile(rf"^(?:{_DATE_TIME}|{_DATE})$")
_DATE_VALUE = re.compile(rf"^(?:{_DATE_TIME}|{_DATE})(?:/.+)?$")  # RDATE may give a period
_DIGITS = re.compile(r"^\d+$")
_SIGNED = re.compile(r"^[+-]?\d+$")
_BYDAY = re.compile(r"^([+-]?\d{1,2})?([A-Z]{2})$")
#: BYxxx part -> (lowest, highest, may be negative)
_RANGES: dict[str, tuple[int, int, bool]] = {
    "BYSECOND": (0, 60, False),
    "BYMINUTE": (0, 59, False),
    "BYHOUR": (0, 23, False),
    "BYMONTHDAY": (1, 31, True),
    "BYYEARDAY": (1, 366, True),
    "BYWEEKNO": (1, 53, True),
    "BYMONTH": (1, 12, False),
    "BYSETPOS": (1, 366, True),
}


def check_recurrence(resource: dict[str, Any]) -> None:
    """Raise Google's 400 for a malformed ``recurrence`` or a repeating event with no zone."""
    lines = resource.get("recurrence") or []
    for line in lines:
        _check_line(line)
    if not lines:
        return
    for which in ("start", "end"):
        when = resource.get(which) or {}
        if "dateTime" in when and not when.get("timeZone"):
            raise bad_request(f"Missing time zone definition for {which} time.", "required")


def _check_line(line: Any) -> None:
    if not isinstance(line, str) or "\n" in line or "\r" in line:
        raise bad_request(INVALID)
    head, sep, value = line.partition(":")
    name, *params = head.split(";")
    if not sep or name.upper() not in _PROPERTIES or any("=" not in p for p in params):
        raise bad_request(INVALID)
    if name.upper() in ("RRULE", "EXRULE"):
        if params or not _valid_rule(value):
            raise bad_request(INVALID)
    elif not value or not all(_DATE_VALUE.match(v) for v in value.split(",")):
        raise bad_request(INVALID)


def _valid_rule(value: str) -> bool:
    parts: dict[str, str] = {}
    for part in value.split(";"):
        key, sep, text = part.partition("=")
        key = key.upper()
        if not sep or not text or key in parts:
            return False
        parts[key] = text.upper()
    if parts.get("FREQ") not in _FREQS or ("COUNT" in parts and "UNTIL" in parts):
        return False
    return all(_valid_part(key, text) for key, text in parts.items())


def _valid_part(key: str, text: str) -> bool:
    if key == "FREQ":
        return True
    if key in ("COUNT", "INTERVAL"):
        return _DIGITS.match(text) is not None and int(text) >= 1
    if key == "UNTIL":
        return _UNTIL.match(text) is not None and _calendar_date(text[:8])
    if key == "WKST":
        return text in _WEEKDAYS
    if key == "BYDAY":
        return all(_valid_day(item) for item in text.split(","))
    if key in _RANGES:
        low, high, signed = _RANGES[key]
        return all(_in_range(item, low, high, signed) for item in text.split(","))
    return False  # not a RECUR part (X-names included: Google takes none)


def _valid_day(item: str) -> bool:
    match = _BYDAY.match(item)
    if match is None or match.group(2) not in _WEEKDAYS:
        return False
    ordinal = match.group(1)
    return ordinal is None or 1 <= abs(int(ordinal)) <= 53


def _in_range(item: str, low: int, high: int, signed: bool) -> bool:
    if _SIGNED.match(item) is None or (not signed and item[0] in "+-"):
        return False
    number = int(item)
    return low <= abs(number) <= high and number != 0


def _calendar_date(digits: str) -> bool:
    try:
        date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return False
    return True


def series_end(resource: dict[str, Any], start: datetime, end: datetime) -> datetime | None:
    """When the series whose first instance runs from ``start`` to ``end`` ends: ``end`` for a
    one-off, the end of an instance starting at the last UNTIL, or None for a series without
    end (COUNT is taken as without end: the fake does not count instances)."""
    lines = [line for line in resource.get("recurrence") or [] if isinstance(line, str)]
    rules = [line.partition(":")[2] for line in lines if line.upper().startswith("RRULE")]
    if not rules:
        return end
    last: datetime | None = None
    for rule in rules:
        parts = dict(p.partition("=")[::2] for p in rule.upper().split(";"))
        until = parts.get("UNTIL")
        if until is None:
            return None
        moment = datetime.combine(datetime.strptime(until[:8], "%Y%m%d").date(), time(), UTC)
        if "T" in until:
            moment += timedelta(
                hours=int(until[9:11]), minutes=int(until[11:13]), seconds=int(until[13:15])
            )
        last = moment if last is None else max(last, moment)
    assert last is not None
    return last + (end - start)
