"""The Cloud Functions in main.py, through functions-framework's own app and test client.

Everything runs offline on the local backend (a demo workbook in tmp_path). The add-on's
``systemIdToken`` and the scheduler's OIDC token are real RS256 tokens minted by ``tokenkit``
and verified against certificates served on 127.0.0.1 (``SHEETSYNC_ID_TOKEN_CERTS_URL`` points
there). Every card any test receives is parsed into
``google.apps.card_v1.Card`` with unknown fields rejected (``valid_cards``).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import logging
import threading
import time
import unicodedata
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import flask
import functions_framework
import openpyxl
import pytest
import requests
import tokenkit
from google.apps.card_v1 import Card
from google.protobuf.json_format import ParseError
from werkzeug.serving import make_server
from werkzeug.test import EnvironBuilder

from sheet_template import TEMPLATE
from sheetsync import bootstrap
from sheetsync import service as sync_module
from sheetsync.config import DEFAULT_WORKBOOK, Config
from sheetsync.entrypoints import cards, idtoken_certs, idtokens
from sheetsync.entrypoints import functions as entrypoints
from sheetsync.entrypoints.demo import SETTINGS_VALUES, create_demo_workbook, sample_rows
from sheetsync.errors import BackendError, ConfigError

MAIN = str(Path(__file__).resolve().parent.parent / "main.py")
ENDPOINT = tokenkit.DEFAULT_AUDIENCE
USER_TOKEN = "ya29.user-oauth-token-that-must-never-be-logged"
SCHEDULER_AUDIENCE = "https://us-central1-sheetsync-test.cloudfunctions.net/sync-http"
SCHEDULER_SA = "sheetsync-invoker@sheetsync-test.iam.gserviceaccount.com"
WRONG_EMAIL = "intruder-sa@other-project.iam.gserviceaccount.com"


# --- fixtures -----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _certs_server() -> Iterator[tokenkit.CertsServer]:
    with tokenkit.CertsServer() as server:
        yield server


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, _certs_server: tokenkit.CertsServer) -> Iterator[None]:
    """A clean SHEETSYNC_* environment, and ID tokens verified against the local server."""
    import os

    for name in list(os.environ):
        if name.startswith("SHEETSYNC_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("SHEETSYNC_ADDON_AUDIENCE", ENDPOINT)
    monkeypatch.setenv("SHEETSYNC_ADDON_SERVICE_ACCOUNT", tokenkit.DEFAULT_EMAIL)
    _certs_server.reset()
    monkeypatch.setenv(idtokens.CERTS_URL_ENV, _certs_server.url)
    idtoken_certs.clear_cert_cache()
    yield
    idtoken_certs.clear_cert_cache()


@pytest.fixture
def workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "net" / "referral-network.xlsx"
    path.parent.mkdir()
    create_demo_workbook(path, date.today())
    monkeypatch.setenv("SHEETSYNC_WORKBOOK", str(path))
    return path


def client(target: str) -> Any:
    return functions_framework.create_app(target, source=MAIN).test_client()


def fingerprint(workbook: Path) -> tuple[str, bool, list[str]]:
    """The workbook's bytes and whatever the local backend writes beside it."""
    folder = workbook.parent
    drafts = (
        sorted(p.name for p in (folder / "drafts").glob("*"))
        if (folder / "drafts").exists()
        else []
    )
    return (
        hashlib.sha256(workbook.read_bytes()).hexdigest(),
        (folder / "calendar.ics").exists(),
        drafts,
    )


def addon_event(
    token: str | None = None,
    action: str | None = None,
    file_scope: bool | None = True,
    sheets: bool = True,
) -> dict[str, Any]:
    auth: dict[str, Any] = {"userOAuthToken": USER_TOKEN}
    if token is not None:
        auth["systemIdToken"] = token
    common: dict[str, Any] = {"hostApp": "SHEETS", "platform": "WEB", "userLocale": "en"}
    if action is not None:
        common["parameters"] = {"action": action}
    event: dict[str, Any] = {"commonEventObject": common, "authorizationEventObject": auth}
    if sheets:
        event["sheets"] = {"id": "1AbCsheet", "title": "Referral network"}
        if file_scope is not None:
            event["sheets"]["addonHasFileScopePermission"] = file_scope
    return event


def post_addon(event: dict[str, Any]) -> Any:
    return client("addon").post("/", json=event)


# --- card validation: one helper for every card ---------------------------------------------------


def valid_card(card: dict[str, Any]) -> Card:
    """Parse ``card`` as Card v1; unknown or misspelt fields fail."""
    return Card.from_json(json.dumps(card), ignore_unknown_fields=False)


def valid_cards(body: dict[str, Any], envelope: str, navigation: str) -> list[Card]:
    """Check the response envelope and validate every card in it.

    ``envelope`` is "trigger" (``{"action": ...}``) or "action" (``{"renderActions":
    {"action": ...}}``); ``navigation`` is "pushCard" or "updateCard".
    """
    if envelope == "trigger":
        assert set(body) == {"action"}
        action = body["action"]
    else:
        assert set(body) == {"renderActions"} and set(body["renderActions"]) == {"action"}
        action = body["renderActions"]["action"]
    assert set(action) == {"navigations"}
    found = []
    for nav in action["navigations"]:
        assert set(nav) == {navigation}
        found.append(valid_card(nav[navigation]))
    assert found
    return found


def button_actions(card: Card) -> dict[str, str]:
    """{button text: its action parameter}, checking every button calls the endpoint."""
    out = {}
    for section in card.sections:
        for widget in section.widgets:
            for button in widget.button_list.buttons:
                action = button.on_click.action
                assert action.function == ENDPOINT
                params = {p.key: p.value for p in action.parameters}
                out[button.text] = params["action"]
    return out


def card_text(card: Card) -> str:
    return json.dumps(type(card).to_dict(card), ensure_ascii=False)


def test_card_validation_rejects_unknown_fields():
    with pytest.raises(ParseError):
        valid_card({"header": {"title": "x"}, "sections": [], "bogus": 1})
    with pytest.raises(ParseError):
        valid_card({"sections": [{"widgets": [{"textParagraph": {"txt": "typo"}}]}]})


def test_every_builder_makes_a_valid_card():
    valid_card(cards.file_access_card(ENDPOINT))
    valid_card(cards.error_card("<oops>", "abc123"))
    valid_card(cards.notice_card("<t>", "<m>"))
    valid_card(cards.still_running_card(25, ENDPOINT))
    assert "&lt;oops&gt;" in json.dumps(cards.error_card("<oops>", "abc123"))


# --- config -------------------------------------------------------------------------------------


def test_config_defaults():
    config = Config.from_env({})
    assert config.backend == "local"
    assert config.workbook == DEFAULT_WORKBOOK
    assert config.addon_time_budget_s == 25
    assert config.log_level == "INFO"
    assert not config.scheduler_check


@pytest.mark.parametrize(
    ("environ", "words"),
    [
        ({"SHEETSYNC_BACKEND": "cloud"}, "SHEETSYNC_BACKEND"),
        ({"SHEETSYNC_ADDON_TIME_BUDGET_S": "soon"}, "number"),
        ({"SHEETSYNC_ADDON_TIME_BUDGET_S": "-1"}, "positive"),
        ({"SHEETSYNC_LOG_LEVEL": "LOUD"}, "SHEETSYNC_LOG_LEVEL"),
        ({"SHEETSYNC_SCHEDULER_AUDIENCE": "https://x"}, "together"),
    ],
)
def test_config_rejects_malformed_values(environ, words):
    with pytest.raises(ConfigError, match=words):
        Config.from_env(environ)


def test_config_repr_hides_secrets():
    config = Config.from_env(
        {
            "SHEETSYNC_BACKEND": "Google",
            "SHEETSYNC_ACCESS_TOKEN": "secret-token",
            "SHEETSYNC_DELEGATE_SUBJECT": "alex@brightside.example",
            "SHEETSYNC_ADDON_TIME_BUDGET_S": "7.5",
        }
    )
    assert config.backend == "google" and config.addon_time_budget_s == 7.5
    assert "secret-token" not in repr(config) and "alex@" not in repr(config)


# --- sync_http ----------------------------------------------------------------------------------


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


#: Spreadsheet ids that would leave the Sheets URL path or add a query (see test_spreadsheet_ids).
BAD_SHEET_IDS = ["../../x", "a/b?c", "x" * 129, "a b", "ab\u2028cd"]


@pytest.fixture
def google_calls(monkeypatch: pytest.MonkeyPatch, workbook: Path) -> list[str]:
    """The spreadsheet ids the Google backend is built for (it then runs on the workbook)."""
    calls: list[str] = []

    def fake_google_backend(spreadsheet_id: str, **kwargs: Any) -> Any:
        calls.append(spreadsheet_id)
        return bootstrap.local_backend(workbook)

    monkeypatch.setenv("SHEETSYNC_BACKEND", "google")
    monkeypatch.setenv("SHEETSYNC_ACCESS_TOKEN", "test-token")
    monkeypatch.setattr(bootstrap, "google_backend", fake_google_backend)
    return calls


@pytest.mark.parametrize("sheet_id", BAD_SHEET_IDS)
def test_sync_http_refuses_a_spreadsheet_id_that_is_not_one(google_calls, sheet_id):
    response = client("sync_http").post("/", json={"spreadsheet_id": sheet_id})
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert message.startswith("spreadsheet_id is not a spreadsheet id")
    assert sheet_id not in response.get_data(as_text=True)
    assert google_calls == []


def test_sync_http_strips_a_spreadsheet_id(google_calls):
    response = client("sync_http").post("/", json={"spreadsheet_id": " 1AbC_d-9 ", "dry_run": True})
    assert response.status_code == 200
    assert google_calls == ["1AbC_d-9"]


FORGING_KEYS = [
    "dry_run\nERROR sheetsync.entrypoints.functions: sync_http failed: status=500 forged",
    "x\r\nWARNING forged",
    "a\u2028b\u2029c",
    "\x1b[31mred\x1b[0m",
    "\u202eevil",
    "\ud800lone",
    "k" * 5_000,
]


def test_echoed_body_keys_cannot_forge_or_break_log_lines(workbook, caplog):
    caplog.set_level(logging.INFO)
    body = json.dumps({key: 1 for key in FORGING_KEYS}).encode("ascii")
    response = client("sync_http").post("/", data=body, content_type="application/json")
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert message.startswith("unknown field(s) in request body: ")
    records = [r for r in caplog.records if r.name == "sheetsync.entrypoints.functions"]
    assert len(records) == 1
    line = records[0].getMessage()
    for text in (message, line):
        assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in text)
        assert "k" * 41 not in text
    assert "'dry_runERROR sheetsync.entrypoints.func…'" in message
    assert message.endswith(" and 2 more")
    assert message in line


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("dry_run", 40, "dry_run"),
        ("a\tb\nc\rd\x00e\x7ff", 40, "abcdef"),
        ("zwj\u200dbidi\u202ebom\ufeff", 40, "zwjbidibom"),
        ("Zoë 日本", 40, "Zoë 日本"),
        ("x" * 41, 40, "x" * 39 + "…"),
        ("x" * 40, 40, "x" * 40),
        ("\n" * 100 + "ok", 4, "ok"),
        ("long " * 100, None, "long " * 100),
    ],
)
def test_printable(text, limit, expected):
    assert entrypoints.printable(text, limit) == expected


def test_sync_http_missing_workbook_is_a_backend_error(tmp_path, monkeypatch):
    monkeypatch.setenv("SHEETSYNC_WORKBOOK", str(tmp_path / "nothing.xlsx"))
    response = client("sync_http").post("/")
    assert response.status_code == 502
    assert "No workbook" in response.get_json()["error"]["message"]


def test_unexpected_errors_are_500_without_details(workbook, monkeypatch, caplog):
    def explode(*args: Any, **kwargs: Any) -> Any:
        raise KeyError("Priya Raman")

    monkeypatch.setattr(sync_module, "run_sync", explode)
    caplog.set_level(logging.DEBUG)
    response = client("sync_http").post("/")
    assert response.status_code == 500
    error = response.get_json()["error"]
    assert error["message"] == "internal error"
    assert "Priya" not in response.get_data(as_text=True)
    assert "Priya" not in caplog.text and "Traceback" not in caplog.text
    assert error["correlation_id"] in caplog.text


def test_sync_http_google_backend_gets_the_body_spreadsheet(workbook, monkeypatch):
    calls: list[tuple[str, dict[str, Any]]] = []

    def fake_google_backend(spreadsheet_id: str, **kwargs: Any) -> Any:
        calls.append((spreadsheet_id, kwargs))
        return bootstrap.local_backend(workbook)

    monkeypatch.setenv("SHEETSYNC_BACKEND", "google")
    monkeypatch.setenv("SHEETSYNC_SPREADSHEET_ID", "from-env")
    monkeypatch.setenv("SHEETSYNC_API_ENDPOINT", "http://127.0.0.1:9")
    monkeypatch.setenv("SHEETSYNC_CALENDAR_ID", "cal@example")
    monkeypatch.setattr(bootstrap, "google_backend", fake_google_backend)
    response = client("sync_http").post("/", json={"spreadsheet_id": "from-body", "dry_run": True})
    assert response.status_code == 200
    (sheet_id, kwargs) = calls[0]
    assert sheet_id == "from-body"
    assert kwargs["endpoint"] == "http://127.0.0.1:9" and kwargs["calendar_id"] == "cal@example"


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
            monkeypatch.setenv(idtokens.CERTS_URL_ENV, silent.url)
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


def forged_tokens(audience: str, email: str) -> list[str]:
    """Tokens whose claims alone give them away (signed with a key nobody publishes)."""
    now = int(time.time())
    key = tokenkit.other_key()
    return [
        tokenkit.mint_token(key, aud="https://elsewhere.example/x", email=email),
        tokenkit.mint_token(key, aud=audience, email=email, iss="https://evil.example"),
        tokenkit.mint_token(key, aud=audience, email=WRONG_EMAIL),
        tokenkit.mint_token(key, aud=audience, email=email, iat=now - 7200, exp=now - 3600),
        tokenkit.mint_token(key, aud=audience, email=email, iat=now, exp=now + 10 * 365 * 86400),
        tokenkit.mint_token(key, aud=audience, email=email, alg="HS256"),
    ]


# --- requests: method, size, nesting --------------------------------------------------------------

MAX_BODY = entrypoints._MAX_BODY_BYTES


class CountingStream(io.RawIOBase):
    """A request body of ``total`` bytes (``head``, then spaces) that counts what was read."""

    def __init__(self, total: int, head: bytes = b"") -> None:
        self.body = memoryview(head + b" " * (total - len(head)))
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self.body[self.served : self.served + len(buffer)]
        buffer[: len(chunk)] = chunk
        self.served += len(chunk)
        return len(chunk)


def raw_request(stream: CountingStream, content_length: int | None) -> flask.Request:
    """A POST of ``stream``: with a Content-Length, or chunked (as gunicorn passes it on)."""
    environ = EnvironBuilder(method="POST", content_type="application/json").get_environ()
    environ["wsgi.input"] = stream
    if content_length is None:
        environ.pop("CONTENT_LENGTH", None)
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
        environ["wsgi.input_terminated"] = True
    else:
        environ["CONTENT_LENGTH"] = str(content_length)
    return flask.Request(environ)


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"])
@pytest.mark.parametrize("target", ["sync_http", "addon"])
def test_only_post_is_accepted(workbook, monkeypatch, target, method):
    ran: list[bool] = []
    monkeypatch.setattr(sync_module, "run_sync", lambda *a, **k: ran.append(True))
    before = fingerprint(workbook)
    response = client(target).open("/", method=method)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    if method != "HEAD":
        assert response.get_json()["error"]["message"] == "only POST is accepted"
    assert not ran
    assert fingerprint(workbook) == before


def test_get_never_syncs_even_with_a_valid_scheduler_token(workbook, monkeypatch):
    monkeypatch.setenv("SHEETSYNC_SCHEDULER_AUDIENCE", SCHEDULER_AUDIENCE)
    monkeypatch.setenv("SHEETSYNC_SCHEDULER_SERVICE_ACCOUNT", SCHEDULER_SA)
    token = tokenkit.mint_token(aud=SCHEDULER_AUDIENCE, email=SCHEDULER_SA)
    before = fingerprint(workbook)
    response = client("sync_http").get("/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 405
    assert fingerprint(workbook) == before


def test_an_empty_post_syncs_the_configured_sheet(google_calls, monkeypatch):
    monkeypatch.setenv("SHEETSYNC_SPREADSHEET_ID", "1Configured")
    response = client("sync_http").post("/")
    assert response.status_code == 200
    assert google_calls == ["1Configured"]


DEEP_BODIES = [
    pytest.param(b"[" * 200_000, id="open-brackets"),
    pytest.param(b"[" * 50_000 + b"]" * 50_000, id="closed-brackets"),
    pytest.param(b'{"a":' * 50_000 + b"1" + b"}" * 50_000, id="objects"),
    pytest.param(b'{"dry_run": ' + b"[" * 5_000 + b"]" * 5_000 + b"}", id="in-a-field"),
]


@pytest.mark.parametrize("body", DEEP_BODIES)
@pytest.mark.parametrize("target", ["sync_http", "addon"])
def test_deeply_nested_json_is_400(workbook, target, body):
    before = fingerprint(workbook)
    response = client(target).post("/", data=body, content_type="application/json")
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["message"] == "request body is nested too deeply"
    assert fingerprint(workbook) == before


@pytest.mark.parametrize("target", ["sync_http", "addon"])
def test_a_body_over_the_limit_is_413(workbook, target):
    response = client(target).post("/", data=b" " * (MAX_BODY + 1), content_type="text/plain")
    assert response.status_code == 413
    assert "too large" in response.get_json()["error"]["message"]


def test_a_body_at_the_limit_is_read(workbook):
    body = b'{"dry_run": true}'
    body += b" " * (MAX_BODY - len(body))
    response = client("sync_http").post("/", data=body, content_type="application/json")
    assert response.status_code == 200
    assert response.get_json()["dry_run"] is True


@pytest.mark.parametrize("function", [entrypoints.sync_http, entrypoints.addon])
def test_a_declared_length_over_the_limit_is_refused_before_reading(workbook, function):
    stream = CountingStream(MAX_BODY * 20)
    body, status, _ = function(raw_request(stream, content_length=MAX_BODY * 20))
    assert status == 413, body
    assert stream.served == 0


@pytest.mark.parametrize("function", [entrypoints.sync_http, entrypoints.addon])
def test_a_chunked_body_is_read_only_up_to_the_limit(workbook, function):
    stream = CountingStream(MAX_BODY * 20)
    body, status, _ = function(raw_request(stream, content_length=None))
    assert status == 413, body
    assert MAX_BODY < stream.served <= MAX_BODY + 1


def test_a_chunked_body_at_the_limit_is_read_whole(workbook):
    stream = CountingStream(MAX_BODY, head=b'{"dry_run": true}')
    body, status, _ = entrypoints.sync_http(raw_request(stream, content_length=None))
    assert status == 200, body
    assert json.loads(body)["dry_run"] is True
    assert stream.served == MAX_BODY


def test_a_body_shorter_than_declared_is_400(workbook):
    stream = CountingStream(10)
    body, status, _ = entrypoints.sync_http(raw_request(stream, content_length=100))
    assert status == 400
    assert "ended before its declared length" in json.loads(body)["error"]["message"]


# --- sync_pubsub --------------------------------------------------------------------------------


def pubsub_post(data: dict[str, Any]) -> Any:
    headers = {
        "ce-id": "1234",
        "ce-specversion": "1.0",
        "ce-source": "//pubsub.googleapis.com/projects/p/topics/sheetsync",
        "ce-type": "google.cloud.pubsub.topic.v1.messagePublished",
        "Content-Type": "application/json",
    }
    return client("sync_pubsub").post("/", headers=headers, data=json.dumps(data))


def b64(raw: bytes) -> str:
    return base64.b64encode(raw).decode("ascii")


def test_pubsub_with_good_data_syncs(workbook):
    message = {"message": {"data": b64(b'{"spreadsheet_id": "1AbC"}'), "messageId": "1"}}
    response = pubsub_post(message)
    assert response.status_code == 200
    assert (workbook.parent / "calendar.ics").exists()
    assert list((workbook.parent / "drafts").glob("*.eml"))


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"nothing": 1}, "not a Pub/Sub message"),
        ({"message": {}}, "has no data"),
        ({"message": {"data": "%%%not base64"}}, "not base64"),
        ({"message": {"data": b64(b"spreadsheet 1AbC")}}, "not JSON"),
        ({"message": {"data": b64(b'{"sheet": "1AbC"}')}}, "no spreadsheet_id"),
        ({"message": {"data": b64(b'{"spreadsheet_id": ""}')}}, "no spreadsheet_id"),
        ({"message": {"data": b64(b'{"spreadsheet_id": "../../x"}')}}, "not a spreadsheet id"),
        ({"message": {"data": b64(b'{"spreadsheet_id": "a/b?c"}')}}, "not a spreadsheet id"),
        ({"message": {"data": b64(b'{"spreadsheet_id": 7, "who": "Priya Raman"}')}}, "no spr"),
        ({"message": {"data": b64(b"[" * 100_000)}}, "not JSON"),
        ({"message": {"data": b64(b'{"a":' * 20_000 + b"1" + b"}" * 20_000)}}, "not JSON"),
        ({"message": {"data": "A" * 2_000_000}}, "too large"),
        ({"message": {"data": b64(b"\xff\xfe")}}, "not JSON"),
        ({"message": "Priya Raman"}, "not a Pub/Sub message"),
        ([1, 2], "not a Pub/Sub message"),
    ],
)
def test_pubsub_malformed_message_is_acknowledged_with_one_warning(workbook, caplog, data, words):
    # It can never succeed: answering 2xx acknowledges it, so Pub/Sub does not redeliver it.
    before = fingerprint(workbook)
    caplog.set_level(logging.DEBUG)
    response = pubsub_post(data)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "OK"
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    line = record.getMessage()
    assert line.startswith("sync_pubsub dropped a malformed message: status=400")
    assert words in line and "spreadsheet_id" in line
    assert f"correlation_id={record.correlation_id}" in line
    assert len(record.correlation_id) == 32
    assert "Priya" not in caplog.text and "Traceback" not in caplog.text
    assert fingerprint(workbook) == before
    assert entrypoints.sync_pubsub(SimpleNamespace(data=data)) is None


def test_pubsub_failed_sync_is_raised_so_pubsub_retries(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("SHEETSYNC_WORKBOOK", str(tmp_path / "missing.xlsx"))
    message = {"message": {"data": b64(b'{"spreadsheet_id": "1AbC"}'), "messageId": "1"}}
    caplog.set_level(logging.INFO)
    assert pubsub_post(message).status_code == 500
    with pytest.raises(BackendError, match="No workbook") as raised:
        entrypoints.sync_pubsub(SimpleNamespace(data=message))
    assert any("correlation id" in note for note in raised.value.__notes__)


def test_pubsub_bad_configuration_is_raised(workbook, monkeypatch):
    monkeypatch.setenv("SHEETSYNC_BACKEND", "cloud")
    with pytest.raises(ConfigError):
        entrypoints.sync_pubsub(SimpleNamespace(data={"nothing": 1}))


# --- addon: authentication ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("token", "status"),
    [
        pytest.param(None, 401, id="missing"),
        pytest.param(
            tokenkit.mint_token(iat=int(time.time()) - 7200, exp=int(time.time()) - 3600),
            401,
            id="expired",
        ),
        pytest.param(
            tokenkit.mint_token(aud="https://elsewhere.example/addon"), 401, id="audience"
        ),
        pytest.param(tokenkit.mint_token(iss="https://evil.example"), 401, id="issuer"),
        pytest.param(tokenkit.mint_token(email=WRONG_EMAIL), 401, id="wrong-email"),
        pytest.param(tokenkit.mint_token(key=tokenkit.other_key()), 401, id="bad-signature"),
        pytest.param(tokenkit.mint_token(email_verified=False), 403, id="unverified-email"),
        pytest.param("not.a.jwt", 401, id="garbage"),
    ],
)
@pytest.mark.parametrize("action", [None, "sync"])
def test_addon_rejects_bad_tokens_and_runs_nothing(workbook, monkeypatch, token, status, action):
    ran: list[bool] = []
    monkeypatch.setattr(sync_module, "run_sync", lambda *a, **k: ran.append(True))
    before = fingerprint(workbook)
    response = post_addon(addon_event(token, action=action))
    assert response.status_code == status
    body = response.get_json()
    assert set(body) == {"error"} and len(body["error"]["correlation_id"]) == 32
    text = response.get_data(as_text=True)
    assert USER_TOKEN not in text and (token is None or token not in text)
    assert not ran
    assert fingerprint(workbook) == before


def test_addon_forged_tokens_are_401_while_google_cannot_be_reached(workbook, monkeypatch):
    monkeypatch.setattr(idtoken_certs, "_FETCH_TIMEOUT_S", 1.0)
    ran: list[bool] = []
    monkeypatch.setattr(sync_module, "run_sync", lambda *a, **k: ran.append(True))
    with tokenkit.SilentServer() as silent:
        monkeypatch.setenv(idtokens.CERTS_URL_ENV, silent.url)
        for token in forged_tokens(ENDPOINT, tokenkit.DEFAULT_EMAIL):
            response = post_addon(addon_event(token, action="sync"))
            assert response.status_code == 401, response.get_json()
        assert not silent.connected()
    assert not ran


def test_addon_unconfigured_policy_is_500(workbook, monkeypatch):
    monkeypatch.delenv("SHEETSYNC_ADDON_SERVICE_ACCOUNT")
    response = post_addon(addon_event(tokenkit.mint_token()))
    assert response.status_code == 500


@pytest.mark.parametrize(
    "event",
    [
        pytest.param({"authorizationEventObject": {}}, id="no-common"),
        pytest.param({"commonEventObject": {"parameters": {"action": "delete-all"}}}, id="action"),
        pytest.param({"commonEventObject": {}, "sheets": "yes"}, id="sheets-type"),
        pytest.param(
            {"commonEventObject": {}, "sheets": {"addonHasFileScopePermission": "yes"}},
            id="permission-type",
        ),
    ],
)
def test_addon_malformed_event_is_400(workbook, event):
    event = {**event, "authorizationEventObject": {"systemIdToken": tokenkit.mint_token()}}
    before = fingerprint(workbook)
    response = post_addon(event)
    assert response.status_code == 400
    assert "malformed add-on event" in response.get_json()["error"]["message"]
    assert fingerprint(workbook) == before


@pytest.mark.parametrize("sheet_id", BAD_SHEET_IDS)
def test_addon_refuses_a_sheet_id_that_is_not_one(google_calls, sheet_id):
    event = addon_event(tokenkit.mint_token(), action="sync")
    event["sheets"]["id"] = sheet_id
    response = post_addon(event)
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert message.startswith("malformed add-on event: sheets.id is not a spreadsheet id")
    assert sheet_id not in response.get_data(as_text=True)
    assert google_calls == []


@pytest.mark.parametrize(
    "user_token", ["ya29.x\r\nX-Injected: 1", "ya29 x", "tok\u00e9n", "x" * 5000, "ya29.\x00"]
)
def test_addon_refuses_a_user_token_that_is_not_a_bearer_token(google_calls, user_token):
    event = addon_event(tokenkit.mint_token(), action="sync")
    event["authorizationEventObject"]["userOAuthToken"] = user_token
    response = post_addon(event)
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert message == "malformed add-on event: userOAuthToken is not a bearer token"
    assert google_calls == []


def test_addon_body_must_be_json(workbook):
    response = client("addon").post("/", data=b"hello", content_type="text/plain")
    assert response.status_code == 400


# --- addon: cards -------------------------------------------------------------------------------


def test_addon_homepage_shows_goals_and_changes_nothing(workbook):
    before = fingerprint(workbook)
    response = post_addon(addon_event(tokenkit.mint_token()))
    assert response.status_code == 200
    (card,) = valid_cards(response.get_json(), "trigger", "pushCard")
    text = card_text(card)
    assert "Therapists in other specialties" in text and "Overdue follow-ups" in text
    assert "Rows with problems: " in text and "Next actions" in text
    assert button_actions(card) == {"Sync now": "sync", "Preview": "preview"}
    assert fingerprint(workbook) == before


def test_addon_preview_then_sync(workbook):
    token = tokenkit.mint_token()
    before = fingerprint(workbook)
    preview = post_addon(addon_event(token, action="preview"))
    assert preview.status_code == 200
    (card,) = valid_cards(preview.get_json(), "action", "pushCard")
    text = card_text(card)
    assert "Cells to write" in text and "Events" in text and "Drafts" in text
    assert button_actions(card) == {"Sync now": "sync", "Back": "home"}
    assert fingerprint(workbook) == before

    synced = post_addon(addon_event(token, action="sync"))
    assert synced.status_code == 200
    (card,) = valid_cards(synced.get_json(), "action", "updateCard")
    assert "Sync finished" in card_text(card)
    assert fingerprint(workbook) != before

    home = post_addon(addon_event(token))
    (card,) = valid_cards(home.get_json(), "trigger", "pushCard")
    assert "Last sync: 20" in card_text(card)
    assert list((workbook.parent / "drafts").glob("*.eml"))

    home = post_addon(addon_event(token, action="home"))
    valid_cards(home.get_json(), "action", "updateCard")


def test_addon_without_file_scope_asks_for_it(workbook):
    token = tokenkit.mint_token()
    before = fingerprint(workbook)
    for permission in (False, None):
        response = post_addon(addon_event(token, file_scope=permission))
        (card,) = valid_cards(response.get_json(), "trigger", "pushCard")
        assert button_actions(card) == {"Grant access": "grant_access"}
    response = post_addon(addon_event(token, action="sync", file_scope=False))
    (card,) = valid_cards(response.get_json(), "action", "updateCard")
    assert button_actions(card) == {"Grant access": "grant_access"}
    grant = post_addon(addon_event(token, action="grant_access", file_scope=False))
    assert grant.get_json() == {
        "renderActions": {
            "hostAppAction": {"editorAction": {"requestFileScopeForActiveDocument": {}}}
        }
    }
    assert fingerprint(workbook) == before


def test_addon_backend_failure_is_an_error_card(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("SHEETSYNC_WORKBOOK", str(tmp_path / "missing.xlsx"))
    caplog.set_level(logging.INFO)
    response = post_addon(addon_event(tokenkit.mint_token()))
    assert response.status_code == 200
    (card,) = valid_cards(response.get_json(), "trigger", "pushCard")
    text = card_text(card)
    assert "Something went wrong" in text
    reference = card.sections[0].widgets[1].decorated_text.text
    assert len(reference) == 32 and reference in caplog.text


def test_addon_escapes_spreadsheet_text(workbook):
    wb = openpyxl.load_workbook(workbook)
    ws = wb["Contacts"]
    for row in ws.iter_rows():
        for cell in row:
            if cell.value == "Tom Becker":  # nurturing, last contact 75 days ago: overdue
                cell.value = "<b>x</b>"
    wb.save(workbook)
    token = tokenkit.mint_token()
    for action in (None, "preview", "sync"):
        response = post_addon(addon_event(token, action=action))
        assert response.status_code == 200
        raw = response.get_data(as_text=True)
        assert "<b>x</b>" not in raw
        assert "&lt;b&gt;x&lt;/b&gt;" in raw
        envelope = "trigger" if action is None else "action"
        navigation = "pushCard" if action in (None, "preview") else "updateCard"
        valid_cards(response.get_json(), envelope, navigation)


def test_addon_time_budget(workbook, monkeypatch):
    release = threading.Event()

    def slow(*args: Any, **kwargs: Any) -> Any:
        release.wait(10)
        raise RuntimeError("released")

    monkeypatch.setattr(sync_module, "run_sync", slow)
    monkeypatch.setenv("SHEETSYNC_ADDON_TIME_BUDGET_S", "0.2")
    token = tokenkit.mint_token()
    try:
        started = time.monotonic()
        synced = post_addon(addon_event(token, action="sync"))
        assert time.monotonic() - started < 5
        (card,) = valid_cards(synced.get_json(), "action", "updateCard")
        assert "Still syncing" in card_text(card)
        home = post_addon(addon_event(token))
        (card,) = valid_cards(home.get_json(), "trigger", "pushCard")
        assert "Taking longer" in card_text(card)
    finally:
        release.set()


def test_addon_on_google_uses_the_event_sheet_and_user_token(workbook, monkeypatch):
    calls: list[tuple[str, Any]] = []

    def fake_google_backend(spreadsheet_id: str, **kwargs: Any) -> Any:
        calls.append((spreadsheet_id, kwargs["credentials"]))
        return bootstrap.local_backend(workbook)

    monkeypatch.setenv("SHEETSYNC_BACKEND", "google")
    monkeypatch.setattr(bootstrap, "google_backend", fake_google_backend)
    token = tokenkit.mint_token()
    response = post_addon(addon_event(token))
    valid_cards(response.get_json(), "trigger", "pushCard")
    sheet_id, credentials = calls[0]
    assert sheet_id == "1AbCsheet"
    assert credentials.sheets.token == USER_TOKEN and credentials.gmail.token == USER_TOKEN
    assert credentials.gmail_reads_sent is False

    outside = post_addon(addon_event(token, sheets=False))
    (card,) = valid_cards(outside.get_json(), "trigger", "pushCard")
    assert "Open sheetsync in Google Sheets" in card_text(card)
    assert len(calls) == 1


def gmail_searches(target: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Any]:
    """Run a real sync through ``target`` on the fake Google server; its Gmail requests."""
    from fakegoogle import FakeGoogle
    from googlekit import demo_sheet

    from sheetsync.entrypoints.demo import FLYER_PDF

    (tmp_path / "flyer.pdf").write_bytes(FLYER_PDF)
    with FakeGoogle(seed=5) as server:
        sheet_id = demo_sheet(server, date.today())
        monkeypatch.setenv("SHEETSYNC_BACKEND", "google")
        monkeypatch.setenv("SHEETSYNC_API_ENDPOINT", server.url)
        monkeypatch.setenv("SHEETSYNC_FLYER_DIR", str(tmp_path))
        server.reset_log()
        if target == "addon":
            event = addon_event(tokenkit.mint_token(), action="sync")
            event["sheets"]["id"] = sheet_id
            response = post_addon(event)
            (card,) = valid_cards(response.get_json(), "action", "updateCard")
            assert "Sync finished" in card_text(card)
        else:
            monkeypatch.setenv("SHEETSYNC_ACCESS_TOKEN", "scheduled-token")
            response = client("sync_http").post("/", json={"spreadsheet_id": sheet_id})
            assert response.status_code == 200, response.get_json()
        assert server.gmail_drafts()  # the sync did create drafts
        return server.requests("gmail")


def test_addon_sync_on_google_checks_drafts_only(monkeypatch, tmp_path):
    # The add-on's token has gmail.compose only, which may not search sent mail.
    gmail = gmail_searches("addon", monkeypatch, tmp_path)
    assert any(r.method_id == "gmail.users.drafts.list" for r in gmail)
    assert not any(r.method_id == "gmail.users.messages.list" for r in gmail)
    assert all(r.authorized for r in gmail)


def test_scheduled_sync_on_google_also_searches_sent_mail(monkeypatch, tmp_path):
    # The other side: the same sync with the scheduled credentials does search sent mail.
    gmail = gmail_searches("sync_http", monkeypatch, tmp_path)
    assert any(r.method_id == "gmail.users.messages.list" for r in gmail)


# --- privacy --------------------------------------------------------------------------------------


def _sample_people() -> set[str]:
    """Every name and email in the demo network, and the demo practice's own."""
    today = date.today()
    keys = [c.key for c in TEMPLATE.tab("Contacts").columns]
    wanted = {"name", "email", "practice_manager", "practice_manager_email"}
    people = {
        str(value).strip()
        for row in sample_rows(today)["Contacts"]
        for key, value in zip(keys, row, strict=True)
        if key in wanted and value
    }
    people |= {SETTINGS_VALUES["Your name"], SETTINGS_VALUES["Your email"]}
    return {p for p in people if p}


def test_logs_carry_no_names_emails_or_tokens(workbook, monkeypatch, caplog):
    monkeypatch.setenv("SHEETSYNC_LOG_LEVEL", "DEBUG")
    caplog.set_level(logging.DEBUG)
    token = tokenkit.mint_token()
    bad_token = tokenkit.mint_token(email=WRONG_EMAIL)
    bodies = [
        post_addon(addon_event(token)),
        post_addon(addon_event(token, action="preview")),
        post_addon(addon_event(token, action="sync")),
        post_addon(addon_event(bad_token, action="sync")),
        client("sync_http").post("/"),
        client("sync_http").post("/", json={"dry_run": "x"}),
    ]
    assert [b.status_code for b in bodies] == [200, 200, 200, 401, 200, 400]
    logged = caplog.text + "".join(repr(r.__dict__) for r in caplog.records)
    assert "sync finished" in logged
    people = _sample_people()
    assert len(people) > 20
    for secret in (*people, token, bad_token, USER_TOKEN):
        assert secret not in logged
    for response in bodies[3:]:
        text = response.get_data(as_text=True)
        assert all(p not in text for p in people)
        assert token not in text and bad_token not in text and USER_TOKEN not in text


# --- real HTTP ------------------------------------------------------------------------------------


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
