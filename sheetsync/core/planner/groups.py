"""The Groups tab: a joined or organised group's next meeting goes in the calendar.

A case-study group's membership has one source, the Contacts tab's Case-study member flags;
the group's Members cell, where filled, is checked against them.
"""

from __future__ import annotations

import re

from sheet_template import tabs as t
from sheetsync.core import ids
from sheetsync.core.cells import Cell, as_text
from sheetsync.core.models import Group
from sheetsync.core.plan import EventSpec, RowPlan
from sheetsync.core.planner.context import Context, Part, current_cells, same_date
from sheetsync.core.planner.rules import meeting_title
from sheetsync.core.planner.status import simple_row
from sheetsync.core.rowstatus import Advice, Note, Remark, RowStatus
from sheetsync.core.validation import Row


def _meeting(ctx: Context, row: Row[Group], g: Group, gid: str) -> EventSpec | None:
    """The group's next meeting, if it is one we go to and its date is known."""
    if g.status not in (t.GROUP_JOINED, t.GROUP_ORGANISING) or g.next_meeting is None:
        return None
    eid = ids.event_id(ctx.namespace, gid, "meeting")
    known = as_text(row.synced.get("event_id")) == eid and same_date(
        row.synced.get("synced_date"), g.next_meeting
    )
    return EventSpec(
        eid,
        "meeting",
        ctx.settings.calendar_id,
        g.next_meeting,
        meeting_title(g),
        f"{g.type}. Meets: {g.meets or 'not set'}.",
        (row.ref,),
        known=known,
    )


def _names(text: str) -> list[str]:
    return [name.strip() for name in re.split(r"[,;\n]", text) if name.strip()]


def members_check(ctx: Context, g: Group) -> list[Advice]:
    """A case-study group's Members cell checked against the one source of membership, the
    Contacts tab's Case-study member flags (the recipe and the Summary count those)."""
    if g.type != t.GROUP_CASE_STUDY or not g.members.strip():
        return []
    flagged = {
        row.model.name.casefold(): row.model.name
        for row in ctx.validated.contacts
        if row.model is not None and row.model.case_study_member
    }
    listed = {name.casefold(): name for name in _names(g.members)}
    # Sorted, so the status does not change when a person sorts the Contacts tab.
    unflagged = sorted((n for k, n in listed.items() if k not in flagged), key=str.casefold)
    missing = sorted((n for k, n in flagged.items() if k not in listed), key=str.casefold)
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
    for row in ctx.validated.groups:
        gid = ctx.group_ids[row.ref]
        g = row.model
        if g is None:
            rows.append(simple_row(row, gid, row.errors))
            continue
        event = _meeting(ctx, row, g, gid)
        going = g.status in (t.GROUP_JOINED, t.GROUP_ORGANISING)
        notes: list[Note] = [Remark.NO_MEETING_DATE] if going and g.next_meeting is None else []
        notes += members_check(ctx, g)
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
