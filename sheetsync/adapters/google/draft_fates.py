"""What became of the drafts the Sheet records: still a draft, sent (and answered), or deleted.

A draft sent from Gmail's web interface may go out under a Message-ID that Gmail assigns, so a
recorded draft is followed up by what stays when the user presses Send: its thread. Per
tracked draft:

* **A thread id recorded, and a read scope.** One ``threads.get`` (metadata, three headers)
  tells it all. A message labelled SENT means sent, on that message's date (its
  ``internalDate``, in UTC). Otherwise a message labelled DRAFT means still a draft. No thread
  at all (404) means deleted unsent.
* **No thread id** (rows from before threads were recorded). ``drafts.get`` by draft id, or the
  Message-ID look-up among drafts when no draft id is recorded either. Still there, it is a
  draft, and its thread is reported so that it can be recorded. Gone, the Message-ID look-up
  in sent mail is the second signal: a hit is read back as its thread, in which it must be
  labelled SENT and carry our Message-ID.
* **No read scope** (the add-on's compose-only token). ``drafts.get`` only, which
  ``gmail.compose`` allows. A draft that is gone is "unknown": only a read scope can tell sent
  from deleted. A read refused for its scope at run time turns reads off for the rest of the
  sync (the switch is ``draft_lookup``'s, so ``ensure`` stops asking too). The drafts it
  concerned are then asked of ``drafts.get`` instead, and no read is made again.

A **reply** is a message in the thread, after the sent one, that the user did not write: not
labelled SENT or DRAFT, not from the sent message's own From address, not in spam, and not
written by a machine (an ``Auto-Submitted`` header other than "no", a delivery report, a
mailer-daemon or postmaster). An out-of-office or a bounce is not an answer. ``replied_on`` is
the first reply's date. A draft already known sent (``sent_on`` given) is looked at for
replies only: its thread gone, or not found, it stays sent with no reply.

Every step runs for all tracked drafts at once, in batches of 50. With threads recorded, that
is one round trip per 50 tracked drafts, whatever became of them; a row without its thread
takes up to three. Nothing here writes: dry runs call it too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from email.utils import parseaddr
from typing import Any

from sheetsync.adapters.google.batch import BatchCall, Batcher, CallResult, refused_by_store
from sheetsync.adapters.google.draft_copies import carries, copy_of, gmail_id
from sheetsync.adapters.google.draft_lookup import DraftLookup, insufficient_scope
from sheetsync.adapters.google.gmail_calls import GONE, STORE_REFUSALS, GmailCalls, found
from sheetsync.adapters.google.http import short_reason, to_backend_error
from sheetsync.core.plan import DraftFate, TrackedDraft

#: Why a draft that is gone cannot be told sent or deleted.
NEEDS_READ_SCOPE = (
    "the draft is no longer among drafts; telling sent from deleted needs a Gmail read scope"
)
#: Why a sent draft's replies cannot be looked for.
REPLIES_NEED_READ_SCOPE = "looking for replies needs a Gmail read scope"
#: A draft gone, with no thread recorded and no sent message carrying its Message-ID.
NO_TRACE = (
    "the draft is no longer among drafts, no thread is recorded for it, and no sent message "
    "carries its Message-ID"
)
#: A thread that exists but shows neither the draft nor a sent message.
EMPTY_THREAD = "its thread holds neither the draft nor a sent message"
#: A search hit that, read back, is not our message (a search not to be trusted).
NOT_OURS = "Gmail's search answered with another message"
#: Local parts of the senders of delivery reports.
MAILER_DAEMONS = frozenset({"mailer-daemon", "postmaster"})


@dataclass(frozen=True)
class _Message:
    """One message of a thread, as read in metadata format."""

    gmail_id: str
    labels: frozenset[str]
    #: When Gmail took it in (``internalDate``), in UTC.
    at: datetime
    #: Its From address, lower-cased ("" without one).
    sender: str
    message: Mapping[str, Any]
    #: Written by a machine: an out-of-office (RFC 3834), a delivery report (RFC 3464).
    automatic: bool

    @property
    def day(self) -> date:
        return self.at.date()


def _header(message: Mapping[str, Any], name: str) -> str:
    """The first header ``name`` of a Message resource read in metadata format, or ""."""
    payload = message.get("payload")
    headers = payload.get("headers") if isinstance(payload, Mapping) else None
    for header in headers if isinstance(headers, list) else []:
        if isinstance(header, Mapping) and str(header.get("name", "")).lower() == name.lower():
            value = header.get("value")
            return value if isinstance(value, str) else ""
    return ""


def _parse(message: Mapping[str, Any]) -> _Message | None:
    """A message of a thread, or ``None`` without a date (it cannot be placed before or after
    the sent one)."""
    raw_date = message.get("internalDate")
    if not (isinstance(raw_date, str) and raw_date.isdigit()):
        return None
    at = datetime.fromtimestamp(int(raw_date) / 1000, UTC)
    labels = message.get("labelIds")
    sender = parseaddr(_header(message, "From"))[1].strip().lower()
    payload = message.get("payload")
    mime = payload.get("mimeType") if isinstance(payload, Mapping) else None
    auto = _header(message, "Auto-Submitted").strip().lower()
    automatic = (
        auto not in ("", "no")
        or str(mime).lower() == "multipart/report"
        or sender.partition("@")[0] in MAILER_DAEMONS
    )
    return _Message(
        gmail_id(message.get("id")),
        frozenset(str(label) for label in labels) if isinstance(labels, list) else frozenset(),
        at,
        sender,
        message,
        automatic,
    )


def _messages(thread: Any) -> list[_Message]:
    """A thread's messages with a date, oldest first."""
    items = thread.get("messages") if isinstance(thread, Mapping) else None
    parsed = [_parse(m) for m in items if isinstance(m, Mapping)] if isinstance(items, list) else []
    return sorted((m for m in parsed if m is not None), key=lambda m: (m.at, m.gmail_id))


def _answers(message: _Message, user: str) -> bool:
    """Whether ``message`` is someone's answer, not the user's (``user``: the sent message's
    From address, "" when not known) nor a machine's."""
    if message.labels & {"SENT", "DRAFT", "SPAM"} or message.automatic:
        return False
    return bool(message.sender) and message.sender != user


def thread_fate(
    draft: TrackedDraft, thread_id: str, thread: Any, proof: str | None = None
) -> DraftFate:
    """What a thread read back says of ``draft``.

    ``proof`` is the id of the sent message a Message-ID search found: it must be in the
    thread, labelled SENT and carry our Message-ID, or the search is not trusted.
    """
    mid = draft.message_id
    messages = _messages(thread)
    sent = [m for m in messages if "SENT" in m.labels and "DRAFT" not in m.labels]
    if proof is not None:
        sent = [m for m in sent if m.gmail_id == proof and carries(m.message, mid)]
        if not sent:
            return DraftFate(mid, "unknown", error=NOT_OURS)
    # The one with our Message-ID if it survived, else the first sent (the web interface's).
    first = next((m for m in sent if carries(m.message, mid)), sent[0] if sent else None)
    if first is not None:
        replies = [m for m in messages if m.at > first.at and _answers(m, first.sender)]
        return DraftFate(mid, "sent", thread_id, first.day, replies[0].day if replies else None)
    if draft.sent_on is not None:
        # Known sent, its sent message since deleted: answers are what came on or after that
        # day (no From to leave out: the user's own mail is labelled SENT anyway).
        known = draft.sent_on
        replies = [m for m in messages if m.day >= known and _answers(m, "")]
        return DraftFate(mid, "sent", thread_id, known, replies[0].day if replies else None)
    if any("DRAFT" in m.labels for m in messages):
        return DraftFate(mid, "draft", thread_id)
    return DraftFate(mid, "unknown", thread_id, error=EMPTY_THREAD)


#: What a step does with its call's result: a fate, or the next step.
Then = Callable[[CallResult], "DraftFate | _Step"]


@dataclass(frozen=True)
class _Step:
    """One call still to make for a tracked draft, and what to do with its answer."""

    call: BatchCall
    then: Then


class _Follow:
    """The follow-up of one tracked draft: a few steps, each one call (see the module)."""

    def __init__(self, fates: DraftFates, key: str, draft: TrackedDraft) -> None:
        self.fates = fates
        self.calls = fates.calls
        self.key = key
        self.draft = draft
        self.mid = draft.message_id
        # Ids from the Sheet's cells: used only when they look like Gmail's (they go in a URL).
        self.draft_id = gmail_id(draft.draft_id)
        self.thread_id = gmail_id(draft.thread_id)
        #: Set once the draft proved to be no longer among drafts.
        self.gone_from_drafts = False

    @property
    def reads(self) -> bool:
        """Whether the credentials may read mail (off once Gmail refused a read for scope)."""
        return self.fates.lookup.check_sent

    def unknown(self, reason: str, thread_id: str = "") -> DraftFate:
        return DraftFate(self.mid, "unknown", thread_id or self.thread_id, error=reason)

    def failed(self, result: CallResult) -> DraftFate:
        assert result.error is not None
        return self.unknown("could not follow the draft up, " + short_reason(result.error))

    # -- the first step ------------------------------------------------------------------

    def start(self) -> DraftFate | _Step:
        if self.draft.sent_on is not None and not self.reads:
            return self.unknown(REPLIES_NEED_READ_SCOPE)
        if self.thread_id and self.reads:
            return _Step(self.calls.read_thread(self.key, self.thread_id), self.on_thread)
        if self.draft.sent_on is not None:
            return self.search_sent()
        return self.among_drafts()

    def without_reads(self) -> DraftFate | _Step:
        """After Gmail refused a read for scope: what ``drafts.get`` can still tell."""
        if self.draft.sent_on is not None:
            return self.unknown(REPLIES_NEED_READ_SCOPE)
        if self.gone_from_drafts:
            return self.unknown(NEEDS_READ_SCOPE)
        return self.among_drafts()

    def among_drafts(self) -> DraftFate | _Step:
        """Is the draft still there: by its id, or by its Message-ID when no id is recorded."""
        if self.draft_id:
            return _Step(self.calls.draft_thread(self.key, self.draft_id), self.on_draft)
        return _Step(self.calls.in_drafts(self.key, self.mid), self.on_draft_search)

    def search_sent(self) -> DraftFate | _Step:
        return _Step(self.calls.in_sent(self.key, self.mid), self.on_sent_search)

    # -- the answers ---------------------------------------------------------------------

    def on_thread(self, result: CallResult) -> DraftFate | _Step:
        if result.ok:
            return thread_fate(self.draft, self.thread_id, result.value)
        if result.status in GONE:
            if self.draft.sent_on is not None:
                return DraftFate(self.mid, "sent", self.thread_id, self.draft.sent_on)
            return DraftFate(self.mid, "deleted", self.thread_id)
        if self.fates.lookup.scope_refused(result):
            # No reads for the rest of the sync: what drafts.get can tell, it tells.
            return self.without_reads()
        return self.failed(result)

    def on_draft(self, result: CallResult) -> DraftFate | _Step:
        if result.ok:
            value = result.value if isinstance(result.value, Mapping) else {}
            message = value.get("message")
            thread = message.get("threadId") if isinstance(message, Mapping) else None
            return DraftFate(self.mid, "draft", gmail_id(thread) or self.thread_id)
        if result.status in GONE:
            return self.gone()
        return self.failed(result)

    def on_draft_search(self, result: CallResult) -> DraftFate | _Step:
        if not result.ok:
            return self.failed(result)
        hits = found(result, "drafts")
        if not hits:
            return self.gone()
        hit_id = gmail_id(hits[0].get("id"))
        if not hit_id:
            return self.unknown(NOT_OURS)

        def on_read(read: CallResult) -> DraftFate | _Step:
            if read.ok:
                copy = copy_of(read.value, hit_id, self.mid)
                if copy is None:
                    return self.unknown(NOT_OURS)
                return DraftFate(self.mid, "draft", copy.thread_id or self.thread_id)
            return self.gone() if read.status in GONE else self.failed(read)

        return _Step(self.calls.read_draft(self.key, hit_id), on_read)

    def gone(self) -> DraftFate | _Step:
        """The draft is no longer among drafts: sent, or deleted?"""
        self.gone_from_drafts = True
        if not self.reads:
            return self.unknown(NEEDS_READ_SCOPE)
        if self.thread_id:
            return _Step(self.calls.read_thread(self.key, self.thread_id), self.on_thread)
        return self.search_sent()

    def on_sent_search(self, result: CallResult) -> DraftFate | _Step:
        if not result.ok:
            if self.fates.lookup.scope_refused(result):
                return self.without_reads()
            return self.failed(result)
        hits = found(result, "messages")
        if not hits:
            if self.draft.sent_on is not None:
                return DraftFate(self.mid, "sent", "", self.draft.sent_on)
            return self.unknown(NO_TRACE)
        hit_id, thread_id = gmail_id(hits[0].get("id")), gmail_id(hits[0].get("threadId"))
        if not (hit_id and thread_id):
            return self.unknown(NOT_OURS)

        def on_hit_thread(read: CallResult) -> DraftFate | _Step:
            if read.ok:
                return thread_fate(self.draft, thread_id, read.value, proof=hit_id)
            if self.fates.lookup.scope_refused(read):
                return self.without_reads()
            # A hit whose thread is gone proves nothing about our draft.
            return self.unknown(NOT_OURS) if read.status in GONE else self.failed(read)

        return _Step(self.calls.read_thread(self.key, thread_id), on_hit_thread)


class DraftFates:
    """The follow-up step of a mailbox: what became of each tracked draft."""

    def __init__(self, calls: GmailCalls, batcher: Batcher, lookup: DraftLookup) -> None:
        self.calls = calls
        self.batcher = batcher
        #: Shared with ``ensure``: its ``check_sent`` switch says whether mail may be read.
        self.lookup = lookup

    def track(self, drafts: Sequence[TrackedDraft]) -> list[DraftFate]:
        """One fate per draft, in order (see the module docstring).

        Raises ``BackendError`` when Gmail refuses every call of a step (not signed in, no
        access to this mailbox): one error for the sync, not one per row.
        """
        fates: dict[str, DraftFate] = {}
        pending: dict[str, _Step] = {}
        for n, draft in enumerate(drafts):
            self._settle(str(n), _Follow(self, str(n), draft).start(), fates, pending)
        # Each draft takes at most four steps (a look-up, its read-back, a sent search, a
        # thread), so this ends; every round is one batch per 50 drafts still in it.
        while pending:
            steps, pending = pending, {}
            results = self.batcher.run([step.call for step in steps.values()])
            self._check_store(results.values())
            for key, step in steps.items():
                self._settle(key, step.then(results[step.call.key]), fates, pending)
        return [fates[str(n)] for n in range(len(drafts))]

    @staticmethod
    def _settle(
        key: str,
        got: DraftFate | _Step,
        fates: dict[str, DraftFate],
        pending: dict[str, _Step],
    ) -> None:
        if isinstance(got, DraftFate):
            fates[key] = got
        else:
            pending[key] = got

    @staticmethod
    def _check_store(results: Iterable[CallResult]) -> None:
        """Raise when every call was refused by the mailbox itself (a refusal for scope is
        about reading mail, which the follow-up goes without)."""
        about_store = [r for r in results if r.error is None or not insufficient_scope(r.error)]
        if (refusal := refused_by_store(about_store, STORE_REFUSALS)) is not None:
            raise to_backend_error(refusal, "Following up drafts in Gmail")
