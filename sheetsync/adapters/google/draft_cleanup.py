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

A clean-up that cannot finish (its search, a read or a delete failing) says which Message-IDs
it left unsettled. Their drafts are not recorded in the Sheet this sync ("unchecked"): the row
plans its draft again next sync, the look-up finds it ("exists"), and the clean-up runs on
those found drafts as on new ones. Recorded, a second copy would never be looked at again.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

from sheetsync.adapters.google.batch import Batcher, CallResult
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
    created: Mapping[str, DraftOutcome],
    searches: Mapping[str, CallResult],
    unsettled: dict[str, str],
) -> list[tuple[str, str]]:
    """(Message-ID, draft id) of every draft that may be a copy: where more than one was found.

    A search that failed proves nothing: its Message-ID goes into ``unsettled``, with why.
    """
    candidates: list[tuple[str, str]] = []
    for mid, result in searches.items():
        if not result.ok:
            assert result.error is not None
            unsettled[mid] = "could not look for a second copy, " + short_reason(result.error)
            continue
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
    calls: GmailCalls,
    proofs: _Proofs,
    created: dict[str, DraftOutcome],
    unsettled: dict[str, str],
) -> dict[str, str]:
    """{draft id: its Message-ID} of every copy to delete (all but the keeper), recording the
    keeper (and its thread) in ``created``; a Message-ID whose copies cannot all be ordered
    goes into ``unsettled``."""
    doomed: dict[str, str] = {}
    for mid in proofs.unread:
        unsettled[mid] = "could not read every copy of this draft to keep the first"
    for mid, proven in proofs.copies.items():
        keep = keeper(proven)
        if keep is None:
            unsettled[mid] = "a copy of this draft has no creation time to order it by"
        if keep is None or mid in proofs.unread:
            continue
        created[mid] = replace(created[mid], draft_id=keep.draft_id, thread_id=keep.thread_id)
        doomed |= {c.draft_id: mid for c in proven if c is not keep}
    return doomed


def remove_second_copies(
    calls: GmailCalls, batcher: Batcher, created: dict[str, DraftOutcome]
) -> dict[str, str]:
    """Delete second copies of the drafts just created or found ({Message-ID: its outcome}).

    ``created`` is updated to the copy kept (its draft id and thread), when that is an earlier
    one than ours. Returns {Message-ID: why} of those the clean-up could not settle: a copy may
    be left, to be looked for again by the next sync.
    """
    unsettled: dict[str, str] = {}
    searches = batcher.run([calls.in_drafts(mid, mid, MOST_COPIES) for mid in created])
    candidates = _candidates(created, searches, unsettled)
    if candidates:
        reads = batcher.run(
            [calls.read_draft(str(n), draft_id) for n, (_, draft_id) in enumerate(candidates)]
        )
        proofs = _prove(candidates, reads)
        if proofs.strangers:
            log.warning(
                "Gmail's search answered with %d drafts of other Message-IDs; left alone",
                proofs.strangers,
            )
        doomed = _deletions(calls, proofs, created, unsettled)
        deleted = batcher.run([calls.delete(draft_id) for draft_id in doomed])
        for draft_id, result in deleted.items():
            if not result.ok and result.status not in GONE:
                assert result.error is not None
                unsettled[doomed[draft_id]] = "could not delete a second copy, " + short_reason(
                    result.error
                )
    if unsettled:
        log.warning("%d drafts may have a second copy left, for the next sync", len(unsettled))
    return unsettled
