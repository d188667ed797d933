"""The sync end to end on the Google backend, against the fake Google server.

The Sheet is created by ``init`` through the API (tabs, headers, dropdowns, protections, chart),
filled with the demo's sample network, and synced with ``run_sync`` and the production
``google_backend`` pointed at the fake. Also: a person sorting, inserting and deleting rows
between the sync's read and its write never gets a value in a wrong row.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fakegoogle import FakeGoogle
from googlekit import NOW, backend, demo_sheet, rows_by_name, template_sheet

from sheet_template import TEMPLATE
from sheetsync.bootstrap import local_backend
from sheetsync.entrypoints.demo import create_demo_workbook
from sheetsync.service import run_sync

SYNC_OWNED = [c.header for c in TEMPLATE.tab("Contacts").columns if c.sync_owned]


@pytest.fixture
def server():
    with FakeGoogle(seed=3) as fake:
        yield fake


def test_init_creates_the_template_through_the_api(server):
    sid = template_sheet(server)
    ss = server.spreadsheet(sid)
    assert [s.title for s in ss.sheets] == [tab.name for tab in TEMPLATE.tabs]
    contacts = ss.by_title("Contacts")
    assert contacts.grid["frozenRowCount"] == 1
    assert server.sheet_rows(sid, "Contacts")[0] == list(TEMPLATE.tab("Contacts").headers)
    settings = server.sheet_rows(sid, "Settings")
    assert [row[0] for row in settings[1:]] == [s.label for s in TEMPLATE.settings]
    templates = server.sheet_rows(sid, "Templates")
    assert [row[0] for row in templates[1:]] == [letter.key for letter in TEMPLATE.letters]
    validations = ss.requests_of("setDataValidation")
    stages = [v for v in validations if "Prospect" in str(v)]
    assert stages and stages[0]["rule"]["condition"]["type"] == "ONE_OF_LIST"
    protected = ss.requests_of("addProtectedRange")
    assert protected and all(p["protectedRange"]["warningOnly"] for p in protected)
    owned = sum(len(tab.sync_owned_headers) for tab in TEMPLATE.tabs)
    owned += sum(1 for setting in TEMPLATE.settings if setting.sync_owned)
    # Every sync-owned column and setting, and the Summary tab.
    assert len(protected) == owned + 1
    (chart,) = ss.requests_of("addChart")
    assert chart["chart"]["spec"]["basicChart"]["chartType"] == "BAR"
    # create, formatting batchUpdate, values batchUpdate
    assert len(server.requests("sheets")) == 3


def test_sync_twice_creates_once_and_second_run_writes_nothing(server, tmp_path: Path):
    sid = demo_sheet(server)
    first = run_sync(backend(server, sid, tmp_path), NOW)
    assert first.events["created"] > 0 and first.drafts["created"] > 0
    assert first.requests["sheets"] <= 3
    assert len(server.calendar_events()) == first.events["created"]
    assert len(server.gmail_drafts()) == first.drafts["created"]
    assert all(not r.authorized for r in server.requests())  # anonymous: no Authorization
    # GP cover notes carry the flyer.
    flyers = [
        m
        for m in server.gmail_drafts().values()
        if any(p.get_filename() == "flyer.pdf" for p in m.parsed.walk())
    ]
    assert flyers
    contacts = server.sheet_rows(sid, "Contacts")
    summary = server.sheet_rows(sid, "Summary")
    assert summary[0][0].startswith("sheetsync summary")

    server.reset_log()
    second = run_sync(backend(server, sid, tmp_path), NOW)
    assert second.created == 0
    assert second.writes == []
    assert second.write_report is not None and second.write_report.cells_written == 0
    assert server.sheet_rows(sid, "Contacts") == contacts
    assert server.count("calendar", writes_only=True) == 0
    assert server.count("gmail", writes_only=True) == 0
    # Steady state: one read and one write (only the Summary changes: no re-read needed),
    # and one batch asking Gmail what became of the intros drafted (read-only).
    assert second.requests == {
        "sheets": 2,
        "calendar": 0,
        "calendar_writes": 0,
        "gmail": 1,
        "gmail_writes": 0,
    }
    assert server.http_round_trips("sheets") == 2


def test_google_and_local_backends_agree(server, tmp_path: Path):
    sid = demo_sheet(server)
    google = run_sync(backend(server, sid, tmp_path), NOW)
    workbook = tmp_path / "local" / "referral-network.xlsx"
    create_demo_workbook(workbook, NOW.date())
    local = run_sync(local_backend(workbook, lambda: NOW), NOW)
    assert google.events == local.events
    assert google.drafts == local.drafts
    assert [p.message for p in google.problems] == [p.message for p in local.problems]
    # Only Gmail has threads: the Thread ID cells are Google's alone.
    assert len([w for w in google.writes if w.key != "thread_id"]) == len(local.writes)


def _owned(rows: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Per name, the sync-owned cells that do not depend on the spreadsheet id."""
    out = {}
    for name, row in rows.items():
        cells = {h: row.get(h, "") for h in ("Row ID", "Sync status", "Next follow-up")}
        cells["has event"] = bool(row.get("Event ID"))
        cells["has draft"] = bool(row.get("Draft ID"))
        out[name] = cells
    return out


#: The write-back's requests on a first sync: the batchUpdate that anchors the rows (by their
#: place as read, checked by its answer), and the values write through the anchors.
WRITE_REQUESTS = ["spreadsheets.batchUpdate", "values.batchUpdateByDataFilter"]


@pytest.mark.parametrize("before", WRITE_REQUESTS)
@pytest.mark.parametrize("edit", ["sort", "insert", "delete", "all"])
def test_rows_edited_between_read_and_write_get_their_own_cells(server, tmp_path, edit, before):
    control = demo_sheet(server)
    run_sync(backend(server, control, tmp_path), NOW)
    expected = _owned(rows_by_name(server, control, "Contacts"))

    sid = demo_sheet(server)
    names_before = list(rows_by_name(server, sid, "Contacts"))

    def person_edits(_info: Any) -> None:
        # Runs in the fake, just before one of the write's requests: the read is done.
        if edit in ("sort", "all"):
            server.sort_rows(sid, "Contacts", key=1, reverse=True)
        if edit in ("insert", "all"):
            server.insert_row(sid, "Contacts", 2, ["", "Inserted Person"])
        if edit in ("delete", "all"):
            rows = server.sheet_rows(sid, "Contacts")
            index = next(i for i, row in enumerate(rows) if len(row) > 1 and row[1] == "Tom Becker")
            server.delete_row(sid, "Contacts", index)

    hook = server.before_next(before, person_edits)
    report = run_sync(backend(server, sid, tmp_path), NOW)
    assert hook.fired == 1
    got = _owned(rows_by_name(server, sid, "Contacts"))
    for name in names_before:
        if edit in ("delete", "all") and name == "Tom Becker":
            assert name not in got
            continue
        assert got[name] == expected[name], name
    if edit in ("insert", "all"):
        inserted = rows_by_name(server, sid, "Contacts")["Inserted Person"]
        assert all(inserted.get(h, "") == "" for h in SYNC_OWNED)
    assert report.write_report is not None
    assert (report.write_report.rows_not_found > 0) == (edit in ("delete", "all"))
    # An edit between two of the write's requests costs at most one request to put right.
    assert report.requests["sheets"] <= 3 + report.write_report.retakes
    assert report.write_report.retakes <= 1
