"""Failures become answers here, and only here: one log line and one message safe to show.

:func:`describe_failure` turns an exception into a :class:`Failure`: a ``SheetsyncError``
keeps its ``http_status`` and its message (the error tree promises messages free of names,
emails and tokens), anything else becomes 500 with a generic message. Each failure gets a
correlation id (uuid4 hex) that appears in the answer and in the one log line, so a user's
report can be matched to the log without either carrying a traceback or personal data.
:func:`error_response` is the JSON answer for it; the add-on shows the same Failure as a card.

Standard library only: this loads at cold start.
"""

from __future__ import annotations

import logging
import traceback
import unicodedata
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sheetsync.entrypoints.web import HttpResponse, json_response
from sheetsync.errors import MethodNotAllowedError, SheetsyncError

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Failure:
    """How a failure is reported: HTTP status, a message safe to show, and its correlation id."""

    status: int
    message: str
    correlation_id: str

    def body(self) -> dict[str, Any]:
        """The JSON answer's body: ``{"error": {"status", "message", "correlation_id"}}``."""
        return {
            "error": {
                "status": self.status,
                "message": self.message,
                "correlation_id": self.correlation_id,
            }
        }


def _where(exc: BaseException) -> str:
    """The innermost code location of ``exc`` (file:line function), without any values."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return "?"
    last = frames[-1]
    return f"{Path(last.filename).name}:{last.lineno} {last.name}"


#: Unicode categories never echoed: controls (Cc: newline, carriage return, escape), format
#: characters (Cf: bidi overrides, zero-width), lone surrogates (Cs: they cannot be encoded, so
#: they would break the answer), and the line and paragraph separators (Zl, Zp).
_UNPRINTABLE = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})


def printable(text: str, limit: int | None = 40) -> str:
    """``text`` made safe to echo into a log line or an answer; every echo goes through here.

    Drops the characters that could forge or hide a log line (see ``_UNPRINTABLE``) and cuts
    the rest to ``limit`` characters, the last being an ellipsis (``None``: no cut).

    >>> printable("dry_run\\nERROR forged")
    'dry_runERROR forged'
    >>> printable("x" * 50, limit=5)
    'xxxx…'
    """
    kept: list[str] = []
    for char in text:
        if unicodedata.category(char) in _UNPRINTABLE:
            continue
        if limit is not None and len(kept) == limit:
            return "".join(kept[: limit - 1]) + "…"
        kept.append(char)
    return "".join(kept)


def describe_failure(exc: BaseException, entry_point: str, outcome: str = "failed") -> Failure:
    """Turn ``exc`` into a Failure and log it once, with its correlation id.

    ``outcome`` is the log line's verb phrase ("failed"; "dropped a malformed message").

    A SheetsyncError keeps its status and message (sheetsync's messages name tabs, rows and
    columns, never people). Anything else is a bug or a library failure whose message may
    quote data (a KeyError's key, a parser's input), so only its type and location are
    logged and the caller sees a generic message.
    """
    correlation_id = uuid.uuid4().hex
    if isinstance(exc, SheetsyncError):
        # Already free of people's data; printable() keeps any echoed request text to one line.
        status, message = exc.http_status, printable(str(exc), None) or type(exc).__name__
    else:
        status, message = 500, "internal error"
    log.log(
        logging.ERROR if status >= 500 else logging.WARNING,
        "%s %s: status=%d error=%s message=%s correlation_id=%s at=%s",
        entry_point,
        outcome,
        status,
        type(exc).__name__,
        message,
        correlation_id,
        _where(exc),
        extra={"correlation_id": correlation_id, "http_status": status},
    )
    return Failure(status, message, correlation_id)


def error_response(exc: BaseException, entry_point: str) -> HttpResponse:
    """The JSON answer for a failure: ``{"error": {"status", "message", "correlation_id"}}``."""
    failure = describe_failure(exc, entry_point)
    text, status, headers = json_response(failure.status, failure.body())
    if isinstance(exc, MethodNotAllowedError):
        headers["Allow"] = exc.allow
    return text, status, headers
