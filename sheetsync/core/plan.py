"""The sync's plan as plain data: events, drafts, and what each row's sync-owned cells become.

The planner produces a ``Plan``; the backends carry out its events and drafts and report
``EventOutcome`` and ``DraftOutcome``; ``writeback`` turns plan and outcomes into ``CellWrite``s,
and every ``SheetStore`` places those in a fresh read of its tabs as ``PlacedWrite``s.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal, get_args

from sheet_template import TEMPLATE
from sheetsync.core.cells import Cell, as_text
from sheetsync.core.rowstatus import RowStatus
from sheetsync.core.table import RowRef
from sheetsync.core.validation import Problem

#: Why an event is in the calendar: a contact's nurture touch, an intro's follow-up, a drop-in
#: visit to a practice, the follow-up after that visit, a meeting booked with a contact, and a
#: group's meeting.
Purpose = Literal[
    "nurture", "intro-followup", "drop-in", "practice-followup", "contact-meeting", "meeting"
]
#: The letters a sync drafts, by their Templates key: the intro to an other-specialty
#: therapist, to a busy same-specialty one, to a health professional reached by email; the GP
#: kit's cover note and its letter for the doctors; the thank-you for a referral; a nurture note.
LetterKind = Literal[
    "intro", "intro_busy", "intro_health", "gp_cover", "gp_doctors", "thanks", "nurture"
]


@dataclass(frozen=True)
class EventSpec:
    """A calendar event to create, move, or cancel. Events are all-day, on ``day``."""

    event_id: str
    purpose: Purpose
    calendar_id: str
    day: date
    title: str
    description: str
    refs: tuple[RowRef, ...]
    cancelled: bool = False
    #: True when the Sheet already records this event on this day: nothing to do.
    known: bool = False
    #: How the event repeats from ``day``: an RFC 5545 RRULE value without the "RRULE:"
    #: prefix (``core.rhythm`` makes them, e.g. "FREQ=MONTHLY;INTERVAL=1"); "" for a one-off.
    recurrence: str = ""
    #: What to do, in one line, for a nurture touch (one of the article's ideas), which the
    #: Summary's "this week" shows beside it; "" otherwise.
    suggestion: str = ""


@dataclass(frozen=True)
class Attachment:
    """A file to attach to a draft: its plain file name and its bytes, loaded before planning.

    The mailbox adapters attach these bytes as they are and open no file themselves.
    """

    name: str
    #: Left out of repr(): a draft printed in a log or a failing assertion stays short.
    content: bytes = field(repr=False)


@dataclass(frozen=True)
class FlyerProblem:
    """Why Settings > Flyer file cannot be attached; names neither the file nor its content."""

    reason: str


#: The flyer a sync attaches to GP cover notes: loaded, unusable (and why), or none set.
Flyer = Attachment | FlyerProblem | None

#: Why a flyer is named but cannot be read: the deployment has no flyer folder.
NO_FOLDER = "no flyer folder is configured for this deployment (SHEETSYNC_FLYER_DIR)"


@dataclass(frozen=True)
class DraftSpec:
    """An email draft to create unless one with ``message_id`` already exists."""

    message_id: str
    kind: LetterKind
    refs: tuple[RowRef, ...]
    to: tuple[tuple[str, str], ...]
    sender: tuple[str, str] | None
    subject: str
    body: str
    attachment: Attachment | None = None
    #: Who the draft is for, as a person would name it: the contact's name, or the practice's
    #: name for a GP cover note. The local mailbox names the draft's file after it.
    label: str = ""
    #: A draft with no address to send to, meant to be printed and handed over (a GP cover
    #: note with no Practice Manager email): the local mailbox names it as one to print.
    to_print: bool = False


@dataclass(frozen=True)
class RowPlan:
    """What one row's sync-owned cells should hold after the sync, by column key.

    ``target`` leaves out Sync status: the write-back renders ``status`` into it once it
    knows what the backends did.
    """

    ref: RowRef
    current: Mapping[str, Cell]
    target: Mapping[str, Cell]
    status: RowStatus
    event_id: str | None = None
    draft_message_id: str | None = None
    #: Other sync-owned cells that record a draft, by column key: the Message-ID of the draft
    #: each records (a GP row's letter for the doctors, a referral's thank-you).
    draft_cells: Mapping[str, str] = field(default_factory=dict)

    def problem(self, status: RowStatus) -> Problem:
        """``status``'s errors as a ``Problem`` at this row, for the Summary and the report."""
        row_id = as_text(self.target.get("row_id"))
        return Problem(self.ref.tab, self.ref.row_number, row_id, status.problem)


#: What a calendar did with an event, in the order reports count them.
EventAction = Literal["created", "moved", "updated", "cancelled", "unchanged", "absent", "failed"]
#: What a mailbox did with a draft, in the order reports count them.
#: "unchecked": created or found, but a second copy of it may be in the mailbox (its clean-up
#: could not finish); not recorded, so that the next sync finds it and cleans up again.
DraftState = Literal["created", "exists", "sent", "failed", "unchecked"]
EVENT_ACTIONS: tuple[EventAction, ...] = get_args(EventAction)
DRAFT_STATES: tuple[DraftState, ...] = get_args(DraftState)


@dataclass(frozen=True)
class EventOutcome:
    """What a calendar did with one planned event (``error`` says why when it failed)."""

    event_id: str
    action: EventAction
    error: str = ""


@dataclass(frozen=True)
class DraftOutcome:
    """What a mailbox did with one planned draft, and the draft's id in that mailbox."""

    message_id: str
    state: DraftState
    draft_id: str = ""
    error: str = ""
    #: The draft's Gmail thread (drafts.create answers with it), to record beside its id.
    thread_id: str = ""


@dataclass(frozen=True)
class TrackedDraft:
    """A draft the Sheet records, to be followed up: what became of it?"""

    message_id: str  # the deterministic Message-ID the planner knows for the row
    draft_id: str  # as recorded in Draft ID ("" if unknown)
    thread_id: str = ""  # as recorded in Thread ID ("" on the local backend or older rows)
    sent_on: date | None = None  # when already known sent (then only replies are looked for)


DraftFateState = Literal["draft", "sent", "deleted", "unknown"]


@dataclass(frozen=True)
class DraftFate:
    """What became of a tracked draft."""

    message_id: str
    state: DraftFateState  # still a draft; sent; deleted unsent; could not tell
    thread_id: str = ""  # the thread, when known (to record it)
    sent_on: date | None = None  # the SENT message's date (in UTC; the planner converts)
    replied_on: date | None = None  # first reply from someone else after the sent one
    error: str = ""  # why "unknown" (a short, log-safe reason)


@dataclass(frozen=True)
class Overdue:
    """A contact's follow-up whose day has passed: the Summary lists these."""

    row_id: str
    name: str
    category: str
    due: date
    #: What it is, in short: "Nurture touch", "Follow up intro", "Drop in at PRACTICE".
    what: str


@dataclass(frozen=True)
class QuietReferrer:
    """A contact who referred clients in before, with no referral and no touch for a while."""

    row_id: str
    name: str
    last_referral: date
    #: Their latest touch (Last contact or the Log); None when none is recorded.
    last_touch: date | None


@dataclass(frozen=True)
class Plan:
    """Everything a sync will do, computed without I/O."""

    now: datetime
    today: date
    events: tuple[EventSpec, ...]
    drafts: tuple[DraftSpec, ...]
    rows: tuple[RowPlan, ...]
    problems: tuple[Problem, ...]
    overdue: tuple[Overdue, ...] = field(default=())
    #: The stage the plan acted on for each valid contact: its Stage, or the evidence's where
    #: that is further. The Summary counts contacts by it.
    stages: Mapping[RowRef, str] = field(default_factory=dict)
    #: What keeps this Sheet's event ids and Message-IDs apart from other Sheets'.
    namespace: str = ""
    #: Rows for the sync to add (default letters missing from the Templates tab).
    row_appends: tuple[RowAppend, ...] = ()
    #: Contacts who referred before and have gone quiet: the Summary names them to nurture.
    quiet_referrers: tuple[QuietReferrer, ...] = ()
    #: Settings > Row IDs given once this plan's new rows have their ids ("C0012 G0003").
    row_ids_given: str = ""

    @property
    def pending_events(self) -> tuple[EventSpec, ...]:
        """Events that need a calendar call."""
        return tuple(e for e in self.events if not e.known)


@dataclass(frozen=True)
class CellWrite:
    """One sync-owned cell to set: its row's address, its column's template key, its value.

    The key, not the header: the header text is found in the fresh read where the write is
    placed (``writeback.place``), once, and ``header`` names the column for people.
    """

    ref: RowRef
    key: str
    value: Cell

    @property
    def header(self) -> str:
        """The column's header in the template, for reports and cards."""
        return TEMPLATE.tab(self.ref.tab).column(self.key).header


@dataclass(frozen=True)
class PlacedWrite:
    """A cell write with the cell it goes to now: 1-based row and column on its tab."""

    tab: str
    row: int
    column: int
    value: Cell


@dataclass(frozen=True)
class ColumnAdd:
    """A template column missing from a tab's header row: the sync adds its header at the end."""

    tab: str
    key: str  # the template column key; its header text and look come from sheet_template


@dataclass(frozen=True)
class RowAppend:
    """A row the sync adds at the end of a tab (e.g. a default letter missing from Templates)."""

    tab: str
    cells: Mapping[str, Cell]  # by column key


@dataclass(frozen=True)
class SheetChanges:
    """Everything one write-back changes in the Sheet."""

    cells: Sequence[CellWrite] = ()
    columns: Sequence[ColumnAdd] = ()
    rows: Sequence[RowAppend] = ()
    summary: Sequence[Sequence[Cell]] = ()
