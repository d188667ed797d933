"""How sheetsync talks HTTP to Google: what is transient, error conversion, the retry policy.

Owns:

* the **retry policy**: which failures are transient (429, 408, 5xx, rate-limit 403s, dropped
  connections) and the truncated exponential backoff with full jitter that retries them
  (``google.api_core.retry.Retry``; nothing here loops by hand);
* **error conversion**: library errors (googleapiclient ``HttpError``, gspread ``APIError``,
  transport errors) become ``BackendError`` with the HTTP status kept and a message that holds
  only a status code and Google's machine-readable reason, never names, emails or tokens;
* **counting** the round trips each adapter makes.

Batches are ``batch``'s, building the clients is ``clients``'s. Cold start: httplib2's errors
are matched only once httplib2 is loaded (see ``_httplib2_errors``), so importing this module
never loads googleapiclient's transport.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import google.auth.exceptions
import requests
from google.api_core.exceptions import RetryError
from google.api_core.retry import Retry
from googleapiclient.errors import BatchError, HttpError
from googleapiclient.errors import Error as ApiClientError
from gspread.exceptions import APIError

from sheetsync.errors import BackendError

log = logging.getLogger(__name__)

# -- what is transient ---------------------------------------------------------------------------

#: Statuses worth another try. 501 is left out: "not implemented" never heals by waiting.
TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: The reasons Google gives a 403 that is really a rate limit (the rest of 403s are permanent).
RATE_LIMIT_REASONS = frozenset(
    {"rateLimitExceeded", "userRateLimitExceeded", "RATE_LIMIT_EXCEEDED"}
)
#: Failures below HTTP: the connection dropped, timed out, or never opened.
TRANSPORT_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionError,  # reset, refused, aborted, broken pipe (http.client.RemoteDisconnected too)
    TimeoutError,  # socket.timeout is TimeoutError
    socket.gaierror,
    http.client.HTTPException,  # IncompleteRead, BadStatusLine on a half-closed connection
    requests.ConnectionError,  # gspread's transport
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,
    google.auth.exceptions.TransportError,  # a token refresh that could not reach Google
)
#: A token refresh that Google answered with a refusal (``invalid_grant``: a revoked or
#: expired refresh token, a deleted service account). It is about the credentials, so it is
#: reported like a 401; google-auth marks the rare refusals worth another try ``retryable``.
REFRESH_ERRORS: tuple[type[BaseException], ...] = (google.auth.exceptions.RefreshError,)
#: Everything a Google call may raise that is about the call, not a bug in our code. The Sheets
#: calls (gspread, over requests) raise nothing else; Calendar and Gmail calls use
#: :func:`google_errors`, which adds httplib2's.
GOOGLE_ERRORS: tuple[type[BaseException], ...] = (
    ApiClientError,
    APIError,
    RetryError,
    *TRANSPORT_ERRORS,
    *REFRESH_ERRORS,
)


def _httplib2_errors() -> tuple[type[BaseException], ...]:
    """httplib2's error base (googleapiclient's transport) once httplib2 is loaded.

    Before that no httplib2 error can exist, so there is nothing to match: looking it up in
    ``sys.modules`` keeps httplib2 out of a cold start that never calls Calendar or Gmail.
    """
    httplib2 = sys.modules.get("httplib2")
    error = getattr(httplib2, "HttpLib2Error", None)
    return (error,) if isinstance(error, type) and issubclass(error, BaseException) else ()


def transport_errors() -> tuple[type[BaseException], ...]:
    """:data:`TRANSPORT_ERRORS` and httplib2's (connection failures of every client)."""
    return TRANSPORT_ERRORS + _httplib2_errors()


def google_errors() -> tuple[type[BaseException], ...]:
    """:data:`GOOGLE_ERRORS` and httplib2's: what a Calendar or Gmail call may raise."""
    return GOOGLE_ERRORS + _httplib2_errors()


def _error_body(exc: BaseException) -> Mapping[str, Any]:
    """The ``error`` object of Google's JSON envelope, or an empty mapping."""
    if isinstance(exc, APIError):
        return exc.error if isinstance(exc.error, Mapping) else {}
    if isinstance(exc, HttpError):
        # A BatchError (an HttpError) may carry no content, or the unparsed reply as text.
        content = exc.content
        if not isinstance(content, bytes | str):
            return {}
        try:
            data = json.loads(content)
        except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
            return {}
        if isinstance(data, list) and data:
            data = data[0]
        if isinstance(data, dict) and isinstance(data.get("error"), dict):
            return data["error"]  # type: ignore[no-any-return]
    return {}


def http_status(exc: BaseException) -> int | None:
    """The HTTP status of a Google API error; ``None`` for transport errors.

    Also ``None`` for a ``BatchError``: googleapiclient raises it (an ``HttpError`` subclass)
    when a batch reply cannot be read (not multipart, a part without a valid Content-ID), with
    ``resp=None`` or with the envelope's 200, which is no call's outcome.
    """
    if isinstance(exc, BatchError):
        return None
    if isinstance(exc, REFRESH_ERRORS):
        return 401
    if isinstance(exc, HttpError):
        return int(exc.resp.status)
    if isinstance(exc, APIError):
        return int(exc.response.status_code)
    return None


def error_reasons(exc: BaseException) -> list[str]:
    """Google's machine-readable reasons (``errors[].reason``, ``details[].reason``)."""
    body = _error_body(exc)
    reasons = []
    for key in ("errors", "details"):
        items = body.get(key)
        if isinstance(items, list):
            reasons += [str(i["reason"]) for i in items if isinstance(i, dict) and i.get("reason")]
    return reasons


def unwrap(exc: BaseException) -> BaseException:
    """The last real error behind an exhausted retry."""
    while isinstance(exc, RetryError) and exc.cause is not None:
        exc = exc.cause
    return exc


def is_transient(exc: BaseException) -> bool:
    """True for failures a later attempt may not meet; the retry predicate."""
    if isinstance(exc, transport_errors()):
        return True
    if isinstance(exc, REFRESH_ERRORS):
        return bool(getattr(exc, "retryable", False))
    if isinstance(exc, BatchError):
        # An unreadable batch reply is a garbled answer, like a connection cut mid-reply:
        # whether the calls took effect is unknown, which is what the Batcher's retries
        # (whole for idempotent calls, one by one through the guarded path otherwise) handle.
        return True
    status = http_status(exc)
    if status is None:
        return False
    if status in TRANSIENT_STATUSES or (status >= 500 and status != 501):
        return True
    return status == 403 and bool(RATE_LIMIT_REASONS.intersection(error_reasons(exc)))


def describe(exc: BaseException) -> str:
    """A short, log-safe description: a status and Google's reason token, or the error type.

    Google's human-readable ``message`` is left out on purpose: it can quote cell values,
    addresses or a search query.
    """
    exc = unwrap(exc)
    status = http_status(exc)
    if status is None:
        if isinstance(exc, transport_errors()):
            return f"connection failed ({type(exc).__name__})"
        return type(exc).__name__
    if isinstance(exc, REFRESH_ERRORS):
        return f"token refresh refused ({refresh_reason(exc)})"
    reasons = error_reasons(exc)
    reason = reasons[0] if reasons else str(_error_body(exc).get("status") or "")
    return f"HTTP {status} {reason}".strip()


def refresh_reason(exc: BaseException) -> str:
    """The OAuth error code of a refused token refresh (``invalid_grant``), or "unknown".

    Only the code: the token endpoint's ``error_description`` is free text.
    """
    details = exc.args[1] if len(exc.args) > 1 else None
    code = details.get("error") if isinstance(details, Mapping) else None
    if isinstance(code, str) and code.replace("_", "").isalpha() and len(code) <= 40:
        return code
    return "unknown"


#: Plain words for the permanent failures a user can do something about.
_HINTS = {
    400: "rejected as invalid",
    401: "not signed in",
    403: "permission denied",
    404: "not found or not shared",
    410: "gone",
}


def short_reason(exc: BaseException) -> str:
    """A reason for a status cell: plain words first, then the code (no names or emails)."""
    exc = unwrap(exc)
    hint = _HINTS.get(http_status(exc) or 0)
    text = describe(exc)
    if is_transient(exc):
        return f"Google kept failing: {text}"
    return f"{hint}: {text}" if hint else text


def to_backend_error(exc: BaseException, action: str) -> BackendError:
    """A ``BackendError`` for a failed ``action`` (e.g. "Reading the Sheet"), status kept."""
    cause = unwrap(exc)
    status = http_status(cause)
    hint = _HINTS.get(status or 0)
    message = f"{action} failed: {describe(cause)}"
    if hint:
        message += f" ({hint})"
    elif is_transient(cause):
        message += " (still failing after retries)"
    return BackendError(message, code=status)


# -- the retry policy ----------------------------------------------------------------------------


def _log_retry(exc: BaseException) -> None:
    # Only the status and reason token: never the error's message or the request's URL.
    log.warning("transient Google API error, retrying: %s", describe(exc))


def retry_policy(
    initial: float = 1.0,
    maximum: float = 32.0,
    multiplier: float = 2.0,
    deadline: float = 120.0,
) -> Retry:
    """Truncated exponential backoff with full jitter, giving up after ``deadline`` seconds.

    ``Retry`` sleeps a random time in [0, d] with d = initial, initial*multiplier, ... capped
    at ``maximum``: the jitter keeps many clients that failed together from retrying together.
    Tests pass a tiny ``initial`` so that faults cost milliseconds.
    """
    return Retry(
        predicate=is_transient,
        initial=initial,
        maximum=maximum,
        multiplier=multiplier,
        timeout=deadline,
        on_error=_log_retry,
    )


DEFAULT_RETRY = retry_policy()


# -- counting ------------------------------------------------------------------------------------


@dataclass
class RequestCounter:
    """HTTP round trips made (every attempt counts), and how many API writes they carried."""

    round_trips: int = 0
    writes: int = 0
