"""Ids that survive a copy: Settings > Sheet identity, recorded by the first sync, and the
template's newer columns added to an older Sheet by its first sync after an upgrade.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import openpyxl
from fakegoogle import FakeGoogle
from googlekit import NOW, backend, demo_sheet, rows_by_name

from sheetsync.bootstrap import local_backend
from sheetsync.entrypoints.demo import create_demo_workbook
from sheetsync.service import run_sync

LABEL = "Sheet identity"


def settings(path: Path) -> dict[str, object]:
    ws = openpyxl.load_workbook(path)["Settings"]
    return {row[0]: row[1] for row in ws.iter_rows(min_row=2, values_only=True) if row[0]}


def set_setting(path: Path, label: str, value: object, *, drop: bool = False) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["Settings"]
    for r in range(2, ws.max_row + 1):
        if ws.cell(r, 1).value == label:
            if drop:
                ws.delete_rows(r)
            else:
                ws.cell(r, 2).value = value
            break
    wb.save(path)


def sync(path: Path):
    return run_sync(local_backend(path, lambda: NOW), NOW)


def test_the_first_sync_records_the_identity_and_a_copy_keeps_every_id(tmp_path: Path):
    first = tmp_path / "2026" / "referral-network.xlsx"
    first.parent.mkdir()
    create_demo_workbook(first, NOW.date())
    created = sync(first)
    assert created.events["created"] > 0
    assert settings(first)[LABEL] == "xlsx:referral-network"
    # Save As for a new year, with its calendar and drafts: the ids do not change.
    copy = tmp_path / "2027"
    shutil.copytree(first.parent, copy)
    (copy / "referral-network.xlsx").rename(copy / "network 2027.xlsx")
    again = sync(copy / "network 2027.xlsx")
    assert again.created == 0
    assert set(again.events) <= {"unchanged"} and set(again.drafts) <= {"exists"}
    assert settings(copy / "network 2027.xlsx")[LABEL] == "xlsx:referral-network"


def test_a_changed_identity_is_a_fresh_start_and_a_typed_one_is_never_overwritten(tmp_path):
    path = tmp_path / "referral-network.xlsx"
    create_demo_workbook(path, NOW.date())
    set_setting(path, LABEL, "my practice 2027")
    fresh = sync(path)
    assert settings(path)[LABEL] == "my practice 2027"
    assert fresh.events["created"] > 0
    # The only Settings write is the one the sync keeps (Row IDs given), not the identity.
    settings_writes = [w for w in fresh.writes if w.ref.tab == "Settings"]
    assert [w.value for w in settings_writes] == [settings(path)["Row IDs given"]]


def test_an_older_settings_tab_gains_the_row(tmp_path: Path):
    path = tmp_path / "referral-network.xlsx"
    create_demo_workbook(path, NOW.date())
    set_setting(path, LABEL, None, drop=True)
    assert LABEL not in settings(path)
    report = sync(path)
    assert report.write_report is not None and report.write_report.rows_appended == 1
    assert settings(path)[LABEL] == "xlsx:referral-network"
    assert sync(path).write_report.rows_appended == 0  # once


def test_an_older_google_sheet_gains_the_newer_columns_on_its_first_sync(tmp_path):
    with FakeGoogle(seed=8) as server:
        sid = demo_sheet(server)
        ss = server.spreadsheet(sid).by_title("Contacts")
        header = server.sheet_rows(sid, "Contacts")[0]
        column = header.index("Thread ID")
        for row in ss.cells:  # the Sheet from before the column existed
            del row[column : column + 1]
        assert "Thread ID" not in server.sheet_rows(sid, "Contacts")[0]
        report = run_sync(backend(server, sid, tmp_path), NOW)
        assert report.drafts["created"] > 0
        assert server.sheet_rows(sid, "Contacts")[0][-1] == "Thread ID"
        assert run_sync(backend(server, sid, tmp_path), NOW).write_report.columns_added == 0
        threads = [r["Thread ID"] for r in rows_by_name(server, sid, "Contacts").values()]
        assert sum(1 for value in threads if value) == report.drafts["created"] - sum(
            1 for d in report.plan.drafts if not d.kind.startswith("intro")
        )
