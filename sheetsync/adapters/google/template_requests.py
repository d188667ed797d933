"""The ``spreadsheets.batchUpdate`` requests that dress a new Sheet as the template says.

Owns the Google rendering of the template's look (``sheet_template.look``, which the ``.xlsx``
rendering reads too): header formats and notes, column widths, date formats, dropdowns
(``setDataValidation``), sync-owned columns greyed and protected with ``warningOnly`` (a person
editing one is warned, not blocked), the Summary tab protected the same way, and the Summary
chart of the goals (``addChart``). Pure: it builds request bodies, ``init`` sends them.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sheet_template import TEMPLATE, Column, Kind, Tab, look
from sheet_template.tabs import SETTINGS
from sheetsync.core.summary import COLUMN_WIDTHS, GOAL_COUNT, GOAL_HEADER_ROW

#: Pixels per width unit of the template's column widths (Excel character widths).
PIXELS_PER_WIDTH = 7
#: The body rows of a tab (the header row is row 0), as a (start, end) row range.
BODY_ROWS = (1, look.PREPARED_ROWS)
HEADER_ROW = (0, 1)


def rgb(hex_colour: str) -> dict[str, float]:
    """A Sheets colour from ``RRGGBB`` (or openpyxl's ``AARRGGBB``)."""
    text = hex_colour[-6:]
    return {
        "red": int(text[0:2], 16) / 255,
        "green": int(text[2:4], 16) / 255,
        "blue": int(text[4:6], 16) / 255,
    }


def sheet_ids() -> dict[str, int]:
    """Fixed sheet ids, so the follow-up requests need not wait for the create's reply."""
    return {tab.name: index + 1 for index, tab in enumerate(TEMPLATE.tabs)}


def grid(
    sheet_id: int,
    rows: tuple[int, int] | None = None,
    cols: tuple[int, int] | None = None,
) -> dict[str, Any]:
    """A GridRange: the whole sheet, or the given (start, end) rows and columns of it."""
    found: dict[str, Any] = {"sheetId": sheet_id}
    if rows is not None:
        found["startRowIndex"], found["endRowIndex"] = rows
    if cols is not None:
        found["startColumnIndex"], found["endColumnIndex"] = cols
    return found


def _format(where: dict[str, Any], fmt: dict[str, Any]) -> dict[str, Any]:
    """Set the fields of ``fmt`` (a CellFormat) on every cell of ``where``, and only those."""
    names = list(fmt)
    mask = f".{names[0]}" if len(names) == 1 else f"({','.join(names)})"
    return {
        "repeatCell": {
            "range": where,
            "cell": {"userEnteredFormat": fmt},
            "fields": "userEnteredFormat" + mask,
        }
    }


def _protect(where: dict[str, Any], description: str) -> dict[str, Any]:
    # warningOnly: a person editing it is warned, not blocked (it is their Sheet).
    return {
        "addProtectedRange": {
            "protectedRange": {"range": where, "description": description, "warningOnly": True}
        }
    }


def _column_width(sheet_id: int, index: int, width: int) -> dict[str, Any]:
    """Set one column's width, given in the template's xlsx width units."""
    return {
        "updateDimensionProperties": {
            "range": {
                "sheetId": sheet_id,
                "dimension": "COLUMNS",
                "startIndex": index,
                "endIndex": index + 1,
            },
            "properties": {"pixelSize": width * PIXELS_PER_WIDTH},
            "fields": "pixelSize",
        }
    }


def _dropdown(where: dict[str, Any], choices: Sequence[str], header: str) -> dict[str, Any]:
    return {
        "setDataValidation": {
            "range": where,
            "rule": {
                "condition": {
                    "type": "ONE_OF_LIST",
                    "values": [{"userEnteredValue": choice} for choice in choices],
                },
                "inputMessage": f"Choose one of the {header} values.",
                "strict": True,
                "showCustomUi": True,
            },
        }
    }


def _header_requests(tab: Tab, sheet_id: int) -> list[dict[str, Any]]:
    """The header row: bold on the header colour, wrapped, and each column's note."""
    fill = {"rgbColor": rgb(look.HEADER_FILL)}
    header = {
        "backgroundColorStyle": fill,
        "textFormat": {"bold": True},
        "wrapStrategy": "WRAP",
        "verticalAlignment": "TOP",
    }
    notes = [{"note": look.header_note(tab, col)} for col in tab.columns]
    return [
        _format(grid(sheet_id, HEADER_ROW, (0, len(tab.columns))), header),
        {
            "updateCells": {
                "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                "rows": [{"values": notes}],
                "fields": "note",
            }
        },
    ]


def _sync_owned_requests(
    col: Column, sheet_id: int, column: tuple[int, int]
) -> list[dict[str, Any]]:
    """A column the sync writes: greyed, its header italic, and protected with a warning."""
    header = {
        "backgroundColorStyle": {"rgbColor": rgb(look.SYNC_HEADER_FILL)},
        "textFormat": {"bold": True, "italic": True},
    }
    body = {"backgroundColorStyle": {"rgbColor": rgb(look.SYNC_FILL)}}
    return [
        _format(grid(sheet_id, HEADER_ROW, column), header),
        _format(grid(sheet_id, BODY_ROWS, column), body),
        # The whole column, header included: renaming it breaks the sync.
        _protect(grid(sheet_id, cols=column), f"Sync-owned: {col.header} is written by the sync."),
    ]


def _column_requests(col: Column, sheet_id: int, index: int) -> list[dict[str, Any]]:
    """One column's width, dropdown, date format and sync-owned dress."""
    column = (index, index + 1)
    body = grid(sheet_id, BODY_ROWS, column)
    requests = [_column_width(sheet_id, index, col.width)]
    if col.choices:
        requests.append(_dropdown(body, col.choices, col.header))
    if col.kind is Kind.DATE:
        date = {"numberFormat": {"type": "DATE", "pattern": look.DATE_FORMAT}}
        requests.append(_format(body, date))
    if col.sync_owned:
        requests += _sync_owned_requests(col, sheet_id, column)
    return requests


def _table_requests(tab: Tab, sheet_id: int) -> list[dict[str, Any]]:
    requests = _header_requests(tab, sheet_id)
    for index, col in enumerate(tab.columns):
        requests += _column_requests(col, sheet_id, index)
    return requests


def _settings_requests(sheet_id: int) -> list[dict[str, Any]]:
    requests = []
    for row, setting in enumerate(TEMPLATE.settings, 1):
        if setting.choices:
            where = grid(sheet_id, (row, row + 1), (1, 2))
            requests.append(_dropdown(where, setting.choices, setting.label))
    return requests


def _goals_chart(sheet_id: int) -> dict[str, Any]:
    """The chart of the goals, placed right of the Summary's tables."""
    # Rows GOAL_HEADER_ROW (the header) to GOAL_HEADER_ROW + GOAL_COUNT, as in the xlsx chart:
    # goals (column A) against Current (C) and Target (min) (G), titled by the header row.
    rows = (GOAL_HEADER_ROW - 1, GOAL_HEADER_ROW + GOAL_COUNT)

    def source(col: int) -> dict[str, Any]:
        return {"sourceRange": {"sources": [grid(sheet_id, rows, (col, col + 1))]}}

    return {
        "spec": {
            "title": look.CHART_TITLE,
            "basicChart": {
                "chartType": "COLUMN",
                "legendPosition": "BOTTOM_LEGEND",
                "headerCount": 1,
                "axis": [{"position": "LEFT_AXIS", "title": look.CHART_AXIS_TITLE}],
                "domains": [{"domain": source(0)}],
                "series": [
                    {"series": source(2), "targetAxis": "LEFT_AXIS"},
                    {"series": source(6), "targetAxis": "LEFT_AXIS"},
                ],
            },
        },
        "position": {
            "overlayPosition": {
                "anchorCell": {"sheetId": sheet_id, "rowIndex": 3, "columnIndex": 8},
                "widthPixels": 640,
                "heightPixels": 300,
            }
        },
    }


def _summary_requests(sheet_id: int) -> list[dict[str, Any]]:
    requests = [_column_width(sheet_id, index, width) for index, width in enumerate(COLUMN_WIDTHS)]
    requests += [
        {"addChart": {"chart": _goals_chart(sheet_id)}},
        _protect(grid(sheet_id), "Rewritten by every sync: edits here are lost."),
    ]
    return requests


def format_requests() -> list[dict[str, Any]]:
    """The ``spreadsheets.batchUpdate`` requests that dress the new spreadsheet."""
    ids = sheet_ids()
    requests: list[dict[str, Any]] = []
    for tab in TEMPLATE.tabs:
        if tab.columns:
            requests += _table_requests(tab, ids[tab.name])
        if tab.name == SETTINGS.name:
            requests += _settings_requests(ids[tab.name])
        if not tab.columns:
            requests += _summary_requests(ids[tab.name])
    return requests
