"""``init`` on Google: create the Sheet through the Sheets API from the one template definition.

Owns the Google rendering of ``sheet_template.TEMPLATE`` (the ``.xlsx`` rendering is
``workbook_template``; both read the same tabs, columns, settings and letters):

* ``spreadsheets.create`` with every tab, its grid size, frozen header row and tab colour;
* one ``spreadsheets.batchUpdate``: header formats and notes, column widths, date formats,
  dropdowns (``setDataValidation``), sync-owned columns greyed and protected with
  ``warningOnly`` (a person editing one is warned, not blocked), the Summary tab protected
  the same way, and the Summary chart of the goals (``addChart``);
* one ``values.batchUpdate`` (RAW) with the header rows, the Settings rows with the article's
  defaults, and the default letters of the Templates tab.

Creating is not retried: a retry after a lost reply would make a second spreadsheet. Nor is
the formatting ``batchUpdate``, whose protections and chart a repeat would duplicate. The
values write is idempotent and is retried.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import gspread
from google.api_core.retry import Retry
from gspread.urls import SPREADSHEETS_API_V4_BASE_URL
from gspread.utils import rowcol_to_a1

from sheet_template import PLACEHOLDERS, TEMPLATE, Kind, Tab
from sheetsync.adapters.google.http import DEFAULT_RETRY, GOOGLE_ERRORS, to_backend_error
from sheetsync.adapters.google.sheets import quote_title
from sheetsync.adapters.local.workbook_template import (
    HEADER_FILL,
    PREPARED_ROWS,
    SYNC_FILL,
    SYNC_HEADER_FILL,
)
from sheetsync.core.letters import placeholders
from sheetsync.core.summary import COLUMN_WIDTHS, GOAL_COUNT, GOAL_HEADER_ROW

SUMMARY_PLACEHOLDER = "Run a sync to fill this tab. It is rewritten by every sync."
#: Pixels per width unit of the template's column widths (Excel character widths).
PIXELS_PER_WIDTH = 7
TAB_COLOURS = {"Summary": "808080"}
DEFAULT_TAB_COLOUR = "4472C4"


def rgb(hex_colour: str) -> dict[str, float]:
    """A Sheets colour from ``RRGGBB`` (or openpyxl's ``AARRGGBB``)."""
    text = hex_colour[-6:]
    return {
        "red": int(text[0:2], 16) / 255,
        "green": int(text[2:4], 16) / 255,
        "blue": int(text[4:6], 16) / 255,
    }


def _fill(pattern: Any) -> dict[str, Any]:
    # The xlsx fills are the source of the colours, so both renderings look alike.
    return {"rgbColor": rgb(str(pattern.fgColor.rgb))}


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


def _is_table(tab: Tab) -> bool:
    return bool(tab.columns) and not tab.key_column


def sheet_ids() -> dict[str, int]:
    """Fixed sheet ids, so the follow-up requests need not wait for the create's reply."""
    return {tab.name: index + 1 for index, tab in enumerate(TEMPLATE.tabs)}


def create_body(title: str) -> dict[str, Any]:
    """The ``spreadsheets.create`` body: every tab, frozen headers, tab colours."""
    ids = sheet_ids()
    sheets = []
    for index, tab in enumerate(TEMPLATE.tabs):
        grid: dict[str, Any] = {"rowCount": PREPARED_ROWS, "columnCount": max(26, len(tab.columns))}
        if tab.columns:
            grid["frozenRowCount"] = 1
        if _is_table(tab):
            grid["frozenColumnCount"] = 1  # the Row ID stays in view, as in the xlsx (B2)
        colour = TAB_COLOURS.get(tab.name, DEFAULT_TAB_COLOUR)
        sheets.append(
            {
                "properties": {
                    "sheetId": ids[tab.name],
                    "title": tab.name,
                    "index": index,
                    "gridProperties": grid,
                    "tabColorStyle": {"rgbColor": rgb(colour)},
                }
            }
        )
    return {"properties": {"title": title}, "sheets": sheets}


def _grid(
    sheet_id: int,
    rows: tuple[int, int] | None = None,
    cols: tuple[int, int] | None = None,
) -> dict[str, Any]:
    grid: dict[str, Any] = {"sheetId": sheet_id}
    if rows is not None:
        grid["startRowIndex"], grid["endRowIndex"] = rows
    if cols is not None:
        grid["startColumnIndex"], grid["endColumnIndex"] = cols
    return grid


def _dropdown(grid: dict[str, Any], choices: Sequence[str], header: str) -> dict[str, Any]:
    return {
        "setDataValidation": {
            "range": grid,
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


def _header_note(tab: Tab, index: int) -> str:
    col = tab.columns[index]
    note = ("Sync-owned: " if col.sync_owned else "") + (col.note or "")
    if tab.name == "Templates" and col.key == "placeholders":
        sources = "\n".join("{" + name + "}: " + source for name, source in PLACEHOLDERS.items())
        note = (note + "\n" if note else "") + "Placeholders you can use:\n" + sources
    return note.strip()


def _table_requests(tab: Tab, sheet_id: int) -> list[dict[str, Any]]:
    body_rows = (1, PREPARED_ROWS)
    requests: list[dict[str, Any]] = [
        {
            "repeatCell": {
                "range": _grid(sheet_id, (0, 1), (0, len(tab.columns))),
                "cell": {
                    "userEnteredFormat": {
                        "backgroundColorStyle": _fill(HEADER_FILL),
                        "textFormat": {"bold": True},
                        "wrapStrategy": "WRAP",
                        "verticalAlignment": "TOP",
                    }
                },
                "fields": "userEnteredFormat(backgroundColorStyle,textFormat,wrapStrategy,"
                "verticalAlignment)",
            }
        },
        {
            "updateCells": {
                "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                "rows": [
                    {"values": [{"note": _header_note(tab, i)} for i in range(len(tab.columns))]}
                ],
                "fields": "note",
            }
        },
    ]
    for index, col in enumerate(tab.columns):
        column = (index, index + 1)
        requests.append(_column_width(sheet_id, index, col.width))
        if col.choices:
            requests.append(_dropdown(_grid(sheet_id, body_rows, column), col.choices, col.header))
        if col.kind is Kind.DATE:
            requests.append(
                {
                    "repeatCell": {
                        "range": _grid(sheet_id, body_rows, column),
                        "cell": {
                            "userEnteredFormat": {
                                "numberFormat": {"type": "DATE", "pattern": "yyyy-mm-dd"}
                            }
                        },
                        "fields": "userEnteredFormat.numberFormat",
                    }
                }
            )
        if col.sync_owned:
            requests += [
                {
                    "repeatCell": {
                        "range": _grid(sheet_id, (0, 1), column),
                        "cell": {
                            "userEnteredFormat": {
                                "backgroundColorStyle": _fill(SYNC_HEADER_FILL),
                                "textFormat": {"bold": True, "italic": True},
                            }
                        },
                        "fields": "userEnteredFormat(backgroundColorStyle,textFormat)",
                    }
                },
                {
                    "repeatCell": {
                        "range": _grid(sheet_id, body_rows, column),
                        "cell": {"userEnteredFormat": {"backgroundColorStyle": _fill(SYNC_FILL)}},
                        "fields": "userEnteredFormat.backgroundColorStyle",
                    }
                },
                {
                    "addProtectedRange": {
                        "protectedRange": {
                            # The whole column, header included: renaming it breaks the sync.
                            "range": _grid(sheet_id, cols=column),
                            "description": f"Sync-owned: {col.header} is written by the sync.",
                            "warningOnly": True,
                        }
                    }
                },
            ]
    return requests


def _settings_requests(sheet_id: int) -> list[dict[str, Any]]:
    requests = []
    for row, setting in enumerate(TEMPLATE.settings, 1):
        if setting.choices:
            grid = _grid(sheet_id, (row, row + 1), (1, 2))
            requests.append(_dropdown(grid, setting.choices, setting.label))
    return requests


def _summary_requests(sheet_id: int) -> list[dict[str, Any]]:
    # Rows GOAL_HEADER_ROW (the header) to GOAL_HEADER_ROW + GOAL_COUNT, as in the xlsx chart:
    # goals (column A) against Current (C) and Target (min) (G), titled by the header row.
    rows = (GOAL_HEADER_ROW - 1, GOAL_HEADER_ROW + GOAL_COUNT)

    def source(col: int) -> dict[str, Any]:
        return {"sourceRange": {"sources": [_grid(sheet_id, rows, (col, col + 1))]}}

    chart = {
        "spec": {
            "title": "Progress towards the goals",
            "basicChart": {
                "chartType": "COLUMN",
                "legendPosition": "BOTTOM_LEGEND",
                "headerCount": 1,
                "axis": [{"position": "LEFT_AXIS", "title": "Relationships"}],
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
    requests = [_column_width(sheet_id, index, width) for index, width in enumerate(COLUMN_WIDTHS)]
    requests += [
        {"addChart": {"chart": chart}},
        {
            "addProtectedRange": {
                "protectedRange": {
                    "range": _grid(sheet_id),
                    "description": "Rewritten by every sync: edits here are lost.",
                    "warningOnly": True,
                }
            }
        },
    ]
    return requests


def format_requests() -> list[dict[str, Any]]:
    """The ``spreadsheets.batchUpdate`` requests that dress the new spreadsheet."""
    ids = sheet_ids()
    requests: list[dict[str, Any]] = []
    for tab in TEMPLATE.tabs:
        if tab.columns:
            requests += _table_requests(tab, ids[tab.name])
        if tab.name == "Settings":
            requests += _settings_requests(ids[tab.name])
        if not tab.columns:
            requests += _summary_requests(ids[tab.name])
    return requests


def _row_range(tab: str, row: int, values: Sequence[str]) -> dict[str, Any]:
    end = rowcol_to_a1(row, max(len(values), 1))
    return {
        "range": f"{quote_title(tab)}!A{row}:{end}",
        "majorDimension": "ROWS",
        "values": [list(values)],
    }


def initial_values() -> list[dict[str, Any]]:
    """Header rows, Settings defaults and the default letters, as RAW value ranges."""
    data = []
    for tab in TEMPLATE.tabs:
        if tab.columns:
            data.append(_row_range(tab.name, 1, tab.headers))
        else:
            data.append(_row_range(tab.name, 1, [SUMMARY_PLACEHOLDER]))
    for row, setting in enumerate(TEMPLATE.settings, 2):
        data.append(_row_range("Settings", row, [setting.label, setting.default, setting.note]))
    for row, letter in enumerate(TEMPLATE.letters, 2):
        used = dict.fromkeys(placeholders(letter.subject) + placeholders(letter.body))
        listed = ", ".join("{" + name + "}" for name in used)
        data.append(_row_range("Templates", row, [letter.key, letter.subject, letter.body, listed]))
    return data


def create_spreadsheet(
    client: gspread.Client, title: str = "Referral network", retry: Retry = DEFAULT_RETRY
) -> str:
    """Create the Sheet from the template; returns its spreadsheet id (three requests)."""
    http = client.http_client
    try:
        created = http.request("post", SPREADSHEETS_API_V4_BASE_URL, json=create_body(title))
        spreadsheet_id = str(created.json()["spreadsheetId"])
    except GOOGLE_ERRORS as exc:
        raise to_backend_error(exc, "Creating the Sheet") from None
    try:
        http.batch_update(spreadsheet_id, {"requests": format_requests()})
        retry(http.values_batch_update)(
            spreadsheet_id, body={"valueInputOption": "RAW", "data": initial_values()}
        )
    except GOOGLE_ERRORS as exc:
        raise to_backend_error(exc, "Setting up the new Sheet") from None
    return spreadsheet_id
