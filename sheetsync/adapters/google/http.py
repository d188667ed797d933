"""How sheetsync talks HTTP to Google, in one place.

Owns:

* the **retry policy**: which failures are transient (429, 408, 5xx, rate-limit 403s, dropped
  connections) and the truncated exponential backoff with full jitter that retries them
  (``google.api_core.retry.Retry``; nothing here loops by hand);
* **error conversion**: library errors (googleapiclient ``HttpError``, gspread ``APIError``,
  transport errors) become ``BackendError`` with the HTTP status kept and a message that holds
  only a status code and Google's machine-readable reason, never names, emails or tokens;
* **batching**: up to 50 calls per multipart batch round trip, with the failed items of a batch
  retried one by one;
* **building the clients**: gspread and the Calendar and Gmail services, all three pointed at
  Google or, with ``endpoint``, at a host laid out like Google (the test suite's fake server).

Cold start: googleapiclient and httplib2 (about 80 ms of imports) load when a Calendar or Gmail
service is first used, not when the clients are built: an add-on homepage or a preview (a dry
run) reads the Sheet only and never needs them.
"""

from __future__ import annotations

import http.client
import json
import logging
import socket
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping, MutableMapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import urlsplit, urlunsplit

import google.auth.exceptions
import gspread
import requests
from google.api_core.exceptions import RetryError
from google.api_core.retry import Retry
from google.auth.credentials import Credentials
from googleapiclient.errors import BatchError, HttpError
from googleapiclient.errors import Error as ApiClientError
from gspread.exceptions import APIError
from gspread.http_client import HTTPClient

from sheetsync.adapters.google.credentials import GoogleCredentials
from sheetsync.errors import BackendError

log = logging.getLogger(__name__)

T = TypeVar("T")

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


# -- batches -------------------------------------------------------------------------------------

#: Google's documented limit for Calendar and Gmail batches is higher; 50 keeps each batch
#: inside the per-user rate limits (Gmail counts every inner call) and the payload small.
BATCH_SIZE = 50


@dataclass(frozen=True)
class BatchCall:
    """One API call to send in a batch.

    ``build`` makes a fresh ``HttpRequest`` (a request is never sent twice). ``alone`` is how to
    retry the call by itself after a transient failure; by default ``build().execute()``. Calls
    that are not safe to repeat blindly (creating a draft) pass a guarded version.
    """

    key: str
    build: Callable[[], Any]
    write: bool = False
    alone: Callable[[], Any] | None = None
    #: False when only success or failure matters (an insert, a patch): the response body is
    #: dropped on arrival, so a batch of thousands of calls does not hold every resource.
    keep_value: bool = True


@dataclass(frozen=True)
class CallResult:
    """A call's response, or the error it ended with (after any retries)."""

    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def status(self) -> int | None:
        return http_status(unwrap(self.error)) if self.error is not None else None


def refused_by_store(
    results: Iterable[CallResult], statuses: frozenset[int]
) -> BaseException | None:
    """The error to raise when every call failed for good with one of ``statuses``, else None.

    Answered to every call of a sync, a 401, a 403 that is not a rate limit or a calendar's 404
    is about the store (not signed in, not shared, not there), not about one row: the caller
    raises one ``BackendError`` instead of failing each row with the same words.
    """
    errors = [result.error for result in results]
    if not errors or any(error is None for error in errors):
        return None
    causes = [unwrap(error) for error in errors if error is not None]
    if all(http_status(c) in statuses and not is_transient(c) for c in causes):
        return causes[0]
    return None


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Batcher:
    """Sends calls in multipart batches of at most ``size``, then retries failed items alone.

    ``batch_uri`` is given explicitly because googleapiclient's own batch builder takes it
    from the discovery document's root URL, ignoring a custom endpoint.
    """

    def __init__(
        self,
        batch_uri: str,
        retry: Retry,
        counter: RequestCounter,
        size: int = BATCH_SIZE,
    ) -> None:
        self.batch_uri = batch_uri
        self.retry = retry
        self.counter = counter
        self.size = size

    def execute(self, call: BatchCall) -> CallResult:
        """One call on its own, with the retry policy."""

        def attempt() -> Any:
            self.counter.round_trips += 1
            self.counter.writes += int(call.write)
            if call.alone is not None:
                return call.alone()
            return call.build().execute()

        try:
            value = self.retry(attempt)()
            return CallResult(value if call.keep_value else None)
        except google_errors() as exc:
            return CallResult(error=unwrap(exc))

    def run(self, calls: Sequence[BatchCall], *, idempotent: bool = True) -> dict[str, CallResult]:
        """Every call's result, by key.

        A batch whose round trip fails as a whole is retried whole when its calls are
        ``idempotent``; otherwise its calls are retried one by one through ``alone``. Calls
        that fail inside a batch that got through are retried one by one when the failure is
        transient; permanent failures (400, 404, 409, ...) are returned as they are.
        """
        results: dict[str, CallResult] = {}
        for chunk in chunks(calls, self.size):
            got = self._send(chunk, idempotent)
            for call in chunk:
                result = got[call.key]
                if result.error is not None and is_transient(result.error):
                    result = self.execute(call)
                results[call.key] = result
        return results

    def _send(self, chunk: Sequence[BatchCall], idempotent: bool) -> dict[str, CallResult]:
        from googleapiclient.http import BatchHttpRequest

        got: dict[str, CallResult] = {}

        def attempt() -> None:
            got.clear()

            def collect(request_id: str, response: Any, exception: BaseException | None) -> None:
                call = chunk[int(request_id)]
                got[call.key] = CallResult(response if call.keep_value else None, exception)

            batch = BatchHttpRequest(callback=collect, batch_uri=self.batch_uri)
            for index, call in enumerate(chunk):
                batch.add(call.build(), request_id=str(index))
            self.counter.round_trips += 1
            self.counter.writes += sum(call.write for call in chunk)
            batch.execute()

        try:
            if idempotent:
                self.retry(attempt)()
            else:
                attempt()
        except google_errors() as exc:
            error = unwrap(exc)
            if idempotent and is_transient(error):
                # Already retried whole until the deadline: do not retry each call again.
                return {call.key: CallResult(error=_Exhausted(error)) for call in chunk}
            return {call.key: CallResult(error=error) for call in chunk}
        missing = [call.key for call in chunk if call.key not in got]
        for key in missing:
            # A batch reply without a part for a call: treat the call as not done.
            got[key] = CallResult(error=ConnectionError("no reply part for this call"))
        return got


class _Exhausted(RetryError):
    """A transient error that has already used up its retries (so it is not retried again)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__("retries exhausted", cause)  # type: ignore[no-untyped-call]


# -- building the clients ------------------------------------------------------------------------

Api = Literal["sheets", "calendar", "gmail"]

#: Where each API lives on Google. An emulator endpoint keeps the same paths on one host.
GOOGLE_ROOTS: dict[Api, str] = {
    "sheets": "https://sheets.googleapis.com",
    "calendar": "https://www.googleapis.com",
    "gmail": "https://gmail.googleapis.com",
}
_BATCH_PATHS: dict[Api, str] = {"calendar": "/batch/calendar/v3", "gmail": "/batch/gmail/v1"}

#: Seconds before an HTTP request with no answer counts as a dropped connection.
DEFAULT_TIMEOUT = 60.0


def normalise_endpoint(endpoint: str | None) -> str | None:
    """``http(s)://host[:port][/prefix]`` without a trailing slash; ``None`` stays ``None``."""
    if endpoint is None or not endpoint.strip():
        return None
    parts = urlsplit(endpoint.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("the API endpoint must be an http(s) URL such as http://127.0.0.1:8080")
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def batch_uri(api: Literal["calendar", "gmail"], endpoint: str | None = None) -> str:
    """The batch URL of ``api``, on Google or under ``endpoint``."""
    root = normalise_endpoint(endpoint) or GOOGLE_ROOTS[api]
    return root + _BATCH_PATHS[api]


class EndpointHTTPClient(HTTPClient):
    """gspread's HTTP client with every Google URL moved to another host (an emulator).

    gspread builds its URLs from module constants; rewriting them here, per client, avoids
    patching gspread's globals. Only the scheme and host change, so ``/v4/spreadsheets/...``
    keeps Google's layout. Retries are not done here but by the adapters, with the shared
    policy (gspread's own ``BackOffHTTPClient`` retries forever).
    """

    def __init__(self, auth: Credentials, endpoint: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(auth)
        self.endpoint = endpoint
        self.set_timeout(timeout)

    def _rewrite(self, url: str) -> str:
        parts = urlsplit(url)
        if not parts.netloc.endswith("googleapis.com"):
            return url
        base = urlsplit(self.endpoint)
        return urlunsplit((base.scheme, base.netloc, base.path + parts.path, parts.query, ""))

    def request(
        self,
        method: str,
        endpoint: str,
        params: MutableMapping[str, Any] | None = None,
        data: bytes | None = None,
        json: Mapping[str, Any] | None = None,
        files: Any = None,
        headers: MutableMapping[str, str] | None = None,
    ) -> requests.Response:
        return super().request(
            method,
            self._rewrite(endpoint),
            params=params,
            data=data,
            json=json,
            files=files,
            headers=headers,
        )


def sheets_client(
    credentials: Credentials, endpoint: str | None = None, timeout: float = DEFAULT_TIMEOUT
) -> gspread.Client:
    """A gspread client; with ``endpoint``, every request goes to that host instead."""
    client = gspread.Client(credentials)
    endpoint = normalise_endpoint(endpoint)
    if endpoint is not None:
        client.http_client = EndpointHTTPClient(credentials, endpoint, timeout)
    else:
        client.set_timeout(timeout)
    return client


def api_service(
    api: Literal["calendar", "gmail"],
    credentials: Credentials,
    endpoint: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Any:
    """A googleapiclient service from the discovery document shipped with the library.

    ``api_endpoint`` replaces the discovery document's root URL *and* service path, so the
    service path is put back: ``/calendar/v3/`` for Calendar; Gmail's method paths already
    start with ``gmail/v1/``.
    """
    import google_auth_httplib2
    import httplib2
    from googleapiclient.discovery import build

    version = {"calendar": "v3", "gmail": "v1"}[api]
    options: dict[str, str] = {}
    endpoint = normalise_endpoint(endpoint)
    if endpoint is not None:
        options["api_endpoint"] = endpoint + ("/calendar/v3/" if api == "calendar" else "/")
    http = google_auth_httplib2.AuthorizedHttp(credentials, http=httplib2.Http(timeout=timeout))
    return build(
        api,
        version,
        http=http,
        client_options=options or None,
        static_discovery=True,
        cache_discovery=False,
    )


class LazyService:
    """A googleapiclient service built on first use (see the module docstring).

    Every attribute is the built service's, so it stands in for the service anywhere.
    """

    def __init__(self, build: Callable[[], Any]) -> None:
        self._lazy_build: Callable[[], Any] | None = build
        self._lazy_service: Any = None

    def __getattr__(self, name: str) -> Any:
        # Only called for names the proxy itself lacks: the service's.
        if name.startswith("_lazy_"):
            raise AttributeError(name)
        if self._lazy_build is not None:
            self._lazy_service = self._lazy_build()
            self._lazy_build = None
        return getattr(self._lazy_service, name)


def build_clients(
    endpoint: str | None,
    credentials: GoogleCredentials | Credentials,
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[gspread.Client, Any, Any]:
    """(gspread client, Calendar v3 service, Gmail v1 service), all on Google or on ``endpoint``.

    The two services are :class:`LazyService`: built, with googleapiclient loaded, on first use.

    ``endpoint`` (``--api-endpoint`` / ``SHEETSYNC_API_ENDPOINT``) is a host laid out like
    Google: ``/v4/spreadsheets/...``, ``/calendar/v3/...``, ``/gmail/v1/...`` and the batch
    paths ``/batch/calendar/v3`` and ``/batch/gmail/v1`` (see ``batch_uri``).
    """
    if not isinstance(credentials, GoogleCredentials):
        credentials = GoogleCredentials.single(credentials)
    return (
        sheets_client(credentials.sheets, endpoint, timeout),
        LazyService(lambda: api_service("calendar", credentials.calendar, endpoint, timeout)),
        LazyService(lambda: api_service("gmail", credentials.gmail, endpoint, timeout)),
    )
