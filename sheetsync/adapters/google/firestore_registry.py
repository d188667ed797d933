"""The tenant registry on Firestore: one document per tenant, one per consent in progress.

Layout (collection names are settings, see ``sheetsync.fleet_config``)::

    sheetsync-tenants/<tenant id>     spreadsheet_id, calendar_id, time_zone, sync_hour,
                                      credentials {kind, value}, enrolled_by, enrolled_at,
                                      status, paused_reason, consecutive_failures,
                                      last_run {at, run_key, result, counts, message}, schema
    sheetsync-consents/<nonce key>    tenant_id, spreadsheet_id, user, verifier, expires_at,
                                      time_zone, sync_hour

The document id is ``tenants.tenant_id``: a hash of the spreadsheet id, so nothing about the
Sheet or its owner is in a path. No field holds anything read from the Sheet. Changes to a
tenant (a run's outcome, a pause) and taking a consent are Firestore transactions, so two
workers, or a worker and the add-on, never lose each other's change, and a consent is taken
once. Paging orders by document id, which needs no composite index.

Cold start: google-cloud-firestore (and grpc) load only where this module is imported, by the
fleet's functions.
"""

from __future__ import annotations

import functools
import logging
import random
import time
from collections.abc import Callable, Iterator, Mapping
from datetime import UTC, datetime
from typing import Any, TypeVar

from google.cloud import firestore
from google.cloud.firestore_v1.field_path import FieldPath

from sheetsync.adapters.google.cloud_errors import CLOUD_ERRORS, cloud_error
from sheetsync.core.fleet.tenants import CredentialsRef, LastRun, Tenant
from sheetsync.errors import BackendError
from sheetsync.fleet_ports import PendingConsent, TenantRegistry

log = logging.getLogger(__name__)

SCHEMA = 1
#: Rounds of the client's own transaction attempts (5 each) before giving up. When a few
#: writers contend for one record (a worker's outcome, the add-on's pause, a manual run)
#: Firestore aborts all but one, and the client retries at once, with no pause: writers that
#: collided collide again. Between rounds each waits a random, doubling pause (from
#: CONTENTION_PAUSE_S, at most a second), which spreads them out.
CONTENTION_ROUNDS = 8
CONTENTION_PAUSE_S = 0.02
T = TypeVar("T")


def _utc(value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError("not a timestamp")
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def _str(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    if not isinstance(value, str):
        raise TypeError(key)
    return value


def to_document(tenant: Tenant) -> dict[str, Any]:
    """A tenant as the fields of its Firestore document."""
    last = tenant.last_run
    return {
        "schema": SCHEMA,
        "spreadsheet_id": tenant.spreadsheet_id,
        "calendar_id": tenant.calendar_id,
        "time_zone": tenant.time_zone,
        "sync_hour": tenant.sync_hour,
        "credentials": {"kind": tenant.credentials.kind, "value": tenant.credentials.value},
        "enrolled_by": tenant.enrolled_by,
        "enrolled_at": tenant.enrolled_at,
        "status": tenant.status,
        "paused_reason": tenant.paused_reason,
        "consecutive_failures": tenant.consecutive_failures,
        "last_run": None
        if last is None
        else {
            "at": last.at,
            "run_key": last.run_key,
            "result": last.result,
            "counts": dict(last.counts),
            "message": last.message,
        },
    }


def from_document(tenant_id: str, data: Mapping[str, Any]) -> Tenant:
    """The tenant a document holds; TypeError or ValueError for one of another shape."""
    creds = data.get("credentials")
    if not isinstance(creds, Mapping) or creds.get("kind") not in ("delegation", "refresh_token"):
        raise TypeError("credentials")
    status = data.get("status")
    if status not in ("active", "paused"):
        raise ValueError("status")
    hour = data.get("sync_hour")
    failures = data.get("consecutive_failures", 0)
    if type(hour) is not int or type(failures) is not int:
        raise TypeError("sync_hour")
    calendar = data.get("calendar_id")
    if calendar is not None and not isinstance(calendar, str):
        raise TypeError("calendar_id")
    last_data = data.get("last_run")
    last = None
    if isinstance(last_data, Mapping):
        result = last_data.get("result")
        if result not in ("ok", "failed"):
            raise ValueError("last_run.result")
        counts = last_data.get("counts") or {}
        last = LastRun(
            at=_utc(last_data.get("at")),
            run_key=_str(last_data, "run_key"),
            result=result,
            counts={str(k): int(v) for k, v in dict(counts).items()},
            message=str(last_data.get("message") or ""),
        )
    return Tenant(
        tenant_id=tenant_id,
        spreadsheet_id=_str(data, "spreadsheet_id"),
        time_zone=_str(data, "time_zone"),
        sync_hour=hour,
        credentials=CredentialsRef(creds["kind"], _str(creds, "value")),
        enrolled_by=_str(data, "enrolled_by"),
        enrolled_at=_utc(data.get("enrolled_at")),
        calendar_id=calendar,
        status=status,
        paused_reason=str(data.get("paused_reason") or ""),
        last_run=last,
        consecutive_failures=failures,
    )


class _Contended(BackendError):
    """A transaction Firestore aborted on each of the client's attempts (transient)."""


def _stream(query: Any) -> list[Any]:
    return list(query.stream())


class FirestoreRegistry(TenantRegistry):
    """The registry on a ``google.cloud.firestore.Client`` (or the emulator it points at)."""

    def __init__(
        self,
        client: firestore.Client,
        tenants: str = "sheetsync-tenants",
        consents: str = "sheetsync-consents",
    ) -> None:
        self.client = client
        self.tenants = client.collection(tenants)
        self.consents = client.collection(consents)

    def _call(self, action: str, work: Callable[[], T]) -> T:
        try:
            return work()
        except CLOUD_ERRORS as exc:
            raise cloud_error(exc, action) from None
        except ValueError as exc:
            # How the client says a transaction was aborted on every attempt: contention,
            # worth another try later (no code: transient).
            if "Failed to commit transaction" not in str(exc):
                raise
            raise _Contended(f"{action} failed: too many concurrent changes") from None

    def _transact(self, action: str, work: Callable[[firestore.Transaction], T]) -> T:
        """``work`` in a transaction, tried again after a random pause while it is contended."""
        pause = CONTENTION_PAUSE_S
        for _round in range(CONTENTION_ROUNDS - 1):
            try:
                return self._call(action, lambda: work(self.client.transaction()))
            except _Contended:
                # Jitter, not a secret: the standard generator is what it needs.
                time.sleep(random.uniform(pause / 2, pause))
                pause = min(pause * 2, 1.0)
        return self._call(action, lambda: work(self.client.transaction()))

    def _tenant(self, snapshot: Any) -> Tenant:
        try:
            return from_document(snapshot.id, snapshot.to_dict() or {})
        except (TypeError, ValueError, KeyError):
            raise BackendError(
                f"The registry record of tenant {snapshot.id} is malformed"
            ) from None

    def get(self, tenant_id: str) -> Tenant | None:
        snapshot = self._call(
            "Reading the tenant registry", lambda: self.tenants.document(tenant_id).get()
        )
        return self._tenant(snapshot) if snapshot.exists else None

    def put(self, tenant: Tenant) -> None:
        document = self.tenants.document(tenant.tenant_id)
        self._call("Writing the tenant registry", lambda: document.set(to_document(tenant)))

    def update(self, tenant_id: str, change: Callable[[Tenant], Tenant]) -> Tenant | None:
        ref = self.tenants.document(tenant_id)

        @firestore.transactional
        def apply(transaction: firestore.Transaction) -> Tenant | None:
            snapshot = ref.get(transaction=transaction)
            if not snapshot.exists:
                return None
            changed = change(self._tenant(snapshot))
            transaction.set(ref, to_document(changed))
            return changed

        result: Tenant | None = self._transact("Updating the tenant registry", apply)
        return result

    def delete(self, tenant_id: str) -> bool:
        ref = self.tenants.document(tenant_id)

        @firestore.transactional
        def remove(transaction: firestore.Transaction) -> bool:
            if not ref.get(transaction=transaction).exists:
                return False
            transaction.delete(ref)
            return True

        removed: bool = self._transact("Removing a tenant from the registry", remove)
        return removed

    def pages(self, page_size: int) -> Iterator[list[Tenant]]:
        query = self.tenants.order_by(FieldPath.document_id()).limit(page_size)
        last: Any = None
        while True:
            page_query = query if last is None else query.start_after(last)
            snapshots: list[Any] = self._call(
                "Reading the tenant registry", functools.partial(_stream, page_query)
            )
            if not snapshots:
                return
            tenants = []
            for snapshot in snapshots:
                try:
                    tenants.append(self._tenant(snapshot))
                except BackendError:
                    # One bad record must not stop the others' syncs; its id is safe to log.
                    log.warning("skipped malformed registry record %s", snapshot.id)
            yield tenants
            if len(snapshots) < page_size:
                return
            last = snapshots[-1]

    def save_consent(self, key: str, consent: PendingConsent) -> None:
        data = {
            "tenant_id": consent.tenant_id,
            "spreadsheet_id": consent.spreadsheet_id,
            "user": consent.user,
            "verifier": consent.verifier,
            "expires_at": consent.expires_at,
            "time_zone": consent.time_zone,
            "sync_hour": consent.sync_hour,
        }
        ref = self.consents.document(key)
        self._call("Saving a consent in progress", lambda: ref.set(data))

    def take_consent(self, key: str) -> PendingConsent | None:
        ref = self.consents.document(key)

        @firestore.transactional
        def take(transaction: firestore.Transaction) -> dict[str, Any] | None:
            snapshot = ref.get(transaction=transaction)
            if not snapshot.exists:
                return None
            transaction.delete(ref)
            data: dict[str, Any] = snapshot.to_dict() or {}
            return data

        data = self._transact("Reading a consent in progress", take)
        if data is None:
            return None
        try:
            hour = data.get("sync_hour")
            if type(hour) is not int:
                raise TypeError("sync_hour")
            return PendingConsent(
                tenant_id=_str(data, "tenant_id"),
                spreadsheet_id=_str(data, "spreadsheet_id"),
                user=_str(data, "user"),
                verifier=_str(data, "verifier"),
                expires_at=_utc(data.get("expires_at")),
                time_zone=_str(data, "time_zone"),
                sync_hour=hour,
            )
        except (TypeError, ValueError):
            return None


def firestore_client(project: str, database: str = "(default)") -> firestore.Client:
    """A Firestore client for ``project``; it talks to the emulator when
    ``FIRESTORE_EMULATOR_HOST`` is set (the client library's own switch)."""
    return firestore.Client(project=project, database=database)
