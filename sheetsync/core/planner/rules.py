"""Who gets what, from the article, and how each follow-up reads in the calendar.

One place for the wording of an event, so that the event a sync creates and the one it later
cancels have the same title, and the Summary's overdue list names it the same way.
"""

from __future__ import annotations

from sheet_template import tabs as t
from sheetsync.core.models import Contact, Group
from sheetsync.core.plan import Purpose

#: The purposes of a contact's follow-ups (a group's is "meeting").
CONTACT_PURPOSES: tuple[Purpose, ...] = ("nurture", "intro-followup", "drop-in")


def wants_intro(c: Contact) -> bool:
    """A therapist Prospect reached by email: the article's intro letter."""
    return (
        c.stage == t.PROSPECT
        and c.category in t.MENTAL_HEALTH_CATEGORIES
        and c.access_route in (None, t.ROUTE_EMAIL)
    )


def drops_in(c: Contact) -> bool:
    """A health professional Prospect reached by a drop-in with a letter and flyers."""
    return (
        c.stage == t.PROSPECT
        and c.category in t.HEALTH_CATEGORIES
        and c.access_route in (t.ROUTE_DROP_IN, t.ROUTE_TRAINING)
    )


def follow_up_label(purpose: Purpose, c: Contact) -> str:
    """What a contact's follow-up is, in short: the Summary's "What" for an overdue one."""
    if purpose == "nurture":
        return "Nurture touch"
    if purpose == "intro-followup":
        return "Follow up intro"
    return f"Drop in at {c.practice}"


def follow_up_title(purpose: Purpose, c: Contact) -> str:
    """The calendar title of a contact's follow-up."""
    about = "letter and flyers for the Practice Manager" if purpose == "drop-in" else c.name
    return f"{follow_up_label(purpose, c)}: {about}"


def meeting_title(g: Group) -> str:
    """The calendar title of a group's next meeting."""
    return f"{g.name} meeting"
