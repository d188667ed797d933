"""The workbook's own formatting, on both backends: error rows, readable letters, contact lists.

Checked on what a person's app would open: the saved ``.xlsx`` read back by openpyxl (after a
sync too, which loads and saves the workbook), and the fake Google Sheet's state after the
requests went through the real client and the fake's schema checks.

How the apps treat the contact dropdown, a list validation whose source is the range of the
Contacts tab's names (``Contacts!$B$2:$B$1000``; on Google ``Contacts!B2:B``, to the end):
each lists the names as they are now, so a new contact is in the list with no sync. Excel and
LibreOffice show their warning for a value not in the list (error style "warning": the person
may keep it), which a Row ID is; Google marks such a cell (``strict: false``) and keeps it.
"""

from __future__ import annotations

import io
from pathlib import Path

import googlekit
import openpyxl
import pytest
from fakegoogle import FakeGoogle

from sheet_template import TEMPLATE, look
from sheet_template.tabs import CONTACTS, LOG, REFERRALS, SYNC_STATUS, TABLE_TABS, TEMPLATES
from sheetsync.adapters.google.template_requests import (
    PIXELS_PER_POINT,
    dress_requests,
    format_requests,
    sheet_ids,
)
from sheetsync.adapters.local.workbook_template import build_workbook, dress_existing
from sheetsync.bootstrap import local_backend
from sheetsync.core.rowstatus import RowStatus
from sheetsync.entrypoints.demo import create_demo_workbook
from sheetsync.service import run_sync

NOW = googlekit.NOW
CONTACT_NAMES = "Contacts!$B$2:$B$1000"


def saved(wb) -> openpyxl.Workbook:
    buffer = io.BytesIO()
    wb.save(buffer)
    buffer.seek(0)
    return openpyxl.load_workbook(buffer)


def letter_of(tab, key: str) -> str:
    return look.column_letter([c.key for c in tab.columns].index(key) + 1)


def error_rules(ws) -> list[tuple[str, object]]:
    """(range, rule) of every conditional format rule on ``ws``."""
    return [(str(cf.sqref), rule) for cf in ws.conditional_formatting for rule in cf.rules]


def contact_lists(ws) -> list[object]:
    return [v for v in ws.data_validations.dataValidation if v.formula1 == CONTACT_NAMES]


# -- the rule and the sync agree ------------------------------------------------------------


def test_the_rule_is_true_exactly_on_the_statuses_of_rows_with_errors():
    formula = look.error_row_formula("V")
    assert formula == 'LEFT($V2,5)="Error"'
    statuses = {
        RowStatus.of(["Email: is not a valid email address"]).render(): True,
        RowStatus().render(): False,
        RowStatus.of(notes=[]).render(): False,
        "OK: intro drafted; send it from your drafts, then set Stage to Contacted": False,
    }
    # What LEFT(cell, 5) = "Error" computes (text comparison ignores case in every app).
    for text, is_error in statuses.items():
        assert (text[:5].lower() == look.ERROR_STATUS_PREFIX.lower()) is is_error


# -- xlsx -----------------------------------------------------------------------------------


def test_every_table_tab_of_a_new_workbook_highlights_its_error_rows():
    wb = saved(build_workbook())
    for tab in TABLE_TABS:
        ((where, rule),) = error_rules(wb[tab.name])
        status = letter_of(tab, SYNC_STATUS.key)
        assert where == f"A2:{look.column_letter(len(tab.columns))}{look.PREPARED_ROWS}"
        assert rule.type == "expression" and rule.formula == [look.error_row_formula(status)]
        assert rule.dxf.fill.fgColor.rgb[-6:] == look.ERROR_FILL
        assert rule.dxf.fill.bgColor.rgb[-6:] == look.ERROR_FILL
        assert rule.dxf.font.color.rgb[-6:] == look.ERROR_TEXT
    for name in ("Summary", "Settings", "Templates"):
        assert error_rules(wb[name]) == []


def test_the_templates_tab_shows_each_letter_whole():
    ws = saved(build_workbook())[TEMPLATES.name]
    widths = [c.width for c in TEMPLATES.columns]
    for row, letter in enumerate(TEMPLATE.letters, 2):
        cells = [ws.cell(row=row, column=c) for c in range(1, len(widths) + 1)]
        assert all(c.alignment.wrap_text and c.alignment.vertical == "top" for c in cells)
        assert cells[2].value == letter.body
        lines = look.wrapped_lines(letter.body, widths[2])
        assert lines >= letter.body.count("\n") + 1
        assert ws.row_dimensions[row].height >= lines * look.LINE_POINTS


def test_the_log_and_referrals_contact_cells_list_the_contacts_names():
    wb = saved(build_workbook())
    assert wb[CONTACTS.name]["B1"].value == "Name"
    for tab in (LOG, REFERRALS):
        (validation,) = contact_lists(wb[tab.name])
        letter = letter_of(tab, "contact")
        assert str(validation.sqref) == f"{letter}2:{letter}{look.PREPARED_ROWS}"
        assert validation.type == "list" and validation.allow_blank
        # A Row ID is a contact too: warn, never refuse.
        assert validation.errorStyle == "warning" and validation.showErrorMessage
        assert validation.prompt == look.CONTACT_LIST_HELP
    assert all(contact_lists(wb[t.name]) == [] for t in TEMPLATE.tabs if t not in (LOG, REFERRALS))


def test_a_sync_keeps_the_workbooks_dress(tmp_path: Path):
    path = tmp_path / "referral-network.xlsx"
    create_demo_workbook(path, NOW.date())
    run_sync(local_backend(path, lambda: NOW), NOW)
    wb = openpyxl.load_workbook(path)
    assert all(len(error_rules(wb[t.name])) == 1 for t in TABLE_TABS)
    assert len(contact_lists(wb[LOG.name])) == len(contact_lists(wb[REFERRALS.name])) == 1
    assert wb[TEMPLATES.name].row_dimensions[2].height >= 10 * look.LINE_POINTS
    # The demo's invalid rows are the ones the rule picks out.
    status = CONTACTS.headers.index("Sync status")
    rows = wb[CONTACTS.name].iter_rows(min_row=2)
    statuses = [r[status].value for r in rows if r[1].value]
    assert any(s.startswith(look.ERROR_STATUS_PREFIX) for s in statuses)
    assert any(not s.startswith(look.ERROR_STATUS_PREFIX) for s in statuses)


def old_workbook() -> openpyxl.Workbook:
    """A workbook from before the dress: headers and rows only, the Log's columns reordered."""
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    log = wb.create_sheet(LOG.name)
    log.append(["Row ID", "Contact", "Date", "What", "Notes", "Sync status"])
    log.append(["L0001", "Ana", "2026-11-01", "Coffee", None, "Error: Date: is not a date"])
    templates = wb.create_sheet(TEMPLATES.name)
    templates.append(list(TEMPLATES.headers))
    templates.append(["intro", "Hello", "Hi {first_name},\n\n" + "A long sentence. " * 40, None])
    return wb


def values(wb) -> dict[tuple[str, str], object]:
    return {(ws.title, c.coordinate): c.value for ws in wb for r in ws.iter_rows() for c in r}


def test_an_existing_workbook_is_dressed_once_by_its_headers():
    wb = old_workbook()
    before = values(wb)
    assert dress_existing(wb[LOG.name], LOG) and dress_existing(wb[TEMPLATES.name], TEMPLATES)
    wb = saved(wb)
    ((where, rule),) = error_rules(wb[LOG.name])
    assert where == f"A2:F{look.PREPARED_ROWS}" and rule.formula == [look.error_row_formula("F")]
    (validation,) = contact_lists(wb[LOG.name])
    assert str(validation.sqref) == f"B2:B{look.PREPARED_ROWS}"  # where Contact is now
    body = wb[TEMPLATES.name]["C2"]
    assert body.alignment.wrap_text
    assert wb[TEMPLATES.name].row_dimensions[2].height >= 8 * look.LINE_POINTS
    # Again: nothing more, and no cell's value changed either time.
    assert not dress_existing(wb[LOG.name], LOG)
    assert not dress_existing(wb[TEMPLATES.name], TEMPLATES)
    assert len(error_rules(wb[LOG.name])) == len(contact_lists(wb[LOG.name])) == 1
    assert values(wb) == before


# -- Google ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def server():
    with FakeGoogle() as fake:
        yield fake


@pytest.fixture(scope="module")
def new_sheet(server):
    return server.spreadsheet(googlekit.template_sheet(server))


def test_init_on_google_highlights_error_rows_on_every_table_tab(new_sheet):
    for tab in TABLE_TABS:
        (rule,) = new_sheet.by_title(tab.name).conditional_formats
        status = letter_of(tab, SYNC_STATUS.key)
        condition = rule["booleanRule"]["condition"]
        assert condition == {
            "type": "CUSTOM_FORMULA",
            "values": [{"userEnteredValue": "=" + look.error_row_formula(status)}],
        }
        (where,) = rule["ranges"]
        assert where["startRowIndex"] == 1 and "endRowIndex" not in where  # every row, ever
        assert (where["startColumnIndex"], where["endColumnIndex"]) == (0, len(tab.columns))
        fmt = rule["booleanRule"]["format"]
        assert fmt["backgroundColorStyle"]["rgbColor"] == googlekit_rgb(look.ERROR_FILL)
    for name in ("Settings", "Templates"):
        assert new_sheet.by_title(name).conditional_formats == []
    # The Summary's own rules bold its headings; none of them is the error-row highlight.
    summary = new_sheet.by_title("Summary").conditional_formats
    assert all(look.ERROR_STATUS_PREFIX not in str(rule) for rule in summary)


def googlekit_rgb(hex_colour: str) -> dict[str, float]:
    from sheetsync.adapters.google.template_requests import rgb

    return rgb(hex_colour)


def test_init_on_google_offers_the_contacts_names_and_only_warns(new_sheet):
    for tab in (LOG, REFERRALS):
        column = [c.key for c in tab.columns].index("contact")
        sheet = new_sheet.by_title(tab.name)
        for row in (1, 999, 5000):  # rows the Sheet grows later are covered too
            rule = sheet.validation_at(row, column)
            assert rule["condition"] == {
                "type": "ONE_OF_RANGE",
                "values": [{"userEnteredValue": "=Contacts!B2:B"}],
            }
            assert rule["strict"] is False and rule["showCustomUi"] is True
        assert sheet.validation_at(1, column + 1) != rule


def test_init_on_google_shows_each_letter_whole(new_sheet):
    templates = new_sheet.by_title(TEMPLATES.name).sheet_id
    heights = {
        r["range"]["startIndex"]: r["properties"]["pixelSize"]
        for r in new_sheet.requests_of("updateDimensionProperties")
        if r["range"]["sheetId"] == templates and r["range"]["dimension"] == "ROWS"
    }
    body_width = TEMPLATES.column("body").width
    for row, letter in enumerate(TEMPLATE.letters, 1):
        lines = look.wrapped_lines(letter.body, body_width)
        assert heights[row] >= lines * look.LINE_POINTS * PIXELS_PER_POINT
    wraps = [
        r
        for r in new_sheet.requests_of("repeatCell")
        if r["range"]["sheetId"] == templates and "wrapStrategy" in r["cell"]["userEnteredFormat"]
    ]
    assert any(
        r["cell"]["userEnteredFormat"] == {"wrapStrategy": "WRAP", "verticalAlignment": "TOP"}
        and r["range"].get("startRowIndex") == 1
        and r["range"]["endColumnIndex"] == len(TEMPLATES.columns)
        for r in wraps
    )


def test_the_two_renderings_dress_alike():
    xlsx = saved(build_workbook())
    google = format_requests()
    for tab in TABLE_TABS:
        (rule,) = [
            r["addConditionalFormatRule"]["rule"]
            for r in google
            if "addConditionalFormatRule" in r
            and r["addConditionalFormatRule"]["rule"]["ranges"][0]["sheetId"]
            == sheet_ids()[tab.name]
        ]
        ((_, xlsx_rule),) = error_rules(xlsx[tab.name])
        google_formula = rule["booleanRule"]["condition"]["values"][0]["userEnteredValue"]
        assert google_formula == "=" + xlsx_rule.formula[0]


def test_an_existing_google_sheet_is_dressed_once(server):
    gc, _, _ = googlekit.clients(server)
    sid = server.create_spreadsheet("Old", ["Log", "Templates"])
    server.set_sheet_rows(
        sid, "Log", [["Row ID", "Contact", "Date", "What", "Notes", "Sync status"]]
    )
    ids = {s.title: s.sheet_id for s in server.spreadsheet(sid).sheets}
    letter = ["intro", "Hello", "Hi,\n\n" + "A long sentence. " * 40, ""]
    requests = dress_requests(ids["Log"], LOG, headers=server.sheet_rows(sid, "Log")[0])
    requests += dress_requests(ids["Templates"], TEMPLATES, rows=[letter])
    gc.http_client.batch_update(sid, {"requests": requests})
    log = server.spreadsheet(sid).by_title("Log")
    (rule,) = log.conditional_formats
    assert rule["booleanRule"]["condition"]["values"] == [
        {"userEnteredValue": '=LEFT($F2,5)="Error"'}
    ]
    assert log.validation_at(3, 1)["condition"]["type"] == "ONE_OF_RANGE"  # Contact is B here
    assert log.validation_at(3, 2) is None
    # The rules as a store reads them back: dressing again adds no second rule.
    meta = gc.http_client.fetch_sheet_metadata(sid)
    formats = next(s for s in meta["sheets"] if s["properties"]["title"] == "Log")
    again = dress_requests(
        ids["Log"],
        LOG,
        headers=server.sheet_rows(sid, "Log")[0],
        conditional_formats=formats.get("conditionalFormats", []),
    )
    assert [next(iter(r)) for r in again] == ["setDataValidation"]
    gc.http_client.batch_update(sid, {"requests": again})
    assert len(server.spreadsheet(sid).by_title("Log").conditional_formats) == 1


def test_the_templates_tab_prints_on_one_page_wide_and_headers_repeat():
    wb = saved(build_workbook())
    templates = wb[TEMPLATES.name]
    assert templates.page_setup.orientation == "landscape"
    assert templates.sheet_properties.pageSetUpPr.fitToPage
    assert (templates.page_setup.fitToWidth, templates.page_setup.fitToHeight) == (1, 0)
    for tab in (*TABLE_TABS, TEMPLATES):
        assert wb[tab.name].print_title_rows.replace("$", "") == "1:1"
