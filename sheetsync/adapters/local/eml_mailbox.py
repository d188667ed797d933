"""The local Mailbox: each draft is an ``.eml`` file (RFC 5322) in a ``drafts`` folder.

A draft is found by its Message-ID header before one is written, so a second sync, or a sync
after a crash, never writes the same draft twice, whatever the file is called (drafts written
under the older hash names are found the same way). A new draft's file is named for what it is
and who it is for (``draft_names``: ``intro - Jane Smith.eml``) and carries ``X-Unsent: 1``, so
Outlook and Thunderbird open it as a draft to edit and send; lines end in CRLF, as RFC 5322
says. A new file never replaces another: a name already taken, by a draft or by any file of
the user's, gets the draft's stable suffix instead. The flyer comes inside the ``DraftSpec``
(loaded by ``sheetsync.adapters.flyer``): no other file is read.

What became of a draft (``track``) is told by the folder alone: its file still there (found by
Message-ID, never by a path taken from the Sheet) is a draft; gone is deleted. A local draft is
marked sent by a Log row, which the planner reads: no mail client reports sending here.

Error messages name the folder and the kind of draft, never a file: draft file names carry
people's names.
"""

from __future__ import annotations

import contextlib
import os
import secrets
from collections.abc import Sequence
from email.parser import BytesHeaderParser
from pathlib import Path

from sheetsync.adapters.clock import Clock, utc_now
from sheetsync.adapters.local import draft_names
from sheetsync.adapters.local.files import NEW_FILE_MODE, check_folder, reason
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

    def _existing(self) -> tuple[dict[str, str], set[str]]:
        """(Message-ID -> file stem of every draft there, every name in the folder as a
        case-blind disk compares it). A draft that cannot be read stops the sync: without its
        Message-ID, it would be written again."""
        found: dict[str, str] = {}
        if not self.folder.exists():
            return found, set()
        if not self.folder.is_dir():
            raise self._not_a_folder()
        parser = BytesHeaderParser()
        try:
            names = sorted(os.listdir(self.folder))
        except OSError as error:
            reason_text = reason(error)
            raise BackendError(f"cannot list the drafts in {self.folder}: {reason_text}") from None
        for name in names:
            path = self.folder / name
            if not name.lower().endswith(draft_names.EXTENSION):
                continue
            try:
                with path.open("rb") as handle:
                    message_id = parser.parse(handle).get("Message-ID", "")
            except OSError as error:
                raise BackendError(
                    f"cannot read one of the drafts in {self.folder}: {reason(error)}"
                ) from None
            if message_id:
                found[str(message_id).strip()] = path.stem
        return found, {draft_names.same_name_key(name) for name in names}

    def ensure(self, drafts: Sequence[DraftSpec]) -> list[DraftOutcome]:
        if not drafts:
            return []
        existing, taken = self._existing()
        outcomes: list[DraftOutcome] = []
        for draft in drafts:
            if draft.message_id in existing:
                outcomes.append(
                    DraftOutcome(draft.message_id, "exists", existing[draft.message_id])
                )
                continue
            message = build_message(draft, self.clock(), unsent=True)
            content = message.as_bytes(policy=message.policy.clone(linesep="\r\n"))
            name = self._write_new(draft, content, taken)
            stem = name.removesuffix(draft_names.EXTENSION)
            existing[draft.message_id] = stem
            outcomes.append(DraftOutcome(draft.message_id, "created", stem))
        return outcomes

    def _write_new(self, draft: DraftSpec, content: bytes, taken: set[str]) -> str:
        """Write ``content`` under the first free name for ``draft``; the name used."""
        for name in draft_names.file_names(draft):
            key = draft_names.same_name_key(name)
            if key in taken:
                continue
            try:
                _create_whole(self.folder / name, content)
            except FileExistsError:
                taken.add(key)  # made meanwhile, by someone else: the next name
                continue
            except OSError as error:
                # Where the temporary file cannot be made, the folder refuses new files.
                why = "the folder is read-only" if isinstance(error, PermissionError) else None
                raise BackendError(
                    f"cannot write a new {draft.kind} draft in {self.folder}: "
                    f"{why or reason(error)}"
                ) from None
            taken.add(key)
            return name
        raise BackendError(
            f"cannot write a new {draft.kind} draft in {self.folder}: every name for it is "
            "taken by other files"
        )

    def track(self, drafts: Sequence[TrackedDraft]) -> list[DraftFate]:
        if not drafts:
            return []
        # No folder at all is not "every draft deleted": the workbook may have been copied or
        # moved without its drafts folder, which says nothing about any one draft.
        folder_missing = not self.folder.exists()
        existing = {} if folder_missing else self._existing()[0]
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


def _create_whole(path: Path, content: bytes) -> None:
    """Create ``path`` with ``content``, all at once, never replacing a file of that name.

    The bytes go to a hidden temporary file first, which is then hard-linked as ``path``: a
    crash leaves no half-written draft (which, found by its Message-ID, would never be written
    again), and the link fails with ``FileExistsError`` rather than replace a file made since
    the folder was listed. A disk without hard links (FAT, some network shares) gets a check
    for the name, then a rename.
    """
    folder = path.parent
    folder.mkdir(parents=True, exist_ok=True)
    # A neutral name: a temporary file a crash leaves behind carries nobody's name.
    temp = folder / f".sheetsync-draft-{secrets.token_hex(6)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    handle = os.open(temp, flags, NEW_FILE_MODE)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(content)
        try:
            os.link(temp, path)
        except FileExistsError:
            raise
        except OSError:
            if os.path.lexists(path):
                raise FileExistsError(path.name) from None
            os.replace(temp, path)
    finally:
        with contextlib.suppress(OSError):  # gone already if renamed
            temp.unlink()
