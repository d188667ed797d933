"""The fake's request log and request hooks.

Owns :class:`RequestRecord` (one per request unit: standalone request, batch envelope, or
inner request of a batch), the counting rules tests assert on (logical calls per API, writes,
outer HTTP round trips), and :class:`Hook`, a callback run just before a matching request
takes effect -- the seam where a test plays a person editing the sheet mid-sync.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

WRITE_METHODS = frozenset({"POST", "PATCH", "PUT", "DELETE"})


@dataclass
class RequestRecord:
    """One logged request unit.

    ``api`` is ``sheets``/``calendar``/``gmail``/``drive`` for API requests (standalone or
    inner) and ``batch-calendar``/``batch-gmail``/... for batch envelopes. ``status`` is the
    status the server produced; ``dropped`` says the client never saw it.
    """

    seq: int
    api: str
    method: str
    path: str
    query: dict[str, list[str]]
    inner: bool
    authorized: bool
    method_id: str | None = None
    status: int | None = None
    dropped: bool = False
    fault: str | None = None
    body: Any = field(default=None, repr=False)
    #: When the request arrived, by the server's clock (a test may give it a virtual one).
    at: datetime | None = None
    #: The user (``sub``) whose token the request carried, for tokens the fake's OAuth issued.
    principal: str | None = None

    @property
    def envelope(self) -> bool:
        return self.api.startswith("batch")

    @property
    def is_write(self) -> bool:
        return self.method in WRITE_METHODS


@dataclass(frozen=True)
class RequestInfo:
    """What a hook is told about the request about to run."""

    seq: int
    api: str
    method: str
    path: str
    query: dict[str, list[str]]
    method_id: str | None
    inner: bool
    body: Any


Matcher = str | Callable[[RequestInfo], bool]


def matches(matcher: Matcher, info: RequestInfo) -> bool:
    """Whether a hook's matcher selects this request.

    A string matches the API name (``"sheets"``), the full discovery method id
    (``"sheets.spreadsheets.values.batchUpdate"``), or a dotted suffix of it
    (``"values.batchUpdate"``, ``"events.insert"``).
    """
    if callable(matcher):
        return matcher(info)
    if matcher == info.api:
        return True
    method_id = info.method_id or ""
    return method_id == matcher or method_id.endswith("." + matcher)


@dataclass
class Hook:
    """A callback run before matching requests take effect.

    One-shot hooks (``before_next``) fire on the ``nth`` match and retire; persistent hooks
    (``on_request``) fire on every match. ``fired`` counts calls so a test can assert the
    edit really happened mid-run.
    """

    matcher: Matcher
    fn: Callable[[RequestInfo], None]
    nth: int = 1
    once: bool = True
    seen: int = 0
    fired: int = 0

    @property
    def done(self) -> bool:
        return self.once and self.fired > 0
