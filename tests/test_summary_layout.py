"""The Summary reads at 100% with no adjustment: fast checks that need no LibreOffice.

Over the demo's Summary (as the first sync writes it into the workbook) and a 10,000-contact
one (``bench.generate``): every cell's text fits its column's width, or runs on over empty
cells to its right, or wraps; no date sits in a column narrower than a date; each table's
values sit under its headers, which are aligned as their values are; and the workbook's dress
(widths, wrap, hidden chart data, chart place, page setup) is the layout's. ``make render``
is the look by eye.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from pathlib import Path

import openpyxl
import pytest

from bench.generate import generate_network
from sheet_template import TEMPLATE
from sheetsync.bootstrap import local_backend
from sheetsync.core.cells import Cell
from sheetsync.core.planner import make_plan
from sheetsync.core.summary import build_summary, layout, summary_blocks, summary_grid
from sheetsync.core.table import Snapshot, Table
from sheetsync.core.validation import validate
from sheetsync.entrypoints.demo import create_demo_workbook
from sheetsync.service import run_sync

TODAY = date(2026, 11, 30)
NOW = datetime.combine(TODAY, time(9, 0), tzinfo=UTC)
#: Bold text is about a tenth wider than regular; the title is 14-point.
BOLD = 1.1
TITLE = 1.1 * 14 / 11
#: A date as the Summary shows it (yyyy-mm-dd) and a margin each side.
DATE_WIDTH = 11


def _role(row: list[Cell]) -> Cell:
    return row[layout.ROLE_COLUMN] if len(row) > layout.ROLE_COLUMN else None


def _room(row: list[Cell], c: int) -> float:
    """The width text in column ``c`` has: its column's, and the empty cells' on its right."""
    room = layout.COLUMNS[c].width - 1
    for right in range(c + 1, layout.VISIBLE_COLUMNS):
        if right < len(row) and row[right] not in (None, ""):
            break
        room += layout.COLUMNS[right].width
    return room


def overflowing(grid: list[list[Cell]]) -> list[str]:
    """Cells whose text neither fits, nor runs on over empty cells, nor wraps ("B12: ...")."""
    bad = []
    for r, row in enumerate(grid):
        role = _role(row)
        scale = TITLE if role == layout.TITLE else BOLD if role else 1.0
        for c, value in enumerate(row[: layout.VISIBLE_COLUMNS]):
            if value in (None, ""):
                continue
            wraps = layout.COLUMNS[c].wrap and not (r == 0 and c == 0)
            if wraps and isinstance(value, str):
                continue
            # A number or a date never runs on: Excel shows ### instead.
            if isinstance(value, int | float | date):
                room = layout.COLUMNS[c].width - 1
            else:
                room = _room(row, c)
            if layout.text_width(value) * scale > room:
                bad.append(f"{chr(65 + c)}{r + 1}: {value!r}")
    return bad


def misplaced(summary_grid_rows: list[list[Cell]], blocks: list[layout.Block]) -> list[str]:
    """Values with no header above them, in each table (the header row as written)."""
    bad = []
    for block in blocks:
        if not block.header:
            continue
        header_row = summary_grid_rows[block.first_row + 1]
        headed = {c for c, v in enumerate(header_row[: layout.VISIBLE_COLUMNS]) if v}
        assert headed == set(block.header)
        for i, row in enumerate(block.rows):
            for c, value in row.items():
                if value not in (None, "") and c not in headed:
                    bad.append(f"{block.heading} row {i + 1}, column {chr(65 + c)}: {value!r}")
    return bad


def narrow_dates(grid: list[list[Cell]]) -> list[str]:
    return [
        f"{chr(65 + c)}{r + 1}"
        for r, row in enumerate(grid)
        for c, value in enumerate(row)
        if isinstance(value, date) and layout.COLUMNS[c].width < DATE_WIDTH
    ]


# -- the demo's Summary, as the first sync writes it ----------------------------------------


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workbook = tmp_path_factory.mktemp("demo") / "referral-network.xlsx"
    create_demo_workbook(workbook, TODAY)
    run_sync(local_backend(workbook, lambda: NOW), NOW)
    return workbook


@pytest.fixture(scope="module")
def demo_summary(demo: Path) -> object:
    return openpyxl.load_workbook(demo)["Summary"]


def _grid(ws: object) -> list[list[Cell]]:
    rows = [list(r) for r in ws.iter_rows(values_only=True)]  # type: ignore[attr-defined]
    # openpyxl gives dates back as datetimes at midnight: the Summary wrote dates.
    return [[v.date() if isinstance(v, datetime) else v for v in row] for row in rows]


def test_demo_summary_text_fits_or_wraps(demo_summary):
    grid = _grid(demo_summary)
    assert len(grid) > 40  # the whole Summary, not a placeholder
    assert overflowing(grid) == []


def test_demo_summary_has_no_date_in_a_column_narrower_than_a_date(demo_summary):
    grid = _grid(demo_summary)
    assert any(isinstance(v, date) for row in grid for v in row)  # "this week" is dated
    assert narrow_dates(grid) == []


def test_demo_summary_tables_put_values_under_their_headers(demo: Path):
    store = local_backend(demo, lambda: NOW).sheet
    validated = validate(store.read())
    summary = build_summary(validated, make_plan(validated, store.namespace, NOW))
    grid, blocks = summary_grid(summary), summary_blocks(summary)
    assert misplaced(grid, blocks) == []
    # The workbook holds that grid, so the check is about what a person sees.
    assert [r[0] for r in _grid(openpyxl.load_workbook(demo)["Summary"])[3:]] == [
        (r[0] if r else None) for r in grid[3:]
    ]


def test_headers_are_aligned_as_their_values(demo_summary):
    # Column by column one alignment, headers included: counts sit under their headers.
    for c in range(1, layout.VISIBLE_COLUMNS + 1):
        aligns = {
            demo_summary.cell(row=r, column=c).alignment.horizontal
            for r in range(3, demo_summary.max_row + 1)
            if demo_summary.cell(row=r, column=c).value is not None
        }
        assert aligns <= {"left"}, (c, aligns)


def test_demo_workbook_is_dressed_as_the_layout_says(demo_summary):
    ws = demo_summary
    for c, column in enumerate(layout.COLUMNS, 1):
        dimension = ws.column_dimensions[chr(64 + c)]
        assert dimension.width == column.width
        assert bool(dimension.hidden) == column.hidden
    assert ws.cell(row=6, column=1).alignment.wrap_text  # column A wraps
    assert ws.cell(row=6, column=10).alignment.wrap_text  # and J
    assert not ws.cell(row=6, column=3).alignment.wrap_text
    # Rows with wrapped text are tall enough for it.
    tall = [r for r in range(1, ws.max_row + 1) if (ws.row_dimensions[r].height or 0) > 15]
    assert tall


def test_demo_summary_chart_sits_clear_of_the_tables_and_plots_the_hidden_block(demo):
    ws = openpyxl.load_workbook(demo)["Summary"]
    # openpyxl does not read charts back: look at the saved chart part.
    import zipfile

    with zipfile.ZipFile(demo) as archive:
        names = [n for n in archive.namelist() if n.startswith("xl/charts/chart")]
        (chart_name,) = names
        xml = archive.read(chart_name).decode()
        drawing = next(n for n in archive.namelist() if n.startswith("xl/drawings/drawing"))
        anchor = archive.read(drawing).decode()
    assert '<barDir val="bar"' in xml  # horizontal bars: labels read level, on the left
    assert '<plotVisOnly val="0"' in xml  # its data is in hidden columns
    assert "'Summary'!$L$2:$L$6" in xml and "'Summary'!$M$2:$M$6" in xml
    # Anchored right of the visible columns and the hidden block (0-based column 15: P).
    assert f"<col>{layout.CHART_ANCHOR[1]}</col>" in anchor.replace("xdr:", "")
    labels = [ws.cell(row=r, column=12).value for r in range(2, 7)]
    assert labels == list(layout.CHART_LABELS)
    assert all(layout.COLUMNS[c].hidden for c in layout.CHART_COLUMNS)


def test_demo_summary_prints_landscape_fitted_to_width_on_three_pages(demo_summary):
    ws = demo_summary
    setup = ws.page_setup
    assert setup.orientation == "landscape"
    assert (setup.fitToWidth, setup.fitToHeight) == (1, 0)
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.print_area == f"'Summary'!$A$1:$J${ws.max_row}"
    # The pages it takes, from the row heights at the scale that fits the width (A4 landscape,
    # the margins set), with Excel's 15-point rows: LibreOffice's are lower.
    width_points = sum((c.width * 7 + 5) * 0.75 for c in layout.COLUMNS[: layout.VISIBLE_COLUMNS])
    margins = ws.page_margins
    page_width = (29.7 / 2.54 - margins.left - margins.right) * 72
    page_height = (21.0 / 2.54 - margins.top - margins.bottom) * 72
    scale = min(1.0, page_width / width_points)
    height = sum(ws.row_dimensions[r].height or 15 for r in range(1, ws.max_row + 1))
    # Three since the demo gained its GP kits, thank-yous and referrers gone quiet (issue 11).
    assert height * scale / page_height <= 3


# -- a 10,000-contact Summary ----------------------------------------------------------------


def _network_snapshot(size: int) -> Snapshot:
    network = generate_network(size, TODAY, seed=1)
    tables = {}
    for tab in TEMPLATE.tabs:
        rows = network.rows.get(tab.name, [])
        tables[tab.name] = Table(tab.name, tab.headers, tuple(tuple(r) for r in rows))
    settings = {s.label: s.default for s in TEMPLATE.settings} | network.settings
    tables["Settings"] = Table(
        "Settings", TEMPLATE.tab("Settings").headers, tuple((k, v, "") for k, v in settings.items())
    )
    templates = tuple((x.key, x.subject, x.body, "") for x in TEMPLATE.letters)
    tables["Templates"] = Table("Templates", TEMPLATE.tab("Templates").headers, templates)
    tables["Summary"] = Table("Summary", (), ())
    return Snapshot(tables)


@pytest.fixture(scope="module")
def big():
    validated = validate(_network_snapshot(10_000))
    summary = build_summary(validated, make_plan(validated, "big", NOW))
    return summary, summary_grid(summary), summary_blocks(summary)


def test_a_10000_contact_summary_stays_a_summary(big):
    summary, grid, _ = big
    # Far more to do than a page can list: the lists are bounded, the rest counted.
    assert len(summary.week) > layout.MAX_LISTED + layout.OVERDUE_LISTED
    assert len(grid) < 150 and len(grid) <= 1000
    text = [str(row[0]) for row in grid if row and row[0]]
    assert any(line.startswith("… and ") and "overdue" in line for line in text)


def test_a_10000_contact_summary_fits_its_columns(big):
    _, grid, blocks = big
    assert overflowing(grid) == []
    assert narrow_dates(grid) == []
    assert misplaced(grid, blocks) == []


def test_the_checks_catch_what_the_issue_saw():
    # A long name in a column that does not wrap, with a value beside it, is cut off.
    row: list[Cell] = [None] * layout.VISIBLE_COLUMNS
    row[2], row[3] = "Health professionals who see your ideal client", 4
    assert overflowing([[], row]) == ["C2: 'Health professionals who see your ideal client'"]
    # ...and runs on when the cells on its right are empty.
    row[3] = None
    assert overflowing([[], row]) == []
    # A count too wide for its column shows ###.
    row[2] = 12345678901234
    assert overflowing([[], row]) == ["C2: 12345678901234"]
    # A value under no header.
    block = layout.Block("T", header={0: "Who"}, rows=[{0: "Ana", 5: 3}], first_row=0)
    assert misplaced([["T"], ["Who"], ["Ana", None, None, None, None, 3]], [block]) == [
        "T row 1, column F: 3"
    ]
