"""The Groups tab: a joined or organised group's next meeting goes in the calendar."""

from __future__ import annotations

from sheet_template import tabs as t
from sheetsync.core import ids
from sheetsync.core.cells import Cell, as_text
from sheetsync.core.models import Group
from sheetsync.core.plan import EventSpec, RowPlan
from sheetsync.core.planner.context import Context, Part, current_cells, same_date
from sheetsync.core.planner.rules import meeting_title
from sheetsync.core.planner.status import simple_row
from sheetsync.core.rowstatus import Remark, RowStatus
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
        notes = [Remark.NO_MEETING_DATE] if going and g.next_meeting is None else []
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
