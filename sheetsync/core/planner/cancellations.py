"""Cancel our events that no row needs any more (a stage moved on, a group left).

An event whose day has passed is left where it is: it happened (a meeting held, a follow-up
done), and the calendar is where the person looks back at it.

The Sheet records only an event's id, but ids are derived from (namespace, key, purpose)
(``core.ids``), so the purpose is found again by rebuilding the ids the row could have made:
the cancellation then carries the event's real purpose and title, as the dry run shows it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterator

from pydantic import BaseModel

from sheetsync.core import ids
from sheetsync.core.cells import as_text, parse_date
from sheetsync.core.models import Contact, Group
from sheetsync.core.plan import EventSpec, Purpose
from sheetsync.core.planner.context import Context
from sheetsync.core.planner.groups import meeting_key
from sheetsync.core.planner.rules import (
    CONTACT_PURPOSES,
    PRACTICE_PURPOSES,
    follow_up_title,
    meeting_title,
)
from sheetsync.core.rhythm import RULES
from sheetsync.core.validation import Row


def _candidates(ctx: Context, row: Row[BaseModel]) -> Iterator[tuple[str, Purpose, str]]:
    """Every (event id, purpose, title) this row's follow-ups could have had."""
    model = row.model
    if isinstance(model, Group):
        gid = ctx.group_ids[row.ref]
        for rule in {"", *RULES.values()}:
            eid = ids.event_id(ctx.namespace, meeting_key(gid, rule), "meeting")
            yield eid, "meeting", meeting_title(model)
    elif isinstance(model, Contact):
        cid = ctx.contact_ids[row.ref]
        for purpose in CONTACT_PURPOSES:
            if purpose in PRACTICE_PURPOSES and not model.practice:
                continue  # never planned without a practice
            key = ids.practice_key(model.practice) if purpose in PRACTICE_PURPOSES else cid
            title = follow_up_title(purpose, model)
            yield ids.event_id(ctx.namespace, key, purpose), purpose, title


def _recorded(ctx: Context, eid: str, row: Row[BaseModel]) -> tuple[Purpose, str]:
    """The purpose and title event ``eid`` of ``row`` had.

    An id that none of the row's keys makes any more (its practice was renamed, its Row ID
    edited) is cancelled as a follow-up of the row by name.
    """
    for candidate, purpose, title in _candidates(ctx, row):
        if candidate == eid:
            return purpose, title
    if isinstance(row.model, Group):
        return "meeting", meeting_title(row.model)
    name = row.model.name if isinstance(row.model, Contact) else ""
    return "nurture", f"Follow-up: {name}"


def _past(ctx: Context, row: Row[BaseModel]) -> bool:
    """True when the day the row records for its event has passed."""
    key = "synced_date" if isinstance(row.model, Group) else "next_follow_up"
    try:
        day = parse_date(row.synced.get(key), "DMY")
    except ValueError:
        return False
    return day is not None and day < ctx.today


def plan_cancellations(ctx: Context, needed: Collection[str]) -> tuple[EventSpec, ...]:
    """A cancellation for each event id a valid row records that no event ``needed`` has."""
    stale: dict[str, list[Row[BaseModel]]] = defaultdict(list)
    rows: list[Row[BaseModel]] = [*ctx.validated.contacts, *ctx.validated.groups]
    for row in rows:
        old = as_text(row.synced.get("event_id"))
        stale_id = row.model is not None and ids.is_event_id(old) and old not in needed
        if stale_id and not _past(ctx, row):
            stale[old].append(row)
    cancellations = []
    for eid, owners in stale.items():
        purpose, title = _recorded(ctx, eid, owners[0])
        refs = tuple(r.ref for r in owners)
        calendar = ctx.settings.calendar_id
        cancellations.append(
            EventSpec(eid, purpose, calendar, ctx.today, title, "", refs, cancelled=True)
        )
    return tuple(cancellations)
