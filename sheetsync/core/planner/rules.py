"""Who gets what, from the article, and how each follow-up reads in the calendar.

One place for the wording of an event, so that the event a sync creates and the one it later
cancels have the same title, and the Summary's overdue list names it the same way. The rules
take the stage the planner acts on (the person's Stage, or the evidence where it is further).

>>> from datetime import date
>>> overdue_note(date(2026, 11, 20), date(2026, 12, 1))
' (overdue since 20 Nov)'
>>> overdue_note(date(2025, 12, 30), date(2026, 1, 2))
' (overdue since 30 Dec 2025)'
>>> short_date(date(2027, 2, 3), date(2026, 12, 1))
'3 Feb 2027'
"""

from __future__ import annotations

from datetime import date

from sheet_template import tabs as t
from sheetsync.core.models import Contact, Group
from sheetsync.core.plan import LetterKind, Purpose

#: The purposes of a contact's follow-ups (a group's is "meeting").
CONTACT_PURPOSES: tuple[Purpose, ...] = (
    "nurture",
    "intro-followup",
    "drop-in",
    "practice-followup",
    "contact-meeting",
)
#: Follow-ups shared by every contact of one practice (their event id is keyed by it).
PRACTICE_PURPOSES = frozenset({"drop-in", "practice-followup"})


def by_drop_in(c: Contact) -> bool:
    """A health professional the article says to reach by dropping in (or a training offer)."""
    return c.category in t.HEALTH_CATEGORIES and c.access_route in (
        t.ROUTE_DROP_IN,
        t.ROUTE_TRAINING,
    )


def wants_intro(c: Contact, stage: str) -> bool:
    """A Prospect reached by email: a therapist (unless the route says otherwise), or a health
    professional whose Access route is Email. The article's intro letter, one kind each."""
    if stage != t.PROSPECT:
        return False
    if c.category in t.MENTAL_HEALTH_CATEGORIES:
        return c.access_route in (None, t.ROUTE_EMAIL)
    return c.category in t.HEALTH_CATEGORIES and c.access_route == t.ROUTE_EMAIL


def intro_kind(c: Contact) -> LetterKind:
    """Which intro letter a contact gets: the article's pitch differs by relationship."""
    if c.category == t.THERAPIST_SAME:
        return "intro_busy"
    if c.category in t.HEALTH_CATEGORIES:
        return "intro_health"
    return "intro"


def drops_in(c: Contact, stage: str) -> bool:
    """A health professional Prospect reached by a drop-in with a letter and flyers."""
    return stage == t.PROSPECT and by_drop_in(c)


def short_date(day: date, today: date) -> str:
    """A date as a person writes it: '20 Nov', with the year when it is not this year's."""
    text = f"{day.day} {day:%b}"
    return text if day.year == today.year else f"{text} {day.year}"


def overdue_note(due: date, today: date) -> str:
    """What an overdue follow-up's title adds: since when it has been due."""
    return f" (overdue since {short_date(due, today)})"


def follow_up_label(purpose: Purpose, c: Contact, booked_what: str = "") -> str:
    """What a contact's follow-up is, in short: the Summary's "What" for an overdue one."""
    if purpose == "nurture":
        return "Nurture touch"
    if purpose == "intro-followup":
        return "Follow up intro"
    if purpose == "drop-in":
        return f"Drop in at {c.practice}"
    if purpose == "practice-followup":
        return f"Follow up with {c.practice}"
    return booked_what or t.MEETING


def follow_up_title(purpose: Purpose, c: Contact, booked_what: str = "") -> str:
    """The calendar title of a contact's follow-up."""
    if purpose == "drop-in":
        about = "letter and flyers for the Practice Manager"
    elif purpose == "practice-followup":
        about = "call the Practice Manager"
    else:
        about = c.name
    return f"{follow_up_label(purpose, c, booked_what)}: {about}"


def meeting_title(g: Group) -> str:
    """The calendar title of a group's next meeting."""
    return f"{g.name} meeting"
