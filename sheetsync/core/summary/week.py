"""The top of the Summary: what to do in the next 7 days and what is overdue, dated, with names.

Built from what the plan knows: its calendar events (follow-ups, drop-in visits, meetings,
nurture touches with their idea), and the drafts that wait to be sent: intros and GP kits made
now or recorded (a Draft ID other than "sent" on a contact still at Prospect), and thank-yous
for referrals in (a Thanks draft ID other than "sent", while the referral is recent).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import date, timedelta

from sheet_template import tabs as t
from sheetsync.core.cells import as_text
from sheetsync.core.plan import EventSpec, Plan
from sheetsync.core.planner.rules import by_drop_in, short_date
from sheetsync.core.planner.thanks import THANKS_CELL, THANKS_WINDOW_DAYS
from sheetsync.core.rhythm import next_on_or_after
from sheetsync.core.summary.figures import WeekItem
from sheetsync.core.table import RowRef
from sheetsync.core.validation import Validated

#: "This week" is today and the 7 days after it: a drop-in planned the default 7 days ahead
#: shows up the day it is planned.
WEEK_DAYS = 7
#: Names listed in one line before the rest are counted ("Ana, Ben, Cleo and 2 more").
NAMES_LISTED = 3

_WHAT = {
    "intro-followup": "Follow up intro",
    "practice-followup": "Follow up practice",
    "drop-in": "Drop-in visit",
    "nurture": "Nurture touch",
    "meeting": "Group meeting",
}
_DETAILS = {
    "intro-followup": "No answer to your intro.",
    "practice-followup": "Did the doctors get your letter and flyers?",
    "drop-in": "Bring the cover note, letter and flyers.",
    "contact-meeting": "Afterwards, set Stage: Nurturing or Not a fit.",
}
#: A nurture touch's idea when the plan gives none: the article's three kinds of touch.
DEFAULT_IDEA = "Send an article, offer a coffee or ask a question."


def names_text(names: Sequence[str]) -> str:
    """Names as a person lists them: "Ana", "Ana and Ben", "Ana, Ben, Cleo and 2 more"."""
    if len(names) <= 1:
        return "".join(names)
    if len(names) <= NAMES_LISTED:
        return ", ".join(names[:-1]) + " and " + names[-1]
    return ", ".join(names[:NAMES_LISTED]) + f" and {len(names) - NAMES_LISTED} more"


class _Names:
    """Who a plan's rows are, by ``RowRef``: contacts by name, practices, groups."""

    def __init__(self, validated: Validated) -> None:
        self.contacts = {r.ref: r.model for r in validated.contacts if r.model is not None}
        self.groups = {r.ref: r.model.name for r in validated.groups if r.model is not None}

    def who(self, refs: Sequence[RowRef], practice: bool = False) -> str:
        if practice:
            practices = [c.practice for ref in refs if (c := self.contacts.get(ref)) and c.practice]
            if practices:
                return practices[0]
        names = [c.name for ref in refs if (c := self.contacts.get(ref))]
        names += [self.groups[ref] for ref in refs if ref in self.groups]
        return names_text(names)


def overdue_by_ref(plan: Plan) -> dict[RowRef, date]:
    """When each overdue row's follow-up was due, by the row (found by the id the plan gives
    it: a new row has none in the Sheet yet)."""
    due_by_id = {item.row_id: item.due for item in plan.overdue}
    found = {}
    for row in plan.rows:
        # Only overdue rows become keys: hashing every row's ref is most of the cost here.
        row_id = as_text(row.target.get("row_id"))
        if row_id in due_by_id:
            found[row.ref] = due_by_id[row_id]
    return found


def _occurrence(event: EventSpec, today: date) -> date | None:
    """The event's day this week or later: a series' next meeting on or after today."""
    if not event.recurrence:
        return event.day
    try:
        return next_on_or_after(event.day, event.recurrence, today)
    except ValueError:  # a rule the planner would not make; show the series' first day
        return event.day


def _event_item(
    event: EventSpec, day: date, names: _Names, overdue: Mapping[RowRef, date], today: date
) -> WeekItem:
    practice = event.purpose in ("drop-in", "practice-followup")
    who = names.who(event.refs, practice)
    if event.purpose == "contact-meeting":
        # Titled after what the Log calls it: "Coffee: Diego Santos".
        what = event.title.split(":", 1)[0] if ":" in event.title else t.MEETING
    else:
        what = _WHAT.get(event.purpose, t.MEETING)
    # In a few words, to keep each line one line; the calendar event says the rest.
    details = _DETAILS.get(event.purpose, event.description)
    if event.purpose == "nurture":
        details = event.suggestion or DEFAULT_IDEA
    due = min((overdue[ref] for ref in event.refs if ref in overdue), default=None)
    if due is not None and due < today:
        return WeekItem(due, what, who, f"Overdue since {short_date(due, today)}. {details}", True)
    return WeekItem(day, what, who, details)


#: What "this week" says of a draft, the sync it is made and every sync after it until sent.
IN_DRAFTS = "In your drafts."
#: A GP kit: the cover note and the letter for the doctors, sent or printed together.
KIT_IN_DRAFTS = "In your drafts: cover note, doctors' letter."
KIT_TO_PRINT = "In your drafts: print both for the practice."
#: The kinds of draft a contact's Draft ID records (the GP kit's letter for the doctors rides
#: with its cover note; a thank-you is a Referrals row's).
_DRAFT_ID_KINDS = {"intro", "intro_busy", "intro_health", "gp_cover"}


def _waiting(recorded: str) -> bool:
    return bool(recorded) and recorded != "sent"


def _contact_drafts(validated: Validated, plan: Plan, names: _Names) -> list[WeekItem]:
    """The intros and GP kits that wait in the drafts: made by this sync, or recorded by an
    earlier one on a contact still at Prospect. Told apart by the row, not by the draft, so
    that the sync that makes a draft and every later one list it alike."""
    planned = {
        ref: d.message_id for d in plan.drafts if d.kind in _DRAFT_ID_KINDS for ref in d.refs
    }
    intros: list[WeekItem] = []
    kits: dict[str, list[RowRef]] = defaultdict(list)
    for row in validated.contacts:
        c = row.model
        if c is None or plan.stages.get(row.ref, c.stage) != t.PROSPECT:
            continue
        draft = planned.get(row.ref) or as_text(row.synced.get("draft_id"))
        if not _waiting(draft):
            continue
        if by_drop_in(c):
            kits[draft].append(row.ref)
        else:
            intros.append(WeekItem(plan.today, "Send intro draft", c.name, IN_DRAFTS))
    for refs in kits.values():
        who = names.who(refs, True)
        if any(names.contacts[ref].practice_manager_email for ref in refs):
            intros.append(WeekItem(plan.today, "Send GP kit", who, KIT_IN_DRAFTS))
        else:
            intros.append(WeekItem(plan.today, "GP kit to print", who, KIT_TO_PRINT))
    return intros


def _contact_names(validated: Validated, plan: Plan) -> dict[str, str]:
    """Each contact's name, by its name and by its Row ID (as the plan gives it)."""
    name_of = {r.ref: r.model.name for r in validated.contacts if r.model is not None}
    names = {name: name for name in name_of.values()}
    for row in plan.rows:
        if row.ref in name_of:
            names[as_text(row.target.get("row_id"))] = name_of[row.ref]
    return names


def _thank_yous(validated: Validated, plan: Plan) -> list[WeekItem]:
    """The thank-yous that wait in the drafts: made now, or recorded on a referral still
    inside the window in which one is drafted (after it, the row's status says more)."""
    planned = {
        ref: d.to[0][0] for d in plan.drafts if d.kind == "thanks" and d.to for ref in d.refs
    }
    oldest = plan.today - timedelta(days=THANKS_WINDOW_DAYS)
    items = []
    names: dict[str, str] | None = None
    for row in validated.referrals:
        r = row.model
        if r is None:
            continue
        who = planned.get(row.ref)
        if who is None:
            if not _waiting(as_text(row.synced.get(THANKS_CELL))) or r.date < oldest:
                continue
            if names is None:
                # Built only when a recorded thank-you waits: the Contact cell holds a name
                # or a Row ID, and the list shows the name.
                names = _contact_names(validated, plan)
            who = names.get(r.contact, r.contact)
        items.append(WeekItem(plan.today, "Send thank-you", who, IN_DRAFTS))
    return items


def this_week(validated: Validated, plan: Plan) -> tuple[WeekItem, ...]:
    """Every item of "this week": overdue first (oldest first), then by day."""
    today = plan.today
    last = today + timedelta(days=WEEK_DAYS)
    names = _Names(validated)
    overdue = overdue_by_ref(plan)
    items = _contact_drafts(validated, plan, names) + _thank_yous(validated, plan)
    for event in plan.events:
        day = None if event.cancelled else _occurrence(event, today)
        if day is not None and today <= day <= last:
            items.append(_event_item(event, day, names, overdue, today))
    return tuple(sorted(items, key=lambda i: (not i.overdue, i.day, i.what, i.who)))
