"""The add-on's answers: Card v1 JSON for the homepage, a preview, a sync, and every detour.

Every card a test receives is parsed into ``google.apps.card_v1.Card`` with unknown fields
rejected (``functionskit.valid_cards``).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time

import openpyxl
import pytest
import tokenkit
from functionskit import (
    ENDPOINT,
    addon_event,
    button_actions,
    card_text,
    fingerprint,
    post_addon,
    valid_card,
    valid_cards,
)
from google.protobuf.json_format import ParseError

from sheetsync.bootstrap import local_backend
from sheetsync.entrypoints import backends, cards


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


class BlockingSheet:
    """The workbook's store, but its read waits for ``release``: a sync that outlasts any budget."""

    def __init__(self, sheet, release: threading.Event) -> None:
        self.sheet = sheet
        self.release = release

    def __getattr__(self, name):
        return getattr(self.sheet, name)

    def read(self):
        self.release.wait(10)
        raise RuntimeError("released")


def test_addon_time_budget(workbook, monkeypatch):
    release = threading.Event()

    def slow_backend(config, spreadsheet_id=None, user_token=None):
        backend = local_backend(workbook)
        return dataclasses.replace(backend, sheet=BlockingSheet(backend.sheet, release))

    monkeypatch.setenv("SHEETSYNC_ADDON_TIME_BUDGET_S", "0.2")
    token = tokenkit.mint_token()
    try:
        with backends.using_backends(slow_backend):
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
