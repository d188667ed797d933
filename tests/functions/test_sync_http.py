"""sync_http, Cloud Scheduler's target, through functions-framework's app over main.py."""

from __future__ import annotations

import logging
import threading

import functions_framework
import pytest
import requests
import tokenkit
from functionskit import (
    BAD_SHEET_IDS,
    MAIN,
    SCHEDULER_AUDIENCE,
    SCHEDULER_SA,
    WRONG_EMAIL,
    client,
    fingerprint,
    forged_tokens,
)
from werkzeug.serving import make_server

from sheetsync.entrypoints import backends, idtoken_certs
from sheetsync.entrypoints.idtokens import CERTS_URL_ENV


def test_sync_http_returns_counts_and_a_second_call_creates_nothing(workbook):
    app = client("sync_http")
    first = app.post("/", json={})
    assert first.status_code == 200
    counts = first.get_json()
    assert counts["dry_run"] is False
    assert counts["events"]["created"] > 0 and counts["drafts"]["created"] > 0
    assert counts["cells_written"] > 0 and counts["problems"] > 0
    second = app.post("/")
    assert second.status_code == 200
    assert second.get_json()["events"].get("created", 0) == 0
    assert second.get_json()["drafts"].get("created", 0) == 0


def test_sync_http_dry_run_changes_nothing(workbook):
    before = fingerprint(workbook)
    response = client("sync_http").post("/", json={"dry_run": True, "spreadsheet_id": "ignored"})
    assert response.status_code == 200
    assert response.get_json()["dry_run"] is True
    assert response.get_json()["events"]["created"] > 0
    assert fingerprint(workbook) == before


@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "JSON object"),
        (b'{"dryrun": true}', "unknown field"),
        (b'{"dry_run": "yes"}', "dry_run"),
        (b'{"spreadsheet_id": 7}', "spreadsheet_id"),
    ],
)
def test_sync_http_rejects_bad_bodies(workbook, body, words):
    before = fingerprint(workbook)
    response = client("sync_http").post("/", data=body, content_type="application/json")
    assert response.status_code == 400
    error = response.get_json()["error"]
    assert words in error["message"] and len(error["correlation_id"]) == 32
    assert fingerprint(workbook) == before


@pytest.mark.parametrize("sheet_id", BAD_SHEET_IDS)
def test_sync_http_refuses_a_spreadsheet_id_that_is_not_one(built, sheet_id):
    response = client("sync_http").post("/", json={"spreadsheet_id": sheet_id})
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert message.startswith("spreadsheet_id is not a spreadsheet id")
    assert sheet_id not in response.get_data(as_text=True)
    assert built.calls == []


def test_sync_http_strips_a_spreadsheet_id(built):
    response = client("sync_http").post("/", json={"spreadsheet_id": " 1AbC_d-9 ", "dry_run": True})
    assert response.status_code == 200
    assert built.sheet_ids == ["1AbC_d-9"]


def test_sync_http_passes_the_body_spreadsheet_and_the_settings(built, monkeypatch):
    monkeypatch.setenv("SHEETSYNC_BACKEND", "google")
    monkeypatch.setenv("SHEETSYNC_SPREADSHEET_ID", "from-env")
    monkeypatch.setenv("SHEETSYNC_API_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("SHEETSYNC_CALENDAR_ID", "cal@example")
    response = client("sync_http").post("/", json={"spreadsheet_id": "from-body", "dry_run": True})
    assert response.status_code == 200
    (call,) = built.calls
    assert call.spreadsheet_id == "from-body" and call.user_token is None
    assert call.config.backend == "google" and call.config.spreadsheet_id == "from-env"
    assert call.config.api_endpoint == "http://127.0.0.1:9"
    assert call.config.calendar_id == "cal@example"


def test_an_empty_post_syncs_the_configured_sheet(built, monkeypatch):
    # No id from the request: the backend factory (bootstrap) falls back to the setting.
    monkeypatch.setenv("SHEETSYNC_SPREADSHEET_ID", "1Configured")
    response = client("sync_http").post("/")
    assert response.status_code == 200
    (call,) = built.calls
    assert call.spreadsheet_id is None and call.config.spreadsheet_id == "1Configured"


def test_sync_http_missing_workbook_is_a_backend_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SHEETSYNC_WORKBOOK", str(tmp_path / "nothing.xlsx"))
    response = client("sync_http").post("/")
    assert response.status_code == 502
    assert "No workbook" in response.get_json()["error"]["message"]


def test_unexpected_errors_are_500_without_details(workbook, caplog):
    def explode(*args, **kwargs):
        raise KeyError("Priya Raman")

    caplog.set_level(logging.DEBUG)
    with backends.using_backends(explode):
        response = client("sync_http").post("/")
    assert response.status_code == 500
    error = response.get_json()["error"]
    assert error["message"] == "internal error"
    assert "Priya" not in response.get_data(as_text=True)
    assert "Priya" not in caplog.text and "Traceback" not in caplog.text
    assert error["correlation_id"] in caplog.text


class TestSchedulerCheck:
    @pytest.fixture(autouse=True)
    def _policy(self, monkeypatch):
        monkeypatch.setenv("SHEETSYNC_SCHEDULER_AUDIENCE", SCHEDULER_AUDIENCE)
        monkeypatch.setenv("SHEETSYNC_SCHEDULER_SERVICE_ACCOUNT", SCHEDULER_SA)

    def test_no_token_is_401_and_nothing_runs(self, workbook):
        before = fingerprint(workbook)
        response = client("sync_http").post("/")
        assert response.status_code == 401
        assert fingerprint(workbook) == before

    def test_wrong_account_is_401(self, workbook):
        token = tokenkit.mint_token(aud=SCHEDULER_AUDIENCE, email=WRONG_EMAIL)
        response = client("sync_http").post("/", headers={"Authorization": f"Bearer {token}"})
        assert response.status_code == 401
        assert token not in response.get_data(as_text=True)

    def test_forged_tokens_are_401_while_google_cannot_be_reached(self, workbook, monkeypatch):
        monkeypatch.setattr(idtoken_certs, "_FETCH_TIMEOUT_S", 1.0)
        before = fingerprint(workbook)
        with tokenkit.SilentServer() as silent:
            monkeypatch.setenv(CERTS_URL_ENV, silent.url)
            for token in forged_tokens(SCHEDULER_AUDIENCE, SCHEDULER_SA):
                response = client("sync_http").post(
                    "/", headers={"Authorization": f"Bearer {token}"}
                )
                assert response.status_code == 401, response.get_json()
            assert not silent.connected()
        assert fingerprint(workbook) == before

    def test_valid_token_syncs(self, workbook):
        token = tokenkit.mint_token(aud=SCHEDULER_AUDIENCE, email=SCHEDULER_SA)
        response = client("sync_http").post(
            "/", json={"dry_run": True}, headers={"Authorization": f"Bearer {token}"}
        )
        assert response.status_code == 200
        assert response.get_json()["dry_run"] is True


def test_real_http_smoke(workbook):
    app = functions_framework.create_app("sync_http", source=MAIN)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        session = requests.Session()
        session.trust_env = False  # never through a proxy
        url = f"http://127.0.0.1:{server.server_port}/"
        response = session.post(url, json={"dry_run": True}, timeout=30)
        assert response.status_code == 200
        assert response.headers["Content-Type"].startswith("application/json")
        assert response.json()["dry_run"] is True
    finally:
        server.shutdown()
        thread.join(timeout=5)
