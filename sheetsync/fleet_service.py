"""The fleet as a service: dispatch a slot, run one tenant, enrol and turn off. No globals.

The ports are passed in (``sheetsync.fleet_bootstrap`` builds the real ones), as in
``sheetsync.service``, so the same code runs on Google, on the emulators and on the fakes.

* :func:`dispatch`: every active tenant due in a slot gets one named task; a dispatch that is
  repeated in the same slot creates nothing twice (the queue refuses the names);
* :func:`run_tenant`: a task's run: the existing sync under the tenant's credentials, then its
  outcome in the registry. Only a run's last attempt records a failure; a revoked token
  pauses the tenant and is not retried;
* :func:`authorize`, :func:`enrol_delegated`, :func:`start_consent`, :func:`finish_consent`,
  :func:`turn_off`: who may change a Sheet's daily sync, and the changes themselves.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

from sheetsync.core.fleet import consent
from sheetsync.core.fleet.failures import failure_kind, revoked_reason, run_message
from sheetsync.core.fleet.schedule import due_runs, manual_run_key, task_id
from sheetsync.core.fleet.tenants import (
    CredentialsRef,
    Tenant,
    after_failure,
    after_success,
    fleet_notice,
    new_tenant,
    secret_id,
    tenant_id,
    user_ref,
)
from sheetsync.errors import AuthError, BackendError, SheetsyncError
from sheetsync.fleet_ports import (
    EnqueueResult,
    PendingConsent,
    SecretStore,
    SheetAccess,
    TaskQueue,
    TaskSpec,
    TenantRegistry,
    TokenEndpoint,
    TokenOwner,
)
from sheetsync.ports import Backend
from sheetsync.service import SyncReport, run_sync

log = logging.getLogger(__name__)

#: Tenants read from the registry per page: bounded memory whatever the fleet's size.
PAGE_SIZE = 300

NOT_ALLOWED = (
    "Only the person who turned on this Sheet's daily sync, or someone who can edit the "
    "Sheet, can change it"
)


# --- dispatch -----------------------------------------------------------------------------------


@dataclass
class DispatchReport:
    """What one dispatch did: counts only, safe to log."""

    slot: datetime
    tenants: int = 0
    due: int = 0
    created: int = 0
    existing: int = 0
    failed: int = 0

    def counts(self) -> dict[str, object]:
        """The report as JSON-ready figures."""
        return {
            "slot": self.slot.isoformat(),
            "tenants": self.tenants,
            "due": self.due,
            "created": self.created,
            "existing": self.existing,
            "failed": self.failed,
        }


def run_task(tenant: Tenant, run_key: str, worker_url: str) -> TaskSpec:
    """The task that runs ``tenant``'s ``run_key`` on the worker."""
    return TaskSpec(
        task_id=task_id(tenant.tenant_id, run_key),
        url=worker_url,
        body={"tenant_id": tenant.tenant_id, "run_key": run_key},
    )


def dispatch(
    registry: TenantRegistry,
    queue: TaskQueue,
    slot: datetime,
    worker_url: str,
    page_size: int = PAGE_SIZE,
) -> DispatchReport:
    """Enqueue one task per active tenant due in ``slot``; one failure never stops the rest."""
    report = DispatchReport(slot)
    for page in registry.pages(page_size):
        report.tenants += len(page)
        for tenant, run_key in due_runs(page, slot):
            report.due += 1
            try:
                result = queue.enqueue(run_task(tenant, run_key, worker_url))
            except SheetsyncError as exc:
                report.failed += 1
                log.warning("could not queue tenant %s: %s", tenant.tenant_id, exc)
                continue
            if result == "created":
                report.created += 1
            else:
                report.existing += 1
    log.info("dispatch finished: %s", json.dumps(report.counts(), sort_keys=True))
    return report


def enqueue_now(queue: TaskQueue, tenant: Tenant, now: datetime, worker_url: str) -> EnqueueResult:
    """Queue a "Sync now" of ``tenant``: presses within ten minutes share one task."""
    return queue.enqueue(run_task(tenant, manual_run_key(now), worker_url))


# --- one tenant's run ---------------------------------------------------------------------------

RunStatus = Literal["synced", "retry", "failed", "paused", "skipped"]


@dataclass
class RunOutcome:
    """How one attempt at a tenant's run ended."""

    status: RunStatus
    message: str = ""
    tenant: Tenant | None = None
    report: SyncReport | None = field(default=None, repr=False)


def run_counts(report: SyncReport) -> dict[str, int]:
    """The figures the registry keeps about a sync (counts only)."""
    written = report.write_report.cells_written if report.write_report else 0
    return {
        "events_created": report.events["created"],
        "drafts_created": report.drafts["created"],
        "cells_written": written,
        "problems": len(report.problems),
    }


def run_tenant(
    registry: TenantRegistry,
    tenant_key: str,
    run_key: str,
    backend_for: Callable[[Tenant], Backend],
    now: datetime,
    attempt: int = 0,
    max_attempts: int = 1,
) -> RunOutcome:
    """Run the sync of one tenant's task, attempt ``attempt`` (0-based) of ``max_attempts``.

    A tenant turned off or paused since the dispatch, or whose run already synced (a task
    delivered twice), is skipped. A failure worth retrying answers "retry" and records
    nothing unless this is the last attempt.
    """
    tenant = registry.get(tenant_key)
    if tenant is None:
        return RunOutcome("skipped", "not enrolled")
    if not tenant.active:
        return RunOutcome("skipped", "paused", tenant)
    last = tenant.last_run
    if last is not None and last.run_key == run_key and last.result == "ok":
        return RunOutcome("skipped", "already synced", tenant)
    try:
        backend = backend_for(tenant)
        report = run_sync(backend, now, fleet_notice=fleet_notice(tenant))
    except Exception as exc:  # the run's outcome is recorded, whatever it was
        kind = failure_kind(exc)
        message = run_message(exc)
        if kind == "transient" and attempt + 1 < max_attempts:
            log.warning("tenant %s run failed, to be retried: %s", tenant_key, message)
            return RunOutcome("retry", message, tenant)
        reason = revoked_reason(exc) if kind == "revoked" else ""
        updated = registry.update(
            tenant_key, lambda t: after_failure(t, run_key, now, message, reason)
        )
        status: RunStatus = "paused" if updated is not None and not updated.active else "failed"
        log.warning("tenant %s run %s: %s", tenant_key, status, message)
        return RunOutcome(status, message, updated)
    counts = run_counts(report)
    updated = registry.update(tenant_key, lambda t: after_success(t, run_key, now, counts))
    return RunOutcome("synced", "", updated, report)


# --- who may change a Sheet's daily sync, and the changes -----------------------------------------


def authorize(
    tokens: TokenEndpoint,
    access: SheetAccess,
    user_token: str,
    spreadsheet_id: str,
    tenant: Tenant | None,
) -> TokenOwner:
    """The add-on user, if they may turn this Sheet's daily sync on or off; else AuthError.

    Allowed: the account that enrolled the Sheet (even after losing edit rights: it is their
    authority the sync uses, and they must be able to withdraw it), or anyone who can edit it.
    """
    owner = tokens.owner(user_token)
    if tenant is not None and tenant.enrolled_by == user_ref(owner.subject):
        return owner
    if access.can_edit(user_token, spreadsheet_id):
        return owner
    raise AuthError(NOT_ALLOWED, http_status=403)


def delegation_subject(owner: TokenOwner, domains: Iterable[str]) -> str | None:
    """The owner's address when it is in a Workspace domain set up for delegation, else None."""
    if not owner.email_verified or "@" not in owner.email:
        return None
    domain = owner.email.rpartition("@")[2].lower()
    return owner.email if domain in set(domains) else None


def _keep_history(new: Tenant, old: Tenant | None) -> Tenant:
    """A re-enrolled tenant keeps its last run (the card and Summary go on showing it)."""
    if old is None:
        return new
    return dataclasses.replace(new, last_run=old.last_run)


def enrol_delegated(
    registry: TenantRegistry,
    owner: TokenOwner,
    subject: str,
    spreadsheet_id: str,
    time_zone: str,
    sync_hour: int,
    now: datetime,
) -> Tenant:
    """Register the Sheet with the owner as delegation subject, active from the next slot."""
    tenant = new_tenant(
        spreadsheet_id,
        CredentialsRef("delegation", subject),
        user_ref(owner.subject),
        now,
        time_zone,
        sync_hour,
    )
    tenant = _keep_history(tenant, registry.get(tenant.tenant_id))
    registry.put(tenant)
    return tenant


@dataclass(frozen=True)
class ConsentStart:
    """Where to send the user, and the consent's state (for the tests and the logs: its key)."""

    state: str
    key: str


def start_consent(
    registry: TenantRegistry,
    owner: TokenOwner,
    spreadsheet_id: str,
    time_zone: str,
    sync_hour: int,
    now: datetime,
    state_key: bytes,
    nonce: str,
    verifier: str,
) -> ConsentStart:
    """Keep a consent in progress; the signed state to send along (``nonce``, ``verifier``
    come from a secure random source, see ``consent.pkce_verifier``)."""
    tenant = tenant_id(spreadsheet_id)
    user = user_ref(owner.subject)
    expires = now + timedelta(seconds=consent.CONSENT_TTL_S)
    key = consent.nonce_key(nonce)
    registry.save_consent(
        key,
        PendingConsent(
            tenant_id=tenant,
            spreadsheet_id=spreadsheet_id,
            user=user,
            verifier=verifier,
            expires_at=expires,
            time_zone=time_zone,
            sync_hour=sync_hour,
        ),
    )
    state = consent.ConsentState(nonce, tenant, user, int(expires.timestamp()))
    return ConsentStart(consent.sign_state(state, state_key), key)


def finish_consent(
    registry: TenantRegistry,
    secrets: SecretStore,
    tokens: TokenEndpoint,
    *,
    state_token: str,
    code: str,
    state_key: bytes,
    redirect_uri: str,
    required_scopes: Iterable[str],
    now: datetime,
) -> Tenant:
    """The callback's work: check the state, take its consent once, exchange the code, keep the
    refresh token in Secret Manager and register the tenant. AuthError when anything does not
    match (a replayed, forged or expired state; another account; scopes left unticked)."""
    state = consent.read_state(state_token, state_key, now.timestamp())
    pending = registry.take_consent(consent.nonce_key(state.nonce))
    if (
        pending is None
        or pending.tenant_id != state.tenant_id
        or pending.user != state.user
        or pending.expires_at <= now
    ):
        raise AuthError(
            "This sign-in link was already used or has expired: start again from the "
            "sheetsync add-on",
            http_status=403,
        )
    grant = tokens.exchange(code, pending.verifier, redirect_uri)
    if user_ref(grant.subject) != pending.user:
        tokens.revoke(grant.refresh_token)
        raise AuthError(
            "You signed in with another Google account than the one using the add-on: "
            "start again and choose the same account",
            http_status=403,
        )
    missing = set(required_scopes) - {"openid"} - grant.scopes
    if missing:
        tokens.revoke(grant.refresh_token)
        raise AuthError(
            "Some permissions were not given, so the daily sync could not be turned on: start "
            "again and tick every box",
            http_status=403,
        )
    payload = json.dumps(
        {"refresh_token": grant.refresh_token, "scopes": sorted(grant.scopes)}
    ).encode("utf-8")
    name = secrets.put(secret_id(pending.tenant_id), payload)
    tenant = new_tenant(
        pending.spreadsheet_id,
        CredentialsRef("refresh_token", name),
        pending.user,
        now,
        pending.time_zone,
        pending.sync_hour,
    )
    tenant = _keep_history(tenant, registry.get(tenant.tenant_id))
    registry.put(tenant)
    return tenant


def stored_token(secrets: SecretStore, tenant: Tenant) -> tuple[str, list[str]]:
    """A refresh-token tenant's token and scopes, from its secret."""
    try:
        data = json.loads(secrets.get(tenant.credentials.value).decode("utf-8"))
        token, scopes = data["refresh_token"], data.get("scopes") or []
        if not isinstance(token, str) or not isinstance(scopes, list):
            raise TypeError("token")
    except (ValueError, KeyError, TypeError, UnicodeDecodeError):
        raise BackendError(
            f"The stored permission of tenant {tenant.tenant_id} is unreadable"
        ) from None
    return token, [str(s) for s in scopes]


def turn_off(
    registry: TenantRegistry, secrets: SecretStore, tokens: TokenEndpoint, tenant: Tenant
) -> None:
    """Stop the tenant's daily sync: revoke and destroy its token, then remove its record.

    The secret goes first: a failure on the way leaves the record, so turning off again
    finishes the job (destroying a secret that is gone is no error).
    """
    if tenant.credentials.kind == "refresh_token":
        try:
            token, _scopes = stored_token(secrets, tenant)
            tokens.revoke(token)
        except SheetsyncError as exc:
            # The token may be unreadable or Google unreachable: destroying it still ends
            # every use by sheetsync, which is what the user asked for.
            log.warning("tenant %s: could not revoke the stored token: %s", tenant.tenant_id, exc)
        secrets.destroy(tenant.credentials.value)
    registry.delete(tenant.tenant_id)
