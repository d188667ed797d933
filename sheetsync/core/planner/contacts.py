"""The Contacts tab: each contact's next follow-up in the calendar, its draft, and its status.

* Met and Nurturing contacts get a nurture touch every cadence (2 months by default), counted
  from their latest touch;
* an intro with no answer (stage Contacted) gets a follow-up after the configured delay;
* health professionals reached by drop-in get one visit per practice, shared by its contacts.

A follow-up with no touch to count from keeps the day the Sheet records for it, if any.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sheet_template import tabs as t
from sheetsync.core import ids
from sheetsync.core.cells import Cell, as_text, parse_date
from sheetsync.core.models import Contact
from sheetsync.core.plan import EventSpec, Overdue, Purpose, RowPlan
from sheetsync.core.planner.context import Context, Part, current_cells, same_date
from sheetsync.core.planner.drafts import DraftResult, PlannedDraft, plan_drafts
from sheetsync.core.planner.letterbook import LetterBook
from sheetsync.core.planner.rules import drops_in, follow_up_label, follow_up_title
from sheetsync.core.planner.status import contact_status, simple_row
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


@dataclass(frozen=True)
class _FollowUp:
    """A planned follow-up, and the contact it is named after (the first of its rows)."""

    event: EventSpec
    contact: Contact

    @property
    def label(self) -> str:
        """What it is in short: the Summary's "What" when it is overdue."""
        return follow_up_label(self.event.purpose, self.contact)


def _need(ctx: Context, c: Contact, cid: str, touch: date | None) -> _Need | None:
    s = ctx.settings
    if c.stage in (t.MET, t.NURTURING):
        cadence = c.cadence_days or s.default_cadence_days
        return _Need(
            "nurture",
            cid,
            touch + timedelta(days=cadence) if touch else None,
            "Share an article or research, invite them for coffee, or ask their thoughts on "
            f"a clinical or practice question. Every {cadence} days.",
        )
    if c.stage == t.CONTACTED:
        delay = s.intro_followup_days
        return _Need(
            "intro-followup",
            cid,
            touch + timedelta(days=delay) if touch else None,
            f"No answer yet to your note. Follow up {delay} days after it.",
        )
    if drops_in(c) and c.practice:
        return _Need(
            "drop-in",
            ids.practice_key(c.practice),
            None,
            "Bring the printed cover note, your letter and flyers for the doctors, and offer "
            "a training session for the doctors.",
        )
    return None


def _anchor(ctx: Context, eid: str, rows: Sequence[Row[Contact]], purpose: Purpose) -> date:
    """A due date with no touch to count from: keep the one the Sheet records, if ours."""
    recorded = []
    for row in rows:
        if as_text(row.synced.get("event_id")) == eid:
            try:
                day = parse_date(row.synced.get("next_follow_up"), "DMY")
            except ValueError:
                day = None
            if day:
                recorded.append(day)
    if recorded:
        return min(recorded)
    lead = ctx.settings.drop_in_lead_days if purpose == "drop-in" else 0
    return ctx.today + timedelta(days=lead)


def _follow_ups(
    ctx: Context, latest: Mapping[str, date]
) -> tuple[dict[str, _FollowUp], dict[RowRef, str]]:
    """One event per need (a practice's contacts share their drop-in visit), and each row's."""
    needs: dict[RowRef, _Need] = {}
    by_event: dict[str, list[Row[Contact]]] = defaultdict(list)
    for row in ctx.validated.contacts:
        if row.model is None:
            continue
        cid = ctx.contact_ids[row.ref]
        need = _need(ctx, row.model, cid, latest.get(cid))
        if need:
            needs[row.ref] = need
            by_event[ids.event_id(ctx.namespace, need.key, need.purpose)].append(row)
    follow_ups: dict[str, _FollowUp] = {}
    for eid, rows in by_event.items():
        first, need = rows[0].model, needs[rows[0].ref]
        assert first is not None
        day = need.due or _anchor(ctx, eid, rows, need.purpose)
        known = all(
            as_text(r.synced.get("event_id")) == eid
            and same_date(r.synced.get("next_follow_up"), day)
            for r in rows
        )
        title = follow_up_title(need.purpose, first)
        refs = tuple(r.ref for r in rows)
        event = EventSpec(
            eid,
            need.purpose,
            ctx.settings.calendar_id,
            day,
            title,
            need.description,
            refs,
            known=known,
        )
        follow_ups[eid] = _FollowUp(event, first)
    event_of = {ref: eid for eid, follow_up in follow_ups.items() for ref in follow_up.event.refs}
    return follow_ups, event_of


def _contact_row(
    ctx: Context, row: Row[Contact], follow_up: _FollowUp | None, draft: DraftResult | None
) -> tuple[RowPlan, Overdue | None]:
    cid = ctx.contact_ids[row.ref]
    c = row.model
    if c is None:
        return simple_row(row, cid, row.errors), None
    status = contact_status(c, as_text(row.synced.get("draft_id")), draft)
    event = follow_up.event if follow_up else None
    eid = event.event_id if event else None
    target: dict[str, Cell] = {
        "row_id": cid,
        "next_follow_up": event.day if event else None,
        "event_id": eid,
    }
    mid = draft.message_id if isinstance(draft, PlannedDraft) else None
    plan = RowPlan(row.ref, current_cells(row), target, status, eid, mid)
    if follow_up and follow_up.event.day < ctx.today:
        due = follow_up.event.day
        return plan, Overdue(cid, c.name, c.category, due, follow_up.label)
    return plan, None


def plan_contacts(ctx: Context, letters: LetterBook, latest: Mapping[str, date]) -> Part:
    """Every contact row's follow-up, draft and status; ``latest`` touches by contact id."""
    follow_ups, event_of = _follow_ups(ctx, latest)
    drafts, results = plan_drafts(ctx, letters)
    rows: list[RowPlan] = []
    overdue: list[Overdue] = []
    for row in ctx.validated.contacts:
        eid = event_of.get(row.ref)
        plan, late = _contact_row(ctx, row, follow_ups[eid] if eid else None, results.get(row.ref))
        rows.append(plan)
        if late:
            overdue.append(late)
    return Part(
        rows=tuple(rows),
        events=tuple(f.event for f in follow_ups.values()),
        drafts=drafts,
        overdue=tuple(overdue),
    )
