"""The Referrals tab: each row must name a contact, and a referral in gets a thank-you draft.

The practice-marketing sources agree: thank a referrer. A row with Direction In gets one
thank-you to that contact, recorded in the row's Thanks draft ID cell, so it is drafted once per
referral row and never again. Only a referral dated within the last ``THANKS_WINDOW_DAYS``
days gets one: a thank-you weeks later reads oddly, and a ledger of past referrals typed or
pasted in at once must not fill the drafts with thank-yous for last year.

The letter knows the contact and the sender only: nothing of the referral row reaches it (no
date, no Notes), and the Templates tab offers no placeholder about a client, so no edit of the
letter can put one in.
"""

from __future__ import annotations

from datetime import timedelta

from sheet_template import tabs as t
from sheetsync.core import ids
from sheetsync.core.cells import Cell, as_text
from sheetsync.core.models import Contact, Referral
from sheetsync.core.plan import DraftSpec, RowPlan
from sheetsync.core.planner.context import Context, Part, current_cells, row_ids
from sheetsync.core.planner.drafts import contact_values
from sheetsync.core.planner.letterbook import DraftBlocked, LetterBook
from sheetsync.core.rowstatus import Advice, Note, RowStatus
from sheetsync.core.validation import Row

#: How recent a referral in must be for a thank-you to be drafted, in days.
THANKS_WINDOW_DAYS = 14
#: The sync-owned cell that records a referral's thank-you.
THANKS_CELL = "thanks_draft_id"

THANKS_DRAFTED = Advice("thank-you in your drafts: send it to the referrer")
THANKS_SENT = Advice("thank-you sent")
NO_EMAIL = Advice("no email for this contact, so no thank-you drafted: thank them another way")
TOO_OLD = Advice(f"dated over {THANKS_WINDOW_DAYS} days ago, so no thank-you drafted")


def plan_referrals(ctx: Context, letters: LetterBook) -> Part:
    """Every Referrals row's status, and the thank-you drafts for new referrals in."""
    referral_ids = row_ids(ctx.validated.referrals, t.REFERRALS, ctx.settings)
    contacts = {
        ctx.contact_ids[row.ref]: row.model
        for row in ctx.validated.contacts
        if row.model is not None
    }
    sender = (ctx.settings.your_name, ctx.settings.your_email) if ctx.settings.your_email else None
    rows: list[RowPlan] = []
    drafts: list[DraftSpec] = []
    for row in ctx.validated.referrals:
        rid = referral_ids[row.ref]
        errors = list(row.errors)
        notes: list[Note] = []
        draft: DraftSpec | None = None
        if row.model is not None:
            cid = ctx.resolve(row.model.contact, errors)
            if cid and row.model.direction == "In":
                found = _thanks(ctx, letters, row, row.model, rid, contacts[cid], sender)
                if isinstance(found, DraftBlocked):
                    errors.append(found.reason)
                elif isinstance(found, DraftSpec):
                    draft = found
                    drafts.append(found)
                    notes.append(THANKS_DRAFTED)
                elif found is not None:
                    notes.append(found)
        target: dict[str, Cell] = {"row_id": rid}
        cells = {THANKS_CELL: draft.message_id} if draft else {}
        status = RowStatus.of(errors, notes)
        rows.append(RowPlan(row.ref, current_cells(row), target, status, draft_cells=cells))
    return Part(rows=tuple(rows), drafts=tuple(drafts))


def _thanks(
    ctx: Context,
    letters: LetterBook,
    row: Row[Referral],
    referral: Referral,
    rid: str,
    c: Contact,
    sender: tuple[str, str] | None,
) -> DraftSpec | DraftBlocked | Note | None:
    """The thank-you to draft for one referral in, or what the row says instead."""
    recorded = as_text(row.synced.get(THANKS_CELL))
    if recorded:
        return THANKS_SENT if recorded == "sent" else THANKS_DRAFTED
    if referral.date > ctx.today:
        return None  # drafted on the day it is dated
    if referral.date < ctx.today - timedelta(days=THANKS_WINDOW_DAYS):
        return TOO_OLD
    if not c.email:
        return NO_EMAIL
    # Only the contact's own row fills the letter: never the referral's date or Notes.
    letter = letters.render("thanks", contact_values(c))
    if isinstance(letter, DraftBlocked):
        return letter
    mid = ids.message_id(ctx.namespace, rid, "thanks")
    to = ((c.name, c.email),)
    return DraftSpec(mid, "thanks", (row.ref,), to, sender, *letter, label=c.name)
