"""Credential loading for the Google backend, and the Authorization header each choice sends."""

from __future__ import annotations

import json

import google.auth.exceptions
import pytest
from fakegoogle import FakeGoogle
from google.auth.credentials import AnonymousCredentials, Credentials
from googlekit import template_sheet

from sheetsync.adapters.google.clients import batch_uri, build_clients, normalise_endpoint
from sheetsync.adapters.google.credentials import (
    GMAIL_COMPOSE_SCOPE,
    GMAIL_READONLY_SCOPE,
    GoogleCredentials,
    load_credentials,
)
from sheetsync.adapters.google.http import retry_policy
from sheetsync.adapters.google.sheets import GoogleSheetStore
from sheetsync.errors import BackendError, ConfigError


def test_endpoint_without_configuration_is_anonymous():
    creds = load_credentials({}, endpoint="http://127.0.0.1:9")
    assert isinstance(creds.sheets, AnonymousCredentials)
    assert creds.gmail is creds.sheets
    assert creds.gmail_reads_sent


def test_access_token_is_used_as_is():
    creds = load_credentials({"SHEETSYNC_ACCESS_TOKEN": "ya29.test"}, endpoint="http://x")
    assert creds.sheets.token == "ya29.test"
    assert creds.gmail_reads_sent
    compose_only = load_credentials(
        {"SHEETSYNC_ACCESS_TOKEN": "t", "SHEETSYNC_GMAIL_READ_SENT": "0"}
    )
    assert not compose_only.gmail_reads_sent


def test_gmail_token_file_and_delegation_are_exclusive():
    env = {"SHEETSYNC_GMAIL_TOKEN_FILE": "/x.json", "SHEETSYNC_DELEGATE_SUBJECT": "me@x.example"}
    with pytest.raises(ConfigError, match="not both"):
        load_credentials(env)


def test_gmail_token_file_keeps_its_scopes(tmp_path, monkeypatch):
    path = tmp_path / "token.json"
    info = {
        "type": "authorized_user",
        "client_id": "id.apps.googleusercontent.com",
        "client_secret": "secret",
        "refresh_token": "1//refresh",
        "scopes": [GMAIL_COMPOSE_SCOPE, GMAIL_READONLY_SCOPE],
    }
    path.write_text(json.dumps(info))
    service = AnonymousCredentials()
    monkeypatch.setattr("google.auth.default", lambda scopes=None: (service, "project"))
    creds = load_credentials({"SHEETSYNC_GMAIL_TOKEN_FILE": str(path)})
    assert creds.sheets is service and creds.calendar is service
    assert creds.gmail.refresh_token == "1//refresh"
    assert creds.gmail_reads_sent
    with pytest.raises(ConfigError, match="does not exist"):
        load_credentials({"SHEETSYNC_GMAIL_TOKEN_FILE": str(tmp_path / "missing.json")})


def test_endpoint_is_normalised_and_batch_uris_follow_it():
    assert normalise_endpoint("http://127.0.0.1:8080/") == "http://127.0.0.1:8080"
    assert normalise_endpoint(None) is None
    with pytest.raises(ValueError):
        normalise_endpoint("127.0.0.1:8080")
    assert batch_uri("calendar", "http://h:1/") == "http://h:1/batch/calendar/v3"
    assert batch_uri("gmail") == "https://gmail.googleapis.com/batch/gmail/v1"
    assert batch_uri("calendar") == "https://www.googleapis.com/batch/calendar/v3"


def test_a_token_sends_an_authorization_header_anonymous_does_not():
    with FakeGoogle() as server:
        sid = template_sheet(server)
        server.reset_log()
        for creds in (GoogleCredentials.from_access_token("ya29.test"), AnonymousCredentials()):
            gc, _, _ = build_clients(server.url, creds)
            GoogleSheetStore(gc, sid).read()
        assert [r.authorized for r in server.requests("sheets")] == [True, False]


def test_without_an_endpoint_the_clients_address_google():
    # Built offline (static discovery); no request is made.
    gc, calendar, gmail = build_clients(None, AnonymousCredentials())
    assert type(gc.http_client).__name__ == "HTTPClient"
    assert calendar()._baseUrl == "https://www.googleapis.com/calendar/v3/"
    assert gmail()._baseUrl == "https://gmail.googleapis.com/"


def test_with_an_endpoint_every_client_addresses_it():
    gc, calendar, gmail = build_clients("http://127.0.0.1:9/", AnonymousCredentials())
    assert gc.http_client._rewrite(
        "https://sheets.googleapis.com/v4/spreadsheets/x/values:batchGet?ranges=A"
    ) == ("http://127.0.0.1:9/v4/spreadsheets/x/values:batchGet?ranges=A")
    assert calendar()._baseUrl == "http://127.0.0.1:9/calendar/v3/"
    assert gmail()._baseUrl == "http://127.0.0.1:9/"


class _RevokedCredentials(Credentials):
    """Credentials whose refresh Google refuses, as for a revoked refresh token."""

    def __init__(self) -> None:
        super().__init__()
        self.refreshes = 0

    def refresh(self, request) -> None:
        self.refreshes += 1
        raise google.auth.exceptions.RefreshError(
            "invalid_grant: Token has been expired or revoked.",
            {"error": "invalid_grant", "error_description": "Token has been expired or revoked."},
        )


def test_a_refused_token_refresh_is_a_backend_error_not_an_internal_one():
    # Before: RefreshError was no Google error, so it escaped as "unexpected RefreshError".
    with FakeGoogle() as server:
        sid = template_sheet(server)
        creds = _RevokedCredentials()
        sheets, _, _ = build_clients(server.url, creds)
        store = GoogleSheetStore(sheets, sid, retry_policy(initial=0.001, deadline=0.5))
        with pytest.raises(BackendError) as caught:
            store.read()
    assert caught.value.code == 401
    assert str(caught.value) == (
        "Reading the Sheet failed: token refresh refused (invalid_grant) (not signed in)"
    )
    assert creds.refreshes == 1  # a refusal is not retried
