"""A tenant: one enrolled Sheet, as the registry keeps it, and what each run does to its record.

The record holds what a scheduled sync needs and nothing from the Sheet: the spreadsheet id, the
calendar (``None``: the one Settings names), the time zone and the hour of the daily sync, a
*reference* to the credentials (a delegation subject, or the name of the secret that holds a
refresh token, never the token), whether it is paused and why, the last run, and how many runs
in a row failed.

Who enrolled is kept as :func:`user_ref`, a hash of the Google account's stable ``sub``: enough
to recognise the same account when it comes back to turn the sync off, and neither an email
nor a name. The one email the registry holds is a delegation subject, because acting as that
user is impossible without it.

>>> tenant_id("1AbC-d_E")
't81a3554ec2260393208bb0e6e70f198e'
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Literal

CredentialsKind = Literal["delegation", "refresh_token"]
TenantStatus = Literal["active", "paused"]
RunResult = Literal["ok", "failed"]

#: The daily sync's hour in the tenant's time zone unless they choose another (deploy.sh's
#: single-Sheet default is 07:00 too).
DEFAULT_SYNC_HOUR = 7
#: Scheduled runs that fail in a row before the tenant is paused: a week of daily failures is
#: no passing outage, and retrying it forever would only fill the logs.
MAX_CONSECUTIVE_FAILURES = 7
#: The longest message kept about a run (messages are sheetsync's own: no names or values).
MAX_MESSAGE_CHARS = 300


def _hex(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


def tenant_id(spreadsheet_id: str) -> str:
    """The registry's id of a Sheet's tenant: derived from the spreadsheet id, nothing else."""
    return "t" + _hex("sheetsync-tenant", spreadsheet_id)


def user_ref(google_sub: str) -> str:
    """How the registry recognises a Google account (its ``sub``) without keeping it."""
    return "u" + _hex("sheetsync-user", google_sub)


def secret_id(tenant: str) -> str:
    """The Secret Manager secret id that holds a tenant's refresh token."""
    return f"sheetsync-tenant-{tenant}"


@dataclass(frozen=True)
class CredentialsRef:
    """Whose authority a tenant's sync runs under: a reference, never a token.

    ``value`` is the delegation subject (the Workspace user's address) or the secret's
    resource name (``projects/P/secrets/S``). Kept out of repr: a subject is an address.
    """

    kind: CredentialsKind
    value: str = field(repr=False)


@dataclass(frozen=True)
class LastRun:
    """The outcome of a tenant's latest run: when, which run, how it went, its counts."""

    at: datetime
    run_key: str
    result: RunResult
    counts: Mapping[str, int] = field(default_factory=dict)
    message: str = ""


@dataclass(frozen=True)
class Tenant:
    """One enrolled Sheet (see the module docstring for what it holds and why)."""

    tenant_id: str
    spreadsheet_id: str
    time_zone: str
    sync_hour: int
    credentials: CredentialsRef
    enrolled_by: str
    enrolled_at: datetime
    calendar_id: str | None = None
    status: TenantStatus = "active"
    paused_reason: str = ""
    last_run: LastRun | None = None
    consecutive_failures: int = 0

    @property
    def active(self) -> bool:
        """Whether the dispatcher schedules it."""
        return self.status == "active"


def new_tenant(
    spreadsheet_id: str,
    credentials: CredentialsRef,
    enrolled_by: str,
    now: datetime,
    time_zone: str = "Etc/UTC",
    sync_hour: int = DEFAULT_SYNC_HOUR,
    calendar_id: str | None = None,
) -> Tenant:
    """A freshly enrolled, active tenant."""
    if not 0 <= sync_hour <= 23:
        raise ValueError("sync_hour must be 0 to 23")
    return Tenant(
        tenant_id=tenant_id(spreadsheet_id),
        spreadsheet_id=spreadsheet_id,
        time_zone=time_zone,
        sync_hour=sync_hour,
        credentials=credentials,
        enrolled_by=enrolled_by,
        enrolled_at=now,
        calendar_id=calendar_id,
    )


def _counts(counts: Mapping[str, int]) -> dict[str, int]:
    return {str(k): int(v) for k, v in counts.items()}


def after_success(tenant: Tenant, run_key: str, now: datetime, counts: Mapping[str, int]) -> Tenant:
    """The record after a run that synced: its counts kept, the failure streak ended."""
    return dataclasses.replace(
        tenant,
        last_run=LastRun(now, run_key, "ok", _counts(counts)),
        consecutive_failures=0,
    )


def after_failure(
    tenant: Tenant, run_key: str, now: datetime, message: str, pause_reason: str = ""
) -> Tenant:
    """The record after a run's last attempt failed (or one that will never succeed).

    A run already recorded as failed is not counted twice (a queue that retries more often
    than configured, or a redelivered task). ``pause_reason`` pauses the tenant at once (a
    revoked token); otherwise the tenant is paused after :data:`MAX_CONSECUTIVE_FAILURES`.
    """
    message = message[:MAX_MESSAGE_CHARS]
    previous = tenant.last_run
    repeated = previous is not None and previous.run_key == run_key and previous.result == "failed"
    failures = tenant.consecutive_failures + (0 if repeated else 1)
    if not pause_reason and failures >= MAX_CONSECUTIVE_FAILURES:
        pause_reason = f"the daily sync failed {failures} times in a row"
    updated = dataclasses.replace(
        tenant,
        last_run=LastRun(now, run_key, "failed", {}, message),
        consecutive_failures=failures,
    )
    return paused(updated, pause_reason) if pause_reason else updated


def paused(tenant: Tenant, reason: str) -> Tenant:
    """The tenant, paused: the dispatcher skips it until it is turned on again."""
    return dataclasses.replace(tenant, status="paused", paused_reason=reason[:MAX_MESSAGE_CHARS])


def fleet_notice(tenant: Tenant | None) -> str:
    """One line for the tenant's Summary tab about its daily sync ("" when all is well)."""
    if tenant is None:
        return ""
    if not tenant.active:
        return (
            f"Daily sync is paused: {tenant.paused_reason}. "
            "Turn it on again from the sheetsync add-on."
        )
    last = tenant.last_run
    if last is not None and last.result == "failed":
        streak = tenant.consecutive_failures
        times = "once" if streak == 1 else f"{streak} times in a row"
        return f"The daily sync failed {times}; the last time: {last.message}"
    return ""
