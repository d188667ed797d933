"""Row anchors on the Google backend: what the sync does when they disagree with the rows, when
they are full, and for Settings values written while a person sorts the tab.

Each test runs the real store (or the whole sync) against the fake server, with its switch for
what sorting and pasting do to row metadata set to the answer the test is about.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fakegoogle import FakeGoogle
from googlekit import FAST, NOW, backend, clients, demo_sheet

from sheet_template import TEMPLATE
from sheetsync.adapters.google.anchors import KEY, LIMIT, anchor_for
from sheetsync.adapters.google.sheets import GoogleSheetStore
from sheetsync.core.plan import CellWrite, SheetChanges
from sheetsync.core.table import column_map, row_refs
from sheetsync.service import run_sync


@pytest.fixture
def server():
    with FakeGoogle(seed=13) as fake:
        yield fake


def contacts(server: FakeGoogle, sid: str) -> list[list[Any]]:
    return server.sheet_rows(sid, "Contacts")


def anchors_match_row_ids(server: FakeGoogle, sid: str, tab: str = "Contacts") -> None:
    """Every row with a Row ID carries exactly its own anchor, and no other row has one."""
    rows = server.sheet_rows(sid, tab)
    id_col = rows[0].index("Row ID")
    by_row: dict[int, list[int]] = {}
    sheet_id = server.spreadsheet(sid).by_title(tab).sheet_id
    for meta in server.developer_metadata(sid):
        where = meta["location"].get("dimensionRange", {})
        if meta["metadataKey"] == KEY and where.get("sheetId") == sheet_id:
            by_row.setdefault(where["startIndex"], []).append(meta["metadataId"])
    want = {
        i: [anchor_for(TEMPLATE.tab(tab), str(row[id_col])).metadata_id]
        for i, row in enumerate(rows)
        if i and len(row) > id_col and row[id_col]
    }
    assert by_row == want


#: Sync-owned cells holding ids the fake server hands out: different in two Sheets.
GMAIL_OR_CALENDAR_IDS = (
    "Draft ID",
    "Event ID",
    "Thread ID",
    "Doctors' letter ID",
    "Thanks draft ID",
)


def without_ids(rows: list[list[Any]]) -> list[list[Any]]:
    keep = [i for i, h in enumerate(rows[0]) if h not in GMAIL_OR_CALENDAR_IDS]
    return [[row[i] if i < len(row) else "" for i in keep] for row in rows]


def anchor_problems(report: Any) -> list[str]:
    return [p.message for p in report.problems if "anchor" in p.message.lower()]


def test_a_steady_sync_reads_and_writes_and_anchors_nothing(server, tmp_path: Path):
    sid = demo_sheet(server)
    run_sync(backend(server, sid, tmp_path), NOW)
    anchors_match_row_ids(server, sid)
    server.reset_log()
    run_sync(backend(server, sid, tmp_path), NOW)
    assert [r.method_id for r in server.requests("sheets")] == [
        "sheets.spreadsheets.get",
        "sheets.spreadsheets.values.batchUpdateByDataFilter",
    ]


def test_rows_sorted_away_from_their_anchors_are_reported_and_anchored_again(
    server, tmp_path: Path
):
    """A sort that leaves the anchors where they were: each anchor now names another row.
    No write goes through them; the Summary says so; the rows are anchored again by their Row
    ID and every row still gets its own cells."""
    server.set_metadata_policy(sort="STAYS")
    sid, control = demo_sheet(server), demo_sheet(server)
    run_sync(backend(server, sid, tmp_path), NOW)
    run_sync(backend(server, control, tmp_path), NOW)
    name = contacts(server, sid)[0].index("Name")
    server.sort_rows(sid, "Contacts", key=name)
    server.sort_rows(control, "Contacts", key=name)  # the same rows, in the same order

    report = run_sync(backend(server, sid, tmp_path), NOW)
    problems = anchor_problems(report)
    assert problems and all("belonged to another row" in m for m in problems)
    summary = [" ".join(str(v) for v in row) for row in server.sheet_rows(sid, "Summary")]
    assert any("belonged to another row" in line for line in summary)
    anchors_match_row_ids(server, sid)
    run_sync(backend(server, control, tmp_path), NOW)
    # Draft ids are the fake's own and event ids derive from the spreadsheet id: compared apart.
    assert without_ids(contacts(server, sid)) == without_ids(contacts(server, control))

    again = run_sync(backend(server, sid, tmp_path), NOW)
    assert anchor_problems(again) == [] and again.requests["sheets"] == 2


def test_a_row_copied_with_its_anchor_gets_a_row_id_of_its_own(server, tmp_path: Path):
    server.set_metadata_policy(copy_paste="DUPLICATED")
    sid = demo_sheet(server)
    run_sync(backend(server, sid, tmp_path), NOW)
    rows = contacts(server, sid)
    id_col, name = rows[0].index("Row ID"), rows[0].index("Name")
    sheet_id = server.spreadsheet(sid).by_title("Contacts").sheet_id
    source, target = 1, len(rows) + 2  # a blank row below the data
    server.sheets.apply_request(
        server.spreadsheet(sid),
        "copyPaste",
        {
            "source": {"sheetId": sheet_id, "startRowIndex": source, "endRowIndex": source + 1},
            "destination": {
                "sheetId": sheet_id,
                "startRowIndex": target,
                "endRowIndex": target + 1,
            },
            "pasteType": "PASTE_NORMAL",
        },
    )
    assert contacts(server, sid)[target][id_col] == rows[source][id_col]

    report = run_sync(backend(server, sid, tmp_path), NOW)
    assert any("copied row" in m for m in anchor_problems(report))
    after = contacts(server, sid)
    assert after[source][id_col] == rows[source][id_col]  # the original keeps its id
    assert after[target][name] == rows[source][name]
    assert after[target][id_col] and after[target][id_col] != rows[source][id_col]
    ids = [r[id_col] for r in after[1:] if len(r) > id_col and r[id_col]]
    assert len(ids) == len(set(ids))
    anchors_match_row_ids(server, sid)


def test_full_anchors_fall_back_to_a_reread_and_the_summary_says_so(server, tmp_path: Path):
    sid = demo_sheet(server)
    # Another app's metadata already takes nearly all of the Contacts tab's room.
    server.tag_row(sid, "Contacts", 0, "other-app", "x" * (LIMIT - 500))
    report = run_sync(backend(server, sid, tmp_path), NOW)
    assert report.requests["sheets"] <= 3
    assert any("Row anchors are full" in p.message for p in report.problems)
    summary = [" ".join(str(v) for v in row) for row in server.sheet_rows(sid, "Summary")]
    assert any("Row anchors are full" in line for line in summary)
    # The rows were still written, each in its own row (found again in a fresh read).
    rows = contacts(server, sid)
    id_col = rows[0].index("Row ID")
    assert all(r[id_col] for r in rows[1:] if any(r))
    assert report.write_report is not None and report.write_report.rows_not_found == 0


@pytest.mark.parametrize("sort", ["MOVES", "STAYS"])
def test_a_setting_written_while_the_tab_is_sorted_lands_in_its_own_row(server, sort: str):
    """The Settings tab sorted in the very last round trip before the values write."""
    server.set_metadata_policy(sort=sort)
    sid = demo_sheet(server)
    gc, _, _ = clients(server)
    store = GoogleSheetStore(gc, sid, FAST)
    snapshot = store.read()
    table, tab = snapshot.table("Settings"), TEMPLATE.tab("Settings")
    refs = [r for r in row_refs(table, tab, column_map(table, tab)) if r]
    (ref,) = [r for r in refs if table.cell(r.row_number - 2, 0) == "Website URL"]
    before = {r[0]: r[1:] for r in server.sheet_rows(sid, "Settings")[1:] if r}
    hook = server.before_next(
        "values.batchUpdateByDataFilter",
        lambda _info: server.sort_rows(sid, "Settings", key=0, reverse=True),
    )
    report = store.write(snapshot, SheetChanges(cells=[CellWrite(ref, "value", "https://x.test")]))
    assert hook.fired == 1
    after = {r[0]: r[1:] for r in server.sheet_rows(sid, "Settings")[1:] if r}
    # No other setting's value changed, whatever the sort did to the anchors.
    assert {k: v for k, v in after.items() if k != "Website URL"} == {
        k: v for k, v in before.items() if k != "Website URL"
    }
    if sort == "MOVES":  # the anchor went with its row: written there
        assert after["Website URL"][0] == "https://x.test"
        assert report.cells_written == 1 and report.conflicts == []
    else:  # the anchor stayed on another setting's row: put back, and left to the next sync
        assert after["Website URL"] == before["Website URL"]
        assert report.cells_written == 0 and report.rows_not_found == 1
        (problem,) = report.conflicts
        assert problem.tab == "Settings" and "not written" in problem.message
        assert report.retakes == 1


@pytest.mark.parametrize("duplicate", ["MOVES", "STAYS", "DUPLICATED"])
def test_a_tab_duplicated_just_before_the_write_sends_nothing_astray(
    server, tmp_path: Path, duplicate: str
):
    """Contacts duplicated in the last round trip before the values write, whatever that does
    to the anchors: the copy keeps what it was copied with, each original row gets its own
    cells now or from the next sync, and the next syncs converge."""
    server.set_metadata_policy(duplicate_sheet=duplicate)
    sid, control = demo_sheet(server), demo_sheet(server)
    run_sync(backend(server, sid, tmp_path), NOW)
    run_sync(backend(server, control, tmp_path), NOW)
    copied: list[list[Any]] = []

    def duplicate_tab(_info: Any) -> None:
        server.duplicate_sheet(sid, "Contacts", "Contacts copy")
        copied.extend(server.sheet_rows(sid, "Contacts copy"))

    for spreadsheet in (sid, control):  # statuses cleared: every row is written again
        rows = contacts(server, spreadsheet)
        status = rows[0].index("Sync status")
        for row in rows[1:]:
            if len(row) > status:
                row[status] = ""
        server.set_sheet_rows(spreadsheet, "Contacts", rows)
    later = NOW
    hook = server.before_next("values.batchUpdateByDataFilter", duplicate_tab)
    report = run_sync(backend(server, sid, tmp_path), later)
    assert hook.fired == 1
    assert server.sheet_rows(sid, "Contacts copy") == copied  # the copy is left as it was
    if duplicate == "MOVES":
        assert report.write_report is not None and report.write_report.rows_not_found > 0
    run_sync(backend(server, control, tmp_path), later)
    again = run_sync(backend(server, sid, tmp_path), later)
    assert again.write_report is not None and again.write_report.rows_not_found == 0
    assert server.sheet_rows(sid, "Contacts copy") == copied
    assert without_ids(contacts(server, sid)) == without_ids(contacts(server, control))
    anchors_match_row_ids(server, sid)


def test_writes_sent_astray_by_a_sort_go_to_the_rows_they_landed_in(server):
    """A row inserted after the read (so the rows' places in the anchoring batch's answer are
    not the read's), then a sort that leaves the anchors in place just before the values write:
    each write that went into another synced row is put right with that row's own cells."""
    server.set_metadata_policy(sort="STAYS")
    sid = demo_sheet(server)
    gc, _, _ = clients(server)
    store = GoogleSheetStore(gc, sid, FAST)
    snapshot = store.read()
    table, tab = snapshot.table("Contacts"), TEMPLATE.tab("Contacts")
    columns = column_map(table, tab)
    refs = [r for r in row_refs(table, tab, columns) if r]
    name_of = {r: table.cell(r.row_number - 2, columns["name"]) for r in refs}
    header = contacts(server, sid)[0]
    server.insert_row(sid, "Contacts", 1, ["", "Someone New"])
    server.before_next(
        "values.batchUpdateByDataFilter",
        lambda _info: server.sort_rows(sid, "Contacts", key=header.index("Name"), reverse=True),
    )
    writes = [CellWrite(r, "sync_status", f"status of {name_of[r]}") for r in refs]
    # As on a first sync: each row gets its Row ID, and its anchor, now.
    writes += [CellWrite(r, "row_id", f"C{n:04d}") for n, r in enumerate(refs, 1)]
    report = store.write(snapshot, SheetChanges(cells=writes))
    rows = contacts(server, sid)
    status, name = header.index("Sync status"), header.index("Name")
    got = {r[name]: (r[status] if len(r) > status else "") for r in rows[1:] if len(r) > name}
    assert all(v in ("", f"status of {k}") for k, v in got.items())  # never another row's
    assert got["Someone New"] == ""
    # Every row but the one whose anchor ended on the new row is written now.
    assert report.rows_not_found <= 1
    assert sum(1 for v in got.values() if v) == len(refs) - report.rows_not_found
