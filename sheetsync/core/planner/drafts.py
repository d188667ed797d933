"""The letters to draft: an intro for each therapist Prospect reached by email, and one cover
note per practice for the Practice Manager of the health professionals reached by a drop-in.

A row whose Draft ID cell is filled already has its draft (or sent it) and gets none.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sheetsync.core import ids
from sheetsync.core.cells import as_text
from sheetsync.core.models import Contact
from sheetsync.core.plan import DraftSpec
from sheetsync.core.planner.context import Context
from sheetsync.core.planner.letterbook import DraftBlocked, LetterBook
from sheetsync.core.planner.rules import drops_in, wants_intro
from sheetsync.core.table import RowRef
from sheetsync.core.validation import Row

Sender = tuple[str, str] | None
#: Who a cover note is to when the Contacts tab names no Practice Manager.
_MANAGER = "Practice Manager"


@dataclass(frozen=True)
class PlannedDraft:
    """The draft this sync makes sure exists for a row."""

    message_id: str


#: What the plan holds for a row that is due a draft.
DraftResult = PlannedDraft | DraftBlocked


def plan_drafts(
    ctx: Context, letters: LetterBook
) -> tuple[tuple[DraftSpec, ...], dict[RowRef, DraftResult]]:
    """The drafts to make, and each row's draft or the reason it has none."""
    s = ctx.settings
    sender = (s.your_name, s.your_email) if s.your_email else None
    drafts: list[DraftSpec] = []
    results: dict[RowRef, DraftResult] = {}
    practices: dict[str, list[Row[Contact]]] = defaultdict(list)
    for row in ctx.validated.contacts:
        c = row.model
        if c is None:
            continue
        if c.paused_until and c.paused_until > ctx.today:
            continue
        stage = ctx.stage_of(row)
        if wants_intro(c, stage):
            if c.email and not as_text(row.synced.get("draft_id")):
                intro = _intro(ctx, letters, row, c, sender)
                results[row.ref] = _keep(intro, drafts)
        elif drops_in(c, stage) and c.practice:
            practices[ids.practice_key(c.practice)].append(row)
    for key, rows in practices.items():
        pending = [r for r in rows if not as_text(r.synced.get("draft_id"))]
        if pending:
            note = _cover_note(ctx, letters, key, rows, pending, sender)
            result = _keep(note, drafts)
            results.update((r.ref, result) for r in pending)
    return tuple(drafts), results


def _keep(draft: DraftSpec | DraftBlocked, drafts: list[DraftSpec]) -> DraftResult:
    if isinstance(draft, DraftBlocked):
        return draft
    drafts.append(draft)
    return PlannedDraft(draft.message_id)


def _intro(
    ctx: Context, letters: LetterBook, row: Row[Contact], c: Contact, sender: Sender
) -> DraftSpec | DraftBlocked:
    assert c.email is not None
    letter = letters.render(
        "intro",
        {
            "first_name": c.first_name,
            "name": c.name,
            "practice": c.practice,
            "area": c.area,
            "practice_manager": c.practice_manager,
        },
    )
    if isinstance(letter, DraftBlocked):
        return letter
    mid = ids.message_id(ctx.namespace, ctx.contact_ids[row.ref], "intro")
    return DraftSpec(mid, "intro", (row.ref,), ((c.name, c.email),), sender, *letter)


def _cover_note(
    ctx: Context,
    letters: LetterBook,
    key: str,
    rows: Sequence[Row[Contact]],
    pending: Sequence[Row[Contact]],
    sender: Sender,
) -> DraftSpec | DraftBlocked:
    """One practice's cover note, for its ``pending`` rows (those not yet drafted)."""
    contacts = [r.model for r in rows if r.model is not None]
    first = contacts[0]
    manager = next((c.practice_manager for c in contacts if c.practice_manager), "")
    manager_email = next(
        (c.practice_manager_email for c in contacts if c.practice_manager_email), None
    )
    addressee = manager or _MANAGER
    letter = letters.render(
        "gp_cover",
        {
            "practice": first.practice,
            "area": first.area,
            "practice_manager": addressee,
            "first_name": addressee,
            "name": addressee,
        },
    )
    if isinstance(letter, DraftBlocked):
        return DraftBlocked("; ".join(filter(None, (letter.reason, letters.flyer_error))))
    if letters.flyer_error:
        return DraftBlocked(letters.flyer_error)
    mid = ids.message_id(ctx.namespace, key, "gp_cover")
    to = ((addressee, manager_email),) if manager_email else ()
    refs = tuple(r.ref for r in pending)
    return DraftSpec(mid, "gp_cover", refs, to, sender, *letter, letters.attachment)
