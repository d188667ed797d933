"""A deleted row's Row ID is never given to a new row: Settings > Row IDs given.

Drafts and events are named after the Row ID (``core.ids``). Were the id of a deleted contact
given to the next one, the next sync would find the deleted contact's draft, take it for the
new contact's, and never draft theirs. So the sync keeps the highest id given on each tab in
Settings, and counts new ids from it.
"""

from __future__ import annotations

from pathlib import Path

import openpyxl
from builders import NOW, snapshot
from fakegoogle import FakeGoogle
from googlekit import backend, fill_rows, rows_by_name, template_sheet
from test_lifecycle_roundtrip import SETTINGS

from sheet_template import TEMPLATE
from sheet_template import tabs as t
from sheetsync.adapters.local.workbook_template import write_template
from sheetsync.bootstrap import local_backend
from sheetsync.core.planner import make_plan
from sheetsync.core.validation import validate
from sheetsync.service import run_sync

LABEL = "Row IDs given"


def contact(name: str, email: str) -> list[object]:
    cells = {"name": name, "email": email, "category": t.THERAPIST_OTHER}
    return [cells.get(col.key) for col in TEMPLATE.tab("Contacts").columns]


ANA = contact("Ana Silva", "ana@example.org")
XAVIER = contact("Xavier Wrong", "x@example.org")
YOLANDA = contact("Yolanda Right", "y@example.org")


# -- the planner -------------------------------------------------------------------------------


def test_new_ids_count_from_the_highest_ever_given():
    contacts = [{"name": "Ana Silva", "category": t.THERAPIST_OTHER, "row_id": "C0001"}]
    contacts.append({"name": "New One", "category": t.THERAPIST_OTHER})
    plan = make_plan(validate(snapshot(contacts=contacts, settings={LABEL: "C0007"})), "s", NOW)
    assert [r.target["row_id"] for r in plan.rows if r.ref.tab == "Contacts"] == [
        "C0001",
        "C0008",
    ]
    assert plan.row_ids_given == "C0008"


def test_a_value_not_of_row_ids_is_refused_and_ids_count_from_the_rows():
    contacts = [{"name": "New One", "category": t.THERAPIST_OTHER}]
    validated = validate(snapshot(contacts=contacts, settings={LABEL: "lots ../../x"}))
    assert "row_ids_given" in validated.refused_settings
    messages = [p.message for p in validated.sheet_problems]
    assert any("Row IDs like C0012 G0003" in m for m in messages), messages
    plan = make_plan(validated, "s", NOW)
    assert [r.target["row_id"] for r in plan.rows if r.ref.tab == "Contacts"] == ["C0001"]


# -- the local backend -----------------------------------------------------------------------


def workbook(tmp_path: Path, contacts: list[list[object]]) -> Path:
    path = tmp_path / "network.xlsx"
    write_template(path, {"Contacts": contacts})
    wb = openpyxl.load_workbook(path)
    for cells in wb["Settings"].iter_rows(min_row=2):
        if cells[0].value in SETTINGS:
            cells[1].value = SETTINGS[cells[0].value]
    wb.save(path)
    return path


def sync(path: Path):
    return run_sync(local_backend(path, lambda: NOW), NOW)


def contacts_by_name(path: Path) -> dict[str, dict[str, object]]:
    ws = openpyxl.load_workbook(path)["Contacts"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r, strict=False)) for r in ws.iter_rows(min_row=2, values_only=True)]
    return {str(r["Name"]): r for r in rows if r.get("Name")}


def setting(path: Path) -> object:
    ws = openpyxl.load_workbook(path)["Settings"]
    return next(r[1] for r in ws.iter_rows(min_row=2, values_only=True) if r[0] == LABEL)


def test_local_the_last_contact_deleted_then_a_new_one_gets_a_new_id_and_draft(tmp_path):
    path = workbook(tmp_path, [ANA, XAVIER])
    sync(path)
    assert setting(path) == "C0002"
    wb = openpyxl.load_workbook(path)
    wb["Contacts"].delete_rows(3)  # Xavier, the last row: the highest id is gone
    wb.save(path)
    sync(path)
    wb = openpyxl.load_workbook(path)
    for column, value in enumerate(YOLANDA, 1):
        wb["Contacts"].cell(3, column).value = value
    wb.save(path)
    sync(path)
    yolanda = contacts_by_name(path)["Yolanda Right"]
    assert yolanda["Row ID"] == "C0003", yolanda
    assert str(yolanda["Sync status"]).startswith("OK: intro drafted")
    assert yolanda["Draft ID"] == "intro - Yolanda Right"
    draft = (tmp_path / "drafts" / "intro - Yolanda Right.eml").read_text()
    assert "To: Yolanda Right <y@example.org>" in draft
    assert setting(path) == "C0003"
    assert sync(path).writes == []  # steady state: nothing to record


def test_local_a_typed_value_is_kept_and_an_older_settings_tab_gains_the_row(tmp_path):
    path = workbook(tmp_path, [ANA])
    wb = openpyxl.load_workbook(path)
    ws = wb["Settings"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == LABEL)
    ws.delete_rows(row)  # a workbook from before the setting
    wb.save(path)
    report = sync(path)
    assert report.write_report is not None and report.write_report.rows_appended == 1
    assert setting(path) == "C0001"
    wb = openpyxl.load_workbook(path)
    ws = wb["Settings"]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == LABEL)
    ws.cell(row, 2).value = "not ids"
    wb.save(path)
    refused = sync(path)
    assert setting(path) == "not ids"  # the person's, refused: never overwritten
    assert all(w.ref.tab != "Settings" for w in refused.writes)


# -- the Google backend ----------------------------------------------------------------------


def google_setting(server: FakeGoogle, sid: str) -> object:
    return next(r[1] for r in server.sheet_rows(sid, "Settings") if r and r[0] == LABEL)


def test_google_the_last_contact_deleted_then_a_new_one_gets_its_own_draft(tmp_path):
    with FakeGoogle(seed=3) as server:
        sid = template_sheet(server)
        fill_rows(server, sid, {"Contacts": [ANA, XAVIER]})
        run_sync(backend(server, sid, tmp_path), NOW)
        assert google_setting(server, sid) == "C0002"
        server.delete_row(sid, "Contacts", 2)  # Xavier: header, Ana, Xavier
        run_sync(backend(server, sid, tmp_path), NOW)
        server.insert_row(sid, "Contacts", 2, [str(v or "") for v in YOLANDA], "USER_ENTERED")
        run_sync(backend(server, sid, tmp_path), NOW)
        yolanda = rows_by_name(server, sid, "Contacts")["Yolanda Right"]
        assert yolanda["Row ID"] == "C0003"
        drafts = server.gmail_drafts()
        assert drafts[yolanda["Draft ID"]].header("To") == "Yolanda Right <y@example.org>"
        assert len(drafts) == 3  # Xavier's stays in the drafts: it is the therapist's
