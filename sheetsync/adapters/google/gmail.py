"""The Gmail Mailbox: drafts in the user's Gmail, found by their deterministic Message-ID.

Owns how a ``DraftSpec`` becomes Gmail calls, in batches of at most 50 calls:

1. look the Message-ID up among drafts and in sent mail (``draft_lookup``): found among drafts,
   "exists"; found in sent mail, "sent" (never drafted again); a look-up that fails, or whose
   hit proves to be another message, means no draft is created;
2. create the rest with ``drafts.create``, the message built by ``sheetsync.adapters.mime``
   (the same bytes the local ``.eml`` mailbox writes, the flyer being the bytes the ``DraftSpec``
   carries: this adapter reads no file) and sent as base64url ``raw``;
3. delete the second copies a silent re-send or a concurrent sync made (``draft_cleanup``),
   of the drafts created and of those found ("exists": a draft the Sheet did not record, as
   the sync that made it crashed or could not finish its clean-up). A draft whose clean-up
   cannot finish is "unchecked": the Sheet does not record it, so the next sync finds it and
   cleans up again.

Each outcome carries the draft's thread id beside its draft id, so that the Sheet can record
it: what became of a recorded draft (``track``: still a draft, sent, answered, deleted) is
told by its thread (``draft_fates``), as a draft sent from the web interface may go out under
another Message-ID.

Creating is not idempotent by itself, so a create is never retried blindly: a create retried
after a transient failure first looks its Message-ID up again (the failed try may have gone
through), and takes a hit only once it reads back as ours. The calls themselves are
``gmail_calls``'s. Never sends anything.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from google.api_core.retry import Retry

from sheetsync.adapters.clock import Clock, utc_now
from sheetsync.adapters.google.batch import BatchCall, Batcher, CallResult, refused_by_store
from sheetsync.adapters.google.clients import ServiceFactory
from sheetsync.adapters.google.draft_cleanup import remove_second_copies
from sheetsync.adapters.google.draft_copies import gmail_id
from sheetsync.adapters.google.draft_fates import DraftFates
from sheetsync.adapters.google.draft_lookup import DraftLookup
from sheetsync.adapters.google.gmail_calls import STORE_REFUSALS, GmailCalls
from sheetsync.adapters.google.http import (
    DEFAULT_RETRY,
    RequestCounter,
    short_reason,
    to_backend_error,
)
from sheetsync.adapters.mime import build_message
from sheetsync.core.plan import DraftFate, DraftOutcome, DraftSpec, TrackedDraft
from sheetsync.ports import Mailbox


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
        clock: Clock = utc_now,
    ) -> None:
        self.calls = GmailCalls(service, user_id)
        self.clock = clock
        self.counter = RequestCounter()
        self.batcher = Batcher(batch_uri, retry, self.counter)
        #: ``check_sent``: whether to search sent mail (needs a read scope; see
        #: ``sheetsync.adapters.google.credentials``).
        self.lookup = DraftLookup(self.calls, self.batcher, check_sent)
        self.fates = DraftFates(self.calls, self.batcher, self.lookup)

    @property
    def check_sent(self) -> bool:
        """Whether sent mail is searched (off once Gmail refused the token that search)."""
        return self.lookup.check_sent

    @property
    def sees_sent(self) -> bool:
        """A read scope shows a sent draft in its thread; a compose-only token cannot."""
        return self.lookup.check_sent

    def _create(self, draft: DraftSpec) -> BatchCall:
        raw = self._raw(draft)
        mid = draft.message_id

        def build() -> Any:
            return self.calls.create(raw)

        def guarded() -> Any:
            # The failed try may have created the draft: look before creating again. A hit
            # counts only if it reads back as ours; a copy made because it did not is read
            # back and removed by the clean-up (``draft_cleanup``).
            ours = self.lookup.find_ours(mid)
            return ours if ours is not None else build().execute()

        return BatchCall(mid, build, write=True, alone=guarded)

    def _raw(self, draft: DraftSpec) -> str:
        """The draft as base64url ``raw``."""
        message = build_message(draft, self.clock())
        return base64.urlsafe_b64encode(bytes(message)).decode("ascii")

    def _created(
        self, results: dict[str, CallResult], outcomes: dict[str, DraftOutcome | None]
    ) -> dict[str, DraftOutcome]:
        """The "created" outcome (draft id, thread) of each draft created, by Message-ID; a
        failure is its draft's outcome."""
        # Every call refused (not signed in, no access to this mailbox): one error for the
        # sync, not one per row. Only failures per draft are outcomes.
        if (refusal := refused_by_store(results.values(), STORE_REFUSALS)) is not None:
            raise to_backend_error(refusal, "Creating drafts in Gmail")
        created: dict[str, DraftOutcome] = {}
        for mid, result in results.items():
            if result.ok:
                # drafts.create answers with the Draft: its id and its message's thread (a
                # guarded retry's search hit has the same shape).
                value = result.value if isinstance(result.value, dict) else {}
                message = value.get("message")
                thread = message.get("threadId") if isinstance(message, dict) else None
                draft_id = str(value.get("id", ""))
                created[mid] = DraftOutcome(mid, "created", draft_id, thread_id=gmail_id(thread))
            else:
                assert result.error is not None
                outcomes[mid] = DraftOutcome(mid, "failed", error=short_reason(result.error))
        return created

    # -- the port ---------------------------------------------------------------------------

    def ensure(self, drafts: Sequence[DraftSpec]) -> list[DraftOutcome]:
        unique = list({d.message_id: d for d in drafts}.values())
        if not unique:
            return []
        outcomes = self.lookup.states(unique)
        creates = [self._create(d) for d in unique if outcomes[d.message_id] is None]
        settling = self._created(self.batcher.run(creates, idempotent=False), outcomes)
        settling |= {m: o for m, o in outcomes.items() if o is not None and o.state == "exists"}
        if settling:
            unsettled = remove_second_copies(self.calls, self.batcher, settling)
            for mid, why in unsettled.items():
                settling[mid] = replace(settling[mid], state="unchecked", error=why)
        outcomes.update(settling)
        return [o for d in drafts if (o := outcomes[d.message_id]) is not None]

    def track(self, drafts: Sequence[TrackedDraft]) -> list[DraftFate]:
        return self.fates.track(drafts)

    def request_counts(self) -> dict[str, int]:
        return {"gmail": self.counter.round_trips, "gmail_writes": self.counter.writes}
