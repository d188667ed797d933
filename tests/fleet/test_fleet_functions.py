"""The fleet end to end, through main.py's functions as functions-framework serves them.

Dispatcher, worker, OAuth callback and the add-on's fleet actions, on the Firestore emulator,
the fake queue and secrets (real gRPC clients) and the fake Google server (real gspread,
googleapiclient, requests and google-auth): enrolment by consent and by delegation, who may
turn a Sheet's sync on or off, a dispatch repeated in the same slot, retries and the last
attempt, a revoked token pausing its tenant.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import tokenkit
from fakecloud.tasks import QueueSettings
from fakegoogle import UNAVAILABLE_503
from fleetkit import (
    ADDON_SCOPES,
    REDIRECT_URI,
    TASKS_SA,
    WORKER_URL,
    Fleet,
    addon_env,
    fleet_world,
    local_hour,
)
from googlekit import fill_demo, template_sheet

from sheetsync.core.fleet.tenants import tenant_id, user_ref
from sheetsync.entrypoints import idtoken_certs

pytestmark = pytest.mark.usefixtures("firestore_emulator")


def sheet(fleet: Fleet) -> str:
    spreadsheet_id = template_sheet(fleet.google)
    fill_demo(fleet.google, spreadsheet_id, datetime.now(UTC).date())
    return spreadsheet_id


def cards_of(body: dict[str, Any]) -> list[dict[str, Any]]:
    action = body.get("renderActions", {}).get("action") or body.get("action") or {}
    return [next(iter(n.values())) for n in action.get("navigations", [])]


def card_text(body: dict[str, Any]) -> str:
    return json.dumps(cards_of(body), ensure_ascii=False)


def consent_url(body: dict[str, Any]) -> str:
    for card in cards_of(body):
        for section in card["sections"]:
            for widget in section["widgets"]:
                for button in widget.get("buttonList", {}).get("buttons", []):
                    link = button["onClick"].get("openLink")
                    if link:
                        assert link["onClose"] == "RELOAD"
                        return str(link["url"])
    raise AssertionError("no consent button on the card")


def callback(fleet: Fleet, redirect: str) -> tuple[int, str, dict[str, str]]:
    parts = urlsplit(redirect)
    assert f"{parts.scheme}://{parts.netloc}{parts.path}" == REDIRECT_URI
    response = fleet.client("oauth_callback").get("/", query_string=parts.query)
    return response.status_code, response.get_data(as_text=True), dict(response.headers)


def addon_user(fleet: Fleet, email: str) -> str:
    return fleet.google.oauth.issue_access_token(email, ADDON_SCOPES)


# --- dispatch and work -----------------------------------------------------------------------


def test_a_dispatch_queues_each_due_tenant_once_and_the_worker_syncs_them(fleet: Fleet) -> None:
    base = sheet(fleet)
    due = [fleet.enrol(fleet.google.copy_spreadsheet(base), f"u{i}@example.com") for i in range(3)]
    later = fleet.enrol(
        fleet.google.copy_spreadsheet(base),
        "later@example.com",
        sync_hour=(local_hour("Etc/UTC") + 2) % 24,
    )
    status, counts = fleet.dispatch()
    assert status == 200
    assert counts["tenants"] == 4 and counts["due"] == 3 and counts["created"] == 3
    # Scheduler's retry (or a second click) in the same slot creates nothing.
    status, again = fleet.dispatch()
    assert status == 200 and again["created"] == 0 and again["existing"] == 3
    assert len(fleet.tasks.tasks) == 3 and len(fleet.tasks.refused) == 3

    assert fleet.drain() == 3
    assert [a[2] for a in fleet.answers] == [200, 200, 200]
    registry = fleet.registry()
    for tenant in due:
        stored = registry.get(tenant.tenant_id)
        assert stored.last_run.result == "ok" and stored.last_run.counts["cells_written"] > 0
        assert "Goal" in json.dumps(fleet.google.sheet_rows(tenant.spreadsheet_id, "Summary"))
    assert registry.get(later.tenant_id).last_run is None
    # Each sync ran under its own tenant's token: three principals, three Sheets requests each.
    principals = {who for _at, who in fleet.sheets_requests() if who}
    assert principals == {fleet.google.oauth.sub_of(f"u{i}@example.com") for i in range(3)}


def test_a_task_delivered_twice_syncs_once(fleet: Fleet) -> None:
    tenant = fleet.enrol(sheet(fleet), "ann@example.com")
    fleet.dispatch()
    (task,) = fleet.tasks.tasks.values()
    fleet.drain()
    from fakecloud.tasks import Delivery

    redelivery = Delivery(
        task, task.url, {"Content-Type": "application/json"}, task.body, task.created_at
    )
    assert fleet.deliver(redelivery) == 200
    assert fleet.answers[-1][3]["status"] == "skipped"
    assert fleet.registry().get(tenant.tenant_id).last_run.result == "ok"


@pytest.fixture
def flaky(firestore_emulator, certs) -> Any:
    settings = QueueSettings(10.0, 5, max_attempts=3, min_backoff_s=1, max_backoff_s=4)
    env = {"SHEETSYNC_FLEET_MAX_ATTEMPTS": "3"}
    with fleet_world(firestore_emulator.host, settings=settings, env=env) as world:
        yield world


def test_only_the_last_attempt_records_a_failure(flaky: Fleet) -> None:
    tenant = flaky.enrol(sheet(flaky), "ann@example.com")
    flaky.dispatch()
    flaky.google.set_fault_rate(1.0, apis={"sheets"}, kinds=[UNAVAILABLE_503])
    assert flaky.drain() == 3
    assert [a[2] for a in flaky.answers] == [503, 503, 200]
    assert [a[3]["status"] for a in flaky.answers] == ["retry", "retry", "failed"]
    stored = flaky.registry().get(tenant.tenant_id)
    assert stored.consecutive_failures == 1 and stored.active
    assert stored.last_run.result == "failed" and "HTTP 503" in stored.last_run.message
    # The next successful sync tells the Summary about the failed run.
    flaky.google.set_fault_rate(0.0)
    flaky.clock.advance(3600)
    task_body = {"tenant_id": tenant.tenant_id, "run_key": "now-1"}
    response = flaky.client("fleet_worker").post("/", json=task_body)
    assert response.get_json()["status"] == "synced"
    summary = json.dumps(flaky.google.sheet_rows(tenant.spreadsheet_id, "Summary"))
    assert "The daily sync failed once" in summary


def test_a_revoked_token_pauses_its_tenant_without_retries(fleet: Fleet) -> None:
    tenant = fleet.enrol(sheet(fleet), "ann@example.com")
    fleet.google.oauth.withdraw("ann@example.com")
    fleet.dispatch()
    assert fleet.drain() == 1  # one attempt: a refused token is never retried
    assert fleet.answers[0][2] == 200 and fleet.answers[0][3]["status"] == "paused"
    stored = fleet.registry().get(tenant.tenant_id)
    assert not stored.active and "withdrawn" in stored.paused_reason
    # Paused tenants are not dispatched again.
    fleet.tasks.tasks.clear()
    _status, counts = fleet.dispatch()
    assert counts["due"] == 0 and not fleet.tasks.tasks
    # The add-on says so, and a sync the user runs from it writes it on the Summary.
    token = addon_user(fleet, "ann@example.com")
    fleet.google.share_sheet(tenant.spreadsheet_id, "ann@example.com", "writer")
    home = fleet.addon(token, tenant.spreadsheet_id)
    assert "Paused" in card_text(home) and "Turn on daily sync" in card_text(home)
    synced = fleet.addon(token, tenant.spreadsheet_id, "sync")
    assert "Sync finished" in card_text(synced)
    summary = json.dumps(fleet.google.sheet_rows(tenant.spreadsheet_id, "Summary"))
    assert "Daily sync is paused" in summary


def test_the_dispatcher_checks_its_body(fleet: Fleet) -> None:
    client = fleet.client("fleet_dispatch")
    assert client.get("/").status_code == 405
    assert client.post("/", json={"slot": "yesterday"}).status_code == 400
    future = (datetime.now(UTC) + timedelta(hours=2)).isoformat()
    assert client.post("/", json={"slot": future}).status_code == 400
    assert client.post("/", json={"tenant": "x"}).status_code == 400


@pytest.mark.parametrize(
    "body",
    [
        {"tenant_id": "../etc", "run_key": "now-1"},
        {"tenant_id": "t" + "0" * 32, "run_key": "rm -rf"},
        {"tenant_id": "t" + "0" * 32, "run_key": "now-1", "extra": 1},
    ],
)
def test_the_worker_checks_its_body(fleet: Fleet, body: dict[str, Any]) -> None:
    assert fleet.client("fleet_worker").post("/", json=body).status_code == 400


def test_the_worker_checks_the_tasks_oidc_token(firestore_emulator, certs) -> None:
    certs.reset()
    idtoken_certs.clear_cert_cache()
    env = {
        "SHEETSYNC_FLEET_WORKER_AUDIENCE": WORKER_URL,
        "SHEETSYNC_ID_TOKEN_CERTS_URL": certs.url,
    }

    def mint(email: str, audience: str) -> str:
        return tokenkit.mint_token(aud=audience, email=email)

    with fleet_world(firestore_emulator.host, env=env, mint_oidc=mint) as world:
        tenant = world.enrol(sheet(world), "ann@example.com")
        body = {"tenant_id": tenant.tenant_id, "run_key": "now-5"}
        worker = world.client("fleet_worker")
        assert worker.post("/", json=body).status_code == 401
        forged = tokenkit.mint_token(tokenkit.other_key(), aud=WORKER_URL, email=TASKS_SA)
        headers = {"Authorization": f"Bearer {forged}"}
        assert worker.post("/", json=body, headers=headers).status_code == 401
        assert world.registry().get(tenant.tenant_id).last_run is None
        world.dispatch()
        world.drain()
        assert world.answers[0][3]["status"] == "synced"


# --- enrolment from the add-on ---------------------------------------------------------------


def test_consent_enrols_the_sheet_and_turn_off_undoes_it(fleet: Fleet) -> None:
    spreadsheet_id = sheet(fleet)
    fleet.google.share_sheet(spreadsheet_id, "ann@example.com", "writer")
    token = addon_user(fleet, "ann@example.com")

    home = fleet.addon(token, spreadsheet_id)
    assert "Turn on daily sync" in card_text(home)
    asked = fleet.addon(token, spreadsheet_id, "fleet_on")
    url = consent_url(asked)
    query = parse_qs(urlsplit(url).query)
    assert query["access_type"] == ["offline"] and query["prompt"] == ["consent"]
    assert query["code_challenge_method"] == ["S256"] and query["redirect_uri"] == [REDIRECT_URI]
    assert "https://www.googleapis.com/auth/spreadsheets" in query["scope"][0].split()

    redirect = fleet.google.oauth.consent(url, "ann@example.com")
    status, page, headers = callback(fleet, redirect)
    assert status == 200 and "Daily sync is on" in page and "07:00 (Europe/Paris)" in page
    assert headers["Cache-Control"] == "no-store" and headers["Referrer-Policy"] == "no-referrer"

    stored = fleet.registry().get(tenant_id(spreadsheet_id))
    assert stored.credentials.kind == "refresh_token" and stored.time_zone == "Europe/Paris"
    assert stored.enrolled_by == user_ref(fleet.google.oauth.sub_of("ann@example.com"))
    secret = stored.credentials.value
    assert len(fleet.secret_manager.live_versions(secret)) == 1
    assert "1//fake-" not in json.dumps(
        fleet.registry().tenants.document(stored.tenant_id).get().to_dict(), default=str
    )
    # The same answer again (a replayed state) is refused: a state works once.
    status, page, _ = callback(fleet, redirect)
    assert status == 403 and "already used" in page

    assert "On, every day at 07:00" in card_text(fleet.addon(token, spreadsheet_id, "refresh"))
    # The daily sync works under the stored token.
    queued = fleet.addon(token, spreadsheet_id, "sync")
    assert "Sync queued" in card_text(queued)
    again = fleet.addon(token, spreadsheet_id, "sync")
    assert "already queued" in card_text(again)
    assert fleet.drain() == 1 and fleet.answers[0][3]["status"] == "synced"
    assert "Synced" in card_text(fleet.addon(token, spreadsheet_id))

    off = fleet.addon(token, spreadsheet_id, "fleet_off")
    assert "Daily sync is off" in card_text(off)
    assert fleet.registry().get(stored.tenant_id) is None
    assert secret not in fleet.secret_manager.secrets
    assert all(g.revoked for g in fleet.google.oauth.refresh_tokens.values())


def test_consent_with_another_account_or_unticked_scopes_enrols_nothing(fleet: Fleet) -> None:
    spreadsheet_id = sheet(fleet)
    fleet.google.share_sheet(spreadsheet_id, "ann@example.com", "writer")
    token = addon_user(fleet, "ann@example.com")
    url = consent_url(fleet.addon(token, spreadsheet_id, "fleet_on"))
    status, page, _ = callback(fleet, fleet.google.oauth.consent(url, "eve@example.com"))
    assert status == 403 and "another Google account" in page

    url = consent_url(fleet.addon(token, spreadsheet_id, "fleet_on"))
    partial = fleet.google.oauth.consent(url, "ann@example.com", grant=["openid"])
    status, page, _ = callback(fleet, partial)
    assert status == 403 and "tick every box" in page

    url = consent_url(fleet.addon(token, spreadsheet_id, "fleet_on"))
    status, page, _ = callback(fleet, fleet.google.oauth.consent(url, "ann@example.com", deny=True))
    assert status == 200 and "Nothing was changed" in page

    assert fleet.registry().get(tenant_id(spreadsheet_id)) is None
    assert not fleet.secret_manager.secrets
    # The tokens Google gave for the refused consents were revoked straight away.
    assert all(g.revoked for g in fleet.google.oauth.refresh_tokens.values())


@pytest.mark.parametrize(
    "query",
    [
        "code=x",
        "state=x&code=y",
        "state=" + "a" * 2000 + "&code=y",
        "state=a.b&state=c.d&code=y",
    ],
)
def test_the_callback_refuses_a_forged_or_broken_answer(fleet: Fleet, query: str) -> None:
    response = fleet.client("oauth_callback").get("/", query_string=query)
    assert response.status_code in (400, 403)
    assert "reference for support" in response.get_data(as_text=True)
    assert fleet.client("oauth_callback").post("/").status_code == 405


def test_only_an_editor_or_the_enroller_may_turn_the_sync_on_or_off(fleet: Fleet) -> None:
    spreadsheet_id = sheet(fleet)
    fleet.google.share_sheet(spreadsheet_id, "ann@example.com", "writer")
    fleet.google.share_sheet(spreadsheet_id, "vic@example.com", "reader")
    viewer = addon_user(fleet, "vic@example.com")
    refused = fleet.addon(viewer, spreadsheet_id, "fleet_on")
    assert "Only the person who turned on" in card_text(refused)
    assert not fleet.registry().get(tenant_id(spreadsheet_id))

    ann = addon_user(fleet, "ann@example.com")
    url = consent_url(fleet.addon(ann, spreadsheet_id, "fleet_on"))
    assert callback(fleet, fleet.google.oauth.consent(url, "ann@example.com"))[0] == 200
    assert "Only the person" in card_text(fleet.addon(viewer, spreadsheet_id, "fleet_off"))
    assert fleet.registry().get(tenant_id(spreadsheet_id)) is not None
    # Ann loses edit rights; it is her permission the sync uses, so she can still withdraw it.
    fleet.google.share_sheet(spreadsheet_id, "ann@example.com", "reader")
    assert "Daily sync is off" in card_text(fleet.addon(ann, spreadsheet_id, "fleet_off"))


def test_a_workspace_user_is_enrolled_by_delegation(firestore_emulator, certs) -> None:
    env = {**addon_env(certs), "SHEETSYNC_DELEGATION_DOMAINS": "clinic.example.org"}
    certs.reset()
    idtoken_certs.clear_cert_cache()
    with fleet_world(firestore_emulator.host, env=env) as world:
        spreadsheet_id = sheet(world)
        world.google.share_sheet(spreadsheet_id, "dr.kim@clinic.example.org", "writer")
        token = addon_user(world, "dr.kim@clinic.example.org")
        answer = world.addon(token, spreadsheet_id, "fleet_on", time_zone="Australia/Sydney")
        assert "Daily sync is on" in card_text(answer) and "Australia/Sydney" in card_text(answer)
        stored = world.registry().get(tenant_id(spreadsheet_id))
        assert stored.credentials.kind == "delegation"
        assert stored.credentials.value == "dr.kim@clinic.example.org"
        assert not world.secret_manager.secrets
