"""The Groups tab: a joined or organised group's next meeting goes in the calendar.

A case-study group's membership has one source, the Contacts tab's Case-study member flags;
the group's Members cell, where filled, is checked against them.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date

from sheet_template import tabs as t
from sheetsync.core import ids
from sheetsync.core.cells import Cell, as_text, parse_date
from sheetsync.core.models import Group
from sheetsync.core.plan import EventSpec, RowPlan
from sheetsync.core.planner.context import Context, Part, current_cells
from sheetsync.core.planner.rules import meeting_title, short_date
from sheetsync.core.planner.status import simple_row
from sheetsync.core.rhythm import next_on_or_after, rule_for
from sheetsync.core.rowstatus import Advice, Note, Remark, RowStatus
from sheetsync.core.validation import Row


def meeting_key(gid: str, rule: str) -> str:
    """What a group's meeting id is derived from: the group, and its rhythm when it has one.

    A change of rhythm is a new series (the old one is cancelled), because the Sheet records
    only the series' first day, which would not tell the two apart.
    """
    return f"{gid}:{rule}" if rule else gid


def _recorded_start(row: Row[Group], eid: str) -> date | None:
    if as_text(row.synced.get("event_id")) != eid:
        return None
    try:
        return parse_date(row.synced.get("synced_date"), "DMY")
    except ValueError:
        return None


def _start(ctx: Context, row: Row[Group], g: Group, eid: str, rule: str) -> date | None:
    """The day the group's event starts on, or ``None`` when there is nothing to schedule.

    A series starts at its next meeting on or after the day it is first put in the calendar,
    and keeps that start while the Sheet records it (its past meetings stay in the calendar).
    A one-off date that has passed is not scheduled; the event it had, if any, stays.
    """
    assert g.next_meeting is not None
    recorded = _recorded_start(row, eid)
    if rule:
        if recorded and next_on_or_after(g.next_meeting, rule, recorded) == recorded:
            return recorded
        return next_on_or_after(g.next_meeting, rule, ctx.today)
    if g.next_meeting >= ctx.today or recorded == g.next_meeting:
        return g.next_meeting
    return None


def _meeting(ctx: Context, row: Row[Group], g: Group, gid: str) -> EventSpec | None:
    """The group's meeting (a series when it meets on a rhythm), if we go and it has a date."""
    if g.status not in (t.GROUP_JOINED, t.GROUP_ORGANISING) or g.next_meeting is None:
        return None
    rule = rule_for(g.meets)
    eid = ids.event_id(ctx.namespace, meeting_key(gid, rule), "meeting")
    start = _start(ctx, row, g, eid, rule)
    if start is None:
        return None
    known = _recorded_start(row, eid) == start
    return EventSpec(
        eid,
        "meeting",
        ctx.settings.calendar_id,
        start,
        meeting_title(g),
        f"{g.type}. Meets: {g.meets or 'not set'}.",
        (row.ref,),
        known=known,
        recurrence=rule,
    )


def _meeting_notes(ctx: Context, g: Group, event: EventSpec | None) -> list[Note]:
    going = g.status in (t.GROUP_JOINED, t.GROUP_ORGANISING)
    if not going:
        return []
    if g.next_meeting is None:
        return [Remark.NO_MEETING_DATE]
    if event is None:
        when = short_date(g.next_meeting, ctx.today)
        return [Advice(f"the meeting of {when} has passed: set the next meeting date")]
    if event.recurrence:
        upcoming = next_on_or_after(g.next_meeting, event.recurrence, ctx.today)
        return [Advice(f"next meeting {short_date(upcoming, ctx.today)}")]
    return []


def _names(text: str) -> list[str]:
    return [name.strip() for name in re.split(r"[,;\n]", text) if name.strip()]


def flagged_members(ctx: Context) -> dict[str, str]:
    """The contacts flagged Case-study member, by case-folded name, in name order (read and
    sorted once per plan: a network has many groups)."""
    names = [
        row.model.name
        for row in ctx.validated.contacts
        if row.model is not None and row.model.case_study_member
    ]
    return {name.casefold(): name for name in sorted(names, key=str.casefold)}


def members_check(g: Group, flagged: Mapping[str, str]) -> list[Advice]:
    """A case-study group's Members cell checked against the one source of membership, the
    Contacts tab's Case-study member flags (``flagged_members``: the recipe and the Summary
    count those)."""
    if g.type != t.GROUP_CASE_STUDY or not g.members.strip():
        return []
    listed = {name.casefold(): name for name in _names(g.members)}
    # Sorted, so the status does not change when a person sorts the Contacts tab.
    unflagged = sorted((n for k, n in listed.items() if k not in flagged), key=str.casefold)
    missing = [n for k, n in flagged.items() if k not in listed]  # in name order already
    notes = []
    if unflagged:
        notes.append(
            Advice(
                f"Members names {_few(unflagged)}, not marked Case-study member on Contacts "
                "(the flag is what counts)"
            )
        )
    if missing:
        notes.append(Advice(f"Members leaves out {_few(missing)}, marked on Contacts"))
    return notes


def _few(names: list[str], most: int = 5) -> str:
    shown = ", ".join(names[:most])
    return shown + (f" and {len(names) - most} more" if len(names) > most else "")


def plan_groups(ctx: Context) -> Part:
    """Every group row's meeting and status."""
    rows: list[RowPlan] = []
    events: list[EventSpec] = []
    flagged = flagged_members(ctx)
    for row in ctx.validated.groups:
        gid = ctx.group_ids[row.ref]
        g = row.model
        if g is None:
            rows.append(simple_row(row, gid, row.errors))
            continue
        event = _meeting(ctx, row, g, gid)
        notes: list[Note] = [*_meeting_notes(ctx, g, event), *members_check(g, flagged)]
        target: dict[str, Cell] = {
            "row_id": gid,
            "synced_date": event.day if event else None,
            "event_id": event.event_id if event else None,
        }
        eid = event.event_id if event else None
        rows.append(RowPlan(row.ref, current_cells(row), target, RowStatus.of(notes=notes), eid))
        if event:
            events.append(event)
    return Part(rows=tuple(rows), events=tuple(events))
