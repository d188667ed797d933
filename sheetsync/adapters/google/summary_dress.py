"""The Summary tab's dress on Google: the layout of ``core.summary.layout`` as Sheets requests.

Owns the Summary's column widths (the hidden columns too), the columns' wrap and alignment,
the title's font, the bold of headings and table headers (conditional formats that read the
hidden role column, so they follow the rows wherever "this week"'s length puts them), and the
chart of the goals from the hidden block, with short labels on a horizontal bar chart.

All of it is set per column, once: ``init`` sends it with the rest of a new Sheet's dress, and
a sync sends it only when the tab's layout mark (``LAYOUT_MARK``, in the hidden block) is not
this version's, as for a Sheet made before this layout. That sync makes two more requests (a
``spreadsheets.get`` of the tab's charts and rules, and one ``batchUpdate`` that replaces them);
the next one finds the mark the write left and makes none. A steady-state sync never formats.

Printing: the Sheets API has no page setup (Google sets it in the print dialog, where "Fit to
width" is one choice); the visible columns are sized to fit a landscape page.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import gspread

from sheet_template import look
from sheetsync.adapters.google.template_requests import PIXELS_PER_WIDTH, format_cells, grid, rgb
from sheetsync.core.summary import layout
from sheetsync.core.table import Table

#: The chart's id, fixed so that a later dress can find it without asking.
CHART_ID = 1201
#: Rows the column formats cover (a Summary stays inside a new tab's 1,000).
ROWS = look.PREPARED_ROWS
#: What ``spreadsheets.get`` returns for the dress: each tab's id and title, charts and rules.
FIELDS = "sheets(properties(sheetId,title),charts(chartId),conditionalFormats(ranges))"


def _columns(sheet_id: int) -> list[dict[str, Any]]:
    """Each column's width and whether it is hidden."""
    return [
        {
            "updateDimensionProperties": {
                "range": {
                    "sheetId": sheet_id,
                    "dimension": "COLUMNS",
                    "startIndex": index,
                    "endIndex": index + 1,
                },
                "properties": {
                    "pixelSize": round(column.width * PIXELS_PER_WIDTH),
                    "hiddenByUser": column.hidden,
                },
                "fields": "pixelSize,hiddenByUser",
            }
        }
        for index, column in enumerate(layout.COLUMNS)
    ]


def _formats(sheet_id: int) -> list[dict[str, Any]]:
    """Left and top for every visible column; wrapped where the layout wraps; the title."""
    visible = (0, layout.VISIBLE_COLUMNS)
    base = {
        "horizontalAlignment": "LEFT",
        "verticalAlignment": "TOP",
        "wrapStrategy": "OVERFLOW_CELL",
    }
    requests = [format_cells(grid(sheet_id, (0, ROWS), visible), base)]
    for index, column in enumerate(layout.COLUMNS[: layout.VISIBLE_COLUMNS]):
        if column.wrap:
            where = grid(sheet_id, (1, ROWS), (index, index + 1))
            requests.append(format_cells(where, {"wrapStrategy": "WRAP"}))
    title = {"textFormat": {"bold": True, "fontSize": 14}, "wrapStrategy": "OVERFLOW_CELL"}
    requests.append(format_cells(grid(sheet_id, (0, 1), (0, 1)), title))
    return requests


def role_formula(role: str) -> str:
    """The conditional format's formula: true on rows whose hidden role cell is ``role``."""
    column = chr(ord("A") + layout.ROLE_COLUMN)
    return f'=${column}1="{role}"'


def _role_rules(sheet_id: int) -> list[dict[str, Any]]:
    """Headings bold; table headers bold on the header colour, wherever their rows fall."""
    where = grid(sheet_id, (0, ROWS), (0, layout.VISIBLE_COLUMNS))
    looks = {
        layout.HEADING: {"textFormat": {"bold": True}},
        layout.HEADER: {
            "textFormat": {"bold": True},
            "backgroundColorStyle": {"rgbColor": rgb(look.HEADER_FILL)},
        },
    }
    return [
        {
            "addConditionalFormatRule": {
                "index": index,
                "rule": {
                    "ranges": [where],
                    "booleanRule": {
                        "condition": {
                            "type": "CUSTOM_FORMULA",
                            "values": [{"userEnteredValue": role_formula(role)}],
                        },
                        "format": fmt,
                    },
                },
            }
        }
        for index, (role, fmt) in enumerate(looks.items())
    ]


def goals_chart(sheet_id: int) -> dict[str, Any]:
    """The chart of the goals: horizontal bars, from the hidden block, right of the tables."""
    rows = (0, layout.CHART_ROWS)
    label, *series = layout.CHART_COLUMNS

    def source(col: int) -> dict[str, Any]:
        return {"sourceRange": {"sources": [grid(sheet_id, rows, (col, col + 1))]}}

    row, column = layout.CHART_ANCHOR
    width, height = layout.CHART_SIZE
    return {
        "chartId": CHART_ID,
        "spec": {
            "title": look.CHART_TITLE,
            # The data sits in hidden columns: plot it all the same.
            "hiddenDimensionStrategy": "SHOW_ALL",
            "basicChart": {
                "chartType": "BAR",
                "legendPosition": "BOTTOM_LEGEND",
                "headerCount": 1,
                "axis": [{"position": "BOTTOM_AXIS", "title": look.CHART_AXIS_TITLE}],
                "domains": [{"domain": source(label)}],
                "series": [{"series": source(c), "targetAxis": "BOTTOM_AXIS"} for c in series],
            },
        },
        "position": {
            "overlayPosition": {
                "anchorCell": {"sheetId": sheet_id, "rowIndex": row, "columnIndex": column},
                "widthPixels": width,
                "heightPixels": height,
            }
        },
    }


def summary_requests(sheet_id: int) -> list[dict[str, Any]]:
    """The Summary's dress on a tab that has none: columns, formats, rules and chart."""
    return [
        *_columns(sheet_id),
        *_formats(sheet_id),
        *_role_rules(sheet_id),
        {"addChart": {"chart": goals_chart(sheet_id)}},
    ]


def redress_requests(
    sheet_id: int, chart_ids: Sequence[int], rule_count: int
) -> list[dict[str, Any]]:
    """The Summary's dress on a tab dressed for another layout: its charts and conditional
    formats go (every one: the tab is wholly the sync's), then the dress as on a new tab."""
    requests: list[dict[str, Any]] = [
        {"deleteEmbeddedObject": {"objectId": chart_id}} for chart_id in chart_ids
    ]
    # Deleting rule 0 each time: the rules after it move up.
    requests += [
        {"deleteConditionalFormatRule": {"sheetId": sheet_id, "index": 0}}
        for _ in range(rule_count)
    ]
    return requests + summary_requests(sheet_id)


def needs_dress(summary: Table | None) -> bool:
    """True when the Summary tab as read does not carry this layout's mark.

    ``None`` (a tab the sync did not read) is left alone: the next sync reads it.
    """
    if summary is None:
        return False
    row, column = layout.LAYOUT_MARK_CELL
    rows = (summary.header, *summary.rows)
    found = rows[row][column] if len(rows) > row and len(rows[row]) > column else None
    return found != layout.LAYOUT_MARK


def _summary_sheet(meta: Mapping[str, Any], title: str) -> Mapping[str, Any] | None:
    for sheet in meta.get("sheets", []):
        if sheet.get("properties", {}).get("title") == title:
            return dict(sheet)
    return None


def dress_summary(client: gspread.Client, spreadsheet_id: str, title: str) -> int:
    """Dress the Summary tab ``title`` for this layout: read its charts and rules, replace them.

    Two requests; returns how many were made (1 when the tab is gone: the write reports it).
    Repeating it after a lost reply reads what the first one left, so nothing is doubled.
    """
    http = client.http_client
    meta = http.fetch_sheet_metadata(spreadsheet_id, params={"fields": FIELDS})
    sheet = _summary_sheet(meta, title)
    if sheet is None:
        return 1
    sheet_id = int(sheet["properties"]["sheetId"])
    charts = [int(c["chartId"]) for c in sheet.get("charts", [])]
    rules = len(sheet.get("conditionalFormats", []))
    http.batch_update(spreadsheet_id, {"requests": redress_requests(sheet_id, charts, rules)})
    return 2
