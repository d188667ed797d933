"""Request bodies, read defensively and parsed: the sync_http body and the Pub/Sub message.

Reading: over 1 MB is 413 (before reading, when Content-Length says so; after at most 1 MB
plus a byte when it does not), JSON nested too deeply to parse is 400, and a body that must be
a JSON object is one. Parsing: the shapes are pydantic models (``sheetsync.entrypoints.payloads``),
loaded only once the cheap checks here have passed, so a cold instance refuses junk without
importing pydantic. A spreadsheet id is checked with
``sheetsync.core.ids.check_spreadsheet_id`` before any use. Messages name the field and the
problem, never a value from the request (a key name the caller sent is echoed once made
printable: a typo such as "dryrun" deserves to be named).
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sheetsync.core.ids import check_spreadsheet_id
from sheetsync.entrypoints.failures import printable
from sheetsync.errors import BadRequestError, PayloadTooLargeError

if TYPE_CHECKING:
    import flask

#: Request bodies are small JSON objects (an add-on event is a few KB); refuse anything huge
#: before reading it.
MAX_BODY_BYTES = 1_000_000
#: How much of a body is read per call, so a body without a Content-Length is read in steps.
_READ_CHUNK_BYTES = 64 * 1024
#: How many unknown keys of a body a message names.
_NAMED_KEYS = 5

PUBSUB_FORMAT = 'publish base64-encoded JSON {"spreadsheet_id": "<id>"} as the message data'


def _too_large() -> PayloadTooLargeError:
    return PayloadTooLargeError(f"request body is too large (the limit is {MAX_BODY_BYTES} bytes)")


def read_body(request: flask.Request) -> bytes:
    """The request body, refused (413) once it is over :data:`MAX_BODY_BYTES`.

    A declared Content-Length over the limit is refused before a byte is read; a body without
    one (chunked) is read only up to one byte past the limit.
    """
    declared = request.content_length
    if declared is not None and declared > MAX_BODY_BYTES:
        raise _too_large()
    from werkzeug.exceptions import ClientDisconnected  # loaded with flask already

    stream = request.stream
    chunks: list[bytes] = []
    size = 0
    try:
        while size <= MAX_BODY_BYTES:
            chunk = stream.read(min(_READ_CHUNK_BYTES, MAX_BODY_BYTES + 1 - size))
            if not chunk:
                break
            chunks.append(chunk)
            size += len(chunk)
    except ClientDisconnected:
        raise BadRequestError("request body ended before its declared length") from None
    if size > MAX_BODY_BYTES:
        raise _too_large()
    return b"".join(chunks)


def request_json(request: flask.Request, required: bool) -> dict[str, Any]:
    """The request body as a JSON object; ``{}`` for an empty body unless ``required``."""
    raw = read_body(request)
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


def sync_options(body: Mapping[str, Any]) -> tuple[str | None, bool]:
    """sync_http's ``(spreadsheet_id or None, dry_run)``; BadRequestError for a bad body."""
    from sheetsync.entrypoints.payloads import SyncBody

    # Counted here rather than by pydantic (extra="forbid"), which gives up on the whole body
    # at a key it cannot encode (a lone surrogate) without naming the other keys.
    unknown = sorted(set(body) - SyncBody.model_fields.keys())
    if unknown:
        named = ", ".join(repr(printable(k)) for k in unknown[:_NAMED_KEYS])
        more = f" and {len(unknown) - _NAMED_KEYS} more" if len(unknown) > _NAMED_KEYS else ""
        raise BadRequestError(f"unknown field(s) in request body: {named}{more}")
    options = SyncBody.parse(body)
    spreadsheet_id = options.spreadsheet_id
    if spreadsheet_id is not None:
        spreadsheet_id = check_spreadsheet_id(spreadsheet_id, "spreadsheet_id")
    return spreadsheet_id, options.dry_run


def pubsub_spreadsheet_id(data: object) -> str:
    """The spreadsheet id carried by a Pub/Sub CloudEvent's ``data``; BadRequestError if none."""
    message = data.get("message") if isinstance(data, Mapping) else None
    if not isinstance(message, Mapping):
        # The cheap check, before pydantic loads: a stray event is dropped at cold-start cost.
        raise BadRequestError(f"the CloudEvent is not a Pub/Sub message: {PUBSUB_FORMAT}")
    from sheetsync.entrypoints.payloads import PubsubData, PubsubMessage

    raw = PubsubMessage.parse(message).data
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequestError("the Pub/Sub message data is too large for a spreadsheet id")
    try:
        decoded = base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError):
        raise BadRequestError(f"the Pub/Sub message data is not base64: {PUBSUB_FORMAT}") from None
    try:
        body = json.loads(decoded.decode("utf-8"))
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BadRequestError(f"the Pub/Sub message data is not JSON: {PUBSUB_FORMAT}") from None
    spreadsheet_id = PubsubData.parse(body).spreadsheet_id
    return check_spreadsheet_id(spreadsheet_id, "the Pub/Sub message's spreadsheet_id")
