"""What the fleet's entry points share: the fleet's settings, its ports and each tenant's backend.

The functions ask :func:`services` and :func:`tenant_backend`, which are
``sheetsync.fleet_bootstrap``'s unless a caller installed its own with :func:`using_fleet`:
the tests run the real functions through functions-framework on ports or backends of their
choosing (a tenant backend on the fake Google server with test credentials, say)::

    with using_fleet(tenant_backend=lambda config, fleet, tenant, services: my_backend):
        client.post("/", ...)

Standard library only at import (plus settings and errors); bootstrap and the Google Cloud
clients load on first use.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sheetsync.config import Config
from sheetsync.fleet_config import FleetConfig

if TYPE_CHECKING:
    import flask

    from sheetsync.core.fleet.tenants import Tenant
    from sheetsync.fleet_ports import FleetServices
    from sheetsync.ports import Backend

ServicesFactory = Callable[[Config, FleetConfig], "FleetServices"]
TenantBackendFactory = Callable[[Config, FleetConfig, "Tenant", "FleetServices"], "Backend"]


@dataclass(frozen=True)
class _Installed:
    services: ServicesFactory | None
    tenant_backend: TenantBackendFactory | None


_installed: list[_Installed] = []


@contextmanager
def using_fleet(
    services: ServicesFactory | None = None, tenant_backend: TenantBackendFactory | None = None
) -> Iterator[None]:
    """Inside the ``with`` block, the fleet's functions use these factories (None: bootstrap's)."""
    entry = _Installed(services, tenant_backend)
    _installed.append(entry)
    try:
        yield
    finally:
        _installed.remove(entry)


def load_fleet() -> FleetConfig:
    """The fleet's settings for this request (read per request, like ``web.load_config``)."""
    return FleetConfig.from_env(os.environ)


def services(config: Config, fleet: FleetConfig) -> FleetServices:
    """The fleet's ports: the installed factory's, else bootstrap's."""
    for entry in reversed(_installed):
        if entry.services is not None:
            return entry.services(config, fleet)
    from sheetsync.fleet_bootstrap import fleet_services

    return fleet_services(config, fleet)


def tenant_backend(
    config: Config, fleet: FleetConfig, tenant: Tenant, ports: FleetServices
) -> Backend:
    """The backend a tenant's run syncs: the installed factory's, else bootstrap's."""
    for entry in reversed(_installed):
        if entry.tenant_backend is not None:
            return entry.tenant_backend(config, fleet, tenant, ports)
    from sheetsync.fleet_bootstrap import tenant_backend as build

    return build(config, fleet, tenant, ports.secrets())


def verify_caller(request: flask.Request, audience: str | None, email: str | None) -> None:
    """Check the request's OIDC bearer token when the function checks it itself.

    Behind IAM (deploy.sh's default) Cloud Run has checked it already and ``audience`` is
    unset; on a public URL it is the function's URL and ``email`` the caller's account.
    """
    if not audience:
        return
    from sheetsync.entrypoints.idtokens import TokenPolicy, bearer_token, verify_id_token

    policy = TokenPolicy(audience=audience, email=email or "")
    verify_id_token(bearer_token(request.headers.get("Authorization")), policy)
