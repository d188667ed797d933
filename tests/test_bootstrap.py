"""The composition root: ``bootstrap.backend_for`` builds what a Config names, and only that.

Every dependency is a parameter, so these tests build real backends (no network is used until
a sync runs) and look at how they were wired: which files, which spreadsheet, which token,
which calendar, which clock.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from fakegoogle import FakeGoogle
from googlekit import NOW, demo_sheet

from sheetsync import bootstrap
from sheetsync.adapters.google.credentials import GoogleCredentials
from sheetsync.adapters.google.gmail import GmailMailbox
from sheetsync.adapters.google.sheets import GoogleSheetStore
from sheetsync.adapters.local.xlsx_store import XlsxStore
from sheetsync.config import Config
from sheetsync.errors import ConfigError
from sheetsync.service import run_sync

USER_TOKEN = "ya29.the-add-on-users-token"
ENDPOINT = "http://127.0.0.1:9"


def google_config(**settings: str) -> Config:
    """A Google Config read the way the functions read theirs, pointed at a dead local port."""
    return Config.from_env(
        {"SHEETSYNC_BACKEND": "google", "SHEETSYNC_API_ENDPOINT": ENDPOINT, **settings}
    )


def test_the_local_backend_is_the_configured_workbook(tmp_path: Path) -> None:
    workbook = tmp_path / "net" / "mine.xlsx"
    config = Config.from_env({"SHEETSYNC_WORKBOOK": str(workbook)})
    # A request's spreadsheet id and token never point the local backend elsewhere.
    backend = bootstrap.backend_for(config, "1Other", USER_TOKEN)
    assert isinstance(backend.sheet, XlsxStore) and backend.sheet.path == workbook
    assert backend.calendar.path == tmp_path / "net" / "calendar.ics"  # type: ignore[attr-defined]


def test_google_needs_a_spreadsheet_from_the_request_or_the_settings() -> None:
    with pytest.raises(ConfigError, match="No spreadsheet to sync: set SHEETSYNC_SPREADSHEET_ID"):
        bootstrap.backend_for(google_config(SHEETSYNC_ACCESS_TOKEN="t"))


def test_the_requests_spreadsheet_wins_over_the_settings() -> None:
    config = google_config(SHEETSYNC_ACCESS_TOKEN="t", SHEETSYNC_SPREADSHEET_ID="1FromEnv")
    configured = bootstrap.backend_for(config)
    requested = bootstrap.backend_for(config, "1FromRequest")
    assert isinstance(configured.sheet, GoogleSheetStore)
    assert isinstance(requested.sheet, GoogleSheetStore)
    assert configured.sheet.spreadsheet_id == "1FromEnv"
    assert requested.sheet.spreadsheet_id == "1FromRequest"


def test_the_add_on_users_token_checks_drafts_only() -> None:
    # Its token is granted gmail.compose only, which cannot search sent mail.
    credentials = bootstrap.credentials_for(google_config(), USER_TOKEN)
    assert credentials.sheets.token == USER_TOKEN and credentials.gmail.token == USER_TOKEN
    assert credentials.gmail_reads_sent is False
    backend = bootstrap.backend_for(google_config(), "1AbCsheet", USER_TOKEN)
    assert isinstance(backend.sheet, GoogleSheetStore) and isinstance(backend.mailbox, GmailMailbox)
    assert backend.sheet.client.http_client.auth.token == USER_TOKEN
    assert backend.mailbox.check_sent is False


def test_without_a_user_token_the_credentials_come_from_the_configs_environment() -> None:
    config = google_config(SHEETSYNC_ACCESS_TOKEN="scheduled-token")
    backend = bootstrap.backend_for(config, "1AbCsheet")
    assert isinstance(backend.sheet, GoogleSheetStore) and isinstance(backend.mailbox, GmailMailbox)
    assert backend.sheet.client.http_client.auth.token == "scheduled-token"
    assert backend.mailbox.check_sent is True


def test_the_settings_reach_the_google_adapters(tmp_path: Path) -> None:
    config = google_config(
        SHEETSYNC_ACCESS_TOKEN="t",
        SHEETSYNC_CALENDAR_ID="cal@example",
        SHEETSYNC_FLYER_DIR=str(tmp_path),
    )
    backend = bootstrap.backend_for(config, "1AbCsheet")
    assert backend.calendar.calendar_id == "cal@example"  # type: ignore[attr-defined]
    batch = backend.calendar.batcher.batch_uri  # type: ignore[attr-defined]
    assert batch == ENDPOINT + "/batch/calendar/v3"
    assert backend.flyers is not None and backend.flyers.folder == tmp_path


def test_given_credentials_and_clock_are_used() -> None:
    def clock() -> datetime:
        return datetime(2030, 1, 2, tzinfo=UTC)

    mine = GoogleCredentials.from_access_token("given-token", reads_sent=False)
    config = google_config(SHEETSYNC_ACCESS_TOKEN="environment-token")
    backend = bootstrap.backend_for(config, "1AbCsheet", credentials=mine, clock=clock)
    assert isinstance(backend.sheet, GoogleSheetStore) and isinstance(backend.mailbox, GmailMailbox)
    assert backend.sheet.client.http_client.auth.token == "given-token"
    assert backend.mailbox.clock is clock


def test_a_backend_for_a_config_syncs_a_sheet_on_the_fake_google() -> None:
    with FakeGoogle(seed=3) as server:
        sheet_id = demo_sheet(server, NOW.date())
        server.reset_log()
        config = Config.from_env(
            {"SHEETSYNC_BACKEND": "google", "SHEETSYNC_API_ENDPOINT": server.url}
        )
        report = run_sync(bootstrap.backend_for(config, sheet_id, USER_TOKEN), NOW)
        assert report.created > 0
        assert server.gmail_drafts() and server.calendar_events("primary")
        for api in ("sheets", "calendar", "gmail"):
            assert server.requests(api) and all(r.authorized for r in server.requests(api))


def test_sheets_client_for_init_uses_the_given_environment() -> None:
    client = bootstrap.sheets_client_for(ENDPOINT, {"SHEETSYNC_ACCESS_TOKEN": "init-token"})
    assert client.http_client.auth.token == "init-token"
    assert client.http_client.endpoint == ENDPOINT
