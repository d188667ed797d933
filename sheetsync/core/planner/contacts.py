"""The Contacts tab: each contact's next follow-up in the calendar, its draft, and its status.

What is planned follows from the stage the planner acts on (the person's Stage, or the
evidence's where it is further, ``evidence.py``):

* a meeting booked ahead (a Log entry dated ahead) is the next follow-up, on its day;
* Met and Nurturing contacts get a nurture touch every cadence (2 months by default), counted
  from their latest touch;
* an intro with no answer (Contacted) gets a follow-up the configured delay after it was sent;
  a practice dropped in on gets its own follow-up (a call to the Practice Manager) instead;
  a contact who replied needs none: the next step is a meeting;
* health professionals reached by drop-in get one visit per practice, shared by its contacts;
* a contact paused until a date gets nothing until then; their cadence resumes after it.

Nothing is scheduled in the past: a follow-up already due goes on the day of the sync, its
title saying since when it has been due, and moves to the next day's sync until it is done.
A follow-up with no date to count from keeps the day the Sheet records for it, if any;
otherwise the row says which date to fill.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sheet_template import tabs as t
from sheetsync.core import ids
from sheetsync.core.cells import Cell, as_text, parse_date
from sheetsync.core.models import Contact
from sheetsync.core.plan import EventSpec, Overdue, Purpose, RowPlan
from sheetsync.core.planner.context import Context, Part, current_cells, same_date
from sheetsync.core.planner.drafts import (
    DOCTORS_CELL,
    Drafts,
    PlannedDraft,
    plan_drafts,
)
from sheetsync.core.planner.evidence import Evidence
from sheetsync.core.planner.letterbook import DraftBlocked, LetterBook
from sheetsync.core.planner.nurture import nurture_idea
from sheetsync.core.planner.rules import (
    by_drop_in,
    drops_in,
    follow_up_label,
    follow_up_title,
    overdue_note,
)
from sheetsync.core.planner.status import contact_status, simple_row
from sheetsync.core.planner.tracking import fate_cells
from sheetsync.core.table import RowRef
from sheetsync.core.validation import Row


@dataclass(frozen=True)
class _Need:
    """A contact's next follow-up: why, and when (``None`` when anchored to the Sheet)."""

    purpose: Purpose
    #: What the event id is derived from: the contact's id, or its practice for a drop-in.
    key: str
    due: date | None
    description: str
    #: For a booked meeting: what the Log calls it (Meeting, Coffee, Training session).
    booked_what: str = ""
    #: For a nurture touch: the article's idea for it (``nurture.py``).
    suggestion: str = ""


@dataclass(frozen=True)
class _FollowUp:
    """A planned follow-up, and the contact it is named after (the first of its rows)."""

    event: EventSpec
    contact: Contact
    #: When it was due; before ``event.day`` when it is overdue (placed on the sync's day).
    due: date
    booked_what: str = ""

    @property
    def label(self) -> str:
        """What it is in short: the Summary's "What" when it is overdue."""
        return follow_up_label(self.event.purpose, self.contact, self.booked_what)


def paused(c: Contact, today: date) -> bool:
    """A contact paused until a date still to come: nothing is planned for them."""
    return bool(c.paused_until and c.paused_until > today)


def _nurture(ctx: Context, c: Contact, cid: str, ev: Evidence) -> _Need:
    cadence = c.cadence_days or ctx.settings.default_cadence_days
    due = ev.last_touch + timedelta(days=cadence) if ev.last_touch else None
    if due and c.paused_until and due < c.paused_until:
        due = c.paused_until  # the cadence resumes when the pause ends
    idea = nurture_idea(ctx, c, cid)
    return _Need("nurture", cid, due, idea.description(cadence), suggestion=idea.text)


def _after_contact(ctx: Context, c: Contact, cid: str, ev: Evidence) -> _Need | None:
    """A Contacted contact's follow-up: none once they replied."""
    if ev.replied:
        return None
    delay = ctx.settings.intro_followup_days
    if by_drop_in(c) and c.practice:
        anchor = ev.dropped_in or ev.last_touch
        return _Need(
            "practice-followup",
            ids.practice_key(c.practice),
            anchor + timedelta(days=delay) if anchor else None,
            "Call or drop by: did the doctors get your letter and flyers? Offer the training "
            f"session for the doctors. {delay} days after your visit.",
        )
    anchor = ev.intro_sent or ev.last_touch
    return _Need(
        "intro-followup",
        cid,
        anchor + timedelta(days=delay) if anchor else None,
        f"No answer yet to your note. Follow up {delay} days after it.",
    )


def _need(ctx: Context, row: Row[Contact], cid: str) -> _Need | None:
    c = row.model
    assert c is not None
    if paused(c, ctx.today) or c.stage in (t.NOT_A_FIT, t.PAUSED):
        return None
    ev, stage = ctx.evidence_of(row), ctx.stage_of(row)
    if ev.booked:
        return _Need(
            "contact-meeting",
            cid,
            ev.booked,
            "Booked in your Log. Afterwards, the article's question: was it a fit? Set Stage "
            "to Nurturing or Not a fit.",
            ev.booked_what,
        )
    if stage in (t.MET, t.NURTURING):
        return _nurture(ctx, c, cid, ev)
    if stage == t.CONTACTED:
        return _after_contact(ctx, c, cid, ev)
    if drops_in(c, stage) and c.practice:
        return _Need(
            "drop-in",
            ids.practice_key(c.practice),
            None,
            "Bring the printed cover note, your letter and flyers for the doctors, and offer "
            "a training session for the doctors.",
        )
    return None


def _recorded_day(rows: Sequence[Row[Contact]], eid: str) -> date | None:
    """The earliest day the Sheet records for event ``eid`` on any of ``rows``."""
    recorded = []
    for row in rows:
        if as_text(row.synced.get("event_id")) == eid:
            try:
                day = parse_date(row.synced.get("next_follow_up"), "DMY")
            except ValueError:
                day = None
            if day:
                recorded.append(day)
    return min(recorded) if recorded else None


def _due(ctx: Context, eid: str, rows: Sequence[Row[Contact]], need: _Need) -> date | None:
    """When the follow-up is due: from the records, or the day the Sheet records for it.

    Only a drop-in visit is planned from nothing (the lead time after today); a follow-up with
    no date to count from gets none until the row says when the intro or visit happened.
    """
    if need.due:
        return need.due
    recorded = _recorded_day(rows, eid)
    if recorded:
        return recorded
    if need.purpose == "drop-in":
        lead = ctx.settings.drop_in_lead_days
        if all(r.model and r.model.mh_likelihood == "Low" for r in rows):
            # The article's busy chiro or physio rarely has a mental-health conversation:
            # their practice is visited after the others.
            lead *= 2
        return ctx.today + timedelta(days=lead)
    return None


def _follow_up(
    ctx: Context, eid: str, rows: Sequence[Row[Contact]], need: _Need
) -> _FollowUp | None:
    first = rows[0].model
    assert first is not None
    due = _due(ctx, eid, rows, need)
    if due is None:
        return None
    day = max(due, ctx.today)
    title = follow_up_title(need.purpose, first, need.booked_what)
    if due < ctx.today:
        title += overdue_note(due, ctx.today)
    known = all(
        as_text(r.synced.get("event_id")) == eid and same_date(r.synced.get("next_follow_up"), day)
        for r in rows
    )
    refs = tuple(r.ref for r in rows)
    calendar = ctx.settings.calendar_id
    event = EventSpec(
        eid,
        need.purpose,
        calendar,
        day,
        title,
        need.description,
        refs,
        known=known,
        suggestion=need.suggestion,
    )
    return _FollowUp(event, first, due, need.booked_what)


def _follow_ups(ctx: Context) -> tuple[dict[str, _FollowUp], dict[RowRef, str], set[RowRef]]:
    """One event per need (a practice's contacts share theirs), each row's, and rows waiting
    for a date to count from."""
    needs: dict[RowRef, _Need] = {}
    by_event: dict[str, list[Row[Contact]]] = defaultdict(list)
    for row in ctx.validated.contacts:
        if row.model is None:
            continue
        need = _need(ctx, row, ctx.contact_ids[row.ref])
        if need:
            needs[row.ref] = need
            by_event[ids.event_id(ctx.namespace, need.key, need.purpose)].append(row)
    follow_ups: dict[str, _FollowUp] = {}
    undated: set[RowRef] = set()
    for eid, rows in by_event.items():
        follow_up = _follow_up(ctx, eid, rows, needs[rows[0].ref])
        if follow_up is None:
            undated.update(r.ref for r in rows)
        else:
            follow_ups[eid] = follow_up
    event_of = {ref: eid for eid, follow_up in follow_ups.items() for ref in follow_up.event.refs}
    return follow_ups, event_of, undated


def _contact_row(
    ctx: Context,
    row: Row[Contact],
    follow_up: _FollowUp | None,
    drafts: Drafts,
    undated: bool,
) -> tuple[RowPlan, Overdue | None]:
    cid = ctx.contact_ids[row.ref]
    c = row.model
    if c is None:
        return simple_row(row, cid, row.errors), None
    draft = drafts.results.get(row.ref)
    doctors = drafts.doctors.get(row.ref)
    status = contact_status(ctx, row, draft, undated, drafts.notes.get(row.ref, ()))
    if isinstance(doctors, DraftBlocked) and doctors != draft:
        status = status.with_errors([doctors.reason])
    event = follow_up.event if follow_up else None
    eid = event.event_id if event else None
    target: dict[str, Cell] = {
        "row_id": cid,
        "next_follow_up": event.day if event else None,
        "event_id": eid,
        # What the mailbox found of the intro, kept for the next syncs (a drop-in's cover
        # note is to the practice, and its visit is what counts).
        **({} if by_drop_in(c) else fate_cells(row, ctx.fate_of(row))),
    }
    mid = draft.message_id if isinstance(draft, PlannedDraft) else None
    cells = {DOCTORS_CELL: doctors.message_id} if isinstance(doctors, PlannedDraft) else {}
    plan = RowPlan(row.ref, current_cells(row), target, status, eid, mid, cells)
    if follow_up and follow_up.due < ctx.today:
        return plan, Overdue(cid, c.name, c.category, follow_up.due, follow_up.label)
    return plan, None


def plan_contacts(ctx: Context, letters: LetterBook) -> Part:
    """Every contact row's follow-up, draft and status."""
    follow_ups, event_of, undated = _follow_ups(ctx)
    drafts = plan_drafts(ctx, letters)
    rows: list[RowPlan] = []
    overdue: list[Overdue] = []
    for row in ctx.validated.contacts:
        eid = event_of.get(row.ref)
        follow_up = follow_ups[eid] if eid else None
        plan, late = _contact_row(ctx, row, follow_up, drafts, row.ref in undated)
        rows.append(plan)
        if late:
            overdue.append(late)
    return Part(
        rows=tuple(rows),
        events=tuple(f.event for f in follow_ups.values()),
        drafts=drafts.specs,
        overdue=tuple(overdue),
    )
