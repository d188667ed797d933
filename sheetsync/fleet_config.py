"""The fleet's settings, read from the environment (``SHEETSYNC_FLEET_*``, ``SHEETSYNC_OAUTH_*``).

``FleetConfig.from_env`` is the only place that knows these names (deploy/README.md, "Fleet
mode", lists them). A deployment without ``SHEETSYNC_FLEET_PROJECT`` has no fleet: the
add-on then behaves exactly as before (Sync now syncs in the card's time budget) and the
fleet's functions answer that they are not configured.

As in ``config``, reading checks the form only: a queue path shaped like one, a redirect URI
that is an absolute https URL (http only on a loopback host, for tests), a state key long
enough to sign with. Messages name the variable, never its value.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from sheetsync.core.fleet.consent import MIN_KEY_BYTES
from sheetsync.core.fleet.rates import queue_limits
from sheetsync.errors import ConfigError

_PROJECT = re.compile(r"[a-z][a-z0-9-]{4,61}[a-z0-9]")
_QUEUE = re.compile(
    r"projects/[a-z][a-z0-9-]{4,61}[a-z0-9]/locations/[a-z0-9-]{1,63}/queues/[A-Za-z0-9-]{1,100}"
)
_COLLECTION = re.compile(r"[A-Za-z0-9_-]{1,100}")
_DOMAIN = re.compile(r"(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}")
_ACCOUNT = re.compile(r"[a-z0-9-]{6,30}@[a-z0-9.-]+\.iam\.gserviceaccount\.com")


def _text(environ: Mapping[str, str], name: str) -> str | None:
    value = environ.get(name, "").strip()
    return value or None


def is_loopback(host: str) -> bool:
    """Whether ``host`` is this machine (where plain http and gRPC without TLS are allowed)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url(value: str, name: str) -> str:
    """An absolute https URL with no query or fragment (http on a loopback host only)."""
    parts = urlsplit(value)
    local = parts.scheme == "http" and is_loopback(parts.hostname or "")
    if (parts.scheme != "https" and not local) or not parts.netloc or parts.query:
        raise ConfigError(f"{name} must be an https URL without a query")
    if parts.fragment or "#" in value or parts.username or parts.password:
        raise ConfigError(f"{name} must be an https URL without a fragment or credentials")
    return value


def _loopback_endpoint(value: str | None, name: str) -> str | None:
    """A host:port for a test fake; only loopback (it is spoken to without TLS)."""
    if value is None:
        return None
    host, _, port = value.rpartition(":")
    if not port.isdigit() or not is_loopback(host.strip("[]")):
        raise ConfigError(f"{name} must be host:port on this machine (127.0.0.1:PORT)")
    return value


def _pair(environ: Mapping[str, str], audience: str, account: str) -> tuple[str | None, str | None]:
    """An OIDC check's audience and service account: both or neither."""
    aud, email = _text(environ, audience), _text(environ, account)
    if bool(aud) != bool(email):
        raise ConfigError(f"Set {audience} and {account} together, or neither")
    if aud:
        check_url(aud, audience)
    return aud, email


@dataclass(frozen=True)
class FleetConfig:
    """Every fleet setting. Build it with :meth:`from_env`; ``enabled`` says if there is one."""

    project: str | None = None
    database: str = "(default)"
    tenants_collection: str = "sheetsync-tenants"
    consents_collection: str = "sheetsync-consents"
    queue: str | None = None
    worker_url: str | None = None
    #: The identity Cloud Tasks signs each task's OIDC token as (the worker's invoker).
    tasks_service_account: str | None = field(default=None, repr=False)
    max_attempts: int = queue_limits().max_attempts
    #: When set, the worker checks each task's OIDC token itself (public URL), as sync_http.
    worker_audience: str | None = None
    #: When set, the dispatcher checks Cloud Scheduler's OIDC token itself.
    dispatch_audience: str | None = None
    dispatch_service_account: str | None = field(default=None, repr=False)
    oauth_client_id: str | None = None
    oauth_client_secret: str | None = field(default=None, repr=False)
    oauth_redirect_uri: str | None = None
    oauth_state_key: bytes | None = field(default=None, repr=False)
    #: Workspace domains whose users are enrolled by delegation instead of a consent.
    delegation_domains: frozenset[str] = frozenset()
    #: Test fakes of Cloud Tasks and Secret Manager (gRPC on a loopback port, no TLS).
    tasks_endpoint: str | None = None
    secrets_endpoint: str | None = None

    @property
    def enabled(self) -> bool:
        """Whether this deployment runs a fleet."""
        return self.project is not None

    @property
    def consent_ready(self) -> bool:
        """Whether users outside the delegation domains can enrol (the OAuth client is set)."""
        return bool(
            self.oauth_client_id
            and self.oauth_client_secret
            and self.oauth_redirect_uri
            and self.oauth_state_key
        )

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> FleetConfig:
        """Read the fleet settings; ConfigError naming the variable for a malformed one."""
        project = _text(environ, "SHEETSYNC_FLEET_PROJECT")
        if project is None:
            return cls()
        if not _PROJECT.fullmatch(project):
            raise ConfigError("SHEETSYNC_FLEET_PROJECT must be a Google Cloud project id")
        queue = _text(environ, "SHEETSYNC_FLEET_QUEUE")
        if queue is not None and not _QUEUE.fullmatch(queue):
            raise ConfigError(
                "SHEETSYNC_FLEET_QUEUE must be projects/PROJECT/locations/REGION/queues/QUEUE"
            )
        worker_url = _text(environ, "SHEETSYNC_FLEET_WORKER_URL")
        if worker_url is not None:
            check_url(worker_url, "SHEETSYNC_FLEET_WORKER_URL")
        tasks_account = _text(environ, "SHEETSYNC_FLEET_TASKS_SERVICE_ACCOUNT")
        if tasks_account is not None and not _ACCOUNT.fullmatch(tasks_account):
            raise ConfigError("SHEETSYNC_FLEET_TASKS_SERVICE_ACCOUNT must be a service account")
        worker_audience = _text(environ, "SHEETSYNC_FLEET_WORKER_AUDIENCE")
        if worker_audience is not None:
            check_url(worker_audience, "SHEETSYNC_FLEET_WORKER_AUDIENCE")
            if tasks_account is None:
                raise ConfigError(
                    "SHEETSYNC_FLEET_WORKER_AUDIENCE needs SHEETSYNC_FLEET_TASKS_SERVICE_ACCOUNT"
                )
        dispatch_audience, dispatch_account = _pair(
            environ, "SHEETSYNC_FLEET_DISPATCH_AUDIENCE", "SHEETSYNC_FLEET_DISPATCH_SERVICE_ACCOUNT"
        )
        attempts_text = _text(environ, "SHEETSYNC_FLEET_MAX_ATTEMPTS")
        max_attempts = queue_limits().max_attempts
        if attempts_text is not None:
            if not attempts_text.isdigit() or not 1 <= int(attempts_text) <= 100:
                raise ConfigError("SHEETSYNC_FLEET_MAX_ATTEMPTS must be a whole number, 1 to 100")
            max_attempts = int(attempts_text)
        redirect = _text(environ, "SHEETSYNC_OAUTH_REDIRECT_URI")
        if redirect is not None:
            check_url(redirect, "SHEETSYNC_OAUTH_REDIRECT_URI")
        key_text = _text(environ, "SHEETSYNC_OAUTH_STATE_KEY")
        state_key = key_text.encode("utf-8") if key_text else None
        if state_key is not None and len(state_key) < MIN_KEY_BYTES:
            raise ConfigError(
                f"SHEETSYNC_OAUTH_STATE_KEY must be at least {MIN_KEY_BYTES} random characters"
            )
        # Spaces or commas between names (deploy.sh uses spaces: commas separate its pairs).
        listed = re.split(r"[,\s]+", _text(environ, "SHEETSYNC_DELEGATION_DOMAINS") or "")
        domains = frozenset(d.lower() for d in listed if d)
        if any(not _DOMAIN.fullmatch(d) for d in domains):
            raise ConfigError("SHEETSYNC_DELEGATION_DOMAINS must be domain names")
        names = {}
        for name, default in (
            ("SHEETSYNC_FLEET_TENANTS_COLLECTION", "sheetsync-tenants"),
            ("SHEETSYNC_FLEET_CONSENTS_COLLECTION", "sheetsync-consents"),
            ("SHEETSYNC_FLEET_DATABASE", "(default)"),
        ):
            value = _text(environ, name) or default
            if value != "(default)" and not _COLLECTION.fullmatch(value):
                raise ConfigError(f"{name} must be letters, digits, - and _")
            names[name] = value
        return cls(
            project=project,
            database=names["SHEETSYNC_FLEET_DATABASE"],
            tenants_collection=names["SHEETSYNC_FLEET_TENANTS_COLLECTION"],
            consents_collection=names["SHEETSYNC_FLEET_CONSENTS_COLLECTION"],
            queue=queue,
            worker_url=worker_url,
            tasks_service_account=tasks_account,
            max_attempts=max_attempts,
            worker_audience=worker_audience,
            dispatch_audience=dispatch_audience,
            dispatch_service_account=dispatch_account,
            oauth_client_id=_text(environ, "SHEETSYNC_OAUTH_CLIENT_ID"),
            oauth_client_secret=_text(environ, "SHEETSYNC_OAUTH_CLIENT_SECRET"),
            oauth_redirect_uri=redirect,
            oauth_state_key=state_key,
            delegation_domains=domains,
            tasks_endpoint=_loopback_endpoint(
                _text(environ, "SHEETSYNC_FLEET_TASKS_ENDPOINT"), "SHEETSYNC_FLEET_TASKS_ENDPOINT"
            ),
            secrets_endpoint=_loopback_endpoint(
                _text(environ, "SHEETSYNC_FLEET_SECRETS_ENDPOINT"),
                "SHEETSYNC_FLEET_SECRETS_ENDPOINT",
            ),
        )

    def require(self, *names: str) -> None:
        """ConfigError unless each named setting (a field of this class) is set."""
        for name in names:
            if not getattr(self, name):
                variable = _VARIABLES.get(name, name)
                raise ConfigError(f"The fleet is not configured: set {variable}")


_VARIABLES = {
    "project": "SHEETSYNC_FLEET_PROJECT",
    "queue": "SHEETSYNC_FLEET_QUEUE",
    "worker_url": "SHEETSYNC_FLEET_WORKER_URL",
    "tasks_service_account": "SHEETSYNC_FLEET_TASKS_SERVICE_ACCOUNT",
    "oauth_client_id": "SHEETSYNC_OAUTH_CLIENT_ID",
    "oauth_client_secret": "SHEETSYNC_OAUTH_CLIENT_SECRET",
    "oauth_redirect_uri": "SHEETSYNC_OAUTH_REDIRECT_URI",
    "oauth_state_key": "SHEETSYNC_OAUTH_STATE_KEY",
}
