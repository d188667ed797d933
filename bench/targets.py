"""The benchmark's targets, checked against its figures: printed as pass or miss, never asserted."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

#: Sheets requests of any one sync.
MAX_SHEETS_REQUESTS = 3
#: A steady-state sync: one read and at most one write.
MAX_STEADY_SHEETS_REQUESTS = 2
#: Calendar and Gmail batches hold at most this many calls.
BATCH = 50
PLAN_SIZE = 10_000
MAX_PLAN_S = 1.0
RSS_SIZE = 10_000
MAX_RSS_MB = 200.0
MAX_REJECTED_RATIO = 1.8
MAX_HOMEPAGE_RATIO = 2.5


@dataclass(frozen=True)
class Check:
    name: str
    passed: bool
    measured: str
    #: False when there was nothing to check (e.g. no Google runs).
    applicable: bool = True

    @property
    def verdict(self) -> str:
        if not self.applicable:
            return "n/a"
        return "pass" if self.passed else "MISS"


def allowed_round_trips(items: int) -> int:
    """ceil(items/50) for the writes, plus as many again for the look-ups."""
    return 2 * math.ceil(items / BATCH)


def check_runs(runs: Sequence[dict[str, Any]]) -> list[Check]:
    """The sync targets, over every measured run."""
    google = [r for r in runs if r["backend"] == "google"]
    steady = [r for r in runs if r["run"] == "steady"]
    checks: list[Check] = []

    worst = max((r["sheets_requests"] for r in google), default=0)
    checks.append(
        Check(
            f"Sheets requests per sync <= {MAX_SHEETS_REQUESTS} at any size",
            worst <= MAX_SHEETS_REQUESTS,
            f"max {worst}",
            bool(google),
        )
    )
    steady_google = [r for r in google if r["run"] == "steady"]
    worst = max((r["sheets_requests"] for r in steady_google), default=0)
    checks.append(
        Check(
            "steady state: Sheets 1 read + <= 1 write",
            worst <= MAX_STEADY_SHEETS_REQUESTS,
            f"max {worst} requests",
            bool(steady_google),
        )
    )
    writes = [
        r["calendar_writes"] + r["gmail_writes"] + r["events_created"] + r["drafts_created"]
        for r in steady
    ]
    checks.append(
        Check(
            "steady state: Calendar and Gmail 0 writes",
            all(w == 0 for w in writes),
            f"max {max(writes, default=0)} writes",
            bool(steady),
        )
    )
    for api, items_key in (("calendar", "event_items"), ("gmail", "draft_items")):
        pairs = [(r[api + "_round_trips"], allowed_round_trips(r[items_key])) for r in google]
        over = [
            f"{r['size']} {r['run']}: {made} > {allowed}"
            for r, (made, allowed) in zip(google, pairs, strict=True)
            if made > allowed
        ]
        used = [p for p in pairs if p[1]]
        closest = max(used, key=lambda p: p[0] / p[1], default=(0, 0))
        checks.append(
            Check(
                f"{api.capitalize()} round trips <= 2 x ceil(items/50)",
                not over,
                "; ".join(over) if over else f"at most {closest[0]} of {closest[1]} allowed",
                bool(google),
            )
        )
    big = [r for r in runs if r["size"] == PLAN_SIZE]
    slowest = max((r["plan_s"] for r in big), default=0.0)
    checks.append(
        Check(
            f"planning {PLAN_SIZE:,} contacts < {MAX_PLAN_S:g} s",
            slowest < MAX_PLAN_S,
            f"max {slowest:.2f} s",
            bool(big),
        )
    )
    big = [r for r in runs if r["size"] == RSS_SIZE]
    peak = max((r["peak_rss_mb"] for r in big), default=0.0)
    checks.append(
        Check(
            f"peak RSS at {RSS_SIZE:,} contacts < {MAX_RSS_MB:g} MB",
            peak < MAX_RSS_MB,
            f"max {peak:.0f} MB",
            bool(big),
        )
    )
    return checks


def check_cold_starts(results: Sequence[dict[str, Any]]) -> list[Check]:
    """The cold-start targets: ratios of medians to the bare function's."""
    checks: list[Check] = []
    rejected = [r for r in results if r["kind"] == "rejected"]
    for r in rejected:
        checks.append(
            Check(
                f"cold start {r['target']} to a rejected request <= {MAX_REJECTED_RATIO}x bare",
                r["ratio"] <= MAX_REJECTED_RATIO and r["ok"],
                f"{r['ratio']:.2f}x" + ("" if r["ok"] else " (unexpected answer)"),
            )
        )
    homepage = [r for r in results if r["kind"] == "first request" and r["target"] == "addon"]
    for r in homepage:
        checks.append(
            Check(
                f"cold start addon to a first homepage card <= {MAX_HOMEPAGE_RATIO}x bare",
                r["ratio"] <= MAX_HOMEPAGE_RATIO and r["ok"],
                f"{r['ratio']:.2f}x" + ("" if r["ok"] else " (unexpected answer)"),
            )
        )
    return checks
