"""When each tenant runs: hourly slots, the tenants due in one, and the names of their tasks.

Cloud Scheduler calls the dispatcher once an hour. The hour it is called in (UTC) is a *slot*.
A tenant's daily run is due at its sync hour on each local day, in its own time zone; the one
slot holding that instant is the slot it is dispatched in. Every local day has exactly one
such instant, so one run a day even across daylight-saving changes: on a day that skips the
hour (spring forward) the run falls just after the gap, and on a day that repeats it (fall
back) only the first of the two hours is due.

A task is named after its tenant and its run (:func:`task_id`): the scheduled run of a local
day, or a "Sync now" within a ten-minute window. Cloud Tasks refuses a name it has seen
recently, so a dispatcher that runs twice in the same slot (Scheduler's retry, an operator's
second click) creates nothing twice, and neither do several presses of "Sync now".

>>> slot = datetime(2026, 11, 29, 6, 30, tzinfo=UTC)
>>> due_day("Europe/Paris", 7, slot_start(slot))
datetime.date(2026, 11, 29)
>>> due_day("Europe/Paris", 8, slot_start(slot)) is None
True
>>> scheduled_run_key(date(2026, 11, 29))
'daily-2026-11-29'
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sheetsync.core.fleet.tenants import Tenant

#: How often Cloud Scheduler calls the dispatcher.
SLOT = timedelta(hours=1)
#: "Sync now" presses within one such window share a task name: one sync, however many presses.
MANUAL_WINDOW_S = 600
#: Cloud Tasks allows task ids of letters, digits, hyphens and underscores, up to 500.
TASK_ID_CHARS = 40


def slot_start(now: datetime) -> datetime:
    """The start of the UTC hour ``now`` falls in (``now`` must be timezone-aware)."""
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    return now.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


def zone(time_zone: str) -> ZoneInfo:
    """The IANA time zone; ValueError for a name that is not one."""
    try:
        return ZoneInfo(time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("not an IANA time zone") from None


def run_instant(time_zone: str, sync_hour: int, day: date) -> datetime:
    """The UTC instant of a tenant's run on local ``day``.

    ``fold=0`` takes the first of a repeated hour; an hour that does not exist that day (the
    gap when clocks go forward) resolves, as zoneinfo does, to the instant just after the gap.
    """
    local = datetime(day.year, day.month, day.day, sync_hour, tzinfo=zone(time_zone))
    return local.astimezone(UTC)


def due_day(time_zone: str, sync_hour: int, slot: datetime) -> date | None:
    """The local day whose run falls in the slot starting at ``slot``, or None."""
    end = slot + SLOT
    tz = zone(time_zone)
    # A slot touches at most two local days (its start's and its end's).
    days = {slot.astimezone(tz).date(), (end - timedelta(microseconds=1)).astimezone(tz).date()}
    for day in sorted(days):
        if slot <= run_instant(time_zone, sync_hour, day) < end:
            return day
    return None


def scheduled_run_key(day: date) -> str:
    """The run key of a tenant's scheduled run on local ``day``."""
    return f"daily-{day.isoformat()}"


def manual_run_key(now: datetime) -> str:
    """The run key of a "Sync now" pressed at ``now``: one per ten-minute window."""
    window = int(now.timestamp()) // MANUAL_WINDOW_S
    return f"now-{window}"


def task_id(tenant: str, run_key: str) -> str:
    """The Cloud Tasks task id of a tenant's run: the same inputs always give the same id.

    A hash, as Cloud Tasks advises for task ids (sequential names slow its de-duplication),
    and one that carries nothing readable about the tenant.
    """
    return hashlib.sha256(f"sheetsync-task\x1f{tenant}\x1f{run_key}".encode()).hexdigest()[
        :TASK_ID_CHARS
    ]


def due_runs(tenants: Iterable[Tenant], slot: datetime) -> Iterator[tuple[Tenant, str]]:
    """(tenant, run key) for each active tenant whose daily run falls in ``slot``.

    A tenant whose time zone is not (or no longer) known runs on UTC rather than never.
    """
    for tenant in tenants:
        if not tenant.active:
            continue
        try:
            day = due_day(tenant.time_zone, tenant.sync_hour, slot)
        except ValueError:
            day = due_day("Etc/UTC", tenant.sync_hour, slot)
        if day is not None:
            yield tenant, scheduled_run_key(day)
