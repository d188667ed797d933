"""An in-process fake of Secret Manager, spoken to by the real ``google-cloud-secret-manager``.

Serves, over gRPC, the calls the fleet makes: CreateSecret (ALREADY_EXISTS for a secret id
taken), AddSecretVersion, AccessSecretVersion (``latest`` is the newest enabled version;
FAILED_PRECONDITION for a destroyed one), ListSecretVersions, DestroySecretVersion (the data
is gone for good) and DeleteSecret, each NOT_FOUND for what does not exist, as Google answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime

import grpc
from google.cloud.secretmanager_v1.types import resources, service
from google.protobuf import empty_pb2

from .grpcfake import Abort, GrpcFake

SERVICE = "google.cloud.secretmanager.v1.SecretManagerService"
_SECRET_ID = re.compile(r"[A-Za-z0-9_-]{1,255}")
_ENABLED = resources.SecretVersion.State.ENABLED
_DESTROYED = resources.SecretVersion.State.DESTROYED


class _Empty:
    """Serialises google.protobuf.Empty, as the real stubs expect."""

    @staticmethod
    def serialize(_message: object) -> bytes:
        return empty_pb2.Empty().SerializeToString()


@dataclass
class FakeSecret:
    name: str
    labels: dict[str, str]
    #: Version number -> data (None once destroyed).
    versions: dict[int, bytes | None] = field(default_factory=dict)


class FakeSecretManager:
    """The secrets of any project, kept in memory."""

    def __init__(self) -> None:
        self.secrets: dict[str, FakeSecret] = {}
        self.server = GrpcFake(
            SERVICE,
            {
                "CreateSecret": (self.create_secret, service.CreateSecretRequest, resources.Secret),
                "AddSecretVersion": (
                    self.add_version,
                    service.AddSecretVersionRequest,
                    resources.SecretVersion,
                ),
                "AccessSecretVersion": (
                    self.access,
                    service.AccessSecretVersionRequest,
                    service.AccessSecretVersionResponse,
                ),
                "ListSecretVersions": (
                    self.list_versions,
                    service.ListSecretVersionsRequest,
                    service.ListSecretVersionsResponse,
                ),
                "DestroySecretVersion": (
                    self.destroy_version,
                    service.DestroySecretVersionRequest,
                    resources.SecretVersion,
                ),
                "DeleteSecret": (self.delete_secret, service.DeleteSecretRequest, _Empty),
            },
        )

    def _secret(self, name: str) -> FakeSecret:
        secret = self.secrets.get(name)
        if secret is None:
            raise Abort(grpc.StatusCode.NOT_FOUND, "Secret not found.")
        return secret

    def _version(self, secret: FakeSecret, number: int) -> resources.SecretVersion:
        data = secret.versions[number]
        return resources.SecretVersion(
            name=f"{secret.name}/versions/{number}",
            create_time=datetime.now(UTC),
            state=_ENABLED if data is not None else _DESTROYED,
        )

    def create_secret(self, request: service.CreateSecretRequest) -> resources.Secret:
        if not request.parent.startswith("projects/") or not _SECRET_ID.fullmatch(
            request.secret_id
        ):
            raise Abort(grpc.StatusCode.INVALID_ARGUMENT, "Invalid secret id.")
        if "replication" not in request.secret:
            raise Abort(grpc.StatusCode.INVALID_ARGUMENT, "Secret.replication is required.")
        name = f"{request.parent}/secrets/{request.secret_id}"
        if name in self.secrets:
            raise Abort(grpc.StatusCode.ALREADY_EXISTS, "Secret already exists.")
        self.secrets[name] = FakeSecret(name, dict(request.secret.labels))
        return resources.Secret(name=name, labels=dict(request.secret.labels))

    def add_version(self, request: service.AddSecretVersionRequest) -> resources.SecretVersion:
        secret = self._secret(request.parent)
        number = max(secret.versions, default=0) + 1
        secret.versions[number] = bytes(request.payload.data)
        return self._version(secret, number)

    def _resolve(self, name: str) -> tuple[FakeSecret, int]:
        secret_name, _, version = name.rpartition("/versions/")
        secret = self._secret(secret_name)
        if version == "latest":
            live = [n for n, data in secret.versions.items() if data is not None]
            if not live:
                raise Abort(grpc.StatusCode.NOT_FOUND, "No enabled version.")
            return secret, max(live)
        if not version.isdigit() or int(version) not in secret.versions:
            raise Abort(grpc.StatusCode.NOT_FOUND, "Secret version not found.")
        return secret, int(version)

    def access(
        self, request: service.AccessSecretVersionRequest
    ) -> service.AccessSecretVersionResponse:
        secret, number = self._resolve(request.name)
        data = secret.versions[number]
        if data is None:
            raise Abort(grpc.StatusCode.FAILED_PRECONDITION, "Secret version is destroyed.")
        return service.AccessSecretVersionResponse(
            name=f"{secret.name}/versions/{number}",
            payload=resources.SecretPayload(data=data),
        )

    def list_versions(
        self, request: service.ListSecretVersionsRequest
    ) -> service.ListSecretVersionsResponse:
        secret = self._secret(request.parent)
        versions = [self._version(secret, n) for n in sorted(secret.versions, reverse=True)]
        return service.ListSecretVersionsResponse(versions=versions, total_size=len(versions))

    def destroy_version(
        self, request: service.DestroySecretVersionRequest
    ) -> resources.SecretVersion:
        secret, number = self._resolve(request.name)
        secret.versions[number] = None
        return self._version(secret, number)

    def delete_secret(self, request: service.DeleteSecretRequest) -> empty_pb2.Empty:
        self._secret(request.name)
        del self.secrets[request.name]
        return empty_pb2.Empty()

    # --- what tests read ----------------------------------------------------------------------

    def live_versions(self, name: str) -> list[bytes]:
        """The data of every version not destroyed, oldest first."""
        secret = self.secrets.get(name)
        if secret is None:
            return []
        return [d for _n, d in sorted(secret.versions.items()) if d is not None]
