"""The Gmail calls the mailbox makes, each as a ``BatchCall``, and what their replies hold.

One method per kind of call (a search among drafts or sent mail, reading a draft, a message or
a thread back by its id, creating, deleting), for one user's mailbox. The look-up
(``draft_lookup``), the clean-up of second copies (``draft_cleanup``), the follow-up of drafts
already made (``draft_fates``) and the mailbox itself (``gmail``) put these together; none of
them builds a Gmail request by hand.
"""

from __future__ import annotations

from typing import Any

from sheetsync.adapters.google.batch import BatchCall, CallResult
from sheetsync.adapters.google.clients import ServiceFactory
from sheetsync.adapters.google.draft_copies import bare_message_id

#: What reading a draft back needs (partial response): its id, its message's thread, date and
#: headers.
DRAFT_FIELDS = "id,message(id,threadId,internalDate,payload/headers)"
#: What telling a draft is still there needs: its id and its message's thread.
DRAFT_THREAD_FIELDS = "id,message(id,threadId)"
#: The headers a thread's messages are read with (``draft_fates``): who wrote each, which one
#: is ours, and whether a message was written by a machine (RFC 3834).
THREAD_HEADERS = ["From", "Message-ID", "Auto-Submitted"]
#: What following a thread up needs of each message: labels, date, MIME type and those headers.
THREAD_FIELDS = "id,messages(id,labelIds,internalDate,payload(mimeType,headers))"
#: Statuses of a read or delete meaning the draft is not there (any more).
GONE = (404, 410)
#: Answered to every call: about the mailbox itself (see ``refused_by_store``).
STORE_REFUSALS = frozenset({401, 403})


def search_term(message_id: str) -> str:
    """The ``rfc822msgid:`` search for a Message-ID (Gmail matches it without brackets)."""
    return "rfc822msgid:" + bare_message_id(message_id)


def found(result: CallResult, key: str) -> list[dict[str, Any]]:
    """The items a list call answered with (``key``: "drafts" or "messages"); none on failure."""
    value = result.value if isinstance(result.value, dict) else {}
    items = value.get(key) or []
    return [item for item in items if isinstance(item, dict)]


class GmailCalls:
    """The calls on one user's mailbox, through a Gmail v1 service built on first use."""

    def __init__(self, service: ServiceFactory, user_id: str = "me") -> None:
        self._service = service
        self.user_id = user_id
        self._drafts: Any = None
        self._messages: Any = None
        self._threads: Any = None

    # googleapiclient builds a new Resource (every method, from the discovery document) on
    # each ``users().drafts()`` call; built per draft, that cost milliseconds and kilobytes
    # each. The collections are built once instead.

    @property
    def drafts(self) -> Any:
        """The ``users.drafts`` collection."""
        if self._drafts is None:
            self._drafts = self._service().users().drafts()
        return self._drafts

    @property
    def messages(self) -> Any:
        """The ``users.messages`` collection."""
        if self._messages is None:
            self._messages = self._service().users().messages()
        return self._messages

    @property
    def threads(self) -> Any:
        """The ``users.threads`` collection."""
        if self._threads is None:
            self._threads = self._service().users().threads()
        return self._threads

    def in_drafts(self, key: str, message_id: str, most: int = 1) -> BatchCall:
        """Search the drafts for ``message_id`` (at most ``most`` hits)."""
        drafts, query = self.drafts, search_term(message_id)
        return BatchCall(key, lambda: drafts.list(userId=self.user_id, q=query, maxResults=most))

    def in_sent(self, key: str, message_id: str) -> BatchCall:
        """Search sent mail for ``message_id`` (needs a read scope)."""
        messages = self.messages
        query = search_term(message_id) + " in:sent"
        return BatchCall(key, lambda: messages.list(userId=self.user_id, q=query, maxResults=1))

    def read_draft(self, key: str, draft_id: str) -> BatchCall:
        """Read a draft back by its id: its message's date and headers only."""
        # drafts.get takes no metadataHeaders (gmail.v1 discovery document): every header
        # comes back, and the partial response keeps the reply to the few fields compared.
        drafts = self.drafts
        return BatchCall(
            key,
            lambda: drafts.get(
                userId=self.user_id, id=draft_id, format="metadata", fields=DRAFT_FIELDS
            ),
        )

    def read_message(self, key: str, message_id: str) -> BatchCall:
        """Read a (sent) message back by its Gmail id: its thread and Message-ID header only."""
        messages = self.messages
        return BatchCall(
            key,
            lambda: messages.get(
                userId=self.user_id,
                id=message_id,
                format="metadata",
                metadataHeaders=["Message-ID"],
                fields="id,threadId,payload/headers",
            ),
        )

    def draft_thread(self, key: str, draft_id: str) -> BatchCall:
        """Is the draft still there, and in which thread? (``gmail.compose`` allows this.)"""
        drafts = self.drafts
        return BatchCall(
            key,
            lambda: drafts.get(
                userId=self.user_id, id=draft_id, format="minimal", fields=DRAFT_THREAD_FIELDS
            ),
        )

    def read_thread(self, key: str, thread_id: str) -> BatchCall:
        """Read a thread's messages: labels, dates and ``THREAD_HEADERS`` (needs a read scope:
        ``gmail.readonly`` or ``gmail.metadata``, not ``gmail.compose``)."""
        threads = self.threads
        return BatchCall(
            key,
            lambda: threads.get(
                userId=self.user_id,
                id=thread_id,
                format="metadata",
                metadataHeaders=THREAD_HEADERS,
                fields=THREAD_FIELDS,
            ),
        )

    def create(self, raw: str) -> Any:
        """The request that creates a draft of the base64url message ``raw`` (not a batch call:
        a create is never repeated blindly, see ``gmail``)."""
        return self.drafts.create(userId=self.user_id, body={"message": {"raw": raw}})

    def delete(self, draft_id: str) -> BatchCall:
        """Delete a draft (the key is its id)."""
        drafts = self.drafts
        return BatchCall(
            draft_id, lambda: drafts.delete(userId=self.user_id, id=draft_id), write=True
        )
