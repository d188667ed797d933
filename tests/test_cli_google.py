"""The command line against Google, on the fake server: init --google, sync --sheet, dry run."""

from __future__ import annotations

import re

import googlekit
import pytest
from fakegoogle import FakeGoogle

from sheetsync.entrypoints.cli import main


@pytest.fixture
def server(monkeypatch):
    for name in (
        "SHEETSYNC_ACCESS_TOKEN",
        "SHEETSYNC_GMAIL_TOKEN_FILE",
        "SHEETSYNC_DELEGATE_SUBJECT",
        "SHEETSYNC_API_ENDPOINT",
    ):
        monkeypatch.delenv(name, raising=False)
    with FakeGoogle() as fake:
        yield fake


def test_init_google_then_sync_sheet_through_the_endpoint_option(server, capsys, tmp_path):
    assert main(["--api-endpoint", server.url, "init", "--google", "--title", "Mine"]) == 0
    out = capsys.readouterr().out
    spreadsheet_id = re.search(r"sync --sheet (\S+)", out)[1]
    sheet = server.spreadsheet(spreadsheet_id)
    assert sheet.title == "Mine" and sheet.titles()[:2] == ["Summary", "Contacts"]
    assert all(not r.authorized for r in server.requests("sheets"))

    googlekit.fill_demo(server, spreadsheet_id, googlekit.NOW.date())
    (tmp_path / "flyer.pdf").write_bytes(b"%PDF-1.4 flyer")
    server.reset_log()
    args = ["--api-endpoint", server.url, "sync", "--sheet", spreadsheet_id]
    assert main([*args, "--dry-run", "--flyer-dir", str(tmp_path)]) == 0
    dry = capsys.readouterr().out
    assert "Plan (dry run, nothing changed)" in dry
    assert server.count("calendar", writes_only=True) == 0
    assert server.count("gmail", writes_only=True) == 0

    assert main([*args, "--flyer-dir", str(tmp_path)]) == 0
    first = capsys.readouterr().out
    assert "Rows with problems: 6" in first
    assert re.search(r"API requests: .*sheets 3", first)
    assert server.calendar_events("primary")
    # 4 intros (one per relationship kind), 4 GP kits of 2 letters each, 1 thank-you.
    assert len(server.gmail_drafts()) == 13

    assert main([*args, "--flyer-dir", str(tmp_path)]) == 0
    second = capsys.readouterr().out
    assert "Calendar events: nothing to do" in second and "Cells written: 0" in second


def test_sync_needs_a_workbook_or_a_sheet(capsys):
    with pytest.raises(SystemExit):
        main(["sync"])
    assert "one of the arguments --workbook --sheet is required" in capsys.readouterr().err
