"""Build a draft as an RFC 5322 message with the standard library's ``EmailMessage``.

Shared by the local ``.eml`` mailbox and the Gmail adapter, so both produce the same message.
"""

from __future__ import annotations

import mimetypes
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from .plan import DraftSpec


def _address(name: str, email: str) -> Address:
    username, _, domain = email.rpartition("@")
    # Names are folded to one line by the models; the header encoder handles UTF-8.
    return Address(display_name=" ".join(name.split()), username=username, domain=domain)


def build_message(draft: DraftSpec, when: datetime | None = None) -> EmailMessage:
    """The draft as a message, with ``draft.attachment`` (the flyer) attached if it has one."""
    message = EmailMessage()
    message["Message-ID"] = draft.message_id
    if draft.sender:
        message["From"] = _address(*draft.sender)
    if draft.to:
        message["To"] = [_address(name, email) for name, email in draft.to]
    message["Subject"] = " ".join(draft.subject.split())
    if when is not None:
        message["Date"] = format_datetime(when)
    message["X-Sheetsync-Letter"] = draft.kind
    message.set_content(draft.body)
    if draft.attachment is not None:
        name = draft.attachment.name
        kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
        maintype, subtype = kind.split("/", 1)
        message.add_attachment(
            draft.attachment.content, maintype=maintype, subtype=subtype, filename=name
        )
    return message
