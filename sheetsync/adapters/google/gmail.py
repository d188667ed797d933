"""The Gmail Mailbox: drafts in the user's Gmail, found by their deterministic Message-ID.

Owns how a ``DraftSpec`` becomes Gmail calls, in batches of at most 50 calls:

1. look the Message-ID up: ``drafts.list(q="rfc822msgid:...")`` and, when the credentials
   allow it, ``messages.list(q="rfc822msgid:... in:sent")``. A hit counts only once the draft
   or message, read back by its own id, carries our Message-ID (see ``draft_copies``): then
   found among drafts: "exists"; found in sent mail: "sent" (never drafted again). A look-up
   that fails, or whose hit proves to be another message, means no draft is created: a
   duplicate is worse than a draft one sync late;
2. create the rest with ``drafts.create``, the message built by ``sheetsync.adapters.mime``
   (the same bytes the local ``.eml`` mailbox writes, the flyer being the bytes the ``DraftSpec``
   carries: this adapter reads no file) and sent as base64url ``raw``.

Creating is not idempotent by itself, so a create is never retried blindly: a create retried
after a transient failure first looks its Message-ID up again (the failed try may have gone
through), and takes a hit only once it reads back as ours. httplib2 itself silently re-sends
a request once when a kept-alive connection drops before the reply, which can create a
batch's drafts twice without our code seeing an error; so after creating, the new Message-IDs
are looked up once more (one batch per 50 drafts, only on syncs that create drafts) and
second copies are deleted. Only proven copies: every search hit is read back (``drafts.get``,
metadata only) and deleted only if its own Message-ID header is ours; of the copies the
earliest created is kept, the same one whichever sync is cleaning up (two can at once).
Never sends anything.
"""

from __future__ import annotations

import base64
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

from google.api_core.retry import Retry

from sheetsync.adapters.google.batch import BatchCall, Batcher, CallResult, refused_by_store
from sheetsync.adapters.google.clients import ServiceFactory
from sheetsync.adapters.google.draft_copies import Copy, bare_message_id, carries, copy_of, keeper
from sheetsync.adapters.google.http import (
    DEFAULT_RETRY,
    RequestCounter,
    error_reasons,
    http_status,
    short_reason,
    to_backend_error,
)
from sheetsync.adapters.mime import build_message
from sheetsync.core.plan import DraftOutcome, DraftSpec
from sheetsync.ports import Mailbox

log = logging.getLogger(__name__)

#: What reading a draft back needs (partial response): its id, its message's date and headers.
DRAFT_FIELDS = "id,message(id,internalDate,payload/headers)"
#: Why a draft is not created when a search hit is another message (a search not to be trusted).
NOT_OURS = "could not check for an existing draft: Gmail's search answered with another message"
#: Statuses of a read or delete meaning the draft is not there (any more).
GONE = (404, 410)
#: Gmail's answer when the token's scopes do not allow a search of all mail.
INSUFFICIENT_SCOPE = frozenset({"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"})
#: Answered to every call: about the mailbox itself (see ``refused_by_store``).
STORE_REFUSALS = frozenset({401, 403})


def search_term(message_id: str) -> str:
    """The ``rfc822msgid:`` search for a Message-ID (Gmail matches it without brackets)."""
    return "rfc822msgid:" + bare_message_id(message_id)


def _found(result: CallResult, key: str) -> list[dict[str, Any]]:
    value = result.value if isinstance(result.value, dict) else {}
    items = value.get(key) or []
    return [item for item in items if isinstance(item, dict)]


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


class GmailMailbox(Mailbox):
    """Drafts in Gmail, through an injected googleapiclient Gmail v1 service.

    ``service`` is a factory of that service (``clients.service_factory``), called on first use.
    """

    def __init__(
        self,
        service: ServiceFactory,
        batch_uri: str,
        retry: Retry = DEFAULT_RETRY,
        check_sent: bool = True,
        user_id: str = "me",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        #: Builds the service on first use (see ``clients``).
        self._service = service
        #: Whether to search sent mail (needs a read scope; see
        #: ``sheetsync.adapters.google.credentials``).
        self.check_sent = check_sent
        self.user_id = user_id
        self.clock = clock
        self.counter = RequestCounter()
        self.batcher = Batcher(batch_uri, retry, self.counter)
        self._drafts: Any = None
        self._messages: Any = None

    # googleapiclient builds a new Resource (every method, from the discovery document) on
    # each ``users().drafts()`` call; built per draft, that cost milliseconds and kilobytes
    # each. The collections are built once instead.

    @property
    def drafts(self) -> Any:
        if self._drafts is None:
            self._drafts = self._service().users().drafts()
        return self._drafts

    @property
    def messages(self) -> Any:
        if self._messages is None:
            self._messages = self._service().users().messages()
        return self._messages

    # -- calls ------------------------------------------------------------------------------

    def _in_drafts(self, key: str, message_id: str) -> BatchCall:
        drafts = self.drafts
        return BatchCall(
            key,
            lambda: drafts.list(userId=self.user_id, q=search_term(message_id), maxResults=1),
        )

    def _in_sent(self, key: str, message_id: str) -> BatchCall:
        messages = self.messages
        query = search_term(message_id) + " in:sent"
        return BatchCall(key, lambda: messages.list(userId=self.user_id, q=query, maxResults=1))

    def _read_draft(self, key: str, draft_id: str) -> BatchCall:
        # drafts.get takes no metadataHeaders (gmail.v1 discovery document): every header
        # comes back, and the partial response keeps the reply to the few fields compared.
        drafts = self.drafts
        return BatchCall(
            key,
            lambda: drafts.get(
                userId=self.user_id, id=draft_id, format="metadata", fields=DRAFT_FIELDS
            ),
        )

    def _read_message(self, key: str, message_id: str) -> BatchCall:
        messages = self.messages
        return BatchCall(
            key,
            lambda: messages.get(
                userId=self.user_id,
                id=message_id,
                format="metadata",
                metadataHeaders=["Message-ID"],
                fields="id,payload/headers",
            ),
        )

    def _create(self, draft: DraftSpec, raw: str) -> BatchCall:
        drafts = self.drafts
        mid = draft.message_id

        def build() -> Any:
            return drafts.create(userId=self.user_id, body={"message": {"raw": raw}})

        def guarded() -> Any:
            # The failed try may have created the draft: look before creating again. A hit
            # counts only if it reads back as ours; a copy made because it did not is read
            # back and removed by the clean-up (``_dedupe``).
            found = self._in_drafts(mid, mid).build().execute()
            for hit in _found(CallResult(found), "drafts"):
                hit_id = str(hit.get("id", ""))
                if copy_of(self._read_draft(mid, hit_id).build().execute(), hit_id, mid):
                    return hit
            return build().execute()

        return BatchCall(mid, build, write=True, alone=guarded)

    def _copies(self, key: str, message_id: str) -> BatchCall:
        drafts = self.drafts
        return BatchCall(
            key,
            lambda: drafts.list(userId=self.user_id, q=search_term(message_id), maxResults=10),
        )

    def _delete(self, draft_id: str) -> BatchCall:
        drafts = self.drafts
        return BatchCall(
            draft_id, lambda: drafts.delete(userId=self.user_id, id=draft_id), write=True
        )

    def _dedupe(self, created: dict[str, str]) -> None:
        """Delete second copies of the drafts this run created (see the module docstring).

        Copies are drafts with our Message-ID made by this run (an older one was found by the
        look-up, and nothing was created for it) or by another sync creating at the same time.
        A search hit is only a candidate: each is read back, and only those whose own header is
        our Message-ID are copies. The earliest copy is kept and recorded (``draft_copies``),
        whichever sync cleans up. If any candidate cannot be read, nothing of that Message-ID
        is deleted: the unread one might be the copy to keep.
        """
        found = self.batcher.run([self._copies(mid, mid) for mid in created])
        candidates: list[tuple[str, str]] = []  # (Message-ID, draft id)
        for mid, result in found.items():
            ids = {str(d.get("id") or "") for d in _found(result, "drafts")} | {created[mid]}
            ids.discard("")
            if len(ids) > 1:
                candidates += [(mid, draft_id) for draft_id in sorted(ids)]
        if not candidates:
            return
        reads = self.batcher.run(
            [self._read_draft(str(n), draft_id) for n, (_, draft_id) in enumerate(candidates)]
        )
        copies: dict[str, list[Copy]] = defaultdict(list)
        unread: set[str] = set()
        strangers = 0
        for n, (mid, draft_id) in enumerate(candidates):
            read = reads[str(n)]
            if not read.ok:
                if read.status not in GONE:  # gone: deleted by another clean-up, or the user
                    unread.add(mid)
            elif (copy := copy_of(read.value, draft_id, mid)) is not None:
                copies[mid].append(copy)
            else:
                strangers += 1
        if strangers:
            log.warning(
                "Gmail's search answered with %d drafts of other Message-IDs; left alone",
                strangers,
            )
        extra: list[BatchCall] = []
        left = 0
        for mid, proven in copies.items():
            keep = keeper(proven)
            if keep is None or mid in unread:
                left += 1
                continue
            created[mid] = keep.draft_id
            extra += [self._delete(c.draft_id) for c in proven if c is not keep]
        if left:
            log.warning("%d drafts may have a second copy left: not every copy could be read", left)
        for result in self.batcher.run(extra).values():
            if not result.ok and result.status not in GONE:
                assert result.error is not None
                log.warning("could not delete a duplicate draft: %s", short_reason(result.error))

    def _lookup(self, drafts: Sequence[DraftSpec]) -> dict[str, DraftOutcome | None]:
        """Each Message-ID's state if already there (or failed look-up); ``None`` if absent."""
        calls = [self._in_drafts("d" + d.message_id, d.message_id) for d in drafts]
        if self.check_sent:
            calls += [self._in_sent("s" + d.message_id, d.message_id) for d in drafts]
        results = self.batcher.run(calls)
        draft_look_ups = (results["d" + d.message_id] for d in drafts)
        if (refusal := refused_by_store(draft_look_ups, STORE_REFUSALS)) is not None:
            raise to_backend_error(refusal, "Looking up drafts in Gmail")
        states: dict[str, DraftOutcome | None] = {}
        proofs = self._read_hits(drafts, results)
        for draft in drafts:
            mid = draft.message_id
            sent = results.get("s" + mid)
            if sent is not None and not sent.ok and self._scope_refused(sent):
                sent = None
            in_drafts = results["d" + mid]
            sent_hit = _verdict(proofs.get("s" + mid), mid)
            draft_hit = _verdict(proofs.get("d" + mid), mid)
            failing = next((r for r in (in_drafts, sent) if r is not None and not r.ok), None)
            unknown = [v for v in (sent_hit, draft_hit) if isinstance(v, str)]
            if sent_hit is True:
                states[mid] = DraftOutcome(mid, "sent")
            elif failing is not None:
                assert failing.error is not None
                reason = "could not check for an existing draft, " + short_reason(failing.error)
                states[mid] = DraftOutcome(mid, "failed", error=reason)
            elif unknown:
                states[mid] = DraftOutcome(mid, "failed", error=unknown[0])
            elif draft_hit is True:
                states[mid] = DraftOutcome(mid, "exists", proofs["d" + mid].hit_id)
            else:
                states[mid] = None
        return states

    def _read_hits(
        self, drafts: Sequence[DraftSpec], results: dict[str, CallResult]
    ) -> dict[str, _Hit]:
        """Each search's (first) hit read back by its own id, by the key of the search."""
        asked: dict[str, tuple[Literal["drafts", "messages"], str]] = {}  # key -> (kind, id)
        calls: list[BatchCall] = []
        kinds: tuple[tuple[str, Literal["drafts", "messages"]], ...] = (
            ("d", "drafts"),
            ("s", "messages"),
        )
        for draft in drafts:
            for prefix, kind in kinds:
                key = prefix + draft.message_id
                result = results.get(key)
                hits = _found(result, kind) if result is not None and result.ok else []
                if hits:
                    hit_id = str(hits[0].get("id", ""))
                    asked[key] = (kind, hit_id)
                    read = self._read_draft if kind == "drafts" else self._read_message
                    calls.append(read(key, hit_id))
        reads = self.batcher.run(calls)
        return {key: _Hit(kind, hit_id, reads[key]) for key, (kind, hit_id) in asked.items()}

    def _scope_refused(self, result: CallResult) -> bool:
        """A sent-mail search the token may not make: stop asking, and say so once."""
        assert result.error is not None
        refused = http_status(result.error) == 403 and bool(
            INSUFFICIENT_SCOPE.intersection(error_reasons(result.error))
        )
        if refused and self.check_sent:
            log.warning(
                "Gmail credentials cannot search sent mail; drafts are checked among drafts only"
            )
            self.check_sent = False
        return refused

    def _raw(self, draft: DraftSpec) -> str:
        """The draft as base64url ``raw``."""
        message = build_message(draft, self.clock())
        return base64.urlsafe_b64encode(bytes(message)).decode("ascii")

    # -- the port ---------------------------------------------------------------------------

    def ensure(self, drafts: Sequence[DraftSpec]) -> list[DraftOutcome]:
        unique = list({d.message_id: d for d in drafts}.values())
        if not unique:
            return []
        outcomes = self._lookup(unique)
        creates: list[BatchCall] = []
        for draft in unique:
            if outcomes[draft.message_id] is not None:
                continue
            creates.append(self._create(draft, self._raw(draft)))
        created: dict[str, str] = {}
        results = self.batcher.run(creates, idempotent=False)
        # Every call refused (not signed in, no access to this mailbox): one error for the
        # sync, not one per row. Only failures per draft are outcomes.
        if (refusal := refused_by_store(results.values(), STORE_REFUSALS)) is not None:
            raise to_backend_error(refusal, "Creating drafts in Gmail")
        for mid, result in results.items():
            if result.ok:
                created[mid] = str((result.value or {}).get("id", ""))
            else:
                assert result.error is not None
                outcomes[mid] = DraftOutcome(mid, "failed", error=short_reason(result.error))
        if created:
            self._dedupe(created)
        for mid, draft_id in created.items():
            outcomes[mid] = DraftOutcome(mid, "created", draft_id)
        return [o for d in drafts if (o := outcomes[d.message_id]) is not None]

    def request_counts(self) -> dict[str, int]:
        return {"gmail": self.counter.round_trips, "gmail_writes": self.counter.writes}
