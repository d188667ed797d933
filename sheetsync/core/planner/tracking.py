"""Following up the intros the Sheet records: which drafts to ask the mailbox about, and what
its answers add to a contact's evidence.

A recorded intro draft is asked after until the mailbox shows it sent and then answered, or
until ``REPLY_WINDOW_DAYS`` have passed since it was sent: an answer later than that is
logged by hand like any other touch, and a steady-state sync does not ask about every intro
ever sent. What the mailbox found is kept in the row's sync-owned Intro sent, Replied and
Thread ID cells, so that it is asked once, not every sync.

>>> from datetime import date
>>> fate = DraftFate("<intro.x@sheetsync.invalid>", "sent", sent_on=date(2026, 11, 20))
>>> found = found_evidence(Evidence(), fate, None, None)
>>> found.intro_sent, found.last_touch, found.replied
(datetime.date(2026, 11, 20), datetime.date(2026, 11, 20), None)
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import date

from sheet_template import tabs as t
from sheetsync.core import ids
from sheetsync.core.cells import Cell, as_text, parse_date
from sheetsync.core.models import Contact
from sheetsync.core.plan import DraftFate, TrackedDraft
from sheetsync.core.planner.evidence import Evidence
from sheetsync.core.planner.rules import by_drop_in
from sheetsync.core.validation import Row, Validated

#: How long after an intro was sent the sync looks for the reply in its thread.
REPLY_WINDOW_DAYS = 90
#: Stages at which nothing more is learnt from the intro's thread.
_DONE = frozenset({t.MET, t.NURTURING, t.NOT_A_FIT})
#: What the Draft ID cell held for a draft found sent before threads were recorded.
SENT_MARK = "sent"


def intro_message_id(namespace: str, contact_id: str) -> str:
    """The Message-ID of the intro drafted for a contact (the same the drafting uses)."""
    return ids.message_id(namespace, contact_id, "intro")


def cell_date(cell: Cell) -> date | None:
    """A sync-owned date cell as a date (None when blank or not a date)."""
    try:
        return parse_date(cell, "DMY")
    except ValueError:
        return None


def _tracked(row: Row[Contact], namespace: str, today: date) -> TrackedDraft | None:
    """The intro draft of ``row`` to ask about, or None when there is nothing to learn."""
    c = row.model
    if c is None or not row.row_id or by_drop_in(c) or c.stage in _DONE:
        return None
    draft_id = as_text(row.synced.get("draft_id"))
    if not draft_id or cell_date(row.synced.get("replied")):
        return None
    sent_on = cell_date(row.synced.get("intro_sent"))
    if sent_on and (today - sent_on).days > REPLY_WINDOW_DAYS:
        return None
    return TrackedDraft(
        message_id=intro_message_id(namespace, row.row_id),
        # "sent" (recorded before threads were) is no draft id: the Message-ID finds it.
        draft_id="" if draft_id == SENT_MARK else draft_id,
        thread_id=as_text(row.synced.get("thread_id")),
        sent_on=sent_on,
    )


def drafts_to_track(validated: Validated, namespace: str, today: date) -> tuple[TrackedDraft, ...]:
    """The recorded intro drafts whose fate the sync asks the mailbox, before planning.

    ``namespace`` is the plan's (``plan_namespace``); ``today`` the practice's date.
    """
    return tuple(_each(validated, namespace, today))


def _each(validated: Validated, namespace: str, today: date) -> Iterator[TrackedDraft]:
    for row in validated.contacts:
        if (tracked := _tracked(row, namespace, today)) is not None:
            yield tracked


def found_evidence(
    evidence: Evidence, fate: DraftFate | None, sent_cell: date | None, replied_cell: date | None
) -> Evidence:
    """``evidence`` with what the mailbox found: this sync's ``fate`` and earlier syncs' cells.

    A send or a reply is a touch, like a logged one; the earliest send date wins (the Log
    and the mailbox may both record it).
    """
    sent = fate.sent_on if fate and fate.state == "sent" else None
    replied = fate.replied_on if fate and fate.state == "sent" else None
    if day := _earliest(sent or sent_cell, evidence.intro_sent):
        evidence = replace(evidence.touched(day), intro_sent=day)
    if day := _earliest(replied or replied_cell, evidence.replied):
        evidence = replace(evidence.touched(day), replied=day)
    return evidence


def _earliest(a: date | None, b: date | None) -> date | None:
    if a is None or b is None:
        return a or b
    return min(a, b)


def fate_cells(row: Row[Contact], fate: DraftFate | None) -> dict[str, Cell]:
    """The sync-owned cells that keep what the mailbox found, for the row's target.

    Keeps what earlier syncs found when this one learnt nothing new (not tracked, or the
    mailbox could not tell).
    """
    cells = {key: row.synced.get(key) for key in ("intro_sent", "replied", "thread_id")}
    if fate is None or fate.state == "unknown":
        return cells
    if fate.thread_id:
        cells["thread_id"] = fate.thread_id
    if fate.state == "sent":
        cells["intro_sent"] = fate.sent_on or cell_date(cells["intro_sent"])
        cells["replied"] = fate.replied_on or cell_date(cells["replied"])
    return cells


def plan_namespace(validated: Validated, store_namespace: str) -> str:
    """What keeps this Sheet's ids apart: the identity the Sheet records, or the store's.

    The recorded one wins, so a copied or renamed file keeps its events and drafts.
    """
    return validated.settings.sheet_identity or store_namespace


def deleted_unsent(fate: DraftFate | None, evidence: Evidence) -> bool:
    """True when the intro's draft was deleted and nothing says it was sent."""
    return fate is not None and fate.state == "deleted" and evidence.intro_sent is None
