"""The logic behind the three Cloud Functions in ``main.py``: scheduled sync, Pub/Sub, add-on.

``main.py`` stays a thin shell (one line per function) so that everything here can be tested
through functions-framework's test client and by calling these functions directly.

* :func:`sync_http`: Cloud Scheduler's HTTP target. POST only: any other method is 405, so a
  GET from a browser, a link preview or a crawler never runs a sync. Optionally verifies the
  caller's OIDC token (when ``SHEETSYNC_SCHEDULER_AUDIENCE`` is set), takes an optional JSON
  body ``{"spreadsheet_id"?: str, "dry_run"?: bool}``, syncs, and answers with the report's
  counts. An empty POST syncs the configured Sheet (what Scheduler sends for a job without a
  body).
* :func:`sync_pubsub`: a Pub/Sub CloudEvent whose message data is base64 JSON
  ``{"spreadsheet_id": "..."}``. There is no HTTP answer to shape. A malformed message can
  never succeed, so it is acknowledged (the function returns) after one warning line with a
  correlation id. A failed sync is raised (the framework logs it and answers 500, so Pub/Sub
  may deliver the message again) with a clear message and a correlation id.
* :func:`addon`: the Workspace add-on endpoint (POST only, like ``sync_http``). It verifies the
  event's ``systemIdToken`` before anything else runs, then answers with Card v1 JSON (see
  ``sheetsync.entrypoints.cards``).

Request bodies are read defensively: over 1 MB is 413 (before reading, when Content-Length says
so; after at most 1 MB plus a byte when it does not), JSON nested too deeply to parse is 400,
and a spreadsheet id is checked with ``sheetsync.core.ids.check_spreadsheet_id`` before any use.

Failures become HTTP answers in one place, :func:`describe_failure` (plus :func:`error_response`
for the JSON body): a ``SheetsyncError`` answers with its ``http_status`` and its message (the
error tree promises messages free of names, emails and tokens), anything else with 500 and a
generic message. Each failure gets a correlation id (uuid4 hex) that appears in the answer and
in the one log line, so a user's report can be matched to the log without either carrying a
traceback or personal data.

Cold start: only the standard library, ``config`` and ``errors`` load with this module; the
sync, the backends, the card builders and google-auth load on first use.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import os
import re
import threading
import traceback
import unicodedata
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, TypeVar

from sheetsync.config import Config
from sheetsync.core.ids import check_spreadsheet_id
from sheetsync.errors import (
    BadRequestError,
    MethodNotAllowedError,
    PayloadTooLargeError,
    SheetsyncError,
)

if TYPE_CHECKING:
    import flask

    from sheetsync.ports import Backend
    from sheetsync.service import SyncReport

log = logging.getLogger(__name__)

#: What a Flask view may return; functions-framework passes it on as is.
HttpResponse = tuple[str, int, dict[str, str]]
T = TypeVar("T")

_JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}
#: Request bodies are small JSON objects (an add-on event is a few KB); refuse anything huge
#: before reading it.
_MAX_BODY_BYTES = 1_000_000
#: How much of a body is read per call, so a body without a Content-Length is read in steps.
_READ_CHUNK_BYTES = 64 * 1024
_ADDON_ACTIONS = ("sync", "preview", "home", "grant_access")
#: An OAuth bearer token (RFC 6750, b64token), as Google's "ya29...." access tokens are.
_BEARER_TOKEN = re.compile(r"[A-Za-z0-9._~+/-]{1,4096}=*")


# --- configuration and logging ------------------------------------------------------------------


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    """Read the settings for this request and apply the log level.

    Read per request rather than at import: it costs microseconds, and tests (or a new
    revision's variables) take effect without reloading the module.
    """
    config = Config.from_env(os.environ if environ is None else environ)
    _configure_logging(config)
    return config


def _configure_logging(config: Config) -> None:
    logging.getLogger("sheetsync").setLevel(config.log_level_number)
    if not logging.getLogger().handlers:
        # Cloud Functions collects stderr; without a handler INFO lines would be dropped.
        logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")


# --- failures -> answers (the one place) --------------------------------------------------------


@dataclass(frozen=True)
class Failure:
    """How a failure is reported: HTTP status, a message safe to show, and its correlation id."""

    status: int
    message: str
    correlation_id: str

    def body(self) -> dict[str, Any]:
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


def _json(status: int, body: Mapping[str, Any]) -> HttpResponse:
    return json.dumps(body, ensure_ascii=False), status, dict(_JSON_HEADERS)


def error_response(exc: BaseException, entry_point: str) -> HttpResponse:
    """The JSON answer for a failure: ``{"error": {"status", "message", "correlation_id"}}``."""
    failure = describe_failure(exc, entry_point)
    text, status, headers = _json(failure.status, failure.body())
    if isinstance(exc, MethodNotAllowedError):
        headers["Allow"] = exc.allow
    return text, status, headers


# --- shared helpers -----------------------------------------------------------------------------


def _require_post(request: flask.Request) -> None:
    """Refuse anything but POST (405): Cloud Scheduler and the add-on platform only POST."""
    if request.method != "POST":
        raise MethodNotAllowedError("only POST is accepted", allow="POST")


def _too_large() -> PayloadTooLargeError:
    return PayloadTooLargeError(f"request body is too large (the limit is {_MAX_BODY_BYTES} bytes)")


def _read_body(request: flask.Request) -> bytes:
    """The request body, refused (413) once it is over :data:`_MAX_BODY_BYTES`.

    A declared Content-Length over the limit is refused before a byte is read; a body without
    one (chunked) is read only up to one byte past the limit.
    """
    declared = request.content_length
    if declared is not None and declared > _MAX_BODY_BYTES:
        raise _too_large()
    from werkzeug.exceptions import ClientDisconnected  # loaded with flask already

    stream = request.stream
    chunks: list[bytes] = []
    size = 0
    try:
        while size <= _MAX_BODY_BYTES:
            chunk = stream.read(min(_READ_CHUNK_BYTES, _MAX_BODY_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except ClientDisconnected:
        raise BadRequestError("request body ended before its declared length") from None
    if size > _MAX_BODY_BYTES:
        raise _too_large()
    return b"".join(chunks)


def _request_json(request: flask.Request, required: bool) -> dict[str, Any]:
    """The request body as a JSON object; ``{}`` for an empty body unless ``required``."""
    raw = _read_body(request)
    if not raw.strip():
        if required:
            raise BadRequestError("request body must be a JSON object")
        return {}
    try:
        body = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BadRequestError("request body is not valid JSON") from None
    except RecursionError:
        # json gives up past the interpreter's recursion limit: "[" * 200_000 lands here.
        raise BadRequestError("request body is nested too deeply") from None
    if not isinstance(body, dict):
        raise BadRequestError("request body must be a JSON object")
    return body


def make_backend(
    config: Config, spreadsheet_id: str | None = None, access_token: str | None = None
) -> Backend:
    """The configured backend, built by ``sheetsync.bootstrap.backend_for``."""
    from sheetsync import bootstrap

    return bootstrap.backend_for(config, spreadsheet_id, access_token)


def _run(backend: Backend, dry_run: bool) -> SyncReport:
    # Looked up at call time so that the sync module loads on first use, not at cold start.
    from sheetsync import service as sync
    from sheetsync.bootstrap import utc_now

    return sync.run_sync(backend, utc_now(), dry_run=dry_run)


# --- sync_http ----------------------------------------------------------------------------------


def _verify_scheduler(config: Config, request: flask.Request) -> None:
    from sheetsync.entrypoints.idtokens import TokenPolicy, bearer_token, verify_id_token

    policy = TokenPolicy(
        audience=config.scheduler_audience or "", email=config.scheduler_service_account or ""
    )
    verify_id_token(bearer_token(request.headers.get("Authorization")), policy)


def _sync_options(body: Mapping[str, Any]) -> tuple[str | None, bool]:
    unknown = sorted(set(body) - {"spreadsheet_id", "dry_run"})
    if unknown:
        # Key names come from the caller's JSON, not the Sheet: worth echoing (a typo such as
        # "dryrun" should not silently run a real sync), once made printable.
        named = ", ".join(repr(printable(k)) for k in unknown[:5])
        more = f" and {len(unknown) - 5} more" if len(unknown) > 5 else ""
        raise BadRequestError(f"unknown field(s) in request body: {named}{more}")
    spreadsheet_id = body.get("spreadsheet_id")
    if spreadsheet_id is not None:
        if not isinstance(spreadsheet_id, str) or not spreadsheet_id.strip():
            raise BadRequestError("spreadsheet_id must be a non-empty string")
        spreadsheet_id = check_spreadsheet_id(spreadsheet_id.strip(), "spreadsheet_id")
    dry_run = body.get("dry_run", False)
    if not isinstance(dry_run, bool):
        raise BadRequestError("dry_run must be true or false")
    return spreadsheet_id, dry_run


def sync_http(request: flask.Request) -> HttpResponse:
    """Cloud Scheduler's target: sync once and answer with the counts."""
    try:
        _require_post(request)
        config = load_config()
        if config.scheduler_check:
            _verify_scheduler(config, request)
        spreadsheet_id, dry_run = _sync_options(_request_json(request, required=False))
        report = _run(make_backend(config, spreadsheet_id), dry_run)
        return _json(200, report.counts())
    except Exception as exc:  # the one boundary: every failure becomes a JSON answer
        return error_response(exc, "sync_http")


# --- sync_pubsub --------------------------------------------------------------------------------

_PUBSUB_FORMAT = 'publish base64-encoded JSON {"spreadsheet_id": "<id>"} as the message data'


def pubsub_spreadsheet_id(data: object) -> str:
    """The spreadsheet id carried by a Pub/Sub CloudEvent's ``data``; BadRequestError if none."""
    message = data.get("message") if isinstance(data, Mapping) else None
    if not isinstance(message, Mapping):
        raise BadRequestError(f"the CloudEvent is not a Pub/Sub message: {_PUBSUB_FORMAT}")
    raw = message.get("data")
    if not isinstance(raw, str) or not raw.strip():
        raise BadRequestError(f"the Pub/Sub message has no data: {_PUBSUB_FORMAT}")
    if len(raw) > _MAX_BODY_BYTES:
        raise BadRequestError("the Pub/Sub message data is too large for a spreadsheet id")
    try:
        decoded = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequestError(f"the Pub/Sub message data is not base64: {_PUBSUB_FORMAT}") from None
    try:
        body = json.loads(decoded.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequestError(f"the Pub/Sub message data is not JSON: {_PUBSUB_FORMAT}") from None
    spreadsheet_id = body.get("spreadsheet_id") if isinstance(body, dict) else None
    if not isinstance(spreadsheet_id, str) or not spreadsheet_id.strip():
        raise BadRequestError(f"the Pub/Sub message has no spreadsheet_id: {_PUBSUB_FORMAT}")
    return check_spreadsheet_id(spreadsheet_id.strip(), "the Pub/Sub message's spreadsheet_id")


def sync_pubsub(cloud_event: Any) -> None:
    """Sync the spreadsheet named in a Pub/Sub message.

    A malformed message is acknowledged: one warning line (its correlation id, no data from
    the message), then a normal return, because raising would only have Pub/Sub redeliver
    what can never succeed. Failures of the sync itself are raised, after one log line: a
    SheetsyncError with its correlation id attached as a note; anything else replaced by a
    RuntimeError naming only its type, because its message may quote data and the framework
    logs whatever is raised.
    """
    try:
        config = load_config()
        try:
            spreadsheet_id = pubsub_spreadsheet_id(getattr(cloud_event, "data", None))
        except BadRequestError as exc:
            describe_failure(exc, "sync_pubsub", "dropped a malformed message")
            return
        report = _run(make_backend(config, spreadsheet_id), dry_run=False)
        log.info("sync_pubsub finished: created=%d", report.created)
    except SheetsyncError as exc:
        failure = describe_failure(exc, "sync_pubsub")
        exc.add_note(f"correlation id {failure.correlation_id}")
        raise
    except Exception as exc:
        failure = describe_failure(exc, "sync_pubsub")
        raise RuntimeError(
            f"sync_pubsub failed unexpectedly ({type(exc).__name__}); "
            f"correlation id {failure.correlation_id}"
        ) from None


# --- addon --------------------------------------------------------------------------------------

AddonAction = Literal["sync", "preview", "home", "grant_access"]


@dataclass(frozen=True)
class AddonEvent:
    """The parts of a Workspace add-on event object that the endpoint uses.

    ``action`` is None for a trigger (homepage, file scope granted) and a button's
    ``action`` parameter otherwise. ``sheets_present`` is False when the add-on was opened
    outside a Sheet; ``file_scope`` is ``sheets.addonHasFileScopePermission``.
    """

    action: AddonAction | None
    sheets_present: bool
    file_scope: bool
    spreadsheet_id: str | None
    user_token: str | None = None


def _system_id_token(event: Mapping[str, Any]) -> str | None:
    auth = event.get("authorizationEventObject")
    token = auth.get("systemIdToken") if isinstance(auth, Mapping) else None
    return token if isinstance(token, str) else None


def _optional_mapping(parent: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = parent.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise BadRequestError(f"malformed add-on event: {where}{key} must be an object")
    return value


def parse_addon_event(event: Mapping[str, Any]) -> AddonEvent:
    """Check the event object's shape (after its token was verified); BadRequestError if bad."""
    common = event.get("commonEventObject")
    if not isinstance(common, Mapping):
        raise BadRequestError("malformed add-on event: commonEventObject is missing")
    parameters = _optional_mapping(common, "parameters", "commonEventObject.")
    action = parameters.get("action")
    if action is not None and action not in _ADDON_ACTIONS:
        raise BadRequestError("malformed add-on event: unknown action parameter")
    auth = _optional_mapping(event, "authorizationEventObject", "")
    user_token = auth.get("userOAuthToken")
    if user_token is not None and not isinstance(user_token, str):
        raise BadRequestError("malformed add-on event: userOAuthToken must be a string")
    if user_token and not _BEARER_TOKEN.fullmatch(user_token):
        # It becomes an Authorization header: nothing but a bearer token's characters.
        raise BadRequestError("malformed add-on event: userOAuthToken is not a bearer token")
    sheets_present = isinstance(event.get("sheets"), Mapping)
    sheets = _optional_mapping(event, "sheets", "")
    permission = sheets.get("addonHasFileScopePermission", False)
    if not isinstance(permission, bool):
        raise BadRequestError(
            "malformed add-on event: sheets.addonHasFileScopePermission must be true or false"
        )
    spreadsheet_id = sheets.get("id")
    if spreadsheet_id is not None:
        if not isinstance(spreadsheet_id, str) or not spreadsheet_id.strip():
            raise BadRequestError("malformed add-on event: sheets.id must be a non-empty string")
        check_spreadsheet_id(spreadsheet_id, "malformed add-on event: sheets.id")
    return AddonEvent(
        action=action,
        sheets_present=sheets_present,
        file_scope=permission,
        spreadsheet_id=spreadsheet_id,
        user_token=user_token or None,
    )


def _verify_addon(config: Config, event: Mapping[str, Any]) -> None:
    from sheetsync.entrypoints.idtokens import TokenPolicy, verify_id_token

    policy = TokenPolicy(
        audience=config.addon_audience or "", email=config.addon_service_account or ""
    )
    verify_id_token(_system_id_token(event), policy)


def within_budget(work: Callable[[], T], budget_s: float) -> T | None:
    """Run ``work`` for at most ``budget_s`` seconds; None if it has not finished by then.

    The add-on platform drops an answer that comes too late, so the endpoint stops waiting
    and says so. The work carries on in its (daemon) thread: a sync is idempotent and
    crash-safe, so letting it finish, or being cut off with the instance, is harmless.
    """
    outcome: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # handed to the waiting thread, which re-raises it
            failure.append(exc)

    worker = threading.Thread(target=target, name="sheetsync-addon-work", daemon=True)
    worker.start()
    worker.join(budget_s)
    if worker.is_alive():
        return None
    if failure:
        raise failure[0]
    return outcome[0]


def _wrap(card: dict[str, Any], event: AddonEvent, push: bool = False) -> dict[str, Any]:
    """Envelope ``card`` for a trigger or a button press (see ``sheetsync.entrypoints.cards``)."""
    from sheetsync.entrypoints import cards

    if event.action is None:
        return cards.trigger_response(card)
    return cards.action_response(card, "pushCard" if push else "updateCard")


def _addon_answer(config: Config, event: AddonEvent) -> dict[str, Any]:
    """The card (in its envelope) for a verified, well-formed event."""
    from sheetsync.entrypoints import cards

    endpoint = config.addon_audience or ""
    if event.action == "grant_access":
        return cards.request_file_scope_response()
    if event.sheets_present and not event.file_scope:
        return _wrap(cards.file_access_card(endpoint), event)
    if config.backend == "google":
        if not event.sheets_present:
            notice = cards.notice_card(
                "Open sheetsync in Google Sheets",
                "sheetsync works on your referral-network spreadsheet: open it in Sheets, "
                "then open sheetsync from the side panel.",
            )
            return _wrap(notice, event)
        if not event.spreadsheet_id:
            raise BadRequestError("malformed add-on event: sheets.id is missing")
        if not event.user_token:
            raise BadRequestError("malformed add-on event: userOAuthToken is missing")
    # The local backend ignores both: it always uses the configured workbook.
    backend = make_backend(config, event.spreadsheet_id, event.user_token)
    dry_run = event.action != "sync"
    report = within_budget(lambda: _run(backend, dry_run), config.addon_time_budget_s)
    if report is None:
        if not dry_run:
            return _wrap(cards.still_running_card(config.addon_time_budget_s, endpoint), event)
        slow = cards.notice_card(
            "Taking longer than expected",
            "Reading the spreadsheet took too long this time. Nothing was changed; "
            "try again in a moment.",
        )
        return _wrap(slow, event)
    if event.action == "sync":
        return _wrap(cards.sync_result_card(report, endpoint), event)
    if event.action == "preview":
        return _wrap(cards.preview_card(report, endpoint), event, push=True)
    return _wrap(cards.homepage_card(report.summary, endpoint), event)


def addon(request: flask.Request) -> HttpResponse:
    """The Workspace add-on endpoint: verify the caller, then answer with a card.

    Authentication and event-shape failures are JSON errors (401/403/400) and nothing runs.
    After that, a failure is shown to the user as an error card (HTTP 200, or the sidebar
    would show Google's generic error instead of the reference to quote).
    """
    try:
        _require_post(request)
        config = load_config()
        body = _request_json(request, required=True)
        _verify_addon(config, body)
        event = parse_addon_event(body)
    except Exception as exc:
        return error_response(exc, "addon")
    try:
        return _json(200, _addon_answer(config, event))
    except Exception as exc:
        from sheetsync.entrypoints import cards

        failure = describe_failure(exc, "addon")
        if isinstance(exc, BadRequestError):
            return _json(failure.status, failure.body())
        return _json(200, _wrap(cards.error_card(failure.message, failure.correlation_id), event))
