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

from sheetsync.core.cells import Cell
from sheetsync.core.plan import (
    Attachment,
    CellWrite,
    DraftFate,
    DraftOutcome,
    DraftSpec,
    EventOutcome,
    EventSpec,
    FlyerProblem,
    TrackedDraft,
)
from sheetsync.core.table import Snapshot


@dataclass
class WriteReport:
    """What a write-back did."""

    cells_written: int = 0
    #: Writes whose row could not be found again (deleted or edited during the sync).
    rows_not_found: int = 0
    summary_written: bool = False
    details: list[str] = field(default_factory=list)


class SheetStore(abc.ABC):
    """The contact database: read every tab at once, write the sync-owned cells back."""

    #: Keeps ids of different Sheets apart (the spreadsheet id, or the workbook's name).
    namespace: str

    @abc.abstractmethod
    def read(self) -> Snapshot:
        """Every tab, in one go."""

    @abc.abstractmethod
    def write(
        self, snapshot: Snapshot, writes: Sequence[CellWrite], summary: Sequence[Sequence[Cell]]
    ) -> WriteReport:
        """Write sync-owned cells, found again by ``RowRef``, and replace the Summary tab.

        ``snapshot`` is what this sync's ``read`` returned. A store may take from it only what
        no person changes meanwhile (the wholly sync-owned Summary tab); a row's place is
        always found again, as it may have moved since.
        """

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
