"""``init`` on Google: create the Sheet through the Sheets API from the one template definition.

Owns the Google rendering of ``sheet_template.TEMPLATE`` (the ``.xlsx`` rendering is
``workbook_template``; both read the same tabs, columns, settings, letters and look), in three
requests:

* ``spreadsheets.create`` with every tab, its grid size, frozen header row and tab colour;
* one ``spreadsheets.batchUpdate`` that dresses it (``template_requests``, and the Summary's
  layout from ``summary_dress``);
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

from sheet_template import TEMPLATE, Tab, look
from sheet_template.tabs import SETTINGS, SUMMARY, TEMPLATES
from sheetsync.adapters.google.http import DEFAULT_RETRY, GOOGLE_ERRORS, to_backend_error
from sheetsync.adapters.google.sheets import quote_title
from sheetsync.adapters.google.summary_dress import summary_requests
from sheetsync.adapters.google.template_requests import (
    format_requests,
    letter_row,
    rgb,
    sheet_ids,
)
from sheetsync.core.summary import LAYOUT_MARK, LAYOUT_MARK_CELL


def _is_table(tab: Tab) -> bool:
    return bool(tab.columns) and not tab.key_column


def create_body(title: str) -> dict[str, Any]:
    """The ``spreadsheets.create`` body: every tab, frozen headers, tab colours."""
    ids = sheet_ids()
    sheets = []
    for index, tab in enumerate(TEMPLATE.tabs):
        grid: dict[str, Any] = {
            "rowCount": look.PREPARED_ROWS,
            "columnCount": max(26, len(tab.columns)),
        }
        if tab.columns:
            grid["frozenRowCount"] = 1
        if _is_table(tab):
            grid["frozenColumnCount"] = 1  # the Row ID stays in view, as in the xlsx (B2)
        sheets.append(
            {
                "properties": {
                    "sheetId": ids[tab.name],
                    "title": tab.name,
                    "index": index,
                    "gridProperties": grid,
                    "tabColorStyle": {"rgbColor": rgb(look.tab_colour(tab))},
                }
            }
        )
    return {"properties": {"title": title}, "sheets": sheets}


def _row_range(tab: str, row: int, values: Sequence[str]) -> dict[str, Any]:
    end = rowcol_to_a1(row, max(len(values), 1))
    return {
        "range": f"{quote_title(tab)}!A{row}:{end}",
        "majorDimension": "ROWS",
        "values": [list(values)],
    }


def initial_values(identity: str = "") -> list[dict[str, Any]]:
    """Header rows, Settings defaults and the default letters, as RAW value ranges.

    ``identity`` fills Settings > Sheet identity (the spreadsheet id): a copy keeps it.
    """
    data = []
    for tab in TEMPLATE.tabs:
        if tab.columns:
            data.append(_row_range(tab.name, 1, tab.headers))
        else:
            # The layout mark tells the first sync the tab is dressed already.
            row, column = LAYOUT_MARK_CELL
            assert row == 0
            first = [look.SUMMARY_PLACEHOLDER, *[""] * (column - 1), LAYOUT_MARK]
            data.append(_row_range(tab.name, 1, first))
    for row, setting in enumerate(TEMPLATE.settings, 2):
        value = identity if setting.key == "sheet_identity" else setting.default
        values = [setting.label, value, setting.note]
        data.append(_row_range(SETTINGS.name, row, values))
    for row, letter in enumerate(TEMPLATE.letters, 2):
        data.append(_row_range(TEMPLATES.name, row, letter_row(letter)))
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
        summary = summary_requests(sheet_ids()[SUMMARY.name])
        http.batch_update(spreadsheet_id, {"requests": [*format_requests(), *summary]})
        retry(http.values_batch_update)(
            spreadsheet_id, body={"valueInputOption": "RAW", "data": initial_values(spreadsheet_id)}
        )
    except GOOGLE_ERRORS as exc:
        raise to_backend_error(exc, "Setting up the new Sheet") from None
    return spreadsheet_id
