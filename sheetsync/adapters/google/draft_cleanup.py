"""After creating drafts: delete the second copies of a Message-ID, keeping the earliest.

httplib2 silently re-sends a request once when a kept-alive connection drops before the reply,
which can create a batch's drafts twice without our code seeing an error; and two syncs may
create the same draft at once. So after creating, the new Message-IDs are searched for once
more (one batch per 50 drafts, only on syncs that create drafts) and second copies deleted.

Only proven copies: a search hit is only a candidate; each is read back (``drafts.get``,
metadata only) and is a copy only if its own Message-ID header is ours (``draft_copies``). Of
the copies the earliest created is kept and recorded, the same one whichever sync is cleaning
up (two can at once). If any candidate cannot be read, nothing of that Message-ID is deleted:
the unread one might be the copy to keep.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from sheetsync.adapters.google.batch import BatchCall, Batcher, CallResult
from sheetsync.adapters.google.draft_copies import Copy, copy_of, keeper
from sheetsync.adapters.google.gmail_calls import GONE, GmailCalls, found
from sheetsync.adapters.google.http import short_reason
from sheetsync.core.plan import DraftOutcome

log = logging.getLogger(__name__)

#: How many drafts one search for copies lists: more copies than this is not a glitch.
MOST_COPIES = 10


@dataclass
class _Proofs:
    """The candidates read back: copies proven ours, by Message-ID, and what could not be."""

    copies: dict[str, list[Copy]] = field(default_factory=lambda: defaultdict(list))
    #: Message-IDs with a candidate that could not be read: none of theirs is deleted.
    unread: set[str] = field(default_factory=set)
    #: Candidates that proved to be drafts of other Message-IDs (a search not to be trusted).
    strangers: int = 0


def _candidates(
    created: Mapping[str, DraftOutcome], searches: Mapping[str, CallResult]
) -> list[tuple[str, str]]:
    """(Message-ID, draft id) of every draft that may be a copy: where more than one was found."""
    candidates: list[tuple[str, str]] = []
    for mid, result in searches.items():
        ids = {str(d.get("id") or "") for d in found(result, "drafts")} | {created[mid].draft_id}
        ids.discard("")
        if len(ids) > 1:
            candidates += [(mid, draft_id) for draft_id in sorted(ids)]
    return candidates


def _prove(candidates: Sequence[tuple[str, str]], reads: Mapping[str, CallResult]) -> _Proofs:
    """Sort the candidates read back (keyed by their index) into copies, unread and strangers."""
    proofs = _Proofs()
    for n, (mid, draft_id) in enumerate(candidates):
        read = reads[str(n)]
        if not read.ok:
            if read.status not in GONE:  # gone: deleted by another clean-up, or the user
                proofs.unread.add(mid)
        elif (copy := copy_of(read.value, draft_id, mid)) is not None:
            proofs.copies[mid].append(copy)
        else:
            proofs.strangers += 1
    return proofs


def _deletions(
    calls: GmailCalls, proofs: _Proofs, created: dict[str, DraftOutcome]
) -> list[BatchCall]:
    """The deletes of every copy but the keeper, recording the keeper (and its thread) in
    ``created``."""
    extra: list[BatchCall] = []
    left = 0
    for mid, proven in proofs.copies.items():
        keep = keeper(proven)
        if keep is None or mid in proofs.unread:
            left += 1
            continue
        created[mid] = replace(created[mid], draft_id=keep.draft_id, thread_id=keep.thread_id)
        extra += [calls.delete(c.draft_id) for c in proven if c is not keep]
    if left:
        log.warning("%d drafts may have a second copy left: not every copy could be read", left)
    return extra


def remove_second_copies(
    calls: GmailCalls, batcher: Batcher, created: dict[str, DraftOutcome]
) -> None:
    """Delete second copies of the drafts just created ({Message-ID: its "created" outcome}).

    ``created`` is updated to the copy kept (its draft id and thread), when that is an earlier
    one than ours.
    """
    searches = batcher.run([calls.in_drafts(mid, mid, MOST_COPIES) for mid in created])
    candidates = _candidates(created, searches)
    if not candidates:
        return
    reads = batcher.run(
        [calls.read_draft(str(n), draft_id) for n, (_, draft_id) in enumerate(candidates)]
    )
    proofs = _prove(candidates, reads)
    if proofs.strangers:
        log.warning(
            "Gmail's search answered with %d drafts of other Message-IDs; left alone",
            proofs.strangers,
        )
    for result in batcher.run(_deletions(calls, proofs, created)).values():
        if not result.ok and result.status not in GONE:
            assert result.error is not None
            log.warning("could not delete a duplicate draft: %s", short_reason(result.error))
