"""The fleet's composition root: its ports and each tenant's backend, built from the settings.

Like ``sheetsync.bootstrap`` (which builds the backends themselves), this is the one place
that builds the fleet's clients: Firestore for the registry, Cloud Tasks for the queue,
Secret Manager for the tokens, the OAuth endpoints and Drive. Each port is built, and its
client library loaded, on first use (:func:`fleet_services`), so a function loads only what it
calls: the dispatcher never loads Secret Manager, the add-on's homepage only Firestore.

:func:`tenant_backend` is the Google backend of one tenant, under that tenant's credentials
(``adapters.google.tenant_credentials``): a delegation subject, or the refresh token read from
its secret.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, TypeVar

from sheetsync.bootstrap import google_backend, utc_now
from sheetsync.config import Config
from sheetsync.core.fleet.tenants import Tenant
from sheetsync.fleet_config import FleetConfig
from sheetsync.fleet_ports import (
    FleetServices,
    SecretStore,
    SheetAccess,
    TaskQueue,
    TenantRegistry,
    TokenEndpoint,
)
from sheetsync.ports import Backend

if TYPE_CHECKING:
    from google.api_core.retry import Retry

    from sheetsync.adapters.google.credentials import GoogleCredentials

T = TypeVar("T")


def _once(build: Callable[[], T]) -> Callable[[], T]:
    return functools.cache(build)


def fleet_services(config: Config, fleet: FleetConfig) -> FleetServices:
    """The fleet's ports for this deployment, each built on first use."""

    def registry() -> TenantRegistry:
        from sheetsync.adapters.google.firestore_registry import (
            FirestoreRegistry,
            firestore_client,
        )

        fleet.require("project")
        client = firestore_client(fleet.project or "", fleet.database)
        return FirestoreRegistry(client, fleet.tenants_collection, fleet.consents_collection)

    def queue() -> TaskQueue:
        from sheetsync.adapters.google.cloud_tasks import CloudTasksQueue, tasks_client

        fleet.require("queue", "worker_url")
        return CloudTasksQueue(
            tasks_client(fleet.tasks_endpoint),
            fleet.queue or "",
            fleet.tasks_service_account,
            fleet.worker_audience,
        )

    def secrets() -> SecretStore:
        from sheetsync.adapters.google.secret_manager import SecretManagerStore, secrets_client

        return SecretManagerStore(secrets_client(fleet.secrets_endpoint), fleet.project or "")

    def tokens() -> TokenEndpoint:
        from sheetsync.adapters.google.oauth import GoogleTokenEndpoint

        # The client secret is needed for the code exchange and the refreshes, not to ask
        # tokeninfo who a user is: the add-on's delegation path works without a client.
        return GoogleTokenEndpoint(
            fleet.oauth_client_id or "",
            fleet.oauth_client_secret or "",
            config.api_endpoint,
        )

    def access() -> SheetAccess:
        from sheetsync.adapters.google.drive_access import DriveSheetAccess

        return DriveSheetAccess(config.api_endpoint)

    return FleetServices(
        registry=_once(registry),
        queue=_once(queue),
        secrets=_once(secrets),
        tokens=_once(tokens),
        access=_once(access),
    )


def consent_scopes(config: Config) -> list[str]:
    """The scopes the consent asks for, and that the callback requires were all granted."""
    from sheetsync.adapters.google.credentials import _reads_sent_wanted
    from sheetsync.adapters.google.tenant_credentials import tenant_scopes

    return tenant_scopes(_reads_sent_wanted(config.environ))


def tenant_credentials(
    config: Config, fleet: FleetConfig, tenant: Tenant, secrets: SecretStore
) -> GoogleCredentials:
    """The credentials ``tenant``'s sync runs under (its own authority, never the fleet's)."""
    from sheetsync.adapters.google import tenant_credentials as creds
    from sheetsync.adapters.google.credentials import SENT_LOOKUP_SCOPES, _reads_sent_wanted
    from sheetsync.adapters.google.oauth import token_uri
    from sheetsync.fleet_service import stored_token

    read_sent = _reads_sent_wanted(config.environ)
    if tenant.credentials.kind == "delegation":
        return creds.delegated_credentials(tenant.credentials.value, read_sent)
    fleet.require("oauth_client_id", "oauth_client_secret")
    token, scopes = stored_token(secrets, tenant)
    if not read_sent:
        scopes = [s for s in scopes if s not in SENT_LOOKUP_SCOPES]
    return creds.refresh_token_credentials(
        token,
        fleet.oauth_client_id or "",
        fleet.oauth_client_secret or "",
        token_uri(config.api_endpoint),
        scopes,
    )


def tenant_backend(
    config: Config,
    fleet: FleetConfig,
    tenant: Tenant,
    secrets: SecretStore,
    *,
    retry: Retry | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Backend:
    """The Google backend of ``tenant``: its Sheet and calendar, under its credentials."""
    return google_backend(
        tenant.spreadsheet_id,
        endpoint=config.api_endpoint,
        credentials=tenant_credentials(config, fleet, tenant, secrets),
        attachments_dir=config.flyer_dir,
        calendar_id=tenant.calendar_id,
        retry=retry,
        clock=clock,
    )
