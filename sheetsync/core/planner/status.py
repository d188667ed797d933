"""Each row's status as the planner finds it: validation's errors, its own, and notes.

The text is rendered later, by the write-back, once the backends have said what they did.
"""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel

from sheet_template import tabs as t
from sheetsync.core.models import Contact
from sheetsync.core.plan import RowPlan
from sheetsync.core.planner.context import current_cells
from sheetsync.core.planner.drafts import DraftResult, PlannedDraft
from sheetsync.core.planner.letterbook import DraftBlocked
from sheetsync.core.planner.rules import drops_in, wants_intro
from sheetsync.core.rowstatus import IntroNote, Note, Remark, RowStatus
from sheetsync.core.validation import Row


def simple_row(row: Row[BaseModel], row_id: str, errors: Sequence[str]) -> RowPlan:
    """A row whose only sync-owned cells are its Row ID and its status."""
    return RowPlan(row.ref, current_cells(row), {"row_id": row_id}, RowStatus.of(errors))


def contact_status(c: Contact, recorded_draft: str, draft: DraftResult | None) -> RowStatus:
    """A valid contact's status: what stops its follow-up or draft, or what to do next.

    ``recorded_draft`` is its Draft ID cell as read; ``draft`` what this sync plans for it.
    """
    errors: list[str] = []
    if drops_in(c) and not c.practice:
        errors.append("Practice: is empty; a drop-in visit needs the practice's name")
    if isinstance(draft, DraftBlocked):
        errors.append(draft.reason)
    notes: list[Note] = []
    if c.stage == t.PROSPECT and c.category in t.MENTAL_HEALTH_CATEGORIES:
        if wants_intro(c) and not c.email:
            notes.append(Remark.NO_EMAIL)
        elif recorded_draft == "sent":
            notes.append(IntroNote(sent=True))
        elif recorded_draft or isinstance(draft, PlannedDraft):
            # Said already when the draft is planned, so the next sync's status is the same.
            notes.append(IntroNote())
    return RowStatus.of(errors, notes)
