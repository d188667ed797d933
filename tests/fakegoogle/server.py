"""The fake Google HTTP server: transport, routing, batching, faults, hooks and the log.

Owns :class:`FakeGoogle`, a ``ThreadingHTTPServer`` on ``127.0.0.1`` (random port) run in a
daemon thread. Every request unit -- a standalone request or one inner request of a batch --
takes the same path under one lock: log it, run hooks, decide faults, route and validate it
against the discovery documents, then hand it to the API module (Sheets, Calendar, Gmail,
Drive). The class also carries the state helpers tests use between requests, and
:meth:`FakeGoogle.hold`, which pauses one client's requests while another client's go on (two
syncs overlapping).
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import json
import socket
import threading
import traceback
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self

from . import metadata as md
from . import multipart
from .a1 import Box
from .calendar_api import CalendarApi
from .cells import Cell, Skip, parse_input, render
from .common import Call, Clock, Handler, Ids, Reply, utc_now
from .data_filters import DataFilterApi
from .discovery import MethodSpec, Registry
from .drive_api import DriveApi
from .errors import ApiError, bad_request, unimplemented
from .faults import DROP, DROP_AFTER, Fault, FaultInjector, Injected, fault_for_status
from .fields import apply_mask, parse_mask
from .gmail_api import GmailApi, GmailMessage
from .log import Hook, Matcher, RequestInfo, RequestRecord, matches
from .oauth_api import PATHS as OAUTH_PATHS
from .oauth_api import OAuthApi
from .sheets_api import SheetsApi, Spreadsheet, sort_key

if TYPE_CHECKING:
    import gspread
    import httplib2

# Path prefixes -> API, for logging and fault filters even when a path does not route.
_PREFIXES = (
    ("/v4/spreadsheets", "sheets"),
    ("/calendar/v3/", "calendar"),
    ("/gmail/v1/", "gmail"),
    ("/upload/gmail/v1/", "gmail"),
    ("/drive/v3/", "drive"),
    ("/upload/drive/v3/", "drive"),
)
# Batch endpoints: the API-specific ones googleapiclient uses, plus the generic /batch that
# Sheets' and Gmail's discovery documents name as batchPath.
_BATCH_PATHS = {
    "/batch/calendar/v3": "calendar",
    "/batch/gmail/v1": "gmail",
    "/batch/drive/v3": "drive",
    "/batch": None,
}
MAX_BATCH = 1000
JSON_TYPE = "application/json; charset=UTF-8"


class FakeGoogleInternalError(AssertionError):
    """Raised on exit when the fake itself crashed while serving (a bug in the fake or a hook)."""


@dataclass
class Incoming:
    """A request as the transport received it (or as it came out of a batch part)."""

    method: str
    target: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Outcome:
    """What to send back; ``dropped`` closes the connection instead."""

    status: int = 200
    headers: list[tuple[str, str]] = field(default_factory=list)
    body: bytes = b""
    dropped: bool = False


_DROPPED = Outcome(dropped=True)


def _api_of(path: str) -> str:
    for prefix, api in _PREFIXES:
        if path.startswith(prefix):
            return api
    return "unknown"


def _top_level_fields(fields: str) -> set[str]:
    """The top-level names of a partial-response ``fields`` mask ("a,b/c,d(e,f)" -> a, b, d)."""
    names: set[str] = set()
    depth, current = 0, ""
    for ch in fields + ",":
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "," and depth == 0:
            names.add(current.strip().split("/")[0].split(".")[0])
            current = ""
            continue
        if depth == 0 and ch not in "()":
            current += ch
    return {n for n in names if n}


def _partial(body: Any, fields: Any) -> Any:
    """Google's partial response, at the top level only (deeper selections keep the whole key)."""
    if not isinstance(fields, str) or not fields.strip() or not isinstance(body, dict):
        return body
    wanted = _top_level_fields(fields)
    return {key: value for key, value in body.items() if key in wanted}


def _error_outcome(exc: ApiError) -> Outcome:
    return Outcome(exc.code, [("Content-Type", JSON_TYPE)], json.dumps(exc.envelope()).encode())


class FakeGoogle:
    """An in-memory Google Sheets/Calendar/Gmail (and Drive-for-Sheets) HTTP server.

    Use as a context manager (``with FakeGoogle() as server:``) or call :meth:`start` and
    :meth:`stop`. ``server.url`` is ``http://127.0.0.1:<port>``.
    """

    def __init__(
        self,
        *,
        seed: int = 0,
        user_email: str = "me@example.com",
        clock: Clock | None = None,
        validate: bool = True,
    ) -> None:
        self.user_email = user_email
        self.validate = validate
        self.clock: Clock = clock or utc_now
        self._lock = threading.RLock()
        #: Signalled under the lock whenever a request arrives or ends: what a held request
        #: (see ``hold``) waits on, with the lock released so other requests are served.
        self._changed = threading.Condition(self._lock)
        self.registry = Registry()
        ids = Ids(seed)
        self.sheets = SheetsApi(ids, self._now)
        self.calendar = CalendarApi(ids, self._now, user_email)
        self.gmail = GmailApi(ids, self._now, user_email)
        self.oauth = OAuthApi(self._now)
        self.drive = DriveApi(self.sheets, self.oauth.principal)
        self.faults = FaultInjector(seed)
        self._handlers: dict[str, Handler] = {
            **self.sheets.handlers(),
            **DataFilterApi(self.sheets).handlers(),
            **self.calendar.handlers(),
            **self.gmail.handlers(),
            **self.drive.handlers(),
        }
        self._log: list[RequestRecord] = []
        self._seq = 0
        self._hooks: list[Hook] = []
        self.internal_errors: list[str] = []
        #: Bearer token -> the OAuth scopes it was granted (see ``grant_token``).
        self.token_scopes: dict[str, frozenset[str]] = {}
        self._httpd: _HttpServer | None = None
        self._thread: threading.Thread | None = None

    def _now(self) -> datetime:
        return self.clock()

    # ---- lifecycle --------------------------------------------------------------------

    def start(self) -> Self:
        if self._httpd is not None:
            return self
        httpd = _HttpServer(("127.0.0.1", 0), _Handler)
        httpd.fake = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        httpd, self._httpd = self._httpd, None
        if httpd is not None:
            httpd.shutdown()
            httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
        if exc_type is None and self.internal_errors:
            raise FakeGoogleInternalError("\n\n".join(self.internal_errors))

    @property
    def port(self) -> int:
        if self._httpd is None:
            raise RuntimeError("FakeGoogle is not running")
        return int(self._httpd.server_address[1])

    @property
    def url(self) -> str:
        """``http://127.0.0.1:<port>`` -- no trailing slash."""
        return f"http://127.0.0.1:{self.port}"

    # ---- client helpers (see clients.py) ----------------------------------------------

    def endpoint(self, api: str) -> str:
        """The ``client_options["api_endpoint"]`` that points googleapiclient at the fake."""
        from .clients import api_endpoint

        return api_endpoint(self.url, api)

    def batch_uri(self, api: str) -> str:
        """The URI to give ``BatchHttpRequest(batch_uri=...)`` for an API."""
        from .clients import batch_uri

        return batch_uri(self.url, api)

    def http(self) -> httplib2.Http:
        """An authorized (anonymous) httplib2 client that sends every Google URL here."""
        from .clients import authorized_http

        return authorized_http(self.url)

    def service(self, api: str, **kwargs: Any) -> Any:
        """``googleapiclient.discovery.build`` for sheets/calendar/gmail/drive, wired here."""
        from .clients import build_service

        return build_service(self.url, api, **kwargs)

    def gspread_client(self) -> gspread.Client:
        """A gspread client whose requests all land on this server."""
        from .clients import gspread_client

        return gspread_client(self.url)

    # ---- request processing -----------------------------------------------------------

    def handle(self, req: Incoming) -> Outcome:
        """Serve one HTTP request (called from the transport thread)."""
        path = urllib.parse.urlsplit(req.target).path
        try:
            with self._lock:
                try:
                    if path in OAUTH_PATHS:
                        return self._oauth(req, path)
                    if path in _BATCH_PATHS:
                        return self._batch(req, path)
                    return self._unit(req, inner=False)
                finally:
                    self._changed.notify_all()
        except Exception:  # a bug in the fake or in a hook must not hang the client
            self.internal_errors.append(traceback.format_exc())
            return _error_outcome(ApiError(500, "fakegoogle internal error", reason="backendError"))

    def _oauth(self, req: Incoming, path: str) -> Outcome:
        record = self._record("oauth", req, inner=False)
        parts = urllib.parse.urlsplit(req.target)
        reply = self.oauth.handle(path, req.method, parts.query, req.body, req.headers)
        record.status = reply.status
        return Outcome(reply.status, [("Content-Type", JSON_TYPE)], json.dumps(reply.body).encode())

    def _record(
        self, api: str, req: Incoming, inner: bool, principal: str | None = None
    ) -> RequestRecord:
        parts = urllib.parse.urlsplit(req.target)
        self._seq += 1
        record = RequestRecord(
            seq=self._seq,
            api=api,
            method=req.method,
            path=parts.path,
            query=urllib.parse.parse_qs(parts.query, keep_blank_values=True),
            inner=inner,
            authorized="authorization" in req.headers,
            at=self.clock(),
            principal=self.oauth.principal(req.headers) or principal,
        )
        self._log.append(record)
        self._changed.notify_all()
        return record

    def _unit(self, req: Incoming, inner: bool, principal: str | None = None) -> Outcome:
        record = self._record(
            _api_of(urllib.parse.urlsplit(req.target).path), req, inner, principal
        )
        spec: MethodSpec | None = None
        path_values: dict[str, str] = {}
        route_error: ApiError | None = None
        try:
            spec, path_values = self.registry.route(req.method, record.path)
            record.method_id = spec.method_id
        except ApiError as exc:
            route_error = exc
        body, media, media_type, body_error = self._decode_body(req, record, spec)
        record.body = body
        self._run_hooks(
            RequestInfo(
                record.seq,
                record.api,
                record.method,
                record.path,
                record.query,
                record.method_id,
                inner,
                copy.deepcopy(body),
            )
        )
        fault = self.faults.decide(record.seq, record.api, envelope=False)
        if fault is not None:
            record.fault = fault.name
            if not fault.after:
                if fault.drop:
                    record.dropped = True
                    return _DROPPED
                record.status = fault.status
                return _error_outcome(fault.error())
        if self.oauth.refuses(req.headers):
            # A token this fake issued that expired or was revoked, as Google answers it.
            record.status = 401
            return _error_outcome(
                ApiError(
                    401,
                    "Request had invalid authentication credentials.",
                    reason="authError",
                    status="UNAUTHENTICATED",
                )
            )
        outcome = self._execute(
            spec, path_values, route_error or body_error, record, req, body, media, media_type
        )
        record.status = outcome.status
        if fault is not None and fault.after:
            # The state change happened; only the response is lost.
            record.dropped = True
            return _DROPPED
        return outcome

    def _decode_body(
        self, req: Incoming, record: RequestRecord, spec: MethodSpec | None
    ) -> tuple[Any, bytes | None, str | None, ApiError | None]:
        content_type = req.headers.get("content-type", "")
        upload = record.query.get("uploadType", [""])[0]
        try:
            if spec is not None and spec.is_upload:
                if upload == "multipart":
                    meta, media, media_type = multipart.parse_related(req.body, content_type)
                    return (json.loads(meta) if meta.strip() else None), media, media_type, None
                if upload == "media":
                    return None, req.body, content_type, None
                raise bad_request(
                    f"fakegoogle supports uploadType=media and multipart, not {upload!r}."
                )
            if not req.body.strip():
                return None, None, None, None
            return json.loads(req.body), None, None, None
        except json.JSONDecodeError as exc:
            return (
                None,
                None,
                None,
                bad_request(f"Invalid JSON payload received. {exc.msg} at position {exc.pos}."),
            )
        except ApiError as exc:
            return None, None, None, exc

    def _execute(
        self,
        spec: MethodSpec | None,
        path_values: dict[str, str],
        error: ApiError | None,
        record: RequestRecord,
        req: Incoming,
        body: Any,
        media: bytes | None,
        media_type: str | None,
    ) -> Outcome:
        try:
            if error is not None:
                raise error
            assert spec is not None
            self._check_scopes(spec, req.headers)
            params = self.registry.check_params(spec, path_values, record.query)
            if self.validate:
                self.registry.check_body(spec, body)
            handler = self._handlers.get(spec.method_id)
            if handler is None:
                raise unimplemented(spec.method_id)
            reply: Reply = handler(Call(spec, params, body, media, media_type, req.headers))
        except ApiError as exc:
            return _error_outcome(exc)
        if reply.body is None:
            return Outcome(204 if reply.status == 200 else reply.status, [], b"")
        fields = params.get("fields")
        if spec.method_id.startswith("sheets.") and isinstance(fields, str) and fields.strip():
            # Sheets grid data is large: its masks are applied all the way down, as Google does.
            try:
                body = apply_mask(reply.body, parse_mask(fields))
            except ApiError as exc:
                return _error_outcome(exc)
        else:
            body = _partial(reply.body, fields)
        return Outcome(reply.status, [("Content-Type", JSON_TYPE)], json.dumps(body).encode())

    def grant_token(self, token: str, scopes: Iterable[str]) -> None:
        """Make requests bearing ``token`` hold exactly ``scopes``: a method that accepts none
        of them (its discovery ``scopes``) is refused with Google's 403 insufficientPermissions.
        Requests with any other token, or none, are not checked (as before)."""
        with self._lock:
            self.token_scopes[token] = frozenset(scopes)

    def _check_scopes(self, spec: MethodSpec, headers: dict[str, str]) -> None:
        kind, _, token = headers.get("authorization", "").partition(" ")
        granted = self.token_scopes.get(token.strip()) if kind.lower() == "bearer" else None
        accepted = set(spec.desc.get("scopes", ()))
        if granted is not None and accepted and not accepted & granted:
            raise ApiError(
                403,
                "Request had insufficient authentication scopes.",
                reason="insufficientPermissions",
            )

    def _batch(self, req: Incoming, path: str) -> Outcome:
        base = _BATCH_PATHS[path]
        envelope = self._record(f"batch-{base}" if base else "batch", req, inner=False)
        try:
            inner = multipart.parse_batch(req.body, req.headers.get("content-type", ""))
            if not inner:
                raise bad_request("A batch request must contain at least one part.")
            if len(inner) > MAX_BATCH:
                raise bad_request(f"A batch request may contain at most {MAX_BATCH} calls.")
        except ApiError as exc:
            envelope.status = exc.code
            return _error_outcome(exc)
        if base is None:
            # The generic /batch endpoint is named after the API its first call addresses.
            first = _api_of(urllib.parse.urlsplit(inner[0].target).path)
            envelope.api = f"batch-{first}"
        fault = self.faults.decide(envelope.seq, envelope.api, envelope=True)
        if fault is not None:
            envelope.fault = fault.name
            if not fault.after:
                envelope.dropped = fault.drop
                envelope.status = None if fault.drop else fault.status
                return _DROPPED if fault.drop else _error_outcome(fault.error())
        answers = []
        for part in inner:
            outcome = self._unit(
                Incoming(part.method, part.target, part.headers, part.body),
                inner=True,
                principal=envelope.principal,
            )
            if outcome.dropped:
                # One inner call losing its connection loses the whole batch response; the
                # calls before it have taken effect.
                envelope.dropped = True
                return _DROPPED
            answers.append((part.content_id, outcome.status, outcome.headers, outcome.body))
        content_type, body = multipart.build_batch_response(answers)
        envelope.status = 200
        if fault is not None and fault.after:
            envelope.dropped = True
            return _DROPPED
        return Outcome(200, [("Content-Type", content_type)], body)

    # ---- hooks ------------------------------------------------------------------------

    def _run_hooks(self, info: RequestInfo) -> None:
        for hook in list(self._hooks):
            if hook.done:
                continue
            if not matches(hook.matcher, info):
                continue
            hook.seen += 1
            if hook.once and hook.seen != hook.nth:
                continue
            hook.fired += 1
            hook.fn(info)
        self._hooks = [h for h in self._hooks if not h.done]

    def before_next(
        self, matcher: Matcher, fn: Callable[[RequestInfo], None], *, nth: int = 1
    ) -> Hook:
        """Run ``fn`` once, just before the ``nth`` next matching request takes effect.

        ``matcher`` is an API name, a method id or dotted suffix (``"values.batchUpdate"``),
        or a predicate on :class:`RequestInfo`. ``fn`` runs in the server thread under the
        server lock, so it can use the state helpers below; the request then sees the
        edited state. Returns the hook (``hook.fired`` tells whether it ran).
        """
        if nth < 1:
            raise ValueError("nth counts from 1")
        hook = Hook(matcher, fn, nth=nth, once=True)
        with self._lock:
            self._hooks.append(hook)
        return hook

    def on_request(self, fn: Callable[[RequestInfo], None], matcher: Matcher = "") -> Hook:
        """Run ``fn`` before every matching request (all requests when matcher is empty)."""
        hook = Hook(matcher or (lambda _info: True), fn, once=False)
        with self._lock:
            self._hooks.append(hook)
        return hook

    def remove_hook(self, hook: Hook) -> None:
        with self._lock:
            self._hooks = [h for h in self._hooks if h is not hook]

    def wait_until(self, condition: Callable[[], bool], timeout: float = 30.0) -> None:
        """From a hook: serve other clients' requests until ``condition()`` holds.

        The server lock is released while waiting (the request being served stays where it
        is: before it takes effect), and ``condition`` is checked again, under the lock,
        whenever a request arrives or ends, so it can count logged requests or read state.
        A condition still false after ``timeout`` seconds raises, which fails the request with
        a 500 and the test with :class:`FakeGoogleInternalError`, instead of hanging.
        """
        with self._changed:
            if not self._changed.wait_for(condition, timeout):
                raise TimeoutError(f"fakegoogle: a held request waited {timeout:g} s in vain")

    def hold(self, matcher: Matcher, until: Callable[[], bool], *, timeout: float = 30.0) -> Hook:
        """Hold every matching request, before it takes effect, until ``until()`` holds.

        Meanwhile the server goes on serving other connections (see :meth:`wait_until`): the
        seam for overlapping two clients, e.g. holding one sync's clean-up until the other
        sync has created its copies. Returns the (persistent) hook; remove it to stop holding.
        """
        return self.on_request(lambda _info: self.wait_until(until, timeout), matcher)

    def gmail_search_ignores_query(self, ignore: bool = True) -> None:
        """Make drafts.list and messages.list ignore ``q``, as a broken Gmail stand-in does."""
        with self._lock:
            self.gmail.ignore_query = ignore

    # ---- faults -----------------------------------------------------------------------

    def set_fault_rate(
        self,
        rate: float,
        *,
        seed: int | None = None,
        kinds: Iterable[Fault] | None = None,
        apis: Iterable[str] | None = None,
        include_batch_envelopes: bool = True,
    ) -> None:
        """Fail each matching request unit with probability ``rate``.

        ``kinds`` defaults to 429, 500, 503, both 403 rate limits and a pre-effect dropped
        connection; add ``faults.DROP_AFTER`` to also lose responses after state changed.
        ``apis`` restricts faults to e.g. ``{"calendar"}`` (batch envelopes of that API
        included unless ``include_batch_envelopes`` is False).
        """
        with self._lock:
            self.faults.set_rate(
                rate,
                seed=seed,
                kinds=kinds,
                apis=apis,
                include_batch_envelopes=include_batch_envelopes,
            )

    def fail_next(
        self,
        count: int = 1,
        status: int | Fault = 503,
        *,
        reason: str | None = None,
        apis: Iterable[str] | None = None,
        drop: bool = False,
        after: bool = False,
        include_batch_envelopes: bool = True,
    ) -> None:
        """Fail the next ``count`` matching request units deterministically.

        ``status`` is an HTTP code (or a :class:`Fault`); ``drop=True`` closes the connection
        before the request takes effect, ``after=True`` after it did (the response is lost).
        """
        if after:
            fault = DROP_AFTER
        elif drop:
            fault = DROP
        elif isinstance(status, Fault):
            fault = status
        else:
            fault = fault_for_status(status, reason)
        with self._lock:
            self.faults.fail_next(count, fault, apis, include_batch_envelopes)

    def crash_after(
        self,
        requests: int,
        *,
        apis: Iterable[str] | None = None,
        lose_last_response: bool = False,
        status: int | None = None,
    ) -> None:
        """Let ``requests`` more API requests through, then drop every later one.

        With ``lose_last_response`` the last allowed request takes effect but its response
        is dropped -- the process "crashed" between Google committing and the client
        hearing. ``status`` answers with that error instead of dropping connections.
        Batch inner requests count; envelopes do not. :meth:`clear_faults` recovers.
        """
        fault = fault_for_status(status) if status is not None else DROP
        with self._lock:
            self.faults.crash_after(requests, apis, lose_last_response, fault)

    @property
    def crashed(self) -> bool:
        return self.faults.crashed

    @property
    def injected_faults(self) -> list[Injected]:
        with self._lock:
            return list(self.faults.injected)

    def clear_faults(self) -> None:
        """Stop all fault injection (random rate, queued failures and crash)."""
        with self._lock:
            self.faults.clear()

    # ---- log --------------------------------------------------------------------------

    def requests(self, api: str | None = None, *, inner: bool | None = None) -> list[RequestRecord]:
        """Copies of the logged request units, optionally filtered."""
        with self._lock:
            return [
                copy.copy(r)
                for r in self._log
                if (api is None or r.api == api) and (inner is None or r.inner == inner)
            ]

    def count(self, api: str, *, writes_only: bool = False, method_id: str | None = None) -> int:
        """Logical calls to an API: standalone plus batch-inner requests.

        ``api`` may also be ``"batch-calendar"`` etc. to count batch envelopes.
        ``method_id`` narrows to one method (full id or dotted suffix).
        """
        with self._lock:
            return sum(
                1
                for r in self._log
                if r.api == api
                and (not writes_only or r.is_write)
                and (
                    method_id is None
                    or r.method_id == method_id
                    or (r.method_id or "").endswith("." + method_id)
                )
            )

    def http_round_trips(self, api: str) -> int:
        """Outer HTTP requests for an API: standalone requests plus its batch posts."""
        with self._lock:
            return sum(1 for r in self._log if not r.inner and r.api in (api, f"batch-{api}"))

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()
            self.faults.injected.clear()

    # ---- Sheets state helpers ---------------------------------------------------------

    def create_spreadsheet(self, title: str = "Test", sheets: list[str] | None = None) -> str:
        """Create a spreadsheet directly in state; returns its id."""
        with self._lock:
            return self.sheets.create(title, sheets).spreadsheet_id

    def copy_spreadsheet(self, spreadsheet_id: str, title: str | None = None) -> str:
        """Copy a spreadsheet whole, as Drive's "Make a copy" does; returns the copy's id.

        No request is logged: a fast way to give many tests (or a fleet) their own Sheet.
        """
        with self._lock:
            source = self.sheets.get(spreadsheet_id)
            copied = copy.deepcopy(source)
            copied.spreadsheet_id = self.sheets.ids.spreadsheet_id()
            if title is not None:
                copied.properties["title"] = title
            self.sheets.spreadsheets[copied.spreadsheet_id] = copied
            return copied.spreadsheet_id

    def spreadsheet(self, spreadsheet_id: str) -> Spreadsheet:
        """The live state object (sheets, data validations, charts, applied requests)."""
        with self._lock:
            return self.sheets.get(spreadsheet_id)

    def sheet_rows(
        self,
        spreadsheet_id: str,
        title: str,
        value_render: str = "UNFORMATTED_VALUE",
    ) -> list[list[Any]]:
        """The sheet's values as values.get returns them (trimmed; dates as text)."""
        with self._lock:
            sheet = self.sheets.sheet(spreadsheet_id, title)
            result = self.sheets.read(
                sheet, Box(0, None, 0, None), "ROWS", value_render, "FORMATTED_STRING"
            )
            rows: list[list[Any]] = result.get("values", [])
            return rows

    def set_sheet_rows(
        self, spreadsheet_id: str, title: str, rows: list[list[Any]], value_input: str = "RAW"
    ) -> None:
        """Replace every cell of a sheet, growing the grid if needed."""
        with self._lock:
            sheet = self.sheets.sheet(spreadsheet_id, title)
            sheet.cells = [[_cell(v, value_input) for v in row] for row in rows]
            sheet.ensure_rows(len(rows))
            sheet.ensure_cols(max((len(r) for r in rows), default=0))
            self.sheets.touch(self.sheets.get(spreadsheet_id))

    def insert_row(
        self,
        spreadsheet_id: str,
        title: str,
        index: int,
        values: list[Any] | None = None,
        value_input: str = "RAW",
    ) -> None:
        """Insert a row before 0-based ``index`` (rows below shift down), as a user would."""
        with self._lock:
            ss = self.sheets.get(spreadsheet_id)
            sheet = self.sheets.sheet(spreadsheet_id, title)
            self.sheets.insert_rows(ss, sheet, index, 1)
            row = [_cell(v, value_input) for v in values or []]
            sheet.ensure_cols(len(row))
            sheet.cells[index] = row
            self.sheets.touch(self.sheets.get(spreadsheet_id))

    def delete_row(self, spreadsheet_id: str, title: str, index: int) -> None:
        """Delete the row at 0-based ``index`` (rows below shift up; its metadata goes)."""
        with self._lock:
            ss = self.sheets.get(spreadsheet_id)
            sheet = self.sheets.sheet(spreadsheet_id, title)
            self.sheets.delete_rows(ss, sheet, index, index + 1)
            self.sheets.touch(ss)

    def move_row(self, spreadsheet_id: str, title: str, source: int, dest: int) -> None:
        """Move the row at ``source`` so it ends up at index ``dest`` (metadata and all)."""
        with self._lock:
            ss = self.sheets.get(spreadsheet_id)
            sheet = self.sheets.sheet(spreadsheet_id, title)
            order = list(range(max(source, dest, len(sheet.cells) - 1) + 1))
            order.insert(dest, order.pop(source))
            self.sheets.reorder_rows(ss, sheet, order, 0, metadata_follows=True)
            self.sheets.touch(ss)

    def sort_rows(
        self,
        spreadsheet_id: str,
        title: str,
        key: int | Callable[[list[Any]], Any],
        header_rows: int = 1,
        reverse: bool = False,
    ) -> None:
        """Sort the data rows below ``header_rows``, like a user's Data > Sort range.

        ``key`` is a 0-based column (Sheets' order: numbers, text, booleans, blanks last)
        or a function of the row's UNFORMATTED values. Row metadata moves with the rows or
        stays put, as ``metadata_policy.sort`` says.
        """
        with self._lock:
            ss = self.sheets.get(spreadsheet_id)
            sheet = self.sheets.sheet(spreadsheet_id, title)
            order = list(range(header_rows, sheet.used_rows()))
            if isinstance(key, int):
                column = key
                order.sort(key=lambda r: sort_key(sheet.get(r, column)), reverse=reverse)
            else:
                fn = key
                order.sort(
                    key=lambda r: fn(
                        [render(c, "UNFORMATTED_VALUE", "FORMATTED_STRING") for c in sheet.cells[r]]
                    ),
                    reverse=reverse,
                )
            follows = self.sheets.policy.sort == md.MOVES
            self.sheets.reorder_rows(ss, sheet, order, header_rows, metadata_follows=follows)
            self.sheets.touch(ss)

    def copy_row(self, spreadsheet_id: str, title: str, source: int, dest: int) -> None:
        """Copy a whole row's cells over the row at ``dest``, as a user's copy and paste.

        Its metadata does what ``metadata_policy.copy_paste`` says.
        """
        self._paste_row(spreadsheet_id, title, source, dest, "copyPaste")

    def cut_row(self, spreadsheet_id: str, title: str, source: int, dest: int) -> None:
        """Cut a whole row's cells and paste them over the row at ``dest`` (the source row
        stays, emptied); its metadata does what ``metadata_policy.cut_paste`` says.
        """
        self._paste_row(spreadsheet_id, title, source, dest, "cutPaste")

    def _paste_row(
        self, spreadsheet_id: str, title: str, source: int, dest: int, kind: str
    ) -> None:
        with self._lock:
            ss = self.sheets.get(spreadsheet_id)
            sheet_id = self.sheets.sheet(spreadsheet_id, title).sheet_id
            src = {"sheetId": sheet_id, "startRowIndex": source, "endRowIndex": source + 1}
            if kind == "copyPaste":
                target: dict[str, Any] = {
                    "sheetId": sheet_id,
                    "startRowIndex": dest,
                    "endRowIndex": dest + 1,
                }
            else:
                target = {"sheetId": sheet_id, "rowIndex": dest, "columnIndex": 0}
            self.sheets.apply_request(ss, kind, {"source": src, "destination": target})
            self.sheets.touch(ss)

    def duplicate_sheet(self, spreadsheet_id: str, title: str, new_title: str) -> None:
        """Duplicate a tab, as a user would; ``metadata_policy.duplicate_sheet`` decides
        what its metadata does.
        """
        with self._lock:
            ss = self.sheets.get(spreadsheet_id)
            sheet_id = self.sheets.sheet(spreadsheet_id, title).sheet_id
            request = {"sourceSheetId": sheet_id, "newSheetName": new_title}
            self.sheets.apply_request(ss, "duplicateSheet", request)
            self.sheets.touch(ss)

    # ---- developer metadata state helpers ---------------------------------------------

    @property
    def metadata_policy(self) -> md.MetadataPolicy:
        """What sorting, copy-paste, cut-paste and duplicating a tab do to row metadata."""
        with self._lock:
            return self.sheets.policy

    def set_metadata_policy(self, **settings: str) -> md.MetadataPolicy:
        """Change some policy settings (``sort="MOVES"``, ``copy_paste="DUPLICATED"``, ...)."""
        with self._lock:
            self.sheets.policy = dataclasses.replace(self.sheets.policy, **settings)
            return self.sheets.policy

    def developer_metadata(self, spreadsheet_id: str) -> list[dict[str, Any]]:
        """Every developer metadata record of a spreadsheet (all projects), as resources."""
        with self._lock:
            store = self.sheets.get(spreadsheet_id).developer_metadata
            return [m.resource() for m in store.records]

    def row_metadata(self, spreadsheet_id: str, title: str) -> dict[int, list[tuple[str, Any]]]:
        """0-based row index -> (key, value) of each record on that row of a tab."""
        with self._lock:
            ss = self.sheets.get(spreadsheet_id)
            sheet_id = ss.by_title(title).sheet_id
            out: dict[int, list[tuple[str, Any]]] = {}
            for meta in ss.developer_metadata.records:
                loc = meta.location
                if loc.kind == md.ROW and loc.sheet_id == sheet_id and loc.index is not None:
                    out.setdefault(loc.index, []).append((meta.key, meta.value))
            return dict(sorted(out.items()))

    def tag_row(
        self,
        spreadsheet_id: str,
        title: str,
        index: int,
        key: str,
        value: str | None = None,
        *,
        visibility: str = md.DOCUMENT,
        project: str = md.DEFAULT_PROJECT,
    ) -> int:
        """Put developer metadata on a row directly in state; returns its id.

        No request is logged and the storage limits are not checked, so a test can set up
        a spreadsheet that is already over them.
        """
        with self._lock:
            ss = self.sheets.get(spreadsheet_id)
            sheet_id = ss.by_title(title).sheet_id
            body = {
                "metadataKey": key,
                "visibility": visibility,
                "location": {
                    "dimensionRange": {
                        "sheetId": sheet_id,
                        "dimension": "ROWS",
                        "startIndex": index,
                        "endIndex": index + 1,
                    }
                },
            }
            if value is not None:
                body["metadataValue"] = value
            reply = self.sheets.apply_request(
                ss, "createDeveloperMetadata", {"developerMetadata": body}, project
            )
            assert reply is not None
            return int(reply["createDeveloperMetadata"]["developerMetadata"]["metadataId"])

    # ---- OAuth and Drive sharing state helpers ----------------------------------------

    def share_sheet(self, spreadsheet_id: str, email: str, role: str = "writer") -> str:
        """Share a spreadsheet with a Google account (see ``drive_api``); returns its sub."""
        with self._lock:
            sub = self.oauth.add_user(email)
            self.drive.share(spreadsheet_id, sub, role)
            return sub

    # ---- Calendar state helpers -------------------------------------------------------

    def add_calendar(self, calendar_id: str, summary: str | None = None) -> None:
        with self._lock:
            self.calendar.add_calendar(calendar_id, summary)

    def calendar_events(
        self, calendar_id: str = "primary", include_deleted: bool = False
    ) -> list[dict[str, Any]]:
        """Copies of a calendar's events in creation order."""
        with self._lock:
            stored = sorted(self.calendar.events(calendar_id).values(), key=lambda e: e.order)
            return [copy.deepcopy(e.resource) for e in stored if include_deleted or not e.cancelled]

    def calendar_insert_event(self, calendar_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create an event as the user would in the Calendar UI (no request logged)."""
        with self._lock:
            return self.calendar.insert(calendar_id, body)

    def calendar_patch_event(
        self, calendar_id: str, event_id: str, changes: dict[str, Any]
    ) -> dict[str, Any]:
        """Edit an event as the user would (patch semantics; bumps sequence/updated)."""
        with self._lock:
            stored = self.calendar.events(calendar_id)[event_id]
            return self.calendar.patch(stored, changes)

    def calendar_delete_event(self, calendar_id: str, event_id: str) -> None:
        """Delete an event as the user would (it stays, ``status: cancelled``)."""
        with self._lock:
            self.calendar.delete(self.calendar.events(calendar_id)[event_id])

    # ---- Gmail state helpers ----------------------------------------------------------

    def gmail_send_draft(self, draft_id: str, *, rewrite_message_id: bool = False) -> str:
        """Play the user pressing Send on a draft; returns the sent message's id."""
        with self._lock:
            return self.gmail.send_draft(draft_id, rewrite_message_id).id

    def gmail_send_from_web(self, draft_id: str) -> str:
        """Play the user pressing Send in Gmail's web interface (a new message and Message-ID
        in the draft's thread); returns the sent message's id."""
        with self._lock:
            return self.gmail.send_from_web(draft_id).id

    def gmail_receive_reply(self, thread_id: str, sender: str, **kwargs: Any) -> str:
        """A message from ``sender`` arrives in a thread (see ``GmailApi.receive_reply``)."""
        with self._lock:
            return self.gmail.receive_reply(thread_id, sender, **kwargs).id

    def gmail_discard_draft(self, draft_id: str) -> None:
        """Play the user deleting a draft (and the thread it was alone in)."""
        with self._lock:
            self.gmail.discard_draft(draft_id)

    def gmail_thread(self, thread_id: str) -> list[GmailMessage]:
        """A thread's messages, oldest first (empty when there is no such thread)."""
        with self._lock:
            return self.gmail.thread(thread_id)

    def gmail_add_message(
        self,
        raw: bytes | str | Any,
        label_ids: Iterable[str] = ("SENT",),
        thread_id: str | None = None,
    ) -> str:
        """Store a message (bytes, text or ``EmailMessage``) with labels; returns its id."""
        with self._lock:
            return self.gmail.add_message(raw, tuple(label_ids), thread_id).id

    def gmail_add_draft(self, raw: bytes | str | Any) -> str:
        """Store a draft (bytes, text or ``EmailMessage``) as the user would; returns its id."""
        with self._lock:
            return self.gmail.add_draft(raw)

    def gmail_drafts(self) -> dict[str, GmailMessage]:
        """Draft id -> its message."""
        with self._lock:
            return {d: self.gmail.messages[m] for d, m in self.gmail.drafts.items()}

    def gmail_messages(self, label: str | None = None) -> list[GmailMessage]:
        with self._lock:
            return [
                m for m in self.gmail.messages.values() if label is None or label in m.label_ids
            ]


def _cell(value: Any, value_input: str) -> Cell:
    parsed = parse_input(value, value_input)
    return None if isinstance(parsed, Skip) else parsed


class _HttpServer(ThreadingHTTPServer):
    daemon_threads = True
    # Keep-alive client connections must not make shutdown wait for their threads.
    block_on_close = False
    fake: FakeGoogle


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as httplib2 and requests expect
    timeout = 30  # idle keep-alive connections release their thread eventually
    server: _HttpServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without TCP_NODELAY, Nagle plus the
        # client's delayed ACK stalls each keep-alive response by ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _serve(self) -> None:
        body = self._read_body()
        headers = {k.lower(): v for k, v in self.headers.items()}
        outcome = self.server.fake.handle(Incoming(self.command, self.path, headers, body))
        if outcome.dropped:
            # Close without a byte of response: the client sees a dropped connection.
            self.close_connection = True
            with contextlib.suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        self.send_response(outcome.status)
        for name, value in outcome.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(outcome.body)))
        self.end_headers()
        self.wfile.write(outcome.body)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: Any) -> None:
        # The request log replaces stderr noise.
        pass
