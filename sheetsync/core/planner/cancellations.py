"""Cancel our events that no row needs any more (a stage moved on, a group left).

A cancellation needs only the event's id, which is all the Sheet records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection

from pydantic import BaseModel

from sheetsync.core import ids
from sheetsync.core.cells import as_text
from sheetsync.core.plan import EventSpec
from sheetsync.core.planner.context import Context
from sheetsync.core.validation import Row


def plan_cancellations(ctx: Context, needed: Collection[str]) -> tuple[EventSpec, ...]:
    """A cancellation for each event id a valid row records that no event ``needed`` has."""
    stale: dict[str, list[Row[BaseModel]]] = defaultdict(list)
    rows: list[Row[BaseModel]] = [*ctx.validated.contacts, *ctx.validated.groups]
    for row in rows:
        old = as_text(row.synced.get("event_id"))
        if row.model is not None and ids.is_event_id(old) and old not in needed:
            stale[old].append(row)
    cancellations = []
    for eid, owners in stale.items():
        refs = tuple(r.ref for r in owners)
        calendar = ctx.settings.calendar_id
        cancellations.append(
            EventSpec(eid, "nurture", calendar, ctx.today, "", "", refs, cancelled=True)
        )
    return tuple(cancellations)
