"""The one clock of the real backends: the time now, in UTC.

The composition root (``bootstrap``) passes it to the adapters that stamp what they write (an
event's DTSTAMP, a draft's Date header); it is also their default, so that an adapter built
without one tells the same time. Tests pass a fixed clock instead.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

#: What an adapter asks for the time: no argument, an aware datetime back.
Clock = Callable[[], datetime]


def utc_now() -> datetime:
    """The time now, timezone-aware, in UTC."""
    return datetime.now(UTC)
