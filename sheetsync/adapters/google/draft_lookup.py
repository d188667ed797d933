"""Before any draft is created: is each Message-ID already a draft, or already sent?

Every Message-ID is searched for among drafts (``drafts.list(q="rfc822msgid:...")``) and, when
the credentials allow it, in sent mail (``messages.list(q="rfc822msgid:... in:sent")``), all in
batches. A hit counts only once the draft or message, read back by its own id, carries our
Message-ID (``draft_copies``): found among drafts, "exists"; found in sent mail, "sent" (never
drafted again). A search that fails, or whose hit proves to be another message, means no draft
is created: a duplicate is worse than a draft one sync late.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from sheetsync.adapters.google.batch import BatchCall, Batcher, CallResult, refused_by_store
from sheetsync.adapters.google.draft_copies import carries, copy_of, gmail_id
from sheetsync.adapters.google.gmail_calls import STORE_REFUSALS, GmailCalls, found
from sheetsync.adapters.google.http import (
    error_reasons,
    http_status,
    short_reason,
    to_backend_error,
)
from sheetsync.core.plan import DraftOutcome, DraftSpec

log = logging.getLogger(__name__)

#: Why a draft is not created when a search hit is another message (a search not to be trusted).
NOT_OURS = "could not check for an existing draft: Gmail's search answered with another message"
#: Gmail's answer when the token's scopes do not allow a search of all mail.
INSUFFICIENT_SCOPE = frozenset({"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"})
#: The searches, by the prefix of their keys: among drafts, in sent mail.
SEARCHES: tuple[tuple[str, Literal["drafts", "messages"]], ...] = (
    ("d", "drafts"),
    ("s", "messages"),
)


def insufficient_scope(error: BaseException) -> bool:
    """Whether Gmail refused a call because the token's scopes do not allow it."""
    return http_status(error) == 403 and bool(INSUFFICIENT_SCOPE.intersection(error_reasons(error)))


@dataclass(frozen=True)
class _Hit:
    """A search hit read back by its own id: a draft (``drafts``) or a sent message."""

    kind: Literal["drafts", "messages"]
    hit_id: str
    read: CallResult


def _verdict(hit: _Hit | None, message_id: str) -> bool | str:
    """Whether a search found ``message_id``: ``True``, ``False`` (no hit), or why not known."""
    if hit is None:
        return False
    if hit.read.error is not None:
        return "could not check for an existing draft, " + short_reason(hit.read.error)
    value = hit.read.value
    if hit.kind == "drafts":
        ours = copy_of(value, hit.hit_id, message_id) is not None
    else:
        ours = isinstance(value, dict) and value.get("id") == hit.hit_id
        ours = ours and carries(value, message_id)
    return True if ours else NOT_OURS


def _thread_of(hit: _Hit) -> str:
    """The thread of a hit read back and proven ours: a draft's message's, or a message's."""
    value = hit.read.value if isinstance(hit.read.value, dict) else {}
    message = value.get("message") if hit.kind == "drafts" else value
    return gmail_id(message.get("threadId") if isinstance(message, dict) else None)


class DraftLookup:
    """The look-up step of a mailbox: each Message-ID's state, or ``None`` when it is new."""

    def __init__(self, calls: GmailCalls, batcher: Batcher, check_sent: bool = True) -> None:
        self.calls = calls
        self.batcher = batcher
        #: Whether to search sent mail (needs a read scope; see
        #: ``sheetsync.adapters.google.credentials``). Turned off when Gmail refuses it.
        self.check_sent = check_sent

    def states(self, drafts: Sequence[DraftSpec]) -> dict[str, DraftOutcome | None]:
        """Each Message-ID's state if already there (or failed look-up); ``None`` if absent.

        Raises ``BackendError`` when every search among drafts is refused (the mailbox's).
        """
        calls = [self.calls.in_drafts("d" + d.message_id, d.message_id) for d in drafts]
        if self.check_sent:
            calls += [self.calls.in_sent("s" + d.message_id, d.message_id) for d in drafts]
        results = self.batcher.run(calls)
        draft_look_ups = (results["d" + d.message_id] for d in drafts)
        if (refusal := refused_by_store(draft_look_ups, STORE_REFUSALS)) is not None:
            raise to_backend_error(refusal, "Looking up drafts in Gmail")
        proofs = self._read_hits(drafts, results)
        return {d.message_id: self._state(d.message_id, results, proofs) for d in drafts}

    def _state(
        self, mid: str, results: dict[str, CallResult], proofs: dict[str, _Hit]
    ) -> DraftOutcome | None:
        """One Message-ID's state from its searches and their hits read back."""
        sent = results.get("s" + mid)
        if sent is not None and not sent.ok and self.scope_refused(sent):
            sent = None
        in_drafts = results["d" + mid]
        sent_hit = _verdict(proofs.get("s" + mid), mid)
        draft_hit = _verdict(proofs.get("d" + mid), mid)
        failing = next((r for r in (in_drafts, sent) if r is not None and not r.ok), None)
        unknown = [v for v in (sent_hit, draft_hit) if isinstance(v, str)]
        if sent_hit is True:
            return DraftOutcome(mid, "sent", thread_id=_thread_of(proofs["s" + mid]))
        if failing is not None:
            assert failing.error is not None
            reason = "could not check for an existing draft, " + short_reason(failing.error)
            return DraftOutcome(mid, "failed", error=reason)
        if unknown:
            return DraftOutcome(mid, "failed", error=unknown[0])
        if draft_hit is True:
            hit = proofs["d" + mid]
            return DraftOutcome(mid, "exists", hit.hit_id, thread_id=_thread_of(hit))
        return None

    def _read_hits(
        self, drafts: Sequence[DraftSpec], results: dict[str, CallResult]
    ) -> dict[str, _Hit]:
        """Each search's (first) hit read back by its own id, by the key of the search."""
        asked: dict[str, tuple[Literal["drafts", "messages"], str]] = {}  # key -> (kind, id)
        calls: list[BatchCall] = []
        for draft in drafts:
            for prefix, kind in SEARCHES:
                key = prefix + draft.message_id
                result = results.get(key)
                hits = found(result, kind) if result is not None and result.ok else []
                if hits:
                    hit_id = str(hits[0].get("id", ""))
                    asked[key] = (kind, hit_id)
                    read = self.calls.read_draft if kind == "drafts" else self.calls.read_message
                    calls.append(read(key, hit_id))
        reads = self.batcher.run(calls)
        return {key: _Hit(kind, hit_id, reads[key]) for key, (kind, hit_id) in asked.items()}

    def scope_refused(self, result: CallResult) -> bool:
        """A read (a sent-mail search, a thread) the token may not make: stop asking for the
        rest of the sync, and say so once. The follow-up of drafts (``draft_fates``) shares
        this switch, so a refused read is not asked again by the other step either."""
        assert result.error is not None
        refused = insufficient_scope(result.error)
        if refused and self.check_sent:
            log.warning("Gmail credentials cannot read mail; drafts are checked among drafts only")
            self.check_sent = False
        return refused

    def find_ours(self, message_id: str) -> dict[str, Any] | None:
        """One search among drafts, then each hit read back: the first that is ours, or None.

        Not batched: a guarded create (``gmail``) makes it, one draft at a time.
        """
        listed = self.calls.in_drafts(message_id, message_id).build().execute()
        for hit in found(CallResult(listed), "drafts"):
            hit_id = str(hit.get("id", ""))
            read = self.calls.read_draft(message_id, hit_id).build().execute()
            if copy_of(read, hit_id, message_id):
                return hit
        return None
