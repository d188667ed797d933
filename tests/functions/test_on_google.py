"""The functions on the Google backend: what they ask bootstrap for, and real syncs on the fake.

The last two run the production wiring end to end (no backend installed by the test):
``sheetsync.bootstrap.backend_for`` builds the Google backend, pointed at the fake server.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
import tokenkit
from fakegoogle import FakeGoogle
from functionskit import USER_TOKEN, addon_event, card_text, client, post_addon, valid_cards
from googlekit import demo_sheet

from sheetsync.entrypoints.demo import FLYER_PDF


def test_addon_on_google_asks_for_the_event_sheet_and_user_token(built, monkeypatch):
    monkeypatch.setenv("SHEETSYNC_BACKEND", "google")
    token = tokenkit.mint_token()
    response = post_addon(addon_event(token))
    valid_cards(response.get_json(), "trigger", "pushCard")
    (call,) = built.calls
    assert call.spreadsheet_id == "1AbCsheet" and call.user_token == USER_TOKEN

    outside = post_addon(addon_event(token, sheets=False))
    (card,) = valid_cards(outside.get_json(), "trigger", "pushCard")
    assert "Open sheetsync in Google Sheets" in card_text(card)
    assert len(built.calls) == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ("sheet", "malformed add-on event: sheets.id is missing"),
        ("token", "malformed add-on event: userOAuthToken is missing"),
    ],
)
def test_addon_on_google_needs_the_sheet_and_the_user_token(built, monkeypatch, change, message):
    monkeypatch.setenv("SHEETSYNC_BACKEND", "google")
    event = addon_event(tokenkit.mint_token(), action="sync")
    if change == "sheet":
        del event["sheets"]["id"]
    else:
        del event["authorizationEventObject"]["userOAuthToken"]
    response = post_addon(event)
    assert response.status_code == 400
    assert response.get_json()["error"]["message"] == message
    assert built.calls == []


def gmail_searches(target: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> list[Any]:
    """Run a real sync through ``target`` on the fake Google server; its Gmail requests."""
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
