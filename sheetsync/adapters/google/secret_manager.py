"""Tenants' refresh tokens in Secret Manager: one secret per tenant, one live version.

``put`` creates the secret (automatic replication, labelled ``app=sheetsync``) unless it
exists, adds the token as a new version and destroys every older one, so a tenant who enrols
again leaves no old token behind. ``destroy`` destroys every version and deletes the secret
("Turn off"). The registry keeps only the secret's resource name.

Cold start: google-cloud-secret-manager (and grpc) load only where this module is imported:
the worker and the OAuth callback.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable
from typing import TypeVar

from google.api_core import exceptions as api_exceptions
from google.cloud import secretmanager_v1

from sheetsync.adapters.google.cloud_errors import CLOUD_ERRORS, cloud_error
from sheetsync.errors import BackendError
from sheetsync.fleet_ports import SecretStore

T = TypeVar("T")
_DESTROYED = secretmanager_v1.SecretVersion.State.DESTROYED


class SecretManagerStore(SecretStore):
    """Secrets of one project on a ``SecretManagerServiceClient``."""

    def __init__(self, client: secretmanager_v1.SecretManagerServiceClient, project: str) -> None:
        self.client = client
        self.project = project

    def _call(self, action: str, work: Callable[[], T]) -> T:
        try:
            return work()
        except CLOUD_ERRORS as exc:
            raise cloud_error(exc, action) from None

    def put(self, secret_id: str, value: bytes) -> str:
        parent = f"projects/{self.project}"
        name = f"{parent}/secrets/{secret_id}"
        secret = {"replication": {"automatic": {}}, "labels": {"app": "sheetsync"}}

        def create() -> None:
            # A secret that exists (the tenant enrolled before) gets a new version below.
            with contextlib.suppress(api_exceptions.AlreadyExists):
                self.client.create_secret(
                    request={"parent": parent, "secret_id": secret_id, "secret": secret}
                )

        self._call("Creating a tenant's secret", create)
        version = self._call(
            "Storing a tenant's token",
            lambda: self.client.add_secret_version(
                request={"parent": name, "payload": {"data": value}}
            ),
        )
        self._destroy_versions(name, keep=version.name)
        return name

    def get(self, name: str) -> bytes:
        response = self._call(
            "Reading a tenant's token",
            lambda: self.client.access_secret_version(request={"name": f"{name}/versions/latest"}),
        )
        data: bytes = response.payload.data
        return data

    def _destroy_versions(self, name: str, keep: str | None = None) -> None:
        versions = self._call(
            "Listing a tenant's secret versions",
            lambda: list(self.client.list_secret_versions(request={"parent": name})),
        )
        for version in versions:
            if version.name == keep or version.state == _DESTROYED:
                continue
            request = {"name": version.name}
            self._call(
                "Destroying an old token",
                functools.partial(self.client.destroy_secret_version, request=request),
            )

    def destroy(self, name: str) -> None:
        # A secret already gone (404) is what "destroy" wants: nothing to do.
        try:
            self._destroy_versions(name)
            self._call(
                "Deleting a tenant's secret",
                lambda: self.client.delete_secret(request={"name": name}),
            )
        except BackendError as exc:
            if exc.code != 404:
                raise


def secrets_client(endpoint: str | None = None) -> secretmanager_v1.SecretManagerServiceClient:
    """A Secret Manager client: Google's, or a fake's on a loopback ``host:port`` (no TLS)."""
    if endpoint is None:
        return secretmanager_v1.SecretManagerServiceClient()
    import grpc  # type: ignore[import-untyped]
    from google.cloud.secretmanager_v1.services.secret_manager_service.transports import (
        SecretManagerServiceGrpcTransport,
    )

    return secretmanager_v1.SecretManagerServiceClient(
        transport=SecretManagerServiceGrpcTransport(channel=grpc.insecure_channel(endpoint))
    )
