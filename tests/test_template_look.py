"""The template's look has one home (``sheet_template.look``) that both renderings read.

The ``.xlsx`` (``workbook_template``, openpyxl) and the Google Sheet (``template_requests``,
request bodies) must show the same colours, header notes and date formats, and ``init
--google`` must not load openpyxl to learn them.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path
from typing import Any

from sheet_template import TEMPLATE, Kind, look
from sheetsync.adapters.google.init import create_body
from sheetsync.adapters.google.template_requests import format_requests, rgb, sheet_ids
from sheetsync.adapters.local.workbook_template import build_workbook

ROOT = Path(__file__).resolve().parent.parent


def test_init_on_google_does_not_import_openpyxl():
    code = "import sys, sheetsync.adapters.google.init; print('openpyxl' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def _google_requests(kind: str, sheet_id: int) -> list[dict[str, Any]]:
    def on_sheet(request: dict[str, Any]) -> bool:
        body = request[kind]
        where = body.get("range") or body.get("start") or {}
        return bool(where.get("sheetId") == sheet_id)

    return [r[kind] for r in format_requests() if kind in r and on_sheet(r)]


def _google_fills(sheet_id: int) -> dict[tuple[int, int], dict[str, float]]:
    """{(row, column): background} of the header row and the first body row, as requested."""
    fills: dict[tuple[int, int], dict[str, float]] = {}
    for repeat in _google_requests("repeatCell", sheet_id):
        colour = repeat["cell"]["userEnteredFormat"].get("backgroundColorStyle")
        where = repeat["range"]
        if colour is None or where["startRowIndex"] > 1:
            continue
        for col in range(where["startColumnIndex"], where["endColumnIndex"]):
            fills[(where["startRowIndex"], col)] = colour["rgbColor"]
    return fills


def test_both_renderings_show_the_look_s_colours_notes_and_date_format():
    workbook = build_workbook()
    tab_colours = {s["properties"]["title"]: s["properties"] for s in create_body("T")["sheets"]}
    for tab in TEMPLATE.tabs:
        ws = workbook[tab.name]
        assert ws.sheet_properties.tabColor.rgb[-6:] == look.tab_colour(tab)
        google_tab = tab_colours[tab.name]["tabColorStyle"]["rgbColor"]
        assert google_tab == rgb(look.tab_colour(tab))
        if not tab.columns:
            continue
        sheet_id = sheet_ids()[tab.name]
        fills = _google_fills(sheet_id)
        (notes,) = _google_requests("updateCells", sheet_id)
        for index, col in enumerate(tab.columns):
            header = ws.cell(row=1, column=index + 1)
            header_fill = look.SYNC_HEADER_FILL if col.sync_owned else look.HEADER_FILL
            assert header.fill.fgColor.rgb[-6:] == header_fill
            assert fills[(0, index)] == rgb(header_fill)
            if col.sync_owned:
                assert ws.cell(row=2, column=index + 1).fill.fgColor.rgb[-6:] == look.SYNC_FILL
                assert fills[(1, index)] == rgb(look.SYNC_FILL)
            xlsx_note = header.comment.text if header.comment else ""
            assert xlsx_note == notes["rows"][0]["values"][index]["note"]
            assert xlsx_note.startswith(look.SYNC_OWNED_PREFIX) == col.sync_owned
            if col.kind is Kind.DATE:
                assert ws.cell(row=2, column=index + 1).number_format == look.DATE_FORMAT
    date_patterns = {
        r["cell"]["userEnteredFormat"]["numberFormat"]["pattern"]
        for r in (req["repeatCell"] for req in format_requests() if "repeatCell" in req)
        if "numberFormat" in r["cell"]["userEnteredFormat"]
    }
    assert date_patterns == {look.DATE_FORMAT}


def test_the_templates_tab_lists_every_placeholder_in_both_renderings():
    tab = TEMPLATE.tab("Templates")
    index = [c.key for c in tab.columns].index("placeholders")
    (notes,) = _google_requests("updateCells", sheet_ids()[tab.name])
    google_note = notes["rows"][0]["values"][index]["note"]
    xlsx_note = build_workbook()[tab.name].cell(row=1, column=index + 1).comment.text
    assert google_note == xlsx_note == look.placeholders_note()
    assert "{first_name}" in xlsx_note


def test_a_setting_the_sync_keeps_is_greyed_in_both_renderings():
    owned = [n for n, s in enumerate(TEMPLATE.settings, 1) if s.sync_owned]
    assert owned, "Row IDs given is kept by the sync"
    ws = build_workbook()["Settings"]
    grey = rgb(look.SYNC_FILL)
    requests = _google_requests("repeatCell", sheet_ids()["Settings"])
    google = {
        r["range"]["startRowIndex"]
        for r in requests
        if r["cell"]["userEnteredFormat"].get("backgroundColorStyle", {}).get("rgbColor") == grey
    }
    for row in range(1, len(TEMPLATE.settings) + 1):
        kept = row in owned
        assert (ws.cell(row=row + 1, column=2).fill.fgColor.rgb[-6:] == look.SYNC_FILL) == kept
        assert (row in google) == kept
