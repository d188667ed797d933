"""Email address cells: checked as a mail system would, quickly for the common plain address.

Split from ``cells`` as the one parser with a library behind it (``email_validator``, imported
only when an address needs it). Reasons never repeat the address, so they can go to logs.

>>> parse_email("  ana@Example.ORG ")
'ana@example.org'
"""

from __future__ import annotations

import re

from sheetsync.core.cells import Cell, as_text, is_blank

# A plain ASCII address: a dot-atom local part (RFC 5322 atext), letter-digit-hyphen domain
# labels and a letters-only top-level domain. email_validator accepts every address this
# matches (within the length limits and special-use names checked in ``_plain_email``) and
# normalizes it by lower-casing the domain, so these skip it: it costs about 30 µs a short
# address and 50 µs a long one here (Python 3.11, email_validator 2.4), against about 3 µs for
# this path, and a large Sheet has thousands. tests/test_cells.py compares the two.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_PLAIN_EMAIL = re.compile(rf"({_ATOM}(?:\.{_ATOM})*)@((?:{_LABEL}\.)+[A-Za-z]{{2,63}})")


def _plain_email(text: str) -> str | None:
    """``text`` normalized if it is a plain address email_validator surely accepts, else None."""
    match = _PLAIN_EMAIL.fullmatch(text)
    if match is None or len(text) > 254:
        return None
    local, domain = match[1], match[2].lower()
    labels = domain.split(".")
    if len(local) > 64 or len(domain) > 253 or any(label[2:4] == "--" for label in labels):
        return None  # over a limit, or IDNA's reserved "ab--" form: let email_validator say
    from email_validator import SPECIAL_USE_DOMAIN_NAMES

    if labels[-1] in SPECIAL_USE_DOMAIN_NAMES:
        return None
    return f"{local}@{domain}"


#: What a contact with a non-ASCII local part is told to do.
ASK_THE_CONTACT = "ask the contact for another address"


def parse_email(value: Cell, advice: str = ASK_THE_CONTACT) -> str | None:
    """An email address with stray outer whitespace removed; blank is ``None``.

    An internationalised domain (``ida@bücher.de``) is kept as typed:
    ``sheetsync.adapters.mime`` writes it as IDNA in headers. Letters outside ASCII before the
    @ (``josé@...``) are refused, with
    ``advice`` in the reason: such an address needs SMTPUTF8 all the way, which many mail
    systems lack, and the drafts' headers are plain ASCII.
    """
    if is_blank(value):
        return None
    text = as_text(value)
    plain = _plain_email(text)  # never matches text with a space in it
    if plain is not None:
        return plain
    if any(ch.isspace() for ch in text):
        raise ValueError("is not a valid email address: it contains a space or line break")
    from email_validator import EmailNotValidError, validate_email

    try:
        # No DNS look-ups: the sync must run offline and on every row quickly.
        checked = validate_email(text, check_deliverability=False)
    except EmailNotValidError:
        raise ValueError("is not a valid email address") from None
    if checked.ascii_email is None:
        raise ValueError(
            "has non-ASCII letters before the @, which many mail systems cannot deliver; " + advice
        )
    return str(checked.normalized)
