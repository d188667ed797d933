"""Fault injection for the fake: which request fails, and how.

Owns the :class:`Fault` kinds (429, 500, 503, 403 rate limits, dropped connections before or
after the request takes effect) and :class:`FaultInjector`, which decides per request unit
(a standalone request, one inner request of a batch, or a batch envelope) from three
sources checked in order: a "crash after k requests" switch, a deterministic queue of
"fail the next N", and a seeded random rate. Decisions are drawn under the server's lock in
request order, so one seed gives one sequence of faults.
"""

from __future__ import annotations

import random
from collections.abc import Iterable
from dataclasses import dataclass

from .errors import ApiError


@dataclass(frozen=True)
class Fault:
    """An injected failure. ``status == 0`` means the connection is closed without a reply."""

    name: str
    status: int = 0
    reason: str = "backendError"
    domain: str = "global"
    message: str = ""
    after: bool = False  # drop only after the request has taken effect

    @property
    def drop(self) -> bool:
        return self.status == 0

    def error(self) -> ApiError:
        return ApiError(self.status, self.message, reason=self.reason, domain=self.domain)


RATE_LIMIT_429 = Fault("429", 429, "rateLimitExceeded", "usageLimits", "Rate Limit Exceeded")
BACKEND_500 = Fault("500", 500, "backendError", "global", "Internal error encountered.")
UNAVAILABLE_503 = Fault(
    "503", 503, "backendError", "global", "The service is currently unavailable."
)
RATE_LIMIT_403 = Fault("403-rate", 403, "rateLimitExceeded", "usageLimits", "Rate Limit Exceeded")
USER_RATE_LIMIT_403 = Fault(
    "403-user-rate", 403, "userRateLimitExceeded", "usageLimits", "User Rate Limit Exceeded"
)
DROP = Fault("drop")
DROP_AFTER = Fault("drop-after", after=True)

# The default random mix: every pre-effect kind. DROP_AFTER must be asked for explicitly
# because it is the one fault that changes state.
DEFAULT_KINDS: tuple[Fault, ...] = (
    RATE_LIMIT_429,
    BACKEND_500,
    UNAVAILABLE_503,
    RATE_LIMIT_403,
    USER_RATE_LIMIT_403,
    DROP,
)


def fault_for_status(status: int, reason: str | None = None) -> Fault:
    """The canonical fault for an HTTP status (403 picks rate vs user-rate by reason)."""
    if status == 403:
        return USER_RATE_LIMIT_403 if reason == "userRateLimitExceeded" else RATE_LIMIT_403
    known = {429: RATE_LIMIT_429, 500: BACKEND_500, 503: UNAVAILABLE_503}
    if status in known and reason is None:
        return known[status]
    base = known.get(status)
    return Fault(
        str(status),
        status,
        reason or (base.reason if base else "backendError"),
        base.domain if base else "global",
        base.message if base else f"Injected error {status}.",
    )


def _matches(apis: frozenset[str] | None, api: str, envelope: bool, envelopes: bool) -> bool:
    if envelope and not envelopes:
        return False
    if apis is None:
        return True
    # A batch envelope "batch-calendar" counts as Calendar traffic.
    return api in apis or api.removeprefix("batch-") in apis


@dataclass
class _Queued:
    remaining: int
    fault: Fault
    apis: frozenset[str] | None
    envelopes: bool


@dataclass
class _Crash:
    after: int
    apis: frozenset[str] | None
    lose_last_response: bool
    fault: Fault
    seen: int = 0
    crashed: bool = False


@dataclass(frozen=True)
class Injected:
    """A record of one injected fault, for assertions."""

    seq: int
    api: str
    fault: str


class FaultInjector:
    """Decides, per request unit, whether and how it fails."""

    def __init__(self, seed: int = 0) -> None:
        self.rate = 0.0
        self.kinds: tuple[Fault, ...] = DEFAULT_KINDS
        self.apis: frozenset[str] | None = None
        self.envelopes = True
        self.rng = random.Random(seed)
        self.queue: list[_Queued] = []
        self.crash: _Crash | None = None
        self.injected: list[Injected] = []

    def set_rate(
        self,
        rate: float,
        *,
        seed: int | None = None,
        kinds: Iterable[Fault] | None = None,
        apis: Iterable[str] | None = None,
        include_batch_envelopes: bool = True,
    ) -> None:
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be within [0, 1]")
        self.rate = rate
        if seed is not None:
            self.rng = random.Random(seed)
        self.kinds = tuple(kinds) if kinds is not None else DEFAULT_KINDS
        if not self.kinds:
            raise ValueError("kinds must not be empty")
        self.apis = frozenset(apis) if apis is not None else None
        self.envelopes = include_batch_envelopes

    def fail_next(
        self,
        count: int,
        fault: Fault,
        apis: Iterable[str] | None = None,
        include_batch_envelopes: bool = True,
    ) -> None:
        self.queue.append(
            _Queued(count, fault, frozenset(apis) if apis else None, include_batch_envelopes)
        )

    def crash_after(
        self,
        requests: int,
        apis: Iterable[str] | None,
        lose_last_response: bool,
        fault: Fault,
    ) -> None:
        if lose_last_response and requests < 1:
            raise ValueError("lose_last_response needs at least one request to lose")
        self.crash = _Crash(requests, frozenset(apis) if apis else None, lose_last_response, fault)

    @property
    def crashed(self) -> bool:
        return self.crash is not None and self.crash.crashed

    def clear(self) -> None:
        self.rate = 0.0
        self.queue.clear()
        self.crash = None

    def decide(self, seq: int, api: str, envelope: bool) -> Fault | None:
        fault = self._decide(api, envelope)
        if fault is not None:
            self.injected.append(Injected(seq, api, fault.name))
        return fault

    def _decide(self, api: str, envelope: bool) -> Fault | None:
        crash = self.crash
        # Crash counting covers real API requests only; once crashed, envelopes die too.
        if crash is not None and _matches(crash.apis, api, envelope, True):
            if crash.crashed:
                return crash.fault
            if not envelope:
                crash.seen += 1
                if crash.lose_last_response and crash.seen == crash.after:
                    crash.crashed = True
                    return DROP_AFTER
                if crash.seen > crash.after:
                    crash.crashed = True
                    return crash.fault
        for queued in self.queue:
            if queued.remaining > 0 and _matches(queued.apis, api, envelope, queued.envelopes):
                queued.remaining -= 1
                self.queue = [q for q in self.queue if q.remaining > 0]
                return queued.fault
        # The rng is consulted only for matching units, so traffic to other APIs cannot
        # shift which requests of the targeted API fail.
        matching = self.rate > 0 and _matches(self.apis, api, envelope, self.envelopes)
        if matching and self.rng.random() < self.rate:
            return self.rng.choice(self.kinds)
        return None
