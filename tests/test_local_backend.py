"""The local backend end to end: workbook, .ics and .eml, round trip and idempotency."""

from datetime import UTC, date, datetime, timedelta
from email import policy
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import pytest
from icalendar import Calendar

from sheet_template import TEMPLATE
from sheet_template import tabs as t
from sheetsync.bootstrap import local_backend
from sheetsync.entrypoints.demo import create_demo_workbook
from sheetsync.service import run_sync

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def cells(path: Path) -> dict[tuple[str, int, int], object]:
    wb = openpyxl.load_workbook(path)
    out = {}
    for ws in wb.worksheets:
        for row in ws.iter_rows():
            for cell in row:
                if cell.value is not None:
                    out[(ws.title, cell.row, cell.column)] = cell.value
    return out


SYNC_OWNED_SETTINGS = {s.label for s in TEMPLATE.settings if s.sync_owned}


def sync_owned(tab: str, column: int, label: object = None) -> bool:
    if tab == "Summary":
        return True
    if tab == "Settings":
        return column == 2 and label in SYNC_OWNED_SETTINGS
    tab_def = TEMPLATE.tab(tab)
    return column <= len(tab_def.columns) and tab_def.columns[column - 1].sync_owned


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    path = tmp_path / "net" / "referral-network.xlsx"
    create_demo_workbook(path, NOW.date())
    return path


def test_sync_changes_only_sync_owned_cells_and_keeps_formatting(demo: Path):
    before = cells(demo)
    fill_before = openpyxl.load_workbook(demo)["Contacts"]["B1"].fill.fgColor.rgb
    run_sync(local_backend(demo, lambda: NOW), NOW)
    after = cells(demo)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    assert changed, "the first sync writes ids and statuses"
    labels = {(tab, row): value for (tab, row, col), value in after.items() if col == 1}
    assert all(sync_owned(tab, col, labels.get((tab, row))) for tab, row, col in changed)
    wb = openpyxl.load_workbook(demo)
    assert wb["Contacts"]["B1"].fill.fgColor.rgb == fill_before
    assert wb["Contacts"].freeze_panes == "B2"
    assert wb.sheetnames == [tab.name for tab in TEMPLATE.tabs]


def test_every_invalid_row_gets_a_readable_status(demo: Path):
    report = run_sync(local_backend(demo, lambda: NOW), NOW)
    ws = openpyxl.load_workbook(demo)["Contacts"]
    header = [c.value for c in ws[1]]
    status_col = header.index("Sync status") + 1
    statuses = {
        ws.cell(row=r, column=2).value: ws.cell(row=r, column=status_col).value
        for r in range(2, ws.max_row + 1)
        if ws.cell(row=r, column=2).value
    }
    assert statuses["Pat Jones"] == "Error: Email: is not a valid email address"
    assert statuses["Robin Hale"].startswith("Error: Category: is not one of")
    assert statuses["Casey Doyle"] == "Error: Last contact: is not a real calendar date"
    assert all(s for s in statuses.values())
    assert len(report.problems) == 6


def test_second_sync_creates_nothing_and_changes_no_cell(demo: Path):
    first = run_sync(local_backend(demo, lambda: NOW), NOW)
    assert first.created > 0
    ics_before = (demo.parent / "calendar.ics").read_bytes()
    drafts_before = sorted(p.name for p in (demo.parent / "drafts").iterdir())
    before = cells(demo)
    later = NOW + timedelta(minutes=5)
    second = run_sync(local_backend(demo, lambda: later), later)
    assert second.created == 0 and second.writes == []
    assert (demo.parent / "calendar.ics").read_bytes() == ics_before
    assert sorted(p.name for p in (demo.parent / "drafts").iterdir()) == drafts_before
    after = cells(demo)
    changed = {k for k in before.keys() | after.keys() if before.get(k) != after.get(k)}
    # Only the Summary's "Last sync" time moves.
    assert changed == {("Summary", 2, 2)}


def test_ics_parses_with_stable_uids_and_moves_events_in_place(demo: Path):
    run_sync(local_backend(demo, lambda: NOW), NOW)
    ics = demo.parent / "calendar.ics"
    cal = Calendar.from_ical(ics.read_bytes())
    events = list(cal.walk("VEVENT"))
    uids = [str(e["uid"]) for e in events]
    assert len(uids) == len(set(uids)) >= 10
    assert all(isinstance(e["dtstart"].dt, date) for e in events)
    # Log a touch for a Nurturing contact: its nurture event moves, nothing is duplicated.
    wb = openpyxl.load_workbook(demo)
    ws = wb["Log"]
    row = ws.max_row + 1
    ws.cell(row=row, column=2, value=NOW.date())
    ws.cell(row=row, column=3, value="Tom Becker")
    wb.save(demo)
    report = run_sync(local_backend(demo, lambda: NOW), NOW)
    assert report.events == {"moved": 1}
    cal = Calendar.from_ical(ics.read_bytes())
    moved = [e for e in cal.walk("VEVENT") if "Tom Becker" in str(e["summary"])]
    assert len(moved) == 1 and moved[0]["dtstart"].dt == NOW.date() + timedelta(days=60)
    assert int(moved[0]["sequence"]) == 1
    assert len(list(cal.walk("VEVENT"))) == len(events)


def test_eml_drafts_parse_with_utf8_names_and_the_flyer(demo: Path):
    wb = openpyxl.load_workbook(demo)
    ws = wb["Contacts"]
    ws.cell(row=ws.max_row + 1, column=2, value="Zoë Ångström-Prospect")
    ws.cell(row=ws.max_row, column=3, value="zoe.p@example.org")
    ws.cell(row=ws.max_row, column=7, value=t.THERAPIST_OTHER)
    wb.save(demo)
    run_sync(local_backend(demo, lambda: NOW), NOW)
    parser = BytesParser(policy=policy.default)
    messages = [parser.parsebytes(p.read_bytes()) for p in (demo.parent / "drafts").glob("*.eml")]
    intros = [m for m in messages if m["X-Sheetsync-Letter"] == "intro"]
    covers = [m for m in messages if m["X-Sheetsync-Letter"] == "gp_cover"]
    zoe = next(m for m in intros if "zoe.p@example.org" in str(m["To"]))
    assert zoe["To"].addresses[0].display_name == "Zoë Ångström-Prospect"
    assert zoe.get_body().get_content().startswith("Hi Zoë,")
    assert all(m["Message-ID"] for m in messages)
    flyers = [part for m in covers for part in m.iter_attachments()]
    assert flyers and all(p.get_filename() == "flyer.pdf" for p in flyers)
    assert flyers[0].get_content().startswith(b"%PDF")


def test_formula_like_text_stays_text(demo: Path):
    wb = openpyxl.load_workbook(demo)
    ws = wb["Contacts"]
    ws.cell(row=ws.max_row + 1, column=2, value="=1+1 Practice")
    ws.cell(row=ws.max_row, column=2).data_type = "s"
    ws.cell(row=ws.max_row, column=7, value="not a category")
    wb.save(demo)
    run_sync(local_backend(demo, lambda: NOW), NOW)
    summary = openpyxl.load_workbook(demo)["Summary"]
    values = [c for row in summary.iter_rows() for c in row if c.value is not None]
    formulas = [c for c in values if c.data_type == "f"]
    assert formulas == []
    contacts = openpyxl.load_workbook(demo)["Contacts"]
    assert contacts.cell(row=contacts.max_row, column=2).value == "=1+1 Practice"


def test_rows_moved_between_read_and_write_get_their_own_cells(demo: Path, monkeypatch):
    backend = local_backend(demo, lambda: NOW)
    real_write = backend.sheet.write

    def sort_then_write(snapshot, changes):
        # A person sorts the Contacts by name (descending) while the sync is running.
        wb = openpyxl.load_workbook(demo)
        ws = wb["Contacts"]
        rows = [[c.value for c in r] for r in ws.iter_rows(min_row=2)]
        rows = [r for r in rows if any(v is not None for v in r)]
        rows.sort(key=lambda r: str(r[1]), reverse=True)
        for i, values in enumerate(rows, 2):
            for j, value in enumerate(values, 1):
                ws.cell(row=i, column=j).value = value
        wb.save(demo)
        return real_write(snapshot, changes)

    monkeypatch.setattr(backend.sheet, "write", sort_then_write)
    run_sync(backend, NOW)
    ws = openpyxl.load_workbook(demo)["Contacts"]
    header = [c.value for c in ws[1]]
    status = header.index("Sync status") + 1
    for r in range(2, ws.max_row + 1):
        name = ws.cell(row=r, column=2).value
        if name == "Pat Jones":
            assert ws.cell(row=r, column=status).value.startswith("Error: Email")
        elif name == "Robin Hale":
            assert ws.cell(row=r, column=status).value.startswith("Error: Category")
        elif name:
            assert not str(ws.cell(row=r, column=status).value).startswith("Error: Email")
