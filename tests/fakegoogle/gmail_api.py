"""The fake Gmail v1 API: one mailbox's messages and drafts, and their handlers.

Owns message storage (the raw RFC 822 bytes plus labels and thread), drafts (a draft is a
message labelled ``DRAFT``), threads (the messages sharing a ``threadId``: a thread exists while
one of its messages does), the ``users.drafts.*`` / ``users.messages.*`` / ``users.threads.get``
handlers including the media-upload form of drafts.create, the small search language tests
rely on (``rfc822msgid:``, ``in:``/``label:``, ``from:``/``to:``/``subject:``, negation, bare
words), and what the person at the mailbox does, which tests call between requests:
:meth:`GmailApi.send_draft` (Send, through the API's way of keeping the message),
:meth:`GmailApi.send_from_web` (Send in the web interface: the draft goes, a new SENT message
with a Message-ID of Gmail's own appears in its thread), :meth:`GmailApi.receive_reply` (the
contact answers in the thread) and :meth:`GmailApi.discard_draft` (the draft, and its thread
with it, deleted).

``GmailApi.ignore_query`` plays a broken Gmail stand-in whose search ignores ``q``: every list
then answers with every draft (or message), so tests can prove the code under test never takes
a search result for proof of what a draft is.
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import re
import shlex
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage, Message
from email.utils import format_datetime, make_msgid, parsedate_to_datetime
from typing import Any

from .common import (
    Call,
    Clock,
    Handler,
    Ids,
    Reply,
    decode_page_token,
    encode_page_token,
)
from .errors import ApiError, bad_request, not_found

# Search aliases for system labels (Gmail accepts both in:drafts and label:draft).
_LABEL_ALIASES = {
    "draft": "DRAFT",
    "drafts": "DRAFT",
    "sent": "SENT",
    "inbox": "INBOX",
    "trash": "TRASH",
    "spam": "SPAM",
    "starred": "STARRED",
    "unread": "UNREAD",
    "important": "IMPORTANT",
}


def normalize_msgid(value: str) -> str:
    """Message-IDs compare without angle brackets or case."""
    return value.strip().strip("<>").strip().lower()


def decode_raw(raw: str) -> bytes:
    """Decode Gmail's base64url ``raw`` field (standard base64 and missing padding tolerated)."""
    text = re.sub(r"\s+", "", raw)
    try:
        return base64.urlsafe_b64decode(
            text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4)
        )
    except (binascii.Error, ValueError) as exc:
        raise bad_request("Invalid value for ByteString: raw") from exc


def encode_raw(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode()


@dataclass
class GmailMessage:
    """A stored message; ``parsed`` is derived from ``raw``."""

    id: str
    thread_id: str
    label_ids: list[str]
    raw: bytes
    internal_date: int
    history_id: int
    parsed: Message = field(repr=False)
    #: (raw, Message-ID) for the ``raw`` it was read from: searches compare Message-IDs of
    #: every stored message, and parsing the header each time made a sync of thousands of
    #: drafts quadratic in header parsing. Every change of headers here assigns a new ``raw``.
    _message_id: tuple[bytes, str] | None = field(
        default=None, init=False, repr=False, compare=False
    )

    def header(self, name: str) -> str:
        value = self.parsed.get(name)
        return "" if value is None else str(value)

    @property
    def message_id(self) -> str:
        cached = self._message_id
        if cached is None or cached[0] is not self.raw:
            cached = (self.raw, normalize_msgid(self.header("Message-ID")))
            self._message_id = cached
        return cached[1]

    def text(self) -> str:
        """The first text part, for snippets and bare-word search."""
        for part in self.parsed.walk():
            if part.get_content_maintype() == "multipart":
                continue
            if part.get_content_type() in ("text/plain", "text/html"):
                payload = part.get_payload(decode=True)
                if isinstance(payload, bytes):
                    charset = part.get_content_charset() or "utf-8"
                    text = payload.decode(charset, errors="replace")
                    if part.get_content_type() == "text/html":
                        text = re.sub(r"<[^>]+>", " ", text)
                    return text
        return ""

    @property
    def snippet(self) -> str:
        return " ".join(self.text().split())[:200]


class GmailApi:
    """In-memory Gmail v1 backend for a single user."""

    def __init__(self, ids: Ids, clock: Clock, user_email: str) -> None:
        self.ids = ids
        self.clock = clock
        self.user_email = user_email
        self.messages: dict[str, GmailMessage] = {}
        self.drafts: dict[str, str] = {}  # draft id -> message id
        self._history = 1000
        #: When true, drafts.list and messages.list ignore ``q`` (see the module docstring).
        self.ignore_query = False

    # ---- state ------------------------------------------------------------------------

    def add_message(
        self,
        raw: bytes | str | EmailMessage,
        label_ids: list[str] | tuple[str, ...] = ("SENT",),
        thread_id: str | None = None,
        *,
        received: bool = False,
    ) -> GmailMessage:
        """Store a message (test helper and the core of every create/send).

        ``internalDate`` is the time Gmail accepted the message when ``received`` (what the
        API's drafts.create/update and messages.send get: "the internal message creation
        timestamp"), else its Date header, as for imported mail (the receive time without one).
        """
        if isinstance(raw, EmailMessage):
            data = raw.as_bytes()
        elif isinstance(raw, str):
            data = raw.encode()
        else:
            data = raw
        parsed = message_from_bytes(data, policy=policy.default)
        message_id = self.ids.hex_id()
        while message_id in self.messages:
            message_id = self.ids.hex_id()
        if thread_id is not None:
            if not any(m.thread_id == thread_id for m in self.messages.values()):
                raise not_found()
        else:
            thread_id = self._thread_for(parsed) or message_id
        self._history += 1
        internal = int(self.clock().timestamp() * 1000)
        date_header = None if received else parsed.get("Date")
        if date_header:
            # An unparseable Date header just leaves the receive time.
            with contextlib.suppress(TypeError, ValueError):
                internal = int(parsedate_to_datetime(str(date_header)).timestamp() * 1000)
        msg = GmailMessage(
            message_id, thread_id, list(label_ids), data, internal, self._history, parsed
        )
        self.messages[message_id] = msg
        return msg

    def _thread_for(self, parsed: Message) -> str | None:
        # Gmail threads a reply with the message its In-Reply-To/References name.
        refs = f"{parsed.get('In-Reply-To', '')} {parsed.get('References', '')}"
        wanted = {normalize_msgid(r) for r in re.findall(r"<[^>]+>", refs)}
        for existing in self.messages.values():
            if existing.message_id and existing.message_id in wanted:
                return existing.thread_id
        return None

    def add_draft(self, raw: bytes | str | EmailMessage) -> str:
        """Store a draft as the user (or another client) would make it; returns the draft id."""
        msg = self.add_message(raw, ["DRAFT"], received=True)
        draft_id = self.ids.draft_id()
        self.drafts[draft_id] = msg.id
        return draft_id

    def draft_message(self, draft_id: str) -> GmailMessage:
        message_id = self.drafts.get(draft_id)
        if message_id is None:
            raise not_found()
        return self.messages[message_id]

    def send_from_web(self, draft_id: str) -> GmailMessage:
        """The user presses Send on a draft in Gmail's web interface.

        The draft and its message go; a new message, labelled SENT, takes their place in the
        same thread, with a new Gmail id, a Message-ID Gmail assigns and the Date of sending:
        nothing promises that a client's Message-ID survives this, so the fake keeps none.
        """
        old = self.draft_message(draft_id)
        parsed = message_from_bytes(old.raw, policy=policy.default)
        del parsed["Message-ID"]
        del parsed["Date"]
        parsed["Date"] = format_datetime(self.clock())
        parsed["Message-ID"] = make_msgid(domain="mail.gmail.com")
        # Added while the draft is still there: a thread exists only while a message does.
        sent = self.add_message(parsed.as_bytes(), ["SENT"], old.thread_id, received=True)
        del self.drafts[draft_id]
        del self.messages[old.id]
        return sent

    def receive_reply(
        self,
        thread_id: str,
        sender: str,
        *,
        text: str = "Happy to meet.",
        headers: dict[str, str] | None = None,
        labels: tuple[str, ...] = ("INBOX", "UNREAD"),
    ) -> GmailMessage:
        """A message from ``sender`` arrives in a thread, answering its latest message.

        Dated now (the fake's clock); ``headers`` adds or replaces headers (Auto-Submitted for
        an out-of-office, a From for a bounce, ...).
        """
        in_thread = self.thread(thread_id)
        if not in_thread:
            raise KeyError(f"no thread {thread_id}")  # a test's mistake, not a request's
        last = in_thread[-1]
        reply = EmailMessage()
        reply["From"] = sender
        reply["To"] = self.user_email
        subject = last.header("Subject")
        reply["Subject"] = subject if subject.lower().startswith("re:") else f"Re: {subject}"
        reply["Date"] = format_datetime(self.clock())
        reply["Message-ID"] = make_msgid(domain="example.org")
        if last.message_id:
            reply["In-Reply-To"] = f"<{last.message_id}>"
            reply["References"] = f"<{last.message_id}>"
        reply.set_content(text)
        for name, value in (headers or {}).items():
            del reply[name]
            reply[name] = value
        return self.add_message(reply, list(labels), thread_id)

    def discard_draft(self, draft_id: str) -> None:
        """The user deletes a draft (Discard): it is gone for good, and so is a thread it was
        the only message of."""
        msg = self.draft_message(draft_id)
        del self.drafts[draft_id]
        del self.messages[msg.id]

    def thread(self, thread_id: str) -> list[GmailMessage]:
        """A thread's messages, oldest first (empty: no such thread)."""
        found = [m for m in self.messages.values() if m.thread_id == thread_id]
        return sorted(found, key=lambda m: (m.internal_date, m.history_id))

    def send_draft(self, draft_id: str, rewrite_message_id: bool = False) -> GmailMessage:
        """Turn a draft into a sent message, as when the user presses Send.

        The message keeps its id and Message-ID header unless ``rewrite_message_id`` asks
        for a fresh Message-ID (to test code that must not rely on the header surviving). Its
        ``internalDate`` becomes the time of sending, as Gmail's does.
        """
        msg = self.draft_message(draft_id)
        del self.drafts[draft_id]
        msg.internal_date = int(self.clock().timestamp() * 1000)
        if rewrite_message_id or not msg.message_id:
            parsed = message_from_bytes(msg.raw, policy=policy.default)
            del parsed["Message-ID"]
            parsed["Message-ID"] = make_msgid(domain="mail.gmail.com")
            msg.raw = parsed.as_bytes()
            msg.parsed = parsed
        msg.label_ids = [label for label in msg.label_ids if label != "DRAFT"] + ["SENT"]
        self._history += 1
        msg.history_id = self._history
        return msg

    # ---- routing ----------------------------------------------------------------------

    def handlers(self) -> dict[str, Handler]:
        return {
            "gmail.users.drafts.create": self.h_draft_create,
            "gmail.users.drafts.get": self.h_draft_get,
            "gmail.users.drafts.list": self.h_draft_list,
            "gmail.users.drafts.delete": self.h_draft_delete,
            "gmail.users.drafts.update": self.h_draft_update,
            "gmail.users.drafts.send": self.h_draft_send,
            "gmail.users.messages.get": self.h_message_get,
            "gmail.users.messages.list": self.h_message_list,
            "gmail.users.messages.send": self.h_message_send,
            "gmail.users.messages.delete": self.h_message_delete,
            "gmail.users.threads.get": self.h_thread_get,
            "gmail.users.getProfile": self.h_profile,
        }

    def _check_user(self, call: Call) -> None:
        user = call.params.get("userId")
        if user not in ("me", self.user_email):
            raise ApiError(403, f"Delegation denied for {self.user_email}", reason="forbidden")

    def _raw_from(self, call: Call, what: str) -> tuple[bytes, str | None]:
        """The RFC 822 bytes of a create/update/send, from the JSON or the upload form."""
        body = call.body or {}
        message = body.get("message") if what == "draft" else body
        message = message or {}
        if call.media is not None:
            return call.media, message.get("threadId")
        raw = message.get("raw")
        if not raw:
            raise bad_request(
                "Missing draft message"
                if what == "draft"
                else "'raw' RFC822 payload message "
                "string or uploading message via /upload/* URL required",
                reason="invalidArgument",
            )
        return decode_raw(raw), message.get("threadId")

    def _draft_resource(self, draft_id: str) -> dict[str, Any]:
        msg = self.draft_message(draft_id)
        return {
            "id": draft_id,
            "message": {"id": msg.id, "threadId": msg.thread_id, "labelIds": msg.label_ids},
        }

    def h_profile(self, call: Call) -> Reply:
        self._check_user(call)
        return Reply(
            {
                "emailAddress": self.user_email,
                "messagesTotal": len(self.messages),
                "threadsTotal": len({m.thread_id for m in self.messages.values()}),
                "historyId": str(self._history),
            }
        )

    def h_draft_create(self, call: Call) -> Reply:
        self._check_user(call)
        raw, thread_id = self._raw_from(call, "draft")
        msg = self.add_message(raw, ["DRAFT"], thread_id, received=True)
        draft_id = self.ids.draft_id()
        self.drafts[draft_id] = msg.id
        return Reply(self._draft_resource(draft_id))

    def h_draft_update(self, call: Call) -> Reply:
        self._check_user(call)
        draft_id = call.params["id"]
        old = self.draft_message(draft_id)
        raw, thread_id = self._raw_from(call, "draft")
        msg = self.add_message(raw, ["DRAFT"], thread_id or old.thread_id, received=True)
        del self.messages[old.id]
        self.drafts[draft_id] = msg.id
        return Reply(self._draft_resource(draft_id))

    def h_draft_send(self, call: Call) -> Reply:
        self._check_user(call)
        draft_id = (call.body or {}).get("id")
        if not draft_id:
            raise bad_request("Invalid draft: id is required", reason="invalidArgument")
        self.draft_message(draft_id)
        if call.media is not None or (call.body or {}).get("message"):
            self.h_draft_update(
                Call(call.spec, {**call.params, "id": draft_id}, call.body, call.media)
            )
        msg = self.send_draft(draft_id)
        return Reply({"id": msg.id, "threadId": msg.thread_id, "labelIds": msg.label_ids})

    def h_draft_get(self, call: Call) -> Reply:
        self._check_user(call)
        msg = self.draft_message(call.params["id"])
        fmt = call.param("format", "full")
        return Reply({"id": call.params["id"], "message": self.resource(msg, fmt, [])})

    def h_draft_delete(self, call: Call) -> Reply:
        self._check_user(call)
        msg = self.draft_message(call.params["id"])
        del self.drafts[call.params["id"]]
        del self.messages[msg.id]
        return Reply(None, 204)

    def h_draft_list(self, call: Call) -> Reply:
        self._check_user(call)
        by_message = {mid: did for did, mid in self.drafts.items()}
        candidates = [self.messages[mid] for mid in by_message]
        found = self._search(candidates, call.param("q"), call.param("includeSpamTrash", False))
        page, token = _page(found, call, default=100)
        out: dict[str, Any] = {"resultSizeEstimate": len(page)}
        if page:
            out["drafts"] = [
                {"id": by_message[m.id], "message": {"id": m.id, "threadId": m.thread_id}}
                for m in page
            ]
        if token:
            out["nextPageToken"] = token
        return Reply(out)

    def h_message_get(self, call: Call) -> Reply:
        self._check_user(call)
        msg = self.messages.get(call.params["id"])
        if msg is None:
            raise not_found()
        fmt = call.param("format", "full")
        return Reply(self.resource(msg, fmt, call.param("metadataHeaders", [])))

    def h_thread_get(self, call: Call) -> Reply:
        self._check_user(call)
        messages = self.thread(call.params["id"])
        if not messages:
            raise not_found()
        fmt = call.param("format", "full")
        headers = call.param("metadataHeaders", [])
        return Reply(
            {
                "id": call.params["id"],
                "historyId": str(max(m.history_id for m in messages)),
                "messages": [self.resource(m, fmt, headers) for m in messages],
            }
        )

    def h_message_list(self, call: Call) -> Reply:
        self._check_user(call)
        found = self._search(
            list(self.messages.values()), call.param("q"), call.param("includeSpamTrash", False)
        )
        wanted = call.param("labelIds", [])
        found = [m for m in found if all(label in m.label_ids for label in wanted)]
        page, token = _page(found, call, default=100)
        out: dict[str, Any] = {"resultSizeEstimate": len(page)}
        if page:
            out["messages"] = [{"id": m.id, "threadId": m.thread_id} for m in page]
        if token:
            out["nextPageToken"] = token
        return Reply(out)

    def h_message_send(self, call: Call) -> Reply:
        self._check_user(call)
        raw, thread_id = self._raw_from(call, "message")
        msg = self.add_message(raw, ["SENT"], thread_id, received=True)
        if not msg.message_id:
            # Gmail stamps a Message-ID on anything it sends without one.
            msg.parsed["Message-ID"] = make_msgid(domain="mail.gmail.com")
            msg.raw = msg.parsed.as_bytes()
        return Reply({"id": msg.id, "threadId": msg.thread_id, "labelIds": msg.label_ids})

    def h_message_delete(self, call: Call) -> Reply:
        self._check_user(call)
        msg = self.messages.pop(call.params["id"], None)
        if msg is None:
            raise not_found()
        self.drafts = {d: m for d, m in self.drafts.items() if m != msg.id}
        return Reply(None, 204)

    # ---- rendering --------------------------------------------------------------------

    def resource(self, msg: GmailMessage, fmt: str, metadata_headers: list[str]) -> dict[str, Any]:
        """A Message resource in the requested format (full, metadata, minimal or raw)."""
        out: dict[str, Any] = {
            "id": msg.id,
            "threadId": msg.thread_id,
            "labelIds": list(msg.label_ids),
            "snippet": msg.snippet,
            "sizeEstimate": len(msg.raw),
            "historyId": str(msg.history_id),
            "internalDate": str(msg.internal_date),
        }
        if fmt == "raw":
            out["raw"] = encode_raw(msg.raw)
        elif fmt == "metadata":
            wanted = {h.lower() for h in metadata_headers}
            headers = [
                {"name": k, "value": str(v)}
                for k, v in msg.parsed.items()
                if not wanted or k.lower() in wanted
            ]
            out["payload"] = {
                "partId": "",
                "mimeType": msg.parsed.get_content_type(),
                "filename": "",
                "headers": headers,
                "body": {"size": 0},
            }
        elif fmt == "full":
            out["payload"] = _part(msg.parsed, "")
        return out

    # ---- search -----------------------------------------------------------------------

    def _search(
        self, messages: list[GmailMessage], query: str | None, include_spam_trash: bool
    ) -> list[GmailMessage]:
        if not include_spam_trash:
            messages = [
                m for m in messages if "SPAM" not in m.label_ids and "TRASH" not in m.label_ids
            ]
        terms = [] if self.ignore_query else _terms(query or "")
        found = [m for m in messages if all(_term_matches(m, t, neg) for t, neg in terms)]
        # Gmail lists newest first.
        found.sort(key=lambda m: (m.internal_date, m.history_id), reverse=True)
        return found


def _terms(query: str) -> list[tuple[str, bool]]:
    try:
        tokens = shlex.split(query)
    except ValueError:
        tokens = query.split()
    out = []
    for token in tokens:
        negated = token.startswith("-") and len(token) > 1
        out.append((token[1:] if negated else token, negated))
    return out


def _term_matches(msg: GmailMessage, term: str, negated: bool) -> bool:
    op, sep, value = term.partition(":")
    op = op.lower()
    if sep and op == "rfc822msgid":
        hit = msg.message_id == normalize_msgid(value)
    elif sep and op in ("in", "label"):
        label = _LABEL_ALIASES.get(value.lower(), value)
        hit = value.lower() == "anywhere" or any(
            existing.lower() == label.lower() for existing in msg.label_ids
        )
    elif sep and op in ("from", "to", "cc", "bcc", "subject"):
        hit = value.lower() in msg.header(op).lower()
    else:
        haystack = " ".join(
            [msg.header("Subject"), msg.header("From"), msg.header("To"), msg.text()]
        ).lower()
        hit = term.lower() in haystack
    return hit != negated


def _page(items: list[GmailMessage], call: Call, default: int) -> tuple[list[GmailMessage], str]:
    offset = decode_page_token(call.param("pageToken"))
    size = min(int(call.param("maxResults", default)), 500)
    page = items[offset : offset + size]
    token = encode_page_token(offset + size) if offset + size < len(items) else ""
    return page, token


def _part(part: Message, part_id: str) -> dict[str, Any]:
    out: dict[str, Any] = {
        "partId": part_id,
        "mimeType": part.get_content_type(),
        "filename": part.get_filename() or "",
        "headers": [{"name": k, "value": str(v)} for k, v in part.items()],
    }
    if part.is_multipart():
        out["body"] = {"size": 0}
        children = part.get_payload()
        assert isinstance(children, list)
        out["parts"] = [
            _part(child, f"{part_id}.{i}" if part_id else str(i))
            for i, child in enumerate(children)
        ]
    else:
        data = part.get_payload(decode=True)
        data = data if isinstance(data, bytes) else b""
        out["body"] = {"size": len(data), "data": encode_raw(data)} if data else {"size": 0}
    return out
