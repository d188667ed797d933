"""The queue's limits, derived from the Sheets API quota and the requests one sync makes.

Google's Sheets quota (per Google Cloud project): 300 requests a minute for the project, and 60
a minute for each user of the project. Each tenant's sync runs under that tenant's own
authority (a delegation subject, or their refresh token), so the per-user limit applies to one
tenant at a time and never binds: a sync makes at most 3 Sheets requests (read, metadata,
write) and a tenant runs at most once per ten minutes. The project limit binds the fleet: at
3 requests per first sync, at most 100 syncs a minute (150 once steady, at 2 requests).

The queue is set below that ceiling (:data:`HEADROOM`), because the same project's quota also
serves the add-on's own reads and syncs, and a queue's retries count as dispatches too. The
numbers below are deploy.sh's, and ``tests/test_deploy_files.py`` checks the two agree.

>>> limits = queue_limits()
>>> round(limits.max_dispatches_per_second, 2), limits.max_concurrent_dispatches
(1.33, 20)
>>> limits.syncs_per_minute, ceiling_syncs_per_minute()
(79.8, 100.0)
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class SheetsQuota:
    """Google's Sheets API quota, and the Sheets requests of one sync."""

    project_per_minute: int = 300
    user_per_minute: int = 60
    first_sync_requests: int = 3
    steady_sync_requests: int = 2


#: The share of the project quota the queue may use; the rest is the add-on's and the retries'.
HEADROOM = 0.8
#: What one sync of a large Sheet takes on Google, for sizing the concurrency (seconds).
TYPICAL_SYNC_S = 15.0


@dataclass(frozen=True)
class QueueLimits:
    """A Cloud Tasks queue's rate limits and retry settings."""

    max_dispatches_per_second: float
    max_concurrent_dispatches: int
    max_attempts: int = 5
    min_backoff_s: int = 60
    max_backoff_s: int = 3600
    max_doublings: int = 4

    @property
    def syncs_per_minute(self) -> float:
        """The queue's throughput, in syncs a minute."""
        return round(self.max_dispatches_per_second * 60, 6)


def ceiling_syncs_per_minute(quota: SheetsQuota | None = None, steady: bool = False) -> float:
    """The most syncs a minute the project quota allows (first syncs, or steady ones)."""
    quota = quota or SheetsQuota()
    per_sync = quota.steady_sync_requests if steady else quota.first_sync_requests
    return quota.project_per_minute / per_sync


def tenant_syncs_per_minute(quota: SheetsQuota | None = None) -> float:
    """The most syncs a minute one tenant's own (per-user) quota allows."""
    quota = quota or SheetsQuota()
    return quota.user_per_minute / quota.first_sync_requests


def queue_limits(
    quota: SheetsQuota | None = None,
    headroom: float = HEADROOM,
    typical_sync_s: float = TYPICAL_SYNC_S,
) -> QueueLimits:
    """The queue's limits: every sync counted as a first sync, within ``headroom`` of the quota.

    The rate is rounded down to two decimals (what deploy.sh passes to gcloud); the
    concurrency is what that rate keeps busy when each sync takes ``typical_sync_s``.
    """
    if not 0 < headroom <= 1:
        raise ValueError("headroom must be in (0, 1]")
    per_second = ceiling_syncs_per_minute(quota) * headroom / 60
    rate = math.floor(per_second * 100) / 100
    return QueueLimits(
        max_dispatches_per_second=rate,
        max_concurrent_dispatches=max(1, math.ceil(rate * typical_sync_s)),
    )
