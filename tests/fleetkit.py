"""A whole fleet on one machine: the fake Google server, the emulators' Firestore, fake Cloud
Tasks and Secret Manager, and main.py's functions through functions-framework.

Shared by the fleet's tests (tests/fleet/), ``make fleet-demo`` and ``make bench``. Everything
runs for real where it can: the registry on the Firestore emulator, the queue and the secrets
through the real gRPC clients to in-process fakes, the OAuth consent through the real
requests and google-auth code to the fake Google server's OAuth endpoints, each tenant's sync
through gspread and googleapiclient to the fake Google server, under that tenant's own
refresh token (so the fake logs each request's principal: per-tenant rates are measured).

:func:`fleet_world` sets the environment the functions read (``SHEETSYNC_*``) for the
duration of the ``with`` block and puts it back after.
"""

from __future__ import annotations

import json
import os
import secrets
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import functions_framework
from fakecloud.clock import VirtualClock
from fakecloud.secrets import FakeSecretManager
from fakecloud.tasks import Delivery, FakeCloudTasks, QueueSettings
from fakegoogle import FakeGoogle
from fakegoogle.oauth_api import Grant

from sheetsync.core.fleet.rates import queue_limits
from sheetsync.core.fleet.schedule import due_day, slot_start
from sheetsync.core.fleet.tenants import (
    CredentialsRef,
    Tenant,
    new_tenant,
    secret_id,
    user_ref,
)
from sheetsync.entrypoints.fleet_wiring import using_fleet

MAIN = str(Path(__file__).resolve().parent.parent / "main.py")
QUEUE = "projects/{project}/locations/us-central1/queues/sheetsync-fleet"
WORKER_URL = "https://us-central1-sheetsync-test.cloudfunctions.net/fleet-worker"
REDIRECT_URI = "https://us-central1-sheetsync-test.cloudfunctions.net/oauth-callback"
CLIENT_ID = "1234567890-fleet.apps.googleusercontent.com"
CLIENT_SECRET = "fleet-client-secret-never-logged"
STATE_KEY = "k" * 48
TASKS_SA = "sheetsync-tasks@sheetsync-test.iam.gserviceaccount.com"
#: What the add-on platform's userOAuthToken holds (deploy/addon-deployment.json).
ADDON_SCOPES = (
    "https://www.googleapis.com/auth/drive.file",
    "https://www.googleapis.com/auth/calendar.events.owned",
    "https://www.googleapis.com/auth/gmail.compose",
    "openid",
    "https://www.googleapis.com/auth/userinfo.email",
)
TENANT_SCOPES = (
    "openid",
    "https://www.googleapis.com/auth/spreadsheets",
    "https://www.googleapis.com/auth/calendar.events",
    "https://www.googleapis.com/auth/gmail.compose",
    "https://www.googleapis.com/auth/gmail.readonly",
)


def fleet_env(project: str, google_url: str, tasks: str, secrets_host: str) -> dict[str, str]:
    """The variables a fleet deployment's functions read, pointed at the fakes."""
    return {
        "SHEETSYNC_BACKEND": "google",
        "SHEETSYNC_API_ENDPOINT": google_url,
        "SHEETSYNC_FLEET_PROJECT": project,
        "SHEETSYNC_FLEET_QUEUE": QUEUE.format(project=project),
        "SHEETSYNC_FLEET_WORKER_URL": WORKER_URL,
        "SHEETSYNC_FLEET_TASKS_SERVICE_ACCOUNT": TASKS_SA,
        "SHEETSYNC_FLEET_TASKS_ENDPOINT": tasks,
        "SHEETSYNC_FLEET_SECRETS_ENDPOINT": secrets_host,
        "SHEETSYNC_OAUTH_CLIENT_ID": CLIENT_ID,
        "SHEETSYNC_OAUTH_CLIENT_SECRET": CLIENT_SECRET,
        "SHEETSYNC_OAUTH_REDIRECT_URI": REDIRECT_URI,
        "SHEETSYNC_OAUTH_STATE_KEY": STATE_KEY,
        "NO_PROXY": "127.0.0.1,localhost",
        "no_proxy": "127.0.0.1,localhost",
    }


def addon_env(certs: Any) -> dict[str, str]:
    """The add-on's settings: its audience and caller, tokens checked against ``certs`` (a
    ``tokenkit.CertsServer``)."""
    import tokenkit

    from sheetsync.entrypoints.idtokens import CERTS_URL_ENV

    return {
        "SHEETSYNC_ADDON_AUDIENCE": tokenkit.DEFAULT_AUDIENCE,
        "SHEETSYNC_ADDON_SERVICE_ACCOUNT": tokenkit.DEFAULT_EMAIL,
        CERTS_URL_ENV: certs.url,
    }


@contextmanager
def environment(values: Mapping[str, str]) -> Iterator[None]:
    """``os.environ`` with ``values`` set (and other SHEETSYNC_* removed) inside the block."""
    saved = dict(os.environ)
    for name in [n for n in os.environ if n.startswith("SHEETSYNC_")]:
        del os.environ[name]
    os.environ.update(values)
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)


@dataclass
class Fleet:
    """The running fleet: its fakes, its environment and main.py's functions."""

    google: FakeGoogle
    tasks: FakeCloudTasks
    secret_manager: FakeSecretManager
    clock: VirtualClock
    project: str
    env: dict[str, str]
    _clients: dict[str, Any] = field(default_factory=dict)
    #: Worker answers, in delivery order: (tenant id, run key, status, body).
    answers: list[tuple[str, str, int, dict[str, Any]]] = field(default_factory=list)

    def client(self, target: str) -> Any:
        """functions-framework's test client of main.py's ``target``."""
        if target not in self._clients:
            app = functions_framework.create_app(target, source=MAIN)
            self._clients[target] = app.test_client()
        return self._clients[target]

    def registry(self) -> Any:
        """The registry adapter on the emulator, as the functions build it."""
        from sheetsync.adapters.google.firestore_registry import (
            FirestoreRegistry,
            firestore_client,
        )

        return FirestoreRegistry(firestore_client(self.project))

    def addon(
        self,
        user_token: str,
        spreadsheet_id: str,
        action: str | None = None,
        time_zone: str = "Europe/Paris",
    ) -> dict[str, Any]:
        """POST an add-on event from Sheets (verified systemIdToken), as the platform does."""
        import tokenkit

        common: dict[str, Any] = {
            "hostApp": "SHEETS",
            "platform": "WEB",
            "userLocale": "en",
            "timeZone": {"id": time_zone, "offset": 3600000},
        }
        if action is not None:
            common["parameters"] = {"action": action}
        event = {
            "commonEventObject": common,
            "authorizationEventObject": {
                "userOAuthToken": user_token,
                "systemIdToken": tokenkit.mint_token(),
            },
            "sheets": {
                "id": spreadsheet_id,
                "title": "Referral network",
                "addonHasFileScopePermission": True,
            },
        }
        response = self.client("addon").post("/", json=event)
        assert response.status_code == 200, response.get_data(as_text=True)
        body: dict[str, Any] = response.get_json()
        return body

    def dispatch(self, slot: datetime | None = None) -> tuple[int, dict[str, Any]]:
        """POST to fleet_dispatch (Cloud Scheduler's call); its status and counts."""
        body = {"slot": slot.isoformat()} if slot is not None else {}
        response = self.client("fleet_dispatch").post("/", json=body)
        return response.status_code, response.get_json()

    def deliver(self, delivery: Delivery) -> int:
        """The worker as Cloud Tasks' HTTP target: POST the task, answer its status."""
        response = self.client("fleet_worker").post(
            "/", data=delivery.body, headers=delivery.headers
        )
        body = response.get_json(silent=True) or {}
        self.answers.append(
            (body.get("tenant_id", ""), body.get("run_key", ""), response.status_code, body)
        )
        return int(response.status_code)

    def drain(self, service_time_s: float = 0.0, **kwargs: Any) -> int:
        """Run the queue until it is empty; the number of dispatches."""
        return self.tasks.run(self.deliver, service_time_s=service_time_s, **kwargs)

    # --- tenants, set up quickly (the tests of enrolment use the add-on instead) ------------

    def enrol(
        self,
        spreadsheet_id: str,
        email: str,
        time_zone: str = "Etc/UTC",
        sync_hour: int | None = None,
    ) -> Tenant:
        """Register ``spreadsheet_id`` for ``email`` as a finished consent leaves it.

        The refresh token is minted by the fake's OAuth for the fleet's client and stored in
        the fake Secret Manager through the real adapter. ``sync_hour`` defaults to the
        tenant's local hour now, so that the current slot's dispatch finds it due.
        """
        from sheetsync.adapters.google.secret_manager import SecretManagerStore, secrets_client

        oauth = self.google.oauth
        sub = oauth.add_user(email)
        token = "1//fake-" + secrets.token_urlsafe(32)
        with oauth._lock:
            oauth.refresh_tokens[token] = Grant(sub, CLIENT_ID, frozenset(TENANT_SCOPES))
        self.google.share_sheet(spreadsheet_id, email, "writer")
        store = SecretManagerStore(
            secrets_client(self.secret_manager.server.endpoint), self.project
        )
        tenant = new_tenant(
            spreadsheet_id,
            CredentialsRef("refresh_token", "pending"),
            user_ref(sub),
            datetime.now(UTC),
            time_zone,
            local_hour(time_zone) if sync_hour is None else sync_hour,
        )
        payload = json.dumps({"refresh_token": token, "scopes": sorted(TENANT_SCOPES)})
        name = store.put(secret_id(tenant.tenant_id), payload.encode("utf-8"))
        tenant = new_tenant(
            spreadsheet_id,
            CredentialsRef("refresh_token", name),
            tenant.enrolled_by,
            tenant.enrolled_at,
            time_zone,
            tenant.sync_hour,
        )
        self.registry().put(tenant)
        return tenant

    # --- rates, as the fake Google server saw them -----------------------------------------

    def sheets_requests(self) -> list[tuple[datetime, str | None]]:
        """(virtual time, principal) of every Sheets API request."""
        return [
            (r.at, r.principal)
            for r in self.google.requests()
            if r.api == "sheets" and not r.inner and r.at is not None
        ]


def fast_tenant_backend(config: Any, fleet: Any, tenant: Tenant, ports: Any) -> Any:
    """bootstrap's tenant backend, with the adapters' retries in milliseconds."""
    from sheetsync.adapters.google.http import retry_policy
    from sheetsync.fleet_bootstrap import tenant_backend

    fast = retry_policy(initial=0.001, maximum=0.005, deadline=1.0)
    return tenant_backend(config, fleet, tenant, ports.secrets(), retry=fast)


def local_hour(time_zone: str, now: datetime | None = None) -> int:
    """The sync hour that is due in ``time_zone`` in the slot of ``now`` (default: now).

    In a whole-hour zone, the local hour at the slot's start; in a zone half an hour (or a
    quarter) off UTC, the local hour that begins inside the slot (Asia/Kolkata's 18:00 falls in
    the 12:00 UTC slot, which starts at 17:30 there).
    """
    slot = slot_start(now or datetime.now(UTC))
    return next(h for h in range(24) if due_day(time_zone, h, slot) is not None)


def max_per_window(times: list[datetime], seconds: float = 60.0) -> int:
    """The most of ``times`` within any window of ``seconds``."""
    ordered = sorted(times)
    best, start = 0, 0
    for end, moment in enumerate(ordered):
        while moment - ordered[start] >= timedelta(seconds=seconds):
            start += 1
        best = max(best, end - start + 1)
    return best


def rates(fleet: Fleet, seconds: float = 60.0) -> tuple[int, int]:
    """(largest Sheets requests per window for one tenant, for the whole project).

    Only requests made under a tenant's token count: the set-up's own (anonymous) are not
    the fleet's.
    """
    requests = [(at, who) for at, who in fleet.sheets_requests() if who is not None]
    by_principal: dict[str, list[datetime]] = {}
    for at, who in requests:
        by_principal.setdefault(who, []).append(at)
    per_tenant = max((max_per_window(t, seconds) for t in by_principal.values()), default=0)
    return per_tenant, max_per_window([at for at, _ in requests], seconds)


@contextmanager
def fleet_world(
    firestore_host: str,
    *,
    google: FakeGoogle | None = None,
    settings: QueueSettings | None = None,
    clock: VirtualClock | None = None,
    env: Mapping[str, str] | None = None,
    mint_oidc: Any = None,
) -> Iterator[Fleet]:
    """A fleet on fresh fakes and a project of its own on the Firestore emulator."""
    clock = clock or VirtualClock(datetime.now(UTC))
    project = f"fleet-{uuid.uuid4().hex[:12]}"
    settings = settings or QueueSettings.from_limits(queue_limits())
    own_google = google is None
    server = google or FakeGoogle(seed=7, clock=clock)
    if own_google:
        server.start()
    server.oauth.add_client(CLIENT_ID, CLIENT_SECRET, [REDIRECT_URI])
    tasks = FakeCloudTasks(QUEUE.format(project=project), settings, clock, mint_oidc)
    secret_manager = FakeSecretManager()
    try:
        with tasks.server, secret_manager.server:
            values = fleet_env(
                project, server.url, tasks.server.endpoint, secret_manager.server.endpoint
            )
            values["FIRESTORE_EMULATOR_HOST"] = firestore_host
            values.update(env or {})
            with environment(values), using_fleet(tenant_backend=fast_tenant_backend):
                yield Fleet(server, tasks, secret_manager, clock, project, values)
    finally:
        if own_google:
            server.stop()
