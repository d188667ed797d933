"""The same Summary on Google: the layout's widths, formats, chart and mark, through the API.

A new Sheet gets the dress from ``init`` (in its one formatting request); a Sheet whose Summary
was dressed for another layout is dressed again by the next sync (two more requests, once);
a steady-state sync makes no formatting request.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from fakegoogle import FakeGoogle
from googlekit import FAST, NOW, backend, clients, demo_sheet, template_sheet

from sheet_template import look
from sheetsync.adapters.google.sheets import GoogleSheetStore
from sheetsync.adapters.google.summary_dress import (
    CHART_ID,
    PIXELS_PER_WIDTH,
    dress_summary,
    needs_dress,
    role_formula,
)
from sheetsync.adapters.google.template_requests import sheet_ids
from sheetsync.core.plan import SheetChanges
from sheetsync.core.summary import layout
from sheetsync.core.table import Table
from sheetsync.service import run_sync

SUMMARY_ID = sheet_ids()["Summary"]
#: The batchUpdate requests that dress a tab (the first sync's batchUpdate anchors rows only).
DRESS_KINDS = {
    "repeatCell",
    "updateDimensionProperties",
    "addChart",
    "updateChartSpec",
    "deleteEmbeddedObject",
    "addConditionalFormatRule",
    "deleteConditionalFormatRule",
}


def _dress_requests(server: FakeGoogle, sid: str) -> int:
    applied = server.spreadsheet(sid).applied_requests
    return sum(1 for request in applied for kind in request if kind in DRESS_KINDS)


@pytest.fixture
def server():
    with FakeGoogle(seed=5) as fake:
        yield fake


def _summary(server: FakeGoogle, sid: str):
    return server.spreadsheet(sid).by_title("Summary")


def _methods(server: FakeGoogle) -> list[str]:
    return [r.method_id for r in server.requests("sheets")]


def _assert_dressed(server: FakeGoogle, sid: str) -> None:
    sheet = _summary(server, sid)
    (chart,) = sheet.charts
    assert chart["chartId"] == CHART_ID
    spec = chart["spec"]
    assert spec["basicChart"]["chartType"] == "BAR"
    assert spec["hiddenDimensionStrategy"] == "SHOW_ALL"
    (domain,) = spec["basicChart"]["domains"][0]["domain"]["sourceRange"]["sources"]
    assert (domain["startColumnIndex"], domain["endRowIndex"]) == (11, layout.CHART_ROWS)
    anchor = chart["position"]["overlayPosition"]["anchorCell"]
    # Right of the visible columns and the hidden block: it covers no table.
    assert (anchor["rowIndex"], anchor["columnIndex"]) == layout.CHART_ANCHOR
    assert anchor["columnIndex"] > max(layout.CHART_COLUMNS)
    formulas = [
        rule["booleanRule"]["condition"]["values"][0]["userEnteredValue"]
        for rule in sheet.conditional_formats
    ]
    assert formulas == [role_formula(layout.HEADING), role_formula(layout.HEADER)]


def test_init_dresses_the_summary_as_the_layout_says(server):
    sid = template_sheet(server)
    ss = server.spreadsheet(sid)
    sized = ss.requests_of("updateDimensionProperties")
    widths = [r for r in sized if r["range"]["sheetId"] == SUMMARY_ID]
    assert [r["range"]["startIndex"] for r in widths] == list(range(len(layout.COLUMNS)))
    for request, column in zip(widths, layout.COLUMNS, strict=True):
        assert request["properties"]["pixelSize"] == round(column.width * PIXELS_PER_WIDTH)
        assert request["properties"]["hiddenByUser"] == column.hidden
    wraps = [
        (r["range"]["startColumnIndex"], r["range"].get("startRowIndex"))
        for r in ss.requests_of("repeatCell")
        if r["range"]["sheetId"] == SUMMARY_ID
        and r["cell"]["userEnteredFormat"].get("wrapStrategy") == "WRAP"
    ]
    assert sorted(c for c, _ in wraps) == [i for i, c in enumerate(layout.COLUMNS) if c.wrap]
    _assert_dressed(server, sid)
    # The mark is written with the placeholder: the first sync need not dress the tab again.
    row, column = layout.LAYOUT_MARK_CELL
    first = server.sheet_rows(sid, "Summary")[row]
    assert first[0] == look.SUMMARY_PLACEHOLDER and first[column] == layout.LAYOUT_MARK
    assert len(server.requests("sheets")) == 3  # create, dress, values: as before


def test_a_sync_writes_the_chart_data_where_the_chart_reads_it_and_never_formats(
    server, tmp_path: Path
):
    sid = demo_sheet(server)
    server.reset_log()
    dressed = _dress_requests(server, sid)
    first = run_sync(backend(server, sid, tmp_path), NOW)
    # A first sync reads, anchors its rows in one batchUpdate, and writes: it dresses nothing.
    assert first.requests["sheets"] <= 3 and _dress_requests(server, sid) == dressed
    rows = server.sheet_rows(sid, "Summary")
    block = [
        [row[c] if c < len(row) else "" for c in layout.CHART_COLUMNS]
        for row in rows[: layout.CHART_ROWS]
    ]
    assert block[0] == list(layout.CHART_HEADER)
    assert [r[0] for r in block[1:]] == list(layout.CHART_LABELS)
    assert all(isinstance(r[1], int | float) for r in block[1:])
    assert rows[0][layout.LAYOUT_MARK_CELL[1]] == layout.LAYOUT_MARK
    server.reset_log()
    second = run_sync(backend(server, sid, tmp_path), NOW)
    # Steady state: one read (spreadsheets.get) and one values write, no batchUpdate at all.
    assert second.requests["sheets"] == 2
    assert "sheets.spreadsheets.batchUpdate" not in _methods(server)
    _assert_dressed(server, sid)


def _make_old(server: FakeGoogle, sid: str) -> None:
    """The Summary as the layout before this one left it: no mark, a column chart over the
    tables, no rules."""
    gc, _, _ = clients(server)
    store = GoogleSheetStore(gc, sid, FAST)
    old = [["sheetsync summary: your referral network"], ["Goal"]]
    store.write(store.read(), SheetChanges(summary=old))
    sheet = _summary(server, sid)
    sheet.charts[:] = [
        {
            "chartId": 77,
            "spec": {"basicChart": {"chartType": "COLUMN"}},
            "position": {"overlayPosition": {"anchorCell": {"sheetId": SUMMARY_ID}}},
        }
    ]
    sheet.conditional_formats[:] = [{"ranges": [{"sheetId": SUMMARY_ID}], "booleanRule": {}}]


def test_an_old_layout_is_dressed_again_by_the_next_sync_once(server, tmp_path: Path):
    sid = demo_sheet(server)
    run_sync(backend(server, sid, tmp_path), NOW)
    _make_old(server, sid)
    server.reset_log()
    report = run_sync(backend(server, sid, tmp_path), NOW)
    methods = _methods(server)
    # The steady sync's read and write, and the dress between them: one get, one batchUpdate.
    assert methods == [
        "sheets.spreadsheets.get",
        "sheets.spreadsheets.get",
        "sheets.spreadsheets.batchUpdate",
        "sheets.spreadsheets.values.batchUpdateByDataFilter",
    ]
    assert report.requests["sheets"] == 4
    _assert_dressed(server, sid)  # the old chart and rule are gone, the new ones there once
    server.reset_log()
    dressed = _dress_requests(server, sid)
    again = run_sync(backend(server, sid, tmp_path), NOW)
    assert again.requests["sheets"] == 2 and _dress_requests(server, sid) == dressed


def test_dressing_twice_adds_nothing_twice(server):
    # As a retry after a lost reply would: it reads what the first one left.
    sid = template_sheet(server)
    gc, _, _ = clients(server)
    assert dress_summary(gc, sid, "Summary") == 2
    assert dress_summary(gc, sid, "Summary") == 2
    _assert_dressed(server, sid)


def test_needs_dress_reads_the_mark():
    row, column = layout.LAYOUT_MARK_CELL
    marked = ("",) * column + (layout.LAYOUT_MARK,)
    assert row == 0
    assert not needs_dress(None)  # not read: left for the next sync
    assert not needs_dress(Table("Summary", marked, ()))
    assert needs_dress(Table("Summary", ("sheetsync summary",), ()))
    assert needs_dress(Table("Summary", (), ()))
    old = ("",) * column + ("sheetsync Summary layout 1",)
    assert needs_dress(Table("Summary", old, ()))
