"""The Gmail Mailbox: drafts in the user's Gmail, found by their deterministic Message-ID.

Owns how a ``DraftSpec`` becomes Gmail calls, in batches of at most 50 calls:

1. look the Message-ID up: ``drafts.list(q="rfc822msgid:...")`` and, when the credentials
   allow it, ``messages.list(q="rfc822msgid:... in:sent")``. Found among drafts: "exists".
   Found in sent mail: "sent" (never drafted again). A look-up that fails means no draft is
   created: a duplicate is worse than a draft one sync late;
2. create the rest with ``drafts.create``, the message built by ``sheetsync.mime`` (the same
   bytes the local ``.eml`` mailbox writes, the flyer being the bytes the ``DraftSpec``
   carries: this adapter reads no file) and sent as base64url ``raw``.

Creating is not idempotent by itself, so a create is never retried blindly: a create retried
after a transient failure first looks its Message-ID up again (the failed try may have gone
through). httplib2 itself silently re-sends a request once when a kept-alive connection drops
before the reply, which can create a batch's drafts twice without our code seeing an error; so
after creating, the new Message-IDs are looked up once more (one batch per 50 drafts, only on
syncs that create drafts) and any second copy made in this run is deleted. Never sends anything.
"""

from __future__ import annotations

import base64
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import Any

from google.api_core.retry import Retry

from ..mime import build_message
from ..plan import DraftOutcome, DraftSpec
from ..ports import Mailbox
from .google_http import (
    DEFAULT_RETRY,
    BatchCall,
    Batcher,
    CallResult,
    RequestCounter,
    error_reasons,
    http_status,
    refused_by_store,
    short_reason,
    to_backend_error,
)

log = logging.getLogger(__name__)

#: Gmail's answer when the token's scopes do not allow a search of all mail.
INSUFFICIENT_SCOPE = frozenset({"insufficientPermissions", "ACCESS_TOKEN_SCOPE_INSUFFICIENT"})
#: Answered to every call: about the mailbox itself (see ``refused_by_store``).
STORE_REFUSALS = frozenset({401, 403})


def search_term(message_id: str) -> str:
    """The ``rfc822msgid:`` search for a Message-ID (Gmail matches it without brackets)."""
    return "rfc822msgid:" + message_id.strip().strip("<>")


def _found(result: CallResult, key: str) -> list[dict[str, Any]]:
    value = result.value if isinstance(result.value, dict) else {}
    items = value.get(key) or []
    return [item for item in items if isinstance(item, dict)]


class GmailMailbox(Mailbox):
    """Drafts in Gmail, through an injected googleapiclient Gmail v1 service."""

    def __init__(
        self,
        service: Any,
        batch_uri: str,
        retry: Retry = DEFAULT_RETRY,
        check_sent: bool = True,
        user_id: str = "me",
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.service = service
        #: Whether to search sent mail (needs a read scope; see ``sheetsync.credentials``).
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
            self._drafts = self.service.users().drafts()
        return self._drafts

    @property
    def messages(self) -> Any:
        if self._messages is None:
            self._messages = self.service.users().messages()
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

    def _create(self, draft: DraftSpec, raw: str) -> BatchCall:
        drafts = self.drafts

        def build() -> Any:
            return drafts.create(userId=self.user_id, body={"message": {"raw": raw}})

        def guarded() -> Any:
            # The failed try may have created the draft: look before creating again.
            found = self._in_drafts(draft.message_id, draft.message_id).build().execute()
            existing = _found(CallResult(found), "drafts")
            return existing[0] if existing else build().execute()

        return BatchCall(draft.message_id, build, write=True, alone=guarded)

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

        Only drafts with our Message-ID that this run made can be copies: any older one was
        found by the look-up and nothing was created for it.
        """
        found = self.batcher.run([self._copies(mid, mid) for mid in created])
        extra: list[BatchCall] = []
        for mid, result in found.items():
            ids = [str(d.get("id", "")) for d in _found(result, "drafts")]
            if len(ids) > 1:
                keep = created[mid] if created[mid] in ids else ids[0]
                created[mid] = keep
                extra += [self._delete(i) for i in ids if i != keep]
        for result in self.batcher.run(extra).values():
            if not result.ok and result.status not in (404, 410):
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
        for draft in drafts:
            mid = draft.message_id
            sent = results.get("s" + mid)
            if sent is not None and not sent.ok and self._scope_refused(sent):
                sent = None
            in_drafts = results["d" + mid]
            if sent is not None and sent.ok and _found(sent, "messages"):
                states[mid] = DraftOutcome(mid, "sent")
            elif not in_drafts.ok or (sent is not None and not sent.ok):
                failing = in_drafts if not in_drafts.ok else sent
                assert failing is not None and failing.error is not None
                reason = "could not check for an existing draft, " + short_reason(failing.error)
                states[mid] = DraftOutcome(mid, "failed", error=reason)
            elif found := _found(in_drafts, "drafts"):
                states[mid] = DraftOutcome(mid, "exists", str(found[0].get("id", "")))
            else:
                states[mid] = None
        return states

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
