"""The command line: init, sync, dry run, demo, and errors without tracebacks."""

import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from sheet_template import TEMPLATE
from sheetsync.adapters.local.workbook_template import MAX_INLINE_LIST, dropdown
from sheetsync.entrypoints.cli import main
from sheetsync.errors import BackendError

ROOT = Path(__file__).resolve().parent.parent


def test_init_writes_a_ready_workbook(tmp_path, capsys):
    path = tmp_path / "net.xlsx"
    assert main(["init", "--workbook", str(path)]) == 0
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [tab.name for tab in TEMPLATE.tabs]
    contacts = wb["Contacts"]
    assert [c.value for c in contacts[1]] == list(TEMPLATE.tab("Contacts").headers)
    assert contacts.freeze_panes == "B2"
    validations = {str(dv.sqref): dv.formula1 for dv in contacts.data_validations.dataValidation}
    assert any("Prospect,Contacted" in f for f in validations.values())
    headers = list(TEMPLATE.tab("Contacts").headers)
    status = contacts.cell(row=1, column=headers.index("Sync status") + 1)
    assert status.value == "Sync status" and status.comment.text.startswith("Sync-owned")
    assert status.font.italic
    assert main(["init", "--workbook", str(path)]) == 2
    assert "exists" in capsys.readouterr().err


def test_every_dropdown_fits_an_inline_list():
    for tab in TEMPLATE.tabs:
        for col in tab.columns:
            if col.choices:
                assert len(dropdown(col.choices)) <= MAX_INLINE_LIST
                assert not any("," in c for c in col.choices)


def test_dry_run_prints_the_plan_and_changes_nothing(tmp_path, capsys):
    main(["demo", "--out", str(tmp_path)])
    capsys.readouterr()
    book = tmp_path / "referral-network.xlsx"
    wb = openpyxl.load_workbook(book)
    ws = wb["Contacts"]
    ws.cell(row=ws.max_row + 1, column=2, value="New Person")
    ws.cell(row=ws.max_row, column=3, value="new@example.org")
    ws.cell(row=ws.max_row, column=7, value="Therapist: other specialty")
    wb.save(book)
    before = book.read_bytes(), (tmp_path / "calendar.ics").read_bytes()
    drafts = sorted((tmp_path / "drafts").iterdir())
    assert main(["sync", "--workbook", str(book), "--dry-run"]) == 0
    out = capsys.readouterr().out
    assert "Plan (dry run, nothing changed)" in out
    assert "Email drafts:    1 created" in out
    assert "Row ID: C" in out
    assert (book.read_bytes(), (tmp_path / "calendar.ics").read_bytes()) == before
    assert sorted((tmp_path / "drafts").iterdir()) == drafts


def test_demo_twice_creates_nothing_new(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    first = capsys.readouterr().out
    assert main(["demo", "--out", str(tmp_path)]) == 0
    second = capsys.readouterr().out
    assert "Created this run: 0" not in first
    assert "Created this run: 0" in second and "Cells written: 0" in second
    for name in ("referral-network.xlsx", "calendar.ics"):
        assert (tmp_path / name).exists()
    assert list((tmp_path / "drafts").glob("*.eml"))


def test_errors_are_one_line_and_non_zero(tmp_path):
    missing = subprocess.run(
        [sys.executable, "-m", "sheetsync", "sync", "--workbook", str(tmp_path / "nope.xlsx")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    assert missing.returncode == 2
    assert "Traceback" not in missing.stderr
    assert missing.stderr.startswith("error: No workbook at")
    broken = tmp_path / "broken.xlsx"
    broken.write_text("not a workbook")
    assert main(["sync", "--workbook", str(broken)]) == 2


def test_a_renamed_header_is_a_clear_error(tmp_path, capsys):
    path = tmp_path / "net.xlsx"
    main(["init", "--workbook", str(path)])
    wb = openpyxl.load_workbook(path)
    wb["Contacts"]["C1"] = "E-mail address"
    wb.save(path)
    assert main(["sync", "--workbook", str(path)]) == 2
    assert "Tab 'Contacts' has no column 'Email'" in capsys.readouterr().err


def test_global_options_are_accepted_after_the_command_too(tmp_path):
    broken = tmp_path / "broken.xlsx"
    broken.write_text("not a workbook")
    # --debug shows the error itself (a traceback) instead of one line, on either side.
    for argv in (
        ["--debug", "sync", "--workbook", str(broken)],
        ["sync", "--workbook", str(broken), "--debug"],
    ):
        with pytest.raises(BackendError):
            main(argv)
    assert main(["sync", "--workbook", str(broken)]) == 2


def test_the_api_endpoint_option_after_the_command_reaches_google(monkeypatch, capsys):
    from fakegoogle import FakeGoogle
    from googlekit import template_sheet

    for name in ("SHEETSYNC_ACCESS_TOKEN", "SHEETSYNC_GMAIL_TOKEN_FILE", "SHEETSYNC_API_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    with FakeGoogle() as server:
        spreadsheet_id = template_sheet(server)
        server.reset_log()
        argv = ["sync", "--sheet", spreadsheet_id, "--dry-run", "--api-endpoint", server.url]
        assert main(argv) == 0
        assert server.requests("sheets")
    assert "Plan (dry run, nothing changed)" in capsys.readouterr().out


@pytest.mark.parametrize("name", ["new.csv", "new.xls", "new", "new.xlsx.bak"])
def test_a_workbook_name_must_end_in_xlsx(tmp_path, capsys, name):
    path = tmp_path / name
    assert main(["init", "--workbook", str(path)]) == 2
    assert capsys.readouterr().err == (
        f"error: --workbook: {name} is not an .xlsx file name (end it in .xlsx)\n"
    )
    assert not path.exists()
    assert main(["sync", "--workbook", str(path)]) == 2
    assert "is not an .xlsx file name" in capsys.readouterr().err
    assert main(["init", "--workbook", str(tmp_path / "New.XLSX")]) == 0


@pytest.mark.parametrize("sheet_id", ["../../etc", "abc/def", "id?alt=media", "", "x" * 129])
def test_a_spreadsheet_id_is_checked_before_it_reaches_a_url(capsys, sheet_id):
    assert main(["sync", "--sheet", sheet_id, "--api-endpoint", "http://127.0.0.1:9"]) == 2
    assert capsys.readouterr().err == (
        "error: --sheet is not a spreadsheet id (1 to 128 letters, digits, '-' or '_')\n"
    )


@pytest.mark.parametrize("command", [["init", "--google"], ["sync", "--sheet", "abc"]])
def test_a_bad_api_endpoint_is_one_clear_line(capsys, command):
    assert main([*command, "--api-endpoint", "ftp://127.0.0.1"]) == 2
    assert capsys.readouterr().err == (
        "error: --api-endpoint (or SHEETSYNC_API_ENDPOINT): the API endpoint must be an http(s) "
        "URL such as http://127.0.0.1:8080\n"
    )


def test_demo_fresh_starts_the_calendar_and_drafts_afresh(tmp_path, capsys):
    assert main(["demo", "--out", str(tmp_path)]) == 0
    stray = tmp_path / "drafts" / "a draft of the old sample.eml"
    stray.write_bytes(b"Message-ID: <old@sheetsync.invalid>\r\n\r\nold\r\n")
    events = (tmp_path / "calendar.ics").read_bytes().count(b"BEGIN:VEVENT")
    mine = tmp_path / "notes.txt"
    mine.write_text("not the demo's")
    assert main(["demo", "--out", str(tmp_path), "--fresh"]) == 0
    assert not stray.exists() and mine.exists()
    assert (tmp_path / "calendar.ics").read_bytes().count(b"BEGIN:VEVENT") == events
    capsys.readouterr()
