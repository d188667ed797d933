"""Each row's status as the planner finds it: validation's errors, its own, and notes.

The notes say what to do next in plain words, and where the evidence runs ahead of the Stage
cell they say so ("intro sent on 20 Nov: set Stage to Contacted when you like"): the sync never
changes the Stage cell itself. The text is rendered later, by the write-back, once the
backends have said what they did.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date

from pydantic import BaseModel

from sheet_template import tabs as t
from sheetsync.core.cells import as_text
from sheetsync.core.models import Contact
from sheetsync.core.plan import RowPlan
from sheetsync.core.planner.context import Context, current_cells
from sheetsync.core.planner.drafts import DraftResult, PlannedDraft
from sheetsync.core.planner.evidence import Evidence, ahead, stage_of
from sheetsync.core.planner.letterbook import DraftBlocked
from sheetsync.core.planner.rules import by_drop_in, drops_in, short_date, wants_intro
from sheetsync.core.planner.tracking import SENT_MARK, deleted_unsent
from sheetsync.core.rowstatus import Advice, IntroNote, Note, Remark, RowStatus
from sheetsync.core.validation import Row

LARGE_PRACTICE = Advice(
    "large practice: they tend to refer within it, so solo and small practices come first"
)


def simple_row(row: Row[BaseModel], row_id: str, errors: Sequence[str]) -> RowPlan:
    """A row whose only sync-owned cells are its Row ID and its status."""
    return RowPlan(row.ref, current_cells(row), {"row_id": row_id}, RowStatus.of(errors))


_FIT = "was it a fit? Set Stage to Nurturing or Not a fit"


def _progress(c: Contact, ev: Evidence, ctx: Context) -> list[Note]:
    """What the evidence shows that the Stage cell does not yet say, and what to do next."""
    today, found = ctx.today, stage_of(ev, ctx.today)
    if not ahead(c.stage, found):
        return []
    if found == t.MET and ev.met:
        return [Advice(f"met on {short_date(ev.met, today)}: {_FIT}")]
    if found == t.MEETING_BOOKED and ev.booked:
        when = short_date(ev.booked, today)
        what = ev.booked_what.lower()
        return [Advice(f"{what} booked for {when}: set Stage to Meeting booked when you like")]
    if ev.replied:
        return [Advice(_replied(ev.replied, today))]
    events = (
        ("intro sent on", ev.intro_sent),
        ("drop-in visit made", ev.dropped_in),
        ("in touch on", ev.logged),
    )
    for event, day in events:
        if day:
            when = short_date(day, today)
            return [Advice(f"{event} {when}: set Stage to Contacted when you like")]
    return []


def _replied(day: date, today: date) -> str:
    when = short_date(day, today)
    return f"replied on {when}: book a meeting, then log it (What: Meeting) with its date"


def _next_step(c: Contact, ev: Evidence, stage: str, undated: bool, ctx: Context) -> list[Note]:
    """What the row needs from the person, when the plan cannot go on without it."""
    if c.stage == t.MET and not ev.booked and stage == t.MET:
        return [Advice(_FIT)]
    if stage == t.MEETING_BOOKED and not ev.booked:
        return [Advice("log the meeting (What: Meeting) with its date to put it in your calendar")]
    if stage == t.CONTACTED and ev.replied and not ahead(c.stage, stage_of(ev, ctx.today)):
        return [Advice(_replied(ev.replied, ctx.today))]
    if undated and stage == t.CONTACTED:
        what = "your visit" if by_drop_in(c) else "the intro"
        return [Advice(f"set Last contact to the day of {what} (or log it) to plan its follow-up")]
    return []


#: A recorded intro draft that the person deleted unsent is not drafted again.
INTRO_DELETED = Advice(
    "the intro draft was deleted unsent, so none is drafted again; to have a new one "
    "drafted, clear its Draft ID"
)


def _intro_note(
    ctx: Context, row: Row[Contact], stage: str, draft: DraftResult | None
) -> list[Note]:
    c = row.model
    assert c is not None
    if not (c.stage == t.PROSPECT and stage == t.PROSPECT):
        return []
    if c.category not in t.MENTAL_HEALTH_CATEGORIES and not wants_intro(c, stage):
        return []
    if wants_intro(c, stage) and not c.email:
        return [Remark.NO_EMAIL]
    recorded = as_text(row.synced.get("draft_id"))
    fate = ctx.fate_of(row)
    if deleted_unsent(fate, ctx.evidence_of(row)):
        return [INTRO_DELETED]
    if recorded == SENT_MARK:
        return [IntroNote(sent=True)]
    notes: list[Note] = []
    if recorded or isinstance(draft, PlannedDraft):
        # Said already when the draft is planned, so the next sync's status is the same.
        notes.append(IntroNote(seen_sent=ctx.sees_sent))
    if fate is not None and fate.state == "unknown":
        notes.append(Advice(f"could not tell whether it was sent: {fate.error}"))
    return notes


def contact_status(
    ctx: Context,
    row: Row[Contact],
    draft: DraftResult | None,
    undated: bool,
    kit: Sequence[Note] = (),
) -> RowStatus:
    """A valid contact's status: what stops its follow-up or draft, or what to do next.

    ``draft`` is what this sync plans for it; ``undated`` says its follow-up has no date to
    count from; ``kit`` is what to do with the GP kit in the drafts.
    """
    c = row.model
    assert c is not None
    ev, stage = ctx.evidence_of(row), ctx.stage_of(row)
    errors: list[str] = []
    if drops_in(c, stage) and not c.practice:
        errors.append("Practice: is empty; a drop-in visit needs the practice's name")
    if isinstance(draft, DraftBlocked):
        errors.append(draft.reason)
    if c.paused_until and c.paused_until > ctx.today:
        when = short_date(c.paused_until, ctx.today)
        return RowStatus.of(errors, [Advice(f"paused until {when}: nothing is planned until then")])
    notes: list[Note] = [
        *_intro_note(ctx, row, stage, draft),
        *kit,
        *_progress(c, ev, ctx),
        *_next_step(c, ev, stage, undated, ctx),
    ]
    if c.practice_size == "Large" and c.stage not in (t.NOT_A_FIT, t.PAUSED):
        notes.append(LARGE_PRACTICE)
    return RowStatus.of(errors, notes)
