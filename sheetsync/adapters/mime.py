"""Build a draft as an RFC 5322 message with the standard library's ``EmailMessage``.

Shared by the local ``.eml`` mailbox and the Gmail adapter, so both produce the same message;
the ``.eml`` file alone also says ``X-Unsent: 1`` (``unsent=True``), which tells Outlook and
Thunderbird to open it as a draft to edit and send. Gmail gets no such header: its drafts are
drafts already. Headers are plain ASCII, which every mail client opening an ``.eml`` and
Gmail's raw upload read reliably: display names and the subject become RFC 2047 encoded words,
and an internationalised domain is written as IDNA (``bücher.de`` as ``xn--bcher-kva.de``),
never as an encoded word inside the address, which no mail system can deliver to.
"""

from __future__ import annotations

import mimetypes
from datetime import datetime
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime

from sheetsync.core.plan import DraftSpec


def ascii_domain(domain: str) -> str:
    """``domain`` as IDNA 2008 ASCII (punycode labels); ``ValueError`` if it has no such form.

    >>> ascii_domain("bücher.de"), ascii_domain("example.org")
    ('xn--bcher-kva.de', 'example.org')
    """
    if domain.isascii():
        return domain
    # email_validator's own IDNA library (IDNA 2008 with UTS 46 mapping, as it validates
    # addresses); Python's "idna" codec is IDNA 2003, which turns ß into ss.
    import idna

    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except idna.IDNAError:
        raise ValueError("an email domain has no IDNA form") from None


def _address(name: str, email: str) -> Address:
    username, _, domain = email.rpartition("@")
    if not username.isascii():
        # The row models refuse such addresses (``emails.parse_email``); a corrupt recipient
        # is never written.
        raise ValueError("an email address has non-ASCII letters before the @")
    # Names are folded to one line by the models; the header encoder handles UTF-8.
    return Address(
        display_name=" ".join(name.split()), username=username, domain=ascii_domain(domain)
    )


#: The header that marks a message file as a draft not yet sent; "1" is the only value Outlook
#: and Thunderbird act on.
UNSENT_HEADER = "X-Unsent"


def build_message(
    draft: DraftSpec, when: datetime | None = None, *, unsent: bool = False
) -> EmailMessage:
    """The draft as a message, with ``draft.attachment`` (the flyer) attached if it has one.

    ``unsent`` marks it ``X-Unsent: 1``, for a message saved as a file to be opened as a draft.
    """
    message = EmailMessage()
    message["Message-ID"] = draft.message_id
    if unsent:
        message[UNSENT_HEADER] = "1"
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
