"""What a Gmail draft says about itself, and which of several copies of a draft is kept.

A search (``rfc822msgid:``) only suggests which drafts carry a Message-ID: a stand-in for Gmail
that ignores ``q`` answers with every draft. Before a draft is deleted, or a search hit is taken
for "this draft exists" or "this was sent", the draft (or message) is read back by its own id
and its own ``Message-ID`` header compared with ours. This module owns that comparison and the
choice of the copy to keep; the Gmail calls are ``gmail_calls``'s.

Which copy is kept: the earliest created (the message's ``internalDate``), ties broken by the
smaller draft id. Two syncs cleaning up at once (the schedule and "Sync now") must never delete
both copies, so the choice may not depend on who is choosing ("keep the one I made" does). A
cleaner deletes only copies later than the one it keeps, so the earliest copy of all is never
deleted, whatever each cleaner saw; and as a later copy can only exist once the earlier ones
did, a cleaner that looks after making its own copy sees the earliest and keeps that one too.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

#: What a Gmail draft, message or thread id looks like ("r-8613...", "18c5e1f0a2b3c4d5"). An id
#: read from a cell goes into a request's path only if it matches; one read from Gmail is
#: recorded only if it does.
GMAIL_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


def gmail_id(value: object) -> str:
    """``value`` if it is a well-formed Gmail id, else "" (taken as not recorded)."""
    return value if isinstance(value, str) and GMAIL_ID.fullmatch(value) else ""


def bare_message_id(value: str) -> str:
    """A Message-ID as compared: blanks and one pair of angle brackets around it removed."""
    text = value.strip()
    if len(text) >= 2 and text.startswith("<") and text.endswith(">"):
        text = text[1:-1].strip()
    return text


def header_message_id(message: Any) -> str | None:
    """The ``Message-ID`` of a Message resource read in ``metadata`` format.

    ``None`` unless the message has exactly one Message-ID header: a message with none or with
    two proves nothing about which draft it is.
    """
    payload = message.get("payload") if isinstance(message, Mapping) else None
    headers = payload.get("headers") if isinstance(payload, Mapping) else None
    if not isinstance(headers, list):
        return None
    values = [
        h.get("value")
        for h in headers
        if isinstance(h, Mapping) and str(h.get("name", "")).lower() == "message-id"
    ]
    if len(values) != 1 or not isinstance(values[0], str):
        return None
    return bare_message_id(values[0])


def carries(message: Any, message_id: str) -> bool:
    """Whether a Message resource's own header is exactly ``message_id`` (brackets aside)."""
    found = header_message_id(message)
    return found is not None and found == bare_message_id(message_id)


@dataclass(frozen=True)
class Copy:
    """A draft proven to carry our Message-ID; ``created_ms`` is its message's internalDate."""

    draft_id: str
    created_ms: int | None
    #: Its message's thread, when the read asked for it ("" otherwise).
    thread_id: str = ""

    @property
    def order(self) -> tuple[int, str]:
        """The key every cleaner sorts copies by (see the module docstring)."""
        assert self.created_ms is not None
        return (self.created_ms, self.draft_id)


def copy_of(draft: Any, draft_id: str, message_id: str) -> Copy | None:
    """The draft read back as ``draft_id`` as a copy of ``message_id``, or ``None`` if it is not.

    A reply for another draft id, or a message without exactly our Message-ID, is not a copy.
    """
    if not isinstance(draft, Mapping) or draft.get("id") != draft_id:
        return None
    message = draft.get("message")
    if not carries(message, message_id):
        return None
    assert isinstance(message, Mapping)
    raw = message.get("internalDate")
    created = int(raw) if isinstance(raw, str) and raw.isdigit() else None
    return Copy(draft_id, created, gmail_id(message.get("threadId")))


def keeper(copies: Iterable[Copy]) -> Copy | None:
    """The copy to keep, or ``None`` when some copy has no creation time to order it by.

    Without every copy's time the choice could differ between cleaners, so nothing may be
    deleted then.
    """
    found = list(copies)
    if not found or any(c.created_ms is None for c in found):
        return None
    return min(found, key=lambda c: c.order)
