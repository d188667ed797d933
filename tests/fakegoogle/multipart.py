"""MIME multipart on the wire: batch requests/responses and media uploads.

Owns splitting a ``multipart/*`` body into parts (headers + bytes, tolerant of the bare
``\\n`` line endings googleapiclient's batch serializer writes), parsing the
``application/http`` parts of a batch into request line/headers/body, and writing the
``multipart/mixed`` batch response in the exact shape googleapiclient's
``BatchHttpRequest._execute`` parses: ``Content-ID: <response-...>`` and an inner status
line whose headers end in CRLF CRLF.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from http import HTTPStatus

from .errors import bad_request


def boundary_of(content_type: str) -> str:
    """The boundary parameter of a multipart Content-Type; 400 when absent."""
    m = re.search(r'boundary\s*=\s*"?([^";]+)"?', content_type, re.IGNORECASE)
    if m is None:
        raise bad_request("Multipart request without a boundary.")
    return m.group(1)


def _split_head(data: bytes) -> tuple[dict[str, str], bytes]:
    """Split header lines from the body at the first blank line (CRLF or LF)."""
    if data.startswith((b"\r\n", b"\n")):
        return {}, data[2:] if data.startswith(b"\r\n") else data[1:]
    m = re.search(rb"\r?\n\r?\n", data)
    head, body = (data[: m.start()], data[m.end() :]) if m else (data, b"")
    headers: dict[str, str] = {}
    for line in head.decode("utf-8", errors="replace").splitlines():
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    return headers, body


def split(body: bytes, boundary: str) -> list[tuple[dict[str, str], bytes]]:
    """Parts of a multipart body as (lower-cased headers, payload)."""
    delimiter = b"--" + boundary.encode()
    chunks = body.split(delimiter)
    parts = []
    for chunk in chunks[1:]:
        if chunk.startswith(b"--"):
            break  # the close delimiter
        # Drop the rest of the delimiter line, and the line break that belongs to the next
        # delimiter at the end.
        chunk = re.sub(rb"^[ \t]*\r?\n", b"", chunk, count=1)
        if chunk.endswith(b"\r\n"):
            chunk = chunk[:-2]
        elif chunk.endswith(b"\n"):
            chunk = chunk[:-1]
        parts.append(_split_head(chunk))
    return parts


@dataclass
class InnerRequest:
    """One ``application/http`` part of a batch."""

    content_id: str
    method: str
    target: str
    headers: dict[str, str]
    body: bytes


def parse_batch(body: bytes, content_type: str) -> list[InnerRequest]:
    """Parse a batch request body into its inner requests."""
    requests = []
    for part_headers, payload in split(body, boundary_of(content_type)):
        line, _, rest = payload.partition(b"\n")
        pieces = line.decode("utf-8", errors="replace").strip().split(" ")
        if len(pieces) < 2:
            raise bad_request("Malformed batch part: no request line.")
        headers, inner_body = _split_head(rest)
        length = headers.get("content-length")
        if length is not None and length.isdigit():
            inner_body = inner_body[: int(length)]
        requests.append(
            InnerRequest(
                content_id=part_headers.get("content-id", ""),
                method=pieces[0].upper(),
                target=pieces[1],
                headers=headers,
                body=inner_body,
            )
        )
    return requests


def response_content_id(request_id: str) -> str:
    """``<abc + 1>`` -> ``<response-abc + 1>``, the form googleapiclient maps back."""
    inner = request_id.strip()
    if inner.startswith("<") and inner.endswith(">"):
        inner = inner[1:-1]
    return f"<response-{inner}>"


def build_batch_response(
    parts: list[tuple[str, int, list[tuple[str, str]], bytes]],
) -> tuple[str, bytes]:
    """Serialize (content_id, status, headers, body) parts; returns (content type, body)."""
    boundary = "batch_" + uuid.uuid4().hex
    out = bytearray()
    for content_id, status, headers, payload in parts:
        out += f"--{boundary}\r\n".encode()
        out += b"Content-Type: application/http\r\n"
        out += f"Content-ID: {response_content_id(content_id)}\r\n\r\n".encode()
        phrase = HTTPStatus(status).phrase if status in HTTPStatus._value2member_map_ else "?"
        out += f"HTTP/1.1 {status} {phrase}\r\n".encode()
        # At least one header line always: the client splits the inner head off at CRLFCRLF.
        for name, value in [*headers, ("Content-Length", str(len(payload)))]:
            out += f"{name}: {value}\r\n".encode()
        out += b"\r\n" + payload + b"\r\n"
    out += f"--{boundary}--\r\n".encode()
    return f"multipart/mixed; boundary={boundary}", bytes(out)


def parse_related(body: bytes, content_type: str) -> tuple[bytes, bytes, str]:
    """A ``multipart/related`` upload: (JSON metadata, media bytes, media content type)."""
    parts = split(body, boundary_of(content_type))
    if len(parts) != 2:
        raise bad_request("A multipart upload must have exactly two parts.")
    (_, metadata), (media_headers, media) = parts
    return metadata, media, media_headers.get("content-type", "application/octet-stream")
