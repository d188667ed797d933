"""What happened with each contact, from the records: the Log, Last contact and what the sync found.

The Log tab and the Last contact cell are the record of what happened (an intro sent, a reply, a
meeting, a drop-in visit); the sync adds what it detects itself (an intro found sent in the
mailbox). A contact's progress follows from that evidence: ``stage_of`` is the furthest stage
the evidence shows, and the planner acts on whichever is further, it or the person's Stage
cell, which the sync never overwrites.

>>> from datetime import date
>>> e = Evidence(intro_sent=date(2026, 11, 20))
>>> stage_of(e, date(2026, 12, 1))
'Contacted'
>>> stage_of(Evidence(booked=date(2026, 12, 3)), date(2026, 12, 1))
'Meeting booked'
>>> ahead("Prospect", "Contacted"), ahead("Nurturing", "Met"), ahead("Not a fit", "Met")
(True, False, False)
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from sheet_template import tabs as t

#: The stages a contact moves through, in order. Not a fit and Paused are the person's own
#: decisions: evidence never moves a contact out of them.
PROGRESS = (t.PROSPECT, t.CONTACTED, t.MEETING_BOOKED, t.MET, t.NURTURING)
DECISIONS = frozenset({t.NOT_A_FIT, t.PAUSED})


@dataclass(frozen=True)
class Evidence:
    """What the records say happened with one contact (dates in the practice's time zone)."""

    #: The latest touch of any kind that has happened: what the cadence counts from.
    last_touch: date | None = None
    #: The latest touch the Log records (Last contact alone counts for the cadence, but a
    #: Prospect with a Last contact may still want its intro: it does not move them on).
    logged: date | None = None
    #: When the intro went out (a Log "Intro sent", or found sent in the mailbox).
    intro_sent: date | None = None
    #: When they answered (a Log "Reply received", or a reply found in the intro's thread).
    replied: date | None = None
    #: The latest meeting, coffee or training session that has happened.
    met: date | None = None
    #: The next one booked: the earliest such Log entry dated today or ahead.
    booked: date | None = None
    #: What that booked entry is (Meeting, Coffee, Training session).
    booked_what: str = ""
    #: The latest drop-in visit made at their practice.
    dropped_in: date | None = None

    def touched(self, day: date) -> Evidence:
        """This evidence with a touch on ``day``."""
        latest = max(self.last_touch, day) if self.last_touch else day
        return replace(self, last_touch=latest)


def _later(a: date | None, b: date | None) -> date | None:
    if a is None or b is None:
        return a or b
    return max(a, b)


def with_entry(evidence: Evidence, what: str | None, day: date, today: date) -> Evidence:
    """``evidence`` with one Log entry added: ``what`` on ``day``, seen on ``today``.

    A meeting kind dated today or ahead is a booking (it has happened once its day is past);
    every other entry must have happened (the caller refuses a future one). Any entry that
    has happened is a touch.
    """
    if what in t.MEETING_KINDS and day >= today:
        if evidence.booked and evidence.booked <= day:
            return evidence
        return replace(evidence, booked=day, booked_what=what or t.MEETING)
    if day > today:
        return evidence
    found = replace(evidence.touched(day), logged=_later(evidence.logged, day))
    if what == t.INTRO_SENT:
        return replace(found, intro_sent=_later(found.intro_sent, day))
    if what == t.REPLY_RECEIVED:
        return replace(found, replied=_later(found.replied, day))
    if what in t.MEETING_KINDS:
        return replace(found, met=_later(found.met, day))
    if what == t.DROP_IN_VISIT:
        return replace(found, dropped_in=_later(found.dropped_in, day))
    return found


def stage_of(evidence: Evidence, today: date) -> str:
    """The furthest stage the evidence shows (Prospect when it shows nothing)."""
    if evidence.met:
        return t.MET
    if evidence.booked and evidence.booked >= today:
        return t.MEETING_BOOKED
    if evidence.logged or evidence.intro_sent or evidence.replied or evidence.dropped_in:
        return t.CONTACTED
    return t.PROSPECT


def ahead(stage: str, found: str) -> bool:
    """True when the evidence's stage ``found`` is further on than the person's ``stage``."""
    if stage in DECISIONS or stage not in PROGRESS:
        return False
    return PROGRESS.index(found) > PROGRESS.index(stage)


def effective_stage(stage: str, evidence: Evidence, today: date) -> str:
    """The stage the planner acts on: the Stage cell, or the evidence where it is further."""
    found = stage_of(evidence, today)
    return found if ahead(stage, found) else stage
