"""How a group's meetings repeat: its "Meets" rhythm as an RFC 5545 RRULE, and the series' dates.

Owns the one mapping from the Groups tab's "Meets" choices to the RRULE values that calendar
events carry (``EventSpec.recurrence``), the subset of RRULE that sheetsync writes and reads
back (FREQ and INTERVAL: every n days, weeks, months or years, from the event's first day), and
the date arithmetic of that subset with RFC 5545's meaning. A monthly series that starts on the
31st has no meeting in a month without a 31st: the month is skipped, as calendar apps do, not
moved to the 30th. A yearly one from 29 February falls in leap years only.

Written here rather than taken from dateutil's ``rrule`` (installed with icalendar): that one
accepts INTERVAL=0, a repeated part or an "RRULE:" prefix without a word, and walks every
occurrence from the first, which for an old start date takes half a second a call; here the rule
is checked strictly and the next date is computed, not searched for.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from types import MappingProxyType
from typing import Literal, get_args

Freq = Literal["DAILY", "WEEKLY", "MONTHLY", "YEARLY"]
FREQS: tuple[Freq, ...] = get_args(Freq)
_FREQ_BY_NAME: Mapping[str, Freq] = MappingProxyType({freq: freq for freq in FREQS})

#: The RRULE of each Groups "Meets" choice; "" for Ad hoc, whose dates are one-offs.
RULES: Mapping[str, str] = MappingProxyType(
    {
        "Weekly": "FREQ=WEEKLY;INTERVAL=1",
        "Fortnightly": "FREQ=WEEKLY;INTERVAL=2",
        "Monthly": "FREQ=MONTHLY;INTERVAL=1",
        "Every 2 months": "FREQ=MONTHLY;INTERVAL=2",
        "Quarterly": "FREQ=MONTHLY;INTERVAL=3",
        "Ad hoc": "",
    }
)


@dataclass(frozen=True)
class Rule:
    """A parsed RRULE of the subset sheetsync uses: every ``interval`` ``freq`` units."""

    freq: Freq
    interval: int = 1

    @property
    def text(self) -> str:
        """The RRULE value in one spelling, as the calendars are given it."""
        return f"FREQ={self.freq};INTERVAL={self.interval}"


def rule_for(meets: str | None) -> str:
    """The RRULE value for a Groups "Meets" choice: "" for Ad hoc or an empty cell.

    Raises ``ValueError`` for a value that is not one of the template's choices (the Groups
    model lets none through, so that is a programming error, not a cell to report).
    """
    if meets is None:
        return ""
    try:
        return RULES[meets]
    except KeyError:
        raise ValueError("not one of the Meets choices") from None


def parse_rule(rule: str) -> Rule:
    """``rule`` (an RRULE value, without "RRULE:") as a ``Rule``.

    Part names and FREQ's value are read without regard to case, as RFC 5545 says; anything
    beyond FREQ and INTERVAL raises ``ValueError`` saying which part, and so does a malformed
    rule. The messages name parts, never the text given.
    """
    parts: dict[str, str] = {}
    for part in rule.split(";"):
        name, sep, value = part.partition("=")
        name = name.strip().upper()
        if not sep or not name:
            raise ValueError("a repeat rule is NAME=VALUE parts joined by ';'")
        if name in parts:
            raise ValueError(f"the repeat rule gives {name} twice")
        parts[name] = value.strip()
    freq = parts.pop("FREQ", None)
    if freq is None:
        raise ValueError("a repeat rule needs FREQ")
    known = _FREQ_BY_NAME.get(freq.upper())
    if known is None:
        raise ValueError("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY for an all-day event")
    interval_text = parts.pop("INTERVAL", "1")
    if not (interval_text.isascii() and interval_text.isdigit()) or int(interval_text) < 1:
        raise ValueError("INTERVAL must be a whole number of 1 or more")
    if parts:
        raise ValueError(f"repeat rules with {', '.join(sorted(parts))} are not supported")
    return Rule(known, int(interval_text))


def next_on_or_after(anchor: date, rule: str, day: date) -> date:
    """The first date of the series that starts on ``anchor`` and repeats by ``rule`` that
    falls on or after ``day``.

    ``anchor`` itself is the series' first date, whatever ``day`` is. An empty ``rule`` is a
    one-off: its only date is ``anchor``. Raises ``ValueError`` when the series has no date on
    or after ``day`` (a one-off already passed, or the calendar's last year reached) and for a
    rule ``parse_rule`` refuses.

    >>> next_on_or_after(date(2026, 1, 31), "FREQ=MONTHLY;INTERVAL=1", date(2026, 2, 1))
    datetime.date(2026, 3, 31)
    """
    if day <= anchor:
        if rule:
            parse_rule(rule)
        return anchor
    if not rule:
        raise ValueError("a one-off date has no date after it")
    parsed = parse_rule(rule)
    if parsed.freq in ("DAILY", "WEEKLY"):
        step = parsed.interval * (7 if parsed.freq == "WEEKLY" else 1)
        steps = -(-(day - anchor).days // step)  # ceiling division
        try:
            return anchor + timedelta(days=steps * step)
        except OverflowError:
            raise ValueError("the series has no date before the calendar ends") from None
    step = parsed.interval * (12 if parsed.freq == "YEARLY" else 1)
    return _monthly(anchor, step, day)


def _monthly(anchor: date, step: int, day: date) -> date:
    """The first date on or after ``day`` of the series every ``step`` months from ``anchor``.

    Starts at the first step that reaches ``day``'s month and goes on while that month has no
    ``anchor.day`` or its date is before ``day``. Each step's month is known, so this ends: the
    anchor's own month comes back every 12 steps or fewer, and for 29 February a leap year's
    February within 400 years.
    """
    start = anchor.year * 12 + anchor.month - 1
    months = day.year * 12 + day.month - 1 - start
    steps = -(-months // step)
    while True:
        year, month0 = divmod(start + steps * step, 12)
        if year > date.max.year:
            raise ValueError("the series has no date before the calendar ends")
        try:
            found = date(year, month0 + 1, anchor.day)
        except ValueError:  # that month has no such day: RFC 5545 skips it
            found = None
        if found is not None and found >= day:
            return found
        steps += 1
