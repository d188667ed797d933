"""The add-on endpoint's gate: its systemIdToken is verified, then its event's shape.

Nothing runs (no backend is even built) for a request refused here.
"""

from __future__ import annotations

import time

import pytest
import tokenkit
from functionskit import (
    BAD_SHEET_IDS,
    ENDPOINT,
    USER_TOKEN,
    WRONG_EMAIL,
    addon_event,
    client,
    fingerprint,
    forged_tokens,
    post_addon,
)

from sheetsync.entrypoints import idtoken_certs
from sheetsync.entrypoints.addon_event import parse_addon_event
from sheetsync.entrypoints.idtokens import CERTS_URL_ENV
from sheetsync.errors import BadRequestError


@pytest.fixture
def on_google(built, monkeypatch):
    """The Google backend, where the event's sheet id and user token are used."""
    monkeypatch.setenv("SHEETSYNC_BACKEND", "google")
    return built


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
def test_addon_rejects_bad_tokens_and_runs_nothing(built, workbook, token, status, action):
    before = fingerprint(workbook)
    response = post_addon(addon_event(token, action=action))
    assert response.status_code == status
    body = response.get_json()
    assert set(body) == {"error"} and len(body["error"]["correlation_id"]) == 32
    text = response.get_data(as_text=True)
    assert USER_TOKEN not in text and (token is None or token not in text)
    assert built.calls == []
    assert fingerprint(workbook) == before


def test_addon_forged_tokens_are_401_while_google_cannot_be_reached(built, monkeypatch):
    monkeypatch.setattr(idtoken_certs, "_FETCH_TIMEOUT_S", 1.0)
    with tokenkit.SilentServer() as silent:
        monkeypatch.setenv(CERTS_URL_ENV, silent.url)
        for token in forged_tokens(ENDPOINT, tokenkit.DEFAULT_EMAIL):
            response = post_addon(addon_event(token, action="sync"))
            assert response.status_code == 401, response.get_json()
        assert not silent.connected()
    assert built.calls == []


def test_addon_unconfigured_policy_is_500(workbook, monkeypatch):
    monkeypatch.delenv("SHEETSYNC_ADDON_SERVICE_ACCOUNT")
    response = post_addon(addon_event(tokenkit.mint_token()))
    assert response.status_code == 500


MALFORMED_EVENTS = [
    ({}, "commonEventObject is missing or not an object"),
    ({"commonEventObject": "SHEETS"}, "commonEventObject is missing or not an object"),
    (
        {"commonEventObject": {"parameters": ["action"]}},
        "commonEventObject.parameters must be an object",
    ),
    ({"commonEventObject": {"parameters": {"action": "delete-all"}}}, "unknown action parameter"),
    ({"commonEventObject": {"parameters": {"action": 1}}}, "unknown action parameter"),
    ({"commonEventObject": {}, "sheets": "yes"}, "sheets must be an object"),
    (
        {"commonEventObject": {}, "sheets": {"addonHasFileScopePermission": "yes"}},
        "sheets.addonHasFileScopePermission must be true or false",
    ),
    (
        {"commonEventObject": {}, "sheets": {"addonHasFileScopePermission": None}},
        "sheets.addonHasFileScopePermission must be true or false",
    ),
    ({"commonEventObject": {}, "sheets": {"id": "  "}}, "sheets.id must be a non-empty string"),
    ({"commonEventObject": {}, "sheets": {"id": 7}}, "sheets.id must be a non-empty string"),
]


@pytest.mark.parametrize(("event", "message"), MALFORMED_EVENTS)
def test_addon_malformed_event_is_400_naming_the_field(built, workbook, event, message):
    event = {**event, "authorizationEventObject": {"systemIdToken": tokenkit.mint_token()}}
    before = fingerprint(workbook)
    response = post_addon(event)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "malformed add-on event: " + message
    assert built.calls == []
    assert fingerprint(workbook) == before


def test_an_authorization_that_is_not_an_object_is_malformed(built):
    # Through the endpoint the token check refuses it first: there is no systemIdToken in it.
    event = {"commonEventObject": {}, "authorizationEventObject": "token"}
    assert post_addon(event).status_code == 401
    with pytest.raises(BadRequestError) as raised:
        parse_addon_event(event)
    assert str(raised.value) == "malformed add-on event: authorizationEventObject must be an object"
    assert built.calls == []


@pytest.mark.parametrize("sheet_id", BAD_SHEET_IDS)
def test_addon_refuses_a_sheet_id_that_is_not_one(on_google, sheet_id):
    event = addon_event(tokenkit.mint_token(), action="sync")
    event["sheets"]["id"] = sheet_id
    response = post_addon(event)
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert message.startswith("malformed add-on event: sheets.id is not a spreadsheet id")
    assert sheet_id not in response.get_data(as_text=True)
    assert on_google.calls == []


NOT_A_BEARER_TOKEN = "userOAuthToken is not a bearer token"


@pytest.mark.parametrize(
    ("user_token", "problem"),
    [
        ("ya29.x\r\nX-Injected: 1", NOT_A_BEARER_TOKEN),
        ("ya29 x", NOT_A_BEARER_TOKEN),
        ("tok\u00e9n", NOT_A_BEARER_TOKEN),
        ("x" * 5000, NOT_A_BEARER_TOKEN),
        ("ya29.\x00", NOT_A_BEARER_TOKEN),
        (7, "userOAuthToken must be a string"),
    ],
)
def test_addon_refuses_a_user_token_that_is_not_a_bearer_token(on_google, user_token, problem):
    # It would become an Authorization header.
    event = addon_event(tokenkit.mint_token(), action="sync")
    event["authorizationEventObject"]["userOAuthToken"] = user_token
    response = post_addon(event)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == "malformed add-on event: " + problem
    assert on_google.calls == []


def test_addon_body_must_be_json(workbook):
    response = client("addon").post("/", data=b"hello", content_type="text/plain")
    assert response.status_code == 400
