"""The fleet's ports: what the dispatcher, the worker and enrolment need from Google Cloud.

Each has one adapter over the real Google client (``sheetsync.adapters.google``: Firestore,
Cloud Tasks, Secret Manager, the OAuth endpoints and Drive), built in
``sheetsync.fleet_bootstrap``; the tests run them against the Firestore emulator and against
in-process fakes that speak the real clients' wire formats.

* :class:`TenantRegistry`: the tenants and the pending consents (Firestore);
* :class:`TaskQueue`: one task per tenant run, de-duplicated by name (Cloud Tasks);
* :class:`SecretStore`: each tenant's refresh token (Secret Manager);
* :class:`TokenEndpoint`: Google's OAuth endpoints: the code exchange, who a token belongs to,
  and revocation;
* :class:`SheetAccess`: whether a user may edit a Sheet (Drive).
"""

from __future__ import annotations

import abc
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from sheetsync.core.fleet.tenants import Tenant


@dataclass(frozen=True)
class PendingConsent:
    """An OAuth consent started from the add-on and not yet completed (or expired).

    Kept under ``consent.nonce_key(nonce)``; ``verifier`` is the PKCE code verifier, which
    never leaves the deployment.
    """

    tenant_id: str
    spreadsheet_id: str
    user: str
    verifier: str = field(repr=False)
    expires_at: datetime
    time_zone: str
    sync_hour: int


class TenantRegistry(abc.ABC):
    """The tenants, one record each, and the consents in progress."""

    @abc.abstractmethod
    def get(self, tenant_id: str) -> Tenant | None:
        """The tenant, or None when it is not enrolled."""

    @abc.abstractmethod
    def put(self, tenant: Tenant) -> None:
        """Create or replace the tenant's record."""

    @abc.abstractmethod
    def update(self, tenant_id: str, change: Callable[[Tenant], Tenant]) -> Tenant | None:
        """Apply ``change`` to the tenant atomically (read, change, write as one transaction).

        None, and nothing written, when the tenant is not enrolled (it was turned off meanwhile).
        """

    @abc.abstractmethod
    def delete(self, tenant_id: str) -> bool:
        """Remove the tenant; False when there was none."""

    @abc.abstractmethod
    def pages(self, page_size: int) -> Iterator[list[Tenant]]:
        """Every tenant, in pages of at most ``page_size``, in a stable order."""

    @abc.abstractmethod
    def save_consent(self, key: str, consent: PendingConsent) -> None:
        """Keep a consent in progress under ``key`` (``consent.nonce_key``)."""

    @abc.abstractmethod
    def take_consent(self, key: str) -> PendingConsent | None:
        """The consent under ``key``, removed in the same transaction: each is taken once."""


@dataclass(frozen=True)
class TaskSpec:
    """One task: its id (``schedule.task_id``), where and what to POST, and when."""

    task_id: str
    url: str
    body: Mapping[str, Any]
    schedule_time: datetime | None = None


EnqueueResult = Literal["created", "exists"]


class TaskQueue(abc.ABC):
    """The queue the worker's tasks go on."""

    @abc.abstractmethod
    def enqueue(self, task: TaskSpec) -> EnqueueResult:
        """Create the task; "exists" when a task of that id was created recently (nothing new)."""


class SecretStore(abc.ABC):
    """Secrets, one per tenant, named by ``tenants.secret_id``."""

    @abc.abstractmethod
    def put(self, secret_id: str, value: bytes) -> str:
        """Store ``value`` as the secret's only live version; the secret's resource name."""

    @abc.abstractmethod
    def get(self, name: str) -> bytes:
        """The latest version of the secret named ``name`` (its resource name)."""

    @abc.abstractmethod
    def destroy(self, name: str) -> None:
        """Destroy every version of the secret and delete it; nothing if there is none."""


@dataclass(frozen=True)
class TokenGrant:
    """What an authorization code was exchanged for. ``refresh_token`` stays out of repr."""

    refresh_token: str = field(repr=False)
    scopes: frozenset[str]
    #: The ``sub`` of the account that consented (from the ID token of the answer).
    subject: str


@dataclass(frozen=True)
class TokenOwner:
    """Who an access token belongs to, as Google's tokeninfo says."""

    subject: str
    email: str = field(repr=False)
    email_verified: bool
    scopes: frozenset[str]


class TokenEndpoint(abc.ABC):
    """Google's OAuth 2.0 endpoints, for this deployment's OAuth client."""

    @abc.abstractmethod
    def exchange(self, code: str, verifier: str, redirect_uri: str) -> TokenGrant:
        """Exchange an authorization code (with its PKCE verifier) for a refresh token."""

    @abc.abstractmethod
    def owner(self, access_token: str) -> TokenOwner:
        """Who ``access_token`` belongs to; AuthError when Google does not know it."""

    @abc.abstractmethod
    def revoke(self, token: str) -> None:
        """Revoke a refresh token at Google (best effort: a token already gone is fine)."""


class SheetAccess(abc.ABC):
    """What a user may do with a Sheet, asked with the user's own token."""

    @abc.abstractmethod
    def can_edit(self, user_token: str, spreadsheet_id: str) -> bool:
        """Whether the token's user can edit the spreadsheet (False when they cannot see it)."""


@dataclass
class FleetServices:
    """The fleet's ports, as one deployment has them (``fleet_bootstrap`` builds them).

    Each is built on first use: a dispatcher never loads Secret Manager, and the add-on's
    homepage loads nothing of the fleet but Firestore.
    """

    registry: Callable[[], TenantRegistry]
    queue: Callable[[], TaskQueue]
    secrets: Callable[[], SecretStore]
    tokens: Callable[[], TokenEndpoint]
    access: Callable[[], SheetAccess]
