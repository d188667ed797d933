"""From a carried-out plan to the cells to write: the write-back, computed without I/O.

Each row's target comes from the plan; what the backends report changes it where an event or
a draft did not get through (its id is not recorded and the status says why, so the next sync
tries again). Only cells whose value really changes are written, which is what makes a second
sync write nothing.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date

from sheet_template import TEMPLATE
from sheetsync.core.cells import Cell, as_text, is_blank, parse_date
from sheetsync.core.plan import (
    CellWrite,
    ColumnAdd,
    DraftOutcome,
    EventOutcome,
    PlacedWrite,
    Plan,
    RowPlan,
)
from sheetsync.core.rowstatus import RowStatus
from sheetsync.core.table import Snapshot, column_map, locate
from sheetsync.core.validation import Problem


def tabs_written(writes: Sequence[CellWrite]) -> list[str]:
    """The tabs ``writes`` touch, in first-seen order."""
    return list(dict.fromkeys(write.ref.tab for write in writes))


def place(writes: Sequence[CellWrite], fresh: Snapshot) -> tuple[list[PlacedWrite], int]:
    """Find every write's cell in a fresh read of its tab, shared by every SheetStore.

    Returns the placed writes and how many rows could not be found again (counted per row,
    not per cell: a deleted row misses all of its cells). Raises ``TemplateError`` if a header
    vanished since the first read. A write into a column the template added later and the
    fresh read does not have (no ``ColumnAdd`` put it there) is left out.
    """
    placed: list[PlacedWrite] = []
    not_found = 0
    for tab_name in tabs_written(writes):
        tab_writes = [w for w in writes if w.ref.tab == tab_name]
        tab = TEMPLATE.tab(tab_name)
        table = fresh.table(tab_name)
        # The column each key was read from (the first of two alike headers), so a write
        # never lands in a person's own column that happens to share a sync-owned header.
        columns = column_map(table, tab)
        rows = locate([w.ref for w in tab_writes], table, tab)
        not_found += len({w.ref for w in tab_writes if w.ref not in rows})
        for write in tab_writes:
            row = rows.get(write.ref)
            column = columns.get(write.key)
            if row is not None and column is not None:
                placed.append(PlacedWrite(tab_name, row, column + 1, write.value))
    return placed, not_found


def same_value(current: Cell, wanted: Cell) -> bool:
    """True when a cell already holds ``wanted`` (dates compare as dates, text as text)."""
    if isinstance(wanted, date):
        try:
            return parse_date(current, "DMY") == wanted
        except ValueError:
            return False
    if wanted is None or is_blank(wanted):
        return is_blank(current)
    return as_text(current) == as_text(wanted)


def _settle_events(
    row: RowPlan, events: Mapping[str, EventOutcome]
) -> tuple[dict[str, Cell], list[str]]:
    """The row's target once its events are done; a failed event keeps what the Sheet records."""
    target = dict(row.target)
    errors: list[str] = []
    date_key = "next_follow_up" if "next_follow_up" in target else "synced_date"
    if row.event_id and (outcome := events.get(row.event_id)) and outcome.action == "failed":
        target["event_id"] = row.current.get("event_id")
        target[date_key] = row.current.get(date_key)
        errors.append(f"Calendar: event not saved ({outcome.error}); the next sync retries")
    old = as_text(row.current.get("event_id"))
    if old and old != row.event_id and (gone := events.get(old)) and gone.action == "failed":
        target["event_id"] = old
        target[date_key] = row.current.get(date_key)
        errors.append(f"Calendar: old event not cancelled ({gone.error}); the next sync retries")
    return target, errors


def _unrecorded(draft: DraftOutcome) -> str:
    """Why a draft's id is not recorded this sync (its row's error), or "" when it is.

    Not recording is what makes the next sync come back to it: a failed draft is retried, and
    an unchecked one (a second copy may exist) is found and its copies cleaned up.
    """
    if draft.state == "failed":
        return f"Draft not saved ({draft.error}); the next sync retries"
    if draft.state == "unchecked":
        return (
            f"Draft saved, but your drafts may hold a second copy of it ({draft.error}); "
            "the next sync removes it"
        )
    return ""


def compose(
    plan: Plan,
    events: Mapping[str, EventOutcome],
    drafts: Mapping[str, DraftOutcome],
) -> tuple[list[CellWrite], list[Problem]]:
    """The cell writes for a carried-out plan, and the problems the carrying-out added."""
    writes: list[CellWrite] = []
    problems: list[Problem] = []
    for row in plan.rows:
        target, errors = _settle_events(row, events)
        status = row.status
        draft = drafts.get(row.draft_message_id) if row.draft_message_id else None
        if draft and (error := _unrecorded(draft)):
            errors.append(error)
        elif draft and draft.state == "sent":
            status = status.intro_sent()
        for key, mid in row.draft_cells.items():
            other = drafts.get(mid)
            if other and (error := _unrecorded(other)):
                errors.append(error)
            elif other:
                target[key] = "sent" if other.state == "sent" else other.draft_id
        if errors:
            problems.append(row.problem(RowStatus.of(errors)))
            status = status.with_errors(errors)
        # Rendered here, once: the planner's notes and errors, then what the backends said.
        target["sync_status"] = status.render()
        if draft and not _unrecorded(draft):
            target["draft_id"] = "sent" if draft.state == "sent" else draft.draft_id
            if draft.thread_id and "thread_id" in target:
                # Where the sent intro and its reply are found, whatever Message-ID Gmail
                # gives it when the person presses Send.
                target["thread_id"] = draft.thread_id
        for key, value in target.items():
            if not same_value(row.current.get(key), value):
                writes.append(CellWrite(row.ref, key, value))
    return writes, problems


def columns_to_add(snapshot: Snapshot) -> tuple[ColumnAdd, ...]:
    """The template columns an older Sheet lacks, in template order, for the sync to add.

    Every column the template added later (``Column.added_later``) that a tab of the Sheet
    does not have: the first sync after an upgrade gives the Sheet its new shape, so that the
    person finds the new columns (Greeting, Paused until) and the sync can keep what it
    found (Intro sent, Thread ID). Once added there is nothing to add: a steady-state sync
    adds none.
    """
    adds: list[ColumnAdd] = []
    for tab in TEMPLATE.tabs:
        table = snapshot.tables.get(tab.name)
        if table is None or not any(c.added_later for c in tab.columns):
            continue
        present = column_map(table, tab)
        adds += [
            ColumnAdd(tab.name, c.key)
            for c in tab.columns
            if c.added_later and c.key not in present
        ]
    return tuple(adds)
