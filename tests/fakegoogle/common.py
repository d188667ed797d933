"""Plumbing shared by the fake's API modules: the call/reply types handlers exchange with the
server, seeded id generation, the clock, timestamps and opaque page tokens.
"""

from __future__ import annotations

import base64
import random
import string
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from .discovery import MethodSpec
from .errors import bad_request

Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The default clock."""
    return datetime.now(UTC)


def rfc3339(moment: datetime) -> str:
    """``2024-05-01T12:00:00.000Z``, the millisecond form Google's APIs emit."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


@dataclass
class Call:
    """One routed, parameter-checked request as a handler sees it."""

    spec: MethodSpec
    params: dict[str, Any]
    body: Any = None
    media: bytes | None = None
    media_type: str | None = None
    headers: Mapping[str, str] = field(default_factory=dict)

    def param(self, name: str, default: Any = None) -> Any:
        return self.params.get(name, default)


@dataclass
class Reply:
    """A handler's answer: a JSON body, or no body at all (``None``, sent as 204)."""

    body: Any = None
    status: int = 200


Handler = Callable[[Call], Reply]


class Ids:
    """Seeded id source, so a test run's ids (and thus its logs) are reproducible."""

    def __init__(self, seed: int) -> None:
        self._rng = random.Random(f"fakegoogle-ids-{seed}")

    def token(self, length: int, alphabet: str) -> str:
        return "".join(self._rng.choice(alphabet) for _ in range(length))

    def spreadsheet_id(self) -> str:
        # Real ids are 44 url-safe base64 characters.
        return self.token(44, string.ascii_letters + string.digits + "-_")

    def event_id(self) -> str:
        # Calendar's own ids use the base32hex alphabet it requires of client ids.
        return self.token(26, "0123456789abcdefghijklmnopqrstuv")

    def hex_id(self) -> str:
        return self.token(16, "0123456789abcdef")

    def draft_id(self) -> str:
        return "r" + str(self._rng.getrandbits(62))

    def int_id(self) -> int:
        return self._rng.randint(1, 2**31 - 1)


def encode_page_token(offset: int) -> str:
    """An opaque-looking token for a list offset."""
    return base64.urlsafe_b64encode(f"fake-page:{offset}".encode()).decode().rstrip("=")


def decode_page_token(token: str | None) -> int:
    """The offset a page token stands for (0 when absent); 400 when it is not ours."""
    if not token:
        return 0
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "fake-page":
            raise ValueError(token)
        return int(number)
    except ValueError as exc:
        raise bad_request("Invalid page token value.") from exc
