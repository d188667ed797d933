"""The local Mailbox: each draft is an ``.eml`` file (RFC 5322) in a ``drafts`` folder.

A draft is found by its Message-ID header before one is written, so a second sync, or a sync
after a crash, never writes the same draft twice. Any mail client opens the files. The flyer
comes inside the ``DraftSpec`` (loaded by ``sheetsync.adapters.flyer``): no other file is read.

What became of a draft (``track``) is told by the folder alone: its file still there (found by
Message-ID, never by a path taken from the Sheet) is a draft; gone is deleted. A local draft is
marked sent by a Log row, which the planner reads: no mail client reports sending here.
"""

from __future__ import annotations

from collections.abc import Sequence
from email.parser import BytesHeaderParser
from pathlib import Path

from sheetsync.adapters.clock import Clock, utc_now
from sheetsync.adapters.local.files import check_folder, file_error, reason, write_atomically
from sheetsync.adapters.mime import build_message
from sheetsync.core.plan import DraftFate, DraftOutcome, DraftSpec, TrackedDraft
from sheetsync.errors import BackendError
from sheetsync.ports import Mailbox

#: Why no local draft can be followed up: the folder they were written to is not there.
NO_DRAFTS_FOLDER = "the drafts folder is not there (moved or deleted with its drafts?)"


class EmlMailbox(Mailbox):
    """Drafts as ``.eml`` files."""

    def __init__(
        self,
        folder: Path,
        clock: Clock = utc_now,
    ) -> None:
        self.folder = folder
        self.clock = clock

    def check_writable(self) -> None:
        if self.folder.exists() and not self.folder.is_dir():
            raise self._not_a_folder()
        # Drafts are only ever new files: the folder (or where it will be made) must take them.
        check_folder(self.folder, "drafts (.eml files)")

    def _not_a_folder(self) -> BackendError:
        return BackendError(f"{self.folder} is a file; the drafts need a folder there")

    def _existing(self) -> dict[str, str]:
        """Message-ID -> file stem of every draft there. A draft that cannot be read stops
        the sync: without its Message-ID, it would be written again."""
        found: dict[str, str] = {}
        if not self.folder.exists():
            return found
        if not self.folder.is_dir():
            raise self._not_a_folder()
        parser = BytesHeaderParser()
        try:
            paths = sorted(self.folder.glob("*.eml"))
        except OSError as error:
            reason_text = reason(error)
            raise BackendError(f"cannot list the drafts in {self.folder}: {reason_text}") from None
        for path in paths:
            try:
                with path.open("rb") as handle:
                    message_id = parser.parse(handle).get("Message-ID", "")
            except OSError as error:
                raise file_error("read", path, error) from None
            if message_id:
                found[str(message_id).strip()] = path.stem
        return found

    def ensure(self, drafts: Sequence[DraftSpec]) -> list[DraftOutcome]:
        if not drafts:
            return []
        existing = self._existing()
        outcomes: list[DraftOutcome] = []
        for draft in drafts:
            if draft.message_id in existing:
                outcomes.append(
                    DraftOutcome(draft.message_id, "exists", existing[draft.message_id])
                )
                continue
            message = build_message(draft, self.clock())
            token = draft.message_id.strip("<>").split("@")[0].replace(".", "-")
            stem = token[: len(draft.kind) + 13]
            write_atomically(self.folder / f"{stem}.eml", bytes(message))
            existing[draft.message_id] = stem
            outcomes.append(DraftOutcome(draft.message_id, "created", stem))
        return outcomes

    def track(self, drafts: Sequence[TrackedDraft]) -> list[DraftFate]:
        if not drafts:
            return []
        # No folder at all is not "every draft deleted": the workbook may have been copied or
        # moved without its drafts folder, which says nothing about any one draft.
        folder_missing = not self.folder.exists()
        existing = {} if folder_missing else self._existing()
        return [self._fate(draft, existing, folder_missing) for draft in drafts]

    @staticmethod
    def _fate(draft: TrackedDraft, existing: dict[str, str], folder_missing: bool) -> DraftFate:
        """One draft's fate: known sent stays sent (there are no replies to find here)."""
        mid = draft.message_id
        if draft.sent_on is not None:
            return DraftFate(mid, "sent", sent_on=draft.sent_on)
        if folder_missing:
            return DraftFate(mid, "unknown", error=NO_DRAFTS_FOLDER)
        return DraftFate(mid, "draft" if mid.strip() in existing else "deleted")
