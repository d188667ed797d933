"""The fleet's adapters against the real thing where it exists: the registry on the Firestore
emulator; the queue and the secrets through the real gRPC clients to the in-process fakes
(whose request shapes are checked here); the OAuth endpoints through requests and google-auth
to the fake Google server. Also the fake queue's own model: rate, concurrency, retries with
backoff, and de-duplication by name."""

from __future__ import annotations

import itertools
import threading
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from fakecloud.clock import VirtualClock
from fakecloud.secrets import FakeSecretManager
from fakecloud.tasks import FakeCloudTasks, QueueSettings, retry_delay
from fakegoogle import FakeGoogle
from google.cloud import tasks_v2

from sheetsync.adapters.google.cloud_tasks import CloudTasksQueue, tasks_client
from sheetsync.adapters.google.drive_access import DriveSheetAccess
from sheetsync.adapters.google.firestore_registry import FirestoreRegistry, firestore_client
from sheetsync.adapters.google.oauth import GoogleTokenEndpoint, authorization_url, token_uri
from sheetsync.adapters.google.secret_manager import SecretManagerStore, secrets_client
from sheetsync.adapters.google.tenant_credentials import refresh_token_credentials
from sheetsync.core.fleet import consent
from sheetsync.core.fleet.failures import failure_kind
from sheetsync.core.fleet.tenants import CredentialsRef, after_failure, new_tenant
from sheetsync.errors import AuthError, BackendError
from sheetsync.fleet_ports import PendingConsent, TaskSpec

NOW = datetime(2026, 11, 29, 6, 0, tzinfo=UTC)
QUEUE = "projects/sheetsync-test/locations/us-central1/queues/fleet"
SA = "sheetsync-tasks@sheetsync-test.iam.gserviceaccount.com"


# --- the registry, on the Firestore emulator ----------------------------------------------------


@pytest.fixture
def registry(firestore_emulator, monkeypatch) -> FirestoreRegistry:
    monkeypatch.setenv("FIRESTORE_EMULATOR_HOST", firestore_emulator.host)
    return FirestoreRegistry(firestore_client(f"reg-{uuid.uuid4().hex[:12]}"))


def tenant(sheet: str = "sheet-1"):
    return new_tenant(sheet, CredentialsRef("refresh_token", "projects/p/secrets/s"), "u1", NOW)


def test_a_tenant_round_trips_through_firestore(registry: FirestoreRegistry) -> None:
    record = after_failure(tenant(), "daily-2026-11-29", NOW, "HTTP 503")
    registry.put(record)
    assert registry.get(record.tenant_id) == record
    assert registry.get("t" + "0" * 32) is None
    document = registry.tenants.document(record.tenant_id).get().to_dict()
    assert set(document) >= {"spreadsheet_id", "credentials", "status", "last_run"}
    # A reference to the secret, never the token itself.
    assert document["credentials"] == {"kind": "refresh_token", "value": "projects/p/secrets/s"}


def test_updates_are_transactions_and_none_is_lost(registry: FirestoreRegistry) -> None:
    record = tenant()
    registry.put(record)

    def fail(day: int) -> None:
        registry.update(
            record.tenant_id, lambda t: after_failure(t, f"daily-2026-11-{day:02d}", NOW, "x")
        )

    threads = [threading.Thread(target=fail, args=(d,)) for d in range(1, 4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    stored = registry.get(record.tenant_id)
    assert stored is not None and stored.consecutive_failures == 3


def test_a_transaction_that_never_commits_is_a_transient_backend_error(
    registry: FirestoreRegistry,
) -> None:
    def aborted() -> None:
        raise ValueError("Failed to commit transaction in 25 attempts.")

    with pytest.raises(BackendError) as caught:
        registry._call("Updating the tenant registry", aborted)
    assert "too many concurrent changes" in str(caught.value)
    assert failure_kind(caught.value) == "transient"

    def bug() -> None:
        raise ValueError("something else")

    with pytest.raises(ValueError):
        registry._call("Updating the tenant registry", bug)


def test_update_and_delete_of_a_tenant_that_is_gone(registry: FirestoreRegistry) -> None:
    assert registry.update("t" + "1" * 32, lambda t: t) is None
    record = tenant()
    registry.put(record)
    assert registry.delete(record.tenant_id) is True
    assert registry.delete(record.tenant_id) is False


def test_pages_cover_every_tenant_once_and_skip_a_malformed_one(registry) -> None:
    for i in range(7):
        registry.put(tenant(f"sheet-{i}"))
    registry.tenants.document("t" + "f" * 32).set({"status": "odd"})
    pages = list(registry.pages(3))
    # Eight records in pages of three; the malformed one (last by id) is skipped.
    assert [len(p) for p in pages] == [3, 3, 1]
    ids = [t.spreadsheet_id for page in pages for t in page]
    assert sorted(ids) == [f"sheet-{i}" for i in range(7)]


def test_a_consent_is_taken_once(registry: FirestoreRegistry) -> None:
    pending = PendingConsent("t1", "sheet-1", "u1", "v" * 43, NOW + timedelta(minutes=10), "UTC", 7)
    registry.save_consent("c1", pending)
    assert registry.take_consent("c1") == pending
    assert registry.take_consent("c1") is None


# --- the fake queue's model -----------------------------------------------------------------


def queue_with(settings: QueueSettings, clock: VirtualClock | None = None) -> FakeCloudTasks:
    return FakeCloudTasks(QUEUE, settings, clock or VirtualClock(NOW))


def add(fake: FakeCloudTasks, count: int) -> None:
    for i in range(count):
        fake.create_task(
            tasks_v2.CreateTaskRequest(
                parent=QUEUE,
                task=tasks_v2.Task(
                    name=f"{QUEUE}/tasks/t{i}",
                    http_request=tasks_v2.HttpRequest(url="https://w.example/", body=b"{}"),
                ),
            )
        )


def test_the_rate_limit_holds_after_the_burst() -> None:
    fake = queue_with(QueueSettings(1.33, 50, max_burst_size=2))
    add(fake, 60)
    assert fake.run(lambda d: 200) == 60
    # A token bucket: any window holds at most the burst plus what the rate refills in it.
    assert fake.max_dispatches_within(1.0) <= 2 + 1.33 * 1
    assert fake.max_dispatches_within(60.0) <= 2 + 1.33 * 60
    span = (fake.dispatch_log[-1][0] - fake.dispatch_log[0][0]).total_seconds()
    assert span == pytest.approx((60 - 2) / 1.33, rel=0.01)


def test_the_concurrency_limit_holds() -> None:
    fake = queue_with(QueueSettings(100.0, 3, max_burst_size=100))
    add(fake, 9)
    fake.run(lambda d: 200, service_time_s=10.0)
    starts = [at for at, _id, _s in fake.dispatch_log]
    # Three at a time, each taking ten seconds: three waves.
    assert len({(s - starts[0]).total_seconds() // 10 for s in starts}) == 3


def test_retries_follow_the_documented_backoff() -> None:
    settings = QueueSettings(
        500, 10, min_backoff_s=10, max_backoff_s=300, max_doublings=3, max_attempts=9
    )
    assert [retry_delay(settings, i) for i in range(8)] == [10, 20, 40, 80, 160, 240, 300, 300]
    fake = queue_with(settings)
    add(fake, 1)
    seen: list[str] = []
    fake.run(lambda d: seen.append(d.headers["X-CloudTasks-TaskRetryCount"]) or 503)
    assert seen == [str(i) for i in range(9)]
    times = [at for at, _id, _s in fake.dispatch_log]
    gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
    assert gaps == [10, 20, 40, 80, 160, 240, 300, 300]
    assert fake.tasks["t0"].state == "failed"


def test_a_name_is_refused_while_its_task_lives_and_for_an_hour_after() -> None:
    clock = VirtualClock(NOW)
    fake = queue_with(QueueSettings(1, 1), clock)
    add(fake, 1)
    with pytest.raises(Exception, match="already exists"):
        add(fake, 1)
    fake.run(lambda d: 200)
    clock.advance(3599)
    with pytest.raises(Exception, match="already exists"):
        add(fake, 1)
    clock.advance(2)
    add(fake, 1)  # the name is free again
    assert fake.tasks["t0"].state == "pending"


# --- the queue adapter: the real client's request, as the fake expects it -------------------


def test_the_real_client_sends_the_request_the_fake_expects() -> None:
    clock = VirtualClock(NOW)
    fake = FakeCloudTasks(QUEUE, QueueSettings(1, 1), clock, mint_oidc=lambda sa, aud: "oidc")
    with fake.server:
        queue = CloudTasksQueue(tasks_client(fake.server.endpoint), QUEUE, SA)
        later = NOW + timedelta(minutes=5)
        spec = TaskSpec("abc123", "https://w.example/fleet-worker", {"tenant_id": "t1"}, later)
        assert queue.enqueue(spec) == "created"
        assert queue.enqueue(spec) == "exists"
        name, request = fake.server.calls[0]
    assert name == "CreateTask" and isinstance(request, tasks_v2.CreateTaskRequest)
    assert request.parent == QUEUE
    task = request.task
    assert task.name == f"{QUEUE}/tasks/abc123"
    assert task.http_request.url == "https://w.example/fleet-worker"
    assert task.http_request.http_method == tasks_v2.HttpMethod.POST
    assert task.http_request.oidc_token.service_account_email == SA
    assert task.http_request.oidc_token.audience == "https://w.example/fleet-worker"
    assert task.http_request.headers["Content-Type"] == "application/json"
    assert task.http_request.body == b'{"tenant_id": "t1"}'
    assert task.schedule_time == later
    assert task.dispatch_deadline.total_seconds() == 600
    delivered = []
    fake.run(lambda d: delivered.append(d) or 200)
    assert delivered[0].headers["Authorization"] == "Bearer oidc"
    assert delivered[0].headers["X-CloudTasks-TaskName"] == "abc123"
    assert delivered[0].at == later


def test_a_missing_queue_is_a_backend_error() -> None:
    fake = FakeCloudTasks(QUEUE, QueueSettings(1, 1), VirtualClock(NOW))
    with fake.server:
        queue = CloudTasksQueue(tasks_client(fake.server.endpoint), QUEUE + "-gone", SA)
        with pytest.raises(BackendError) as caught:
            queue.enqueue(TaskSpec("abc", "https://w.example/", {}))
    assert caught.value.code == 404 and "NotFound" in str(caught.value)


# --- secrets -------------------------------------------------------------------------------------


def test_a_secret_keeps_one_live_version_and_is_destroyed_whole() -> None:
    fake = FakeSecretManager()
    with fake.server:
        store = SecretManagerStore(secrets_client(fake.server.endpoint), "sheetsync-test")
        name = store.put("sheetsync-tenant-t1", b"first")
        assert store.put("sheetsync-tenant-t1", b"second") == name
        assert store.get(name) == b"second"
        assert fake.live_versions(name) == [b"second"]
        store.destroy(name)
        store.destroy(name)  # already gone: nothing to do
        assert name not in fake.secrets
        with pytest.raises(BackendError) as caught:
            store.get(name)
    assert caught.value.code == 404
    methods = [m for m, _r in fake.server.calls]
    assert methods[:2] == ["CreateSecret", "AddSecretVersion"]
    assert "DestroySecretVersion" in methods and "DeleteSecret" in methods
    created = fake.server.calls[0][1]
    assert created.secret_id == "sheetsync-tenant-t1" and "automatic" in created.secret.replication


# --- OAuth, through requests and google-auth to the fake Google server -------------------------

CLIENT, SECRET = "client-1.apps.googleusercontent.com", "client-secret"
REDIRECT = "https://us-central1-p.cloudfunctions.net/oauth-callback"
SCOPES = ["openid", "https://www.googleapis.com/auth/spreadsheets"]


@pytest.fixture
def google():
    with FakeGoogle() as server:
        server.oauth.add_client(CLIENT, SECRET, [REDIRECT])
        yield server


def consented(google: FakeGoogle, verifier: str, email: str = "ann@example.com") -> str:
    url = authorization_url(
        CLIENT, REDIRECT, SCOPES, "state-1", consent.pkce_challenge(verifier), google.url
    )
    back = google.oauth.consent(url, email)
    assert back.startswith(REDIRECT + "?")
    from urllib.parse import parse_qs, urlsplit

    query = parse_qs(urlsplit(back).query)
    assert query["state"] == ["state-1"]
    return query["code"][0]


def test_the_code_exchange_checks_pkce_and_gives_a_refresh_token(google: FakeGoogle) -> None:
    endpoint = GoogleTokenEndpoint(CLIENT, SECRET, google.url)
    verifier = consent.pkce_verifier(b"v" * 32)
    code = consented(google, verifier)
    grant = endpoint.exchange(code, verifier, REDIRECT)
    assert grant.subject == google.oauth.sub_of("ann@example.com")
    assert "https://www.googleapis.com/auth/spreadsheets" in grant.scopes
    assert "refresh_token" not in repr(grant)
    with pytest.raises(AuthError):  # a code works once
        endpoint.exchange(code, verifier, REDIRECT)
    with pytest.raises(AuthError):  # another verifier
        endpoint.exchange(consented(google, verifier), consent.pkce_verifier(b"w" * 32), REDIRECT)
    with pytest.raises(AuthError):  # another redirect URI
        endpoint.exchange(consented(google, verifier), verifier, REDIRECT + "/")


def test_google_shows_an_error_page_for_an_unregistered_redirect(google: FakeGoogle) -> None:
    url = authorization_url(CLIENT, REDIRECT + "x", SCOPES, "s", "c" * 43, google.url)
    with pytest.raises(ValueError, match="redirect_uri_mismatch"):
        google.oauth.consent(url, "ann@example.com")


def test_a_refresh_token_refreshes_until_it_is_withdrawn(google: FakeGoogle) -> None:
    from google.auth.exceptions import RefreshError
    from google.auth.transport.requests import Request

    endpoint = GoogleTokenEndpoint(CLIENT, SECRET, google.url)
    verifier = consent.pkce_verifier(b"v" * 32)
    grant = endpoint.exchange(consented(google, verifier), verifier, REDIRECT)
    creds = refresh_token_credentials(
        grant.refresh_token, CLIENT, SECRET, token_uri(google.url), grant.scopes
    ).sheets
    request = Request()
    creds.refresh(request)
    assert creds.token.startswith("ya29.fake.")
    assert endpoint.owner(creds.token).subject == grant.subject
    google.oauth.withdraw("ann@example.com")
    with pytest.raises(RefreshError) as caught:
        creds.refresh(request)
    assert "invalid_grant" in str(caught.value)
    with pytest.raises(AuthError):
        endpoint.owner(creds.token)


def test_tokeninfo_names_the_user_and_revoke_ends_a_token(google: FakeGoogle) -> None:
    endpoint = GoogleTokenEndpoint(CLIENT, SECRET, google.url)
    token = google.oauth.issue_access_token("bob@example.org", ["openid"])
    owner = endpoint.owner(token)
    assert owner.email == "bob@example.org" and owner.email_verified
    assert "bob" not in repr(owner)
    endpoint.revoke(token)
    endpoint.revoke(token)  # revoked is revoked
    with pytest.raises(AuthError):
        endpoint.owner(token)


def test_drive_says_who_can_edit(google: FakeGoogle) -> None:
    sheet = google.create_spreadsheet("Referral network")
    editor = google.oauth.issue_access_token("ed@example.org")
    viewer = google.oauth.issue_access_token("vi@example.org")
    stranger = google.oauth.issue_access_token("st@example.org")
    google.share_sheet(sheet, "ed@example.org", "writer")
    google.share_sheet(sheet, "vi@example.org", "reader")
    access = DriveSheetAccess(google.url)
    assert access.can_edit(editor, sheet) is True
    assert access.can_edit(viewer, sheet) is False
    assert access.can_edit(stranger, sheet) is False
    assert access.can_edit(editor, "no-such-sheet") is False
    get = next(r for r in google.requests("drive") if r.method_id == "drive.files.get")
    assert get.query["fields"] == ["capabilities/canEdit"]
