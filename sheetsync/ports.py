"""The ports: what the sync needs from a spreadsheet, a calendar, a mailbox and a flyer folder.

Each of the first three has a Google adapter and a local adapter (``sheetsync.adapters``), and
one shared behaviour suite in the tests that every adapter passes. The flyer folder has one
adapter (``adapters.flyer.FlyerFolder``): a folder on disk on both backends. ``Backend`` is the
set of ports a sync runs on; ``bootstrap`` builds the real ones.
"""

from __future__ import annotations

import abc
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field

from sheetsync.core.plan import (
    Attachment,
    DraftFate,
    DraftOutcome,
    DraftSpec,
    EventOutcome,
    EventSpec,
    FlyerProblem,
    SheetChanges,
    TrackedDraft,
)
from sheetsync.core.table import Snapshot
from sheetsync.core.validation import Problem


@dataclass
class WriteReport:
    """What a write-back did."""

    cells_written: int = 0
    #: Rows whose writes could not be placed: deleted, edited or moved during the sync (or,
    #: on Google, refused as a conflict). Their cells are left as they were; the next sync
    #: writes them.
    rows_not_found: int = 0
    summary_written: bool = False
    #: Columns and rows the write-back added (``SheetChanges.columns`` and ``.rows``).
    columns_added: int = 0
    rows_appended: int = 0
    #: Problems found while writing, after the Summary was written: rows the store could not
    #: write safely, and why (tab, row and Row ID named; never a cell's value). The service
    #: adds them to the sync's problems, so they reach the report (and, if they persist, the
    #: next sync's Summary). What a store can see before writing goes in through
    #: ``SheetStore.problems_with`` instead, so that this sync's Summary shows it.
    conflicts: list[Problem] = field(default_factory=list)
    #: Requests the store added because the Sheet changed during the sync (rows moved or
    #: deleted between its requests), to put its row anchors, a refused write or a stray
    #: write right: 0 normally.
    retakes: int = 0
    #: Developer metadata characters on each tab after the write (Google's row anchors count
    #: against a limit of 30,000 per tab); empty for stores without anchors.
    metadata_chars: dict[str, int] = field(default_factory=dict)
    #: Notes for people: what was skipped, and why.
    details: list[str] = field(default_factory=list)


class SheetStore(abc.ABC):
    """The contact database: read every tab at once, write the sync-owned cells back."""

    #: Keeps ids of different Sheets apart (the spreadsheet id, or the workbook's name).
    namespace: str

    @abc.abstractmethod
    def read(self) -> Snapshot:
        """Every tab, in one go."""

    @abc.abstractmethod
    def write(self, snapshot: Snapshot, changes: SheetChanges) -> WriteReport:
        """Carry out ``changes``: add its columns, then its rows, then set its cells, each
        found again by ``RowRef``, and replace the Summary tab with ``changes.summary``.

        ``snapshot`` is what this sync's ``read`` returned. A store may take from it only what
        no person changes meanwhile (the wholly sync-owned Summary tab, and on Google the
        row anchors it read); a row's place is always found again, as it may have moved
        since. A ``CellWrite`` may name a column that a ``ColumnAdd`` of the same changes
        adds. Only sync-owned cells, the Settings values named, the added columns and rows,
        and the Summary change: no other cell a person entered.
        """

    def problems_with(self, snapshot: Snapshot, changes: SheetChanges) -> list[Problem]:
        """What ``write`` will refuse or do differently, seen from ``snapshot`` alone.

        Called before the Summary is built, so that it can show them: on Google, rows whose
        anchor disagrees with their Row ID, and anchors that no longer fit the tab. No
        request is made. By default there is nothing to say.
        """
        return []

    def request_counts(self) -> dict[str, int]:
        """Requests made so far, by API (empty for backends without requests)."""
        return {}

    def check_writable(self) -> None:
        """Raise a ``BackendError`` if a sync could not write back; change nothing.

        A sync calls this (on every port) before it carries anything out, so a refusal leaves
        the Sheet, the calendar and the mailbox as they were. By default there is nothing to
        check: an API answers for itself when written to.
        """
        return None

    @abc.abstractmethod
    def exclusive(self) -> AbstractContextManager[None]:
        """Held for the whole of a sync that changes things: one at a time per Sheet.

        Raises ``SyncInProgressError`` when another sync of the same Sheet holds it
        (``sheetsync.adapters.synclock``).
        """


class Calendar(abc.ABC):
    """Follow-up events, identified by our deterministic ids."""

    @abc.abstractmethod
    def apply(self, events: Sequence[EventSpec]) -> list[EventOutcome]:
        """Create, move or cancel each event; an event already as wanted is left alone."""

    def request_counts(self) -> dict[str, int]:
        return {}

    def check_writable(self) -> None:
        """As ``SheetStore.check_writable``: refuse before anything changes."""
        return None


class Mailbox(abc.ABC):
    """Email drafts, identified by their Message-ID. Never sends."""

    @property
    def sees_sent(self) -> bool:
        """``track`` can tell a draft the person sent (else they log it: What: Intro sent)."""
        return False

    @abc.abstractmethod
    def ensure(self, drafts: Sequence[DraftSpec]) -> list[DraftOutcome]:
        """Create each draft unless one with its Message-ID exists (or was sent)."""

    @abc.abstractmethod
    def track(self, drafts: Sequence[TrackedDraft]) -> list[DraftFate]:
        """What became of each draft the Sheet records, in order: one fate per draft.

        Read-only (dry runs call it too): still a draft, sent (when, and the first reply
        after it), deleted unsent, or "unknown" with a log-safe reason. Only the drafts passed
        in are looked at. Raises ``BackendError`` when the mailbox refuses every look-up.
        """

    def request_counts(self) -> dict[str, int]:
        return {}

    def check_writable(self) -> None:
        """As ``SheetStore.check_writable``: refuse before anything changes."""
        return None


class Flyers(abc.ABC):
    """Where the flyer named in Settings > Flyer file is read from, by plain file name only."""

    @abc.abstractmethod
    def load(self, name: str) -> Attachment | FlyerProblem:
        """The file ``name``, or why it cannot be attached (never its content or path)."""


@dataclass
class Backend:
    """The ports a sync runs on, and the folder the flyer is read from (``None``: none set up)."""

    sheet: SheetStore
    calendar: Calendar
    mailbox: Mailbox
    flyers: Flyers | None = None
