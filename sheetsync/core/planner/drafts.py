"""The letters to draft: an intro for each Prospect reached by email, and one GP kit per
practice for the Practice Manager of the health professionals reached by a drop-in.

The intro is the one for the relationship (``rules.intro_kind``): another specialty, a busy
therapist in your own, or a health professional. Whichever it is, its Message-ID is the
contact's "intro": a contact gets one intro, and a change of Category never makes a second.

The GP kit is two drafts to the same addressee: the cover note (with the flyer) and the letter
for the doctors it mentions, each with its own Message-ID and its own sync-owned cell (Draft
ID, Doctors' letter ID). With no Practice Manager email both are drafts to print
(``DraftSpec.to_print``), and the row says to print them and take them to the practice.

A row whose cell is filled already has that draft (or sent it) and gets none.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from sheetsync.core import ids
from sheetsync.core.cells import as_text
from sheetsync.core.models import Contact
from sheetsync.core.plan import DraftSpec, LetterKind
from sheetsync.core.planner.context import Context
from sheetsync.core.planner.letterbook import DraftBlocked, LetterBook, Rendered
from sheetsync.core.planner.rules import drops_in, intro_kind, wants_intro
from sheetsync.core.rowstatus import Advice, Note
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
#: The sync-owned cell that records a GP row's letter for the doctors.
DOCTORS_CELL = "doctors_letter_id"
#: What a GP row says while its kit waits in the drafts.
KIT_TO_PRINT = Advice(
    "GP kit in your drafts (cover note, letter for the doctors): print and take to the "
    "practice, with the flyers"
)
KIT_TO_SEND = Advice(
    "GP kit in your drafts: send the cover note and the letter for the doctors to the "
    "Practice Manager"
)


@dataclass(frozen=True)
class Drafts:
    """The drafts to make, and what each row gets: its draft or why none, and its notes."""

    specs: tuple[DraftSpec, ...]
    #: The draft recorded in the row's Draft ID cell (intro, GP cover note).
    results: dict[RowRef, DraftResult]
    #: A GP row's letter for the doctors (recorded in ``DOCTORS_CELL``).
    doctors: dict[RowRef, DraftResult]
    #: What a row with a GP kit is to do with it.
    notes: dict[RowRef, tuple[Note, ...]]


def contact_values(c: Contact) -> dict[str, str]:
    """The placeholders a letter to ``c`` fills from their row."""
    return {
        "greeting_name": c.greeting_name,
        "title_surname": c.title_surname,
        "first_name": c.greeting_name,
        "name": c.name,
        "practice": c.practice,
        "area": c.area,
        "practice_manager": c.practice_manager,
    }


def plan_drafts(ctx: Context, letters: LetterBook) -> Drafts:
    """The drafts to make, and each row's draft or the reason it has none."""
    s = ctx.settings
    sender = (s.your_name, s.your_email) if s.your_email else None
    drafts: list[DraftSpec] = []
    results: dict[RowRef, DraftResult] = {}
    doctors: dict[RowRef, DraftResult] = {}
    notes: dict[RowRef, tuple[Note, ...]] = {}
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
        kit = _Kit.of(rows)
        pending = [r for r in rows if not as_text(r.synced.get("draft_id"))]
        if pending:
            note = _cover_note(ctx, letters, key, kit, pending, sender)
            result = _keep(note, drafts)
            results.update((r.ref, result) for r in pending)
        waiting = [r for r in rows if not as_text(r.synced.get(DOCTORS_CELL))]
        if waiting:
            letter = _doctors_letter(ctx, letters, key, kit, waiting, sender, bool(pending))
            result = _keep(letter, drafts)
            doctors.update((r.ref, result) for r in waiting)
        for r in rows:
            if isinstance(results.get(r.ref), PlannedDraft) or as_text(r.synced.get("draft_id")):
                notes[r.ref] = (KIT_TO_SEND if kit.manager_email else KIT_TO_PRINT,)
    return Drafts(tuple(drafts), results, doctors, notes)


def _keep(draft: DraftSpec | DraftBlocked, drafts: list[DraftSpec]) -> DraftResult:
    if isinstance(draft, DraftBlocked):
        return draft
    drafts.append(draft)
    return PlannedDraft(draft.message_id)


def _intro(
    ctx: Context, letters: LetterBook, row: Row[Contact], c: Contact, sender: Sender
) -> DraftSpec | DraftBlocked:
    assert c.email is not None
    kind = intro_kind(c)
    letter = letters.render(kind, contact_values(c))
    if isinstance(letter, DraftBlocked):
        return letter
    mid = ids.message_id(ctx.namespace, ctx.contact_ids[row.ref], "intro")
    return DraftSpec(mid, kind, (row.ref,), ((c.name, c.email),), sender, *letter, label=c.name)


@dataclass(frozen=True)
class _Kit:
    """Who a practice's GP kit is addressed to, from any of its contacts' rows."""

    practice: str
    area: str
    #: The Practice Manager's name, or "Practice Manager" when no row names one.
    addressee: str
    manager_email: str | None

    @classmethod
    def of(cls, rows: Sequence[Row[Contact]]) -> _Kit:
        contacts = [r.model for r in rows if r.model is not None]
        first = contacts[0]
        manager = next((c.practice_manager for c in contacts if c.practice_manager), "")
        email = next((c.practice_manager_email for c in contacts if c.practice_manager_email), None)
        return cls(first.practice, first.area, manager or _MANAGER, email)

    def values(self) -> dict[str, str]:
        """The placeholders a letter of the kit fills: it greets the Practice Manager."""
        name = self.addressee
        return {
            "practice": self.practice,
            "area": self.area,
            "practice_manager": name,
            "greeting_name": name,
            "title_surname": name,
            "first_name": name,
            "name": name,
        }

    def draft(
        self,
        mid: str,
        kind: LetterKind,
        pending: Sequence[Row[Contact]],
        sender: Sender,
        letter: Rendered,
        what: str,
        letters: LetterBook | None = None,
    ) -> DraftSpec:
        to = ((self.addressee, self.manager_email),) if self.manager_email else ()
        refs = tuple(r.ref for r in pending)
        attachment = letters.attachment if letters else None
        return DraftSpec(
            mid,
            kind,
            refs,
            to,
            sender,
            *letter,
            attachment,
            label=self.practice,
            to_print=not self.manager_email,
        )


def _cover_note(
    ctx: Context,
    letters: LetterBook,
    key: str,
    kit: _Kit,
    pending: Sequence[Row[Contact]],
    sender: Sender,
) -> DraftSpec | DraftBlocked:
    """One practice's cover note, for its ``pending`` rows (those not yet drafted)."""
    letter = letters.render("gp_cover", kit.values())
    if isinstance(letter, DraftBlocked):
        return DraftBlocked("; ".join(filter(None, (letter.reason, letters.flyer_error))))
    if letters.flyer_error:
        return DraftBlocked(letters.flyer_error)
    mid = ids.message_id(ctx.namespace, key, "gp_cover")
    return kit.draft(mid, "gp_cover", pending, sender, letter, "gp_cover", letters)


def _doctors_letter(
    ctx: Context,
    letters: LetterBook,
    key: str,
    kit: _Kit,
    pending: Sequence[Row[Contact]],
    sender: Sender,
    with_cover: bool,
) -> DraftSpec | DraftBlocked:
    """One practice's letter for the doctors, which the cover note says comes with it.

    ``with_cover`` says its cover note is still to be drafted too (not drafted before).
    """
    letter = letters.render("gp_doctors", kit.values())
    if isinstance(letter, DraftBlocked):
        return letter
    if letters.flyer_error and with_cover:
        # The kit goes out whole: while its flyer cannot be attached, neither letter is drafted.
        return DraftBlocked(letters.flyer_error)
    mid = ids.message_id(ctx.namespace, key, "gp_doctors")
    return kit.draft(mid, "gp_doctors", pending, sender, letter, "gp_doctors")
