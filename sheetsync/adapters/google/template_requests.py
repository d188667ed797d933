"""The ``spreadsheets.batchUpdate`` requests that dress a new Sheet as the template says.

Owns the Google rendering of the template's look (``sheet_template.look``, which the ``.xlsx``
rendering reads too): header formats and notes, column widths, date formats, dropdowns
(``setDataValidation``), sync-owned columns greyed and protected with ``warningOnly`` (a person
editing one is warned, not blocked), the Summary tab protected the same way (its layout is
``summary_dress``'s), error rows highlighted by a conditional format on their Sync status
(``addConditionalFormatRule``), the Templates tab's letters wrapped in rows tall enough to
read, and a dropdown of the Contacts tab's names on the Log and Referrals Contact columns
(``ONE_OF_RANGE``, warning only). Pure: it builds request bodies, ``init`` sends them.

``dress_requests`` builds the last three for a Sheet made before they existed, for a store
that is asked to dress a tab; given the rules the tab has, it adds none twice.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sheet_template import TEMPLATE, Column, Kind, Letter, Tab, look
from sheet_template.tabs import SETTINGS, SYNC_STATUS, TEMPLATES
from sheetsync.core.letters import placeholders

#: Pixels per width unit of the template's column widths (Excel character widths).
PIXELS_PER_WIDTH = 7
#: The body rows of a tab (the header row is row 0), as a (start, end) row range.
BODY_ROWS = (1, look.PREPARED_ROWS)
HEADER_ROW = (0, 1)
#: Pixels per point (Sheets sizes rows in pixels, at 96 per inch).
PIXELS_PER_POINT = 96 / 72


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


def format_cells(where: dict[str, Any], fmt: dict[str, Any]) -> dict[str, Any]:
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
        format_cells(grid(sheet_id, HEADER_ROW, (0, len(tab.columns))), header),
        {
            "updateCells": {
                "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                "rows": [{"values": notes}],
                "fields": "note",
            }
        },
    ]


#: The grey of the cells the sync writes (sync-owned columns, and settings it keeps).
_SYNC_OWNED_BODY = {"backgroundColorStyle": {"rgbColor": rgb(look.SYNC_FILL)}}


def _sync_owned_requests(
    col: Column, sheet_id: int, column: tuple[int, int]
) -> list[dict[str, Any]]:
    """A column the sync writes: greyed, its header italic, and protected with a warning."""
    header = {
        "backgroundColorStyle": {"rgbColor": rgb(look.SYNC_HEADER_FILL)},
        "textFormat": {"bold": True, "italic": True},
    }
    return [
        format_cells(grid(sheet_id, HEADER_ROW, column), header),
        format_cells(grid(sheet_id, BODY_ROWS, column), _SYNC_OWNED_BODY),
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
        requests.append(format_cells(body, date))
    if col.sync_owned:
        requests += _sync_owned_requests(col, sheet_id, column)
    return requests


def added_column_requests(tab: Tab, col: Column, sheet_id: int, index: int) -> list[dict[str, Any]]:
    """A column added to an older Sheet (at 0-based ``index``): its header with the header
    look and note, then the width, dropdown, date format and sync-owned dress ``init`` gives
    a new Sheet's columns."""
    header = {
        "userEnteredValue": {"stringValue": col.header},
        "note": look.header_note(tab, col),
        "userEnteredFormat": {
            "backgroundColorStyle": {"rgbColor": rgb(look.HEADER_FILL)},
            "textFormat": {"bold": True},
            "wrapStrategy": "WRAP",
            "verticalAlignment": "TOP",
        },
    }
    fields = (
        "userEnteredValue,note,"
        "userEnteredFormat(backgroundColorStyle,textFormat,wrapStrategy,verticalAlignment)"
    )
    cells = {
        "updateCells": {
            "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": index},
            "rows": [{"values": [header]}],
            "fields": fields,
        }
    }
    return [cells, *_column_requests(col, sheet_id, index)]


def _table_requests(tab: Tab, sheet_id: int) -> list[dict[str, Any]]:
    requests = _header_requests(tab, sheet_id)
    for index, col in enumerate(tab.columns):
        requests += _column_requests(col, sheet_id, index)
    rows = [letter_row(letter) for letter in TEMPLATE.letters] if tab.name == TEMPLATES.name else []
    return requests + dress_requests(sheet_id, tab, rows=rows)


def letter_row(letter: Letter) -> list[str]:
    """A default letter as the Templates tab's row: key, subject, body, placeholders used."""
    used = dict.fromkeys(placeholders(letter.subject) + placeholders(letter.body))
    return [letter.key, letter.subject, letter.body, ", ".join("{" + p + "}" for p in used)]


# -- the dress: error rows, readable letters, contact dropdowns -----------------------------


def dress_requests(
    sheet_id: int,
    tab: Tab,
    headers: Sequence[str] | None = None,
    rows: Sequence[Sequence[Any]] = (),
    conditional_formats: Sequence[Mapping[str, Any]] = (),
) -> list[dict[str, Any]]:
    """The requests that give tab ``tab`` (sheet ``sheet_id``) the template's highlighting of
    error rows, wrapped letter rows and contact dropdowns.

    ``headers`` is the tab's header row as read (the template's by default: columns are found
    by header, where a person may have moved them); ``rows`` its body rows (the Templates tab's
    letters, whose lengths set the row heights); ``conditional_formats`` the rules the tab has
    (``sheets.conditionalFormats`` of ``spreadsheets.get``), so the error rule is not added
    twice. The dropdown and the row formats replace what those cells had, so repeating them is
    harmless.
    """
    found = {header: index for index, header in enumerate(headers or tab.headers) if header}
    requests: list[dict[str, Any]] = []
    status = found.get(SYNC_STATUS.header)
    if status is not None:
        rule = _error_rule(sheet_id, status, len(found))
        if not any(_same_rule(rule, existing) for existing in conditional_formats):
            requests.append({"addConditionalFormatRule": {"rule": rule, "index": 0}})
    for col in tab.columns:
        if (tab.name, col.key) in look.CONTACT_COLUMNS and col.header in found:
            requests.append(_contact_dropdown(sheet_id, found[col.header]))
    if tab.name == TEMPLATES.name:
        widths = {found[c.header]: c.width for c in tab.columns if c.header in found}
        requests += _readable_rows(sheet_id, widths, rows)
    return requests


def _open_rows(sheet_id: int, cols: tuple[int, int]) -> dict[str, Any]:
    """Every body row of columns ``cols``, to the end of the tab however it grows."""
    start, end = cols
    return {
        "sheetId": sheet_id,
        "startRowIndex": 1,
        "startColumnIndex": start,
        "endColumnIndex": end,
    }


def _error_rule(sheet_id: int, status: int, width: int) -> dict[str, Any]:
    """Rows whose Sync status (0-based column ``status``) starts with "Error": light red."""
    formula = "=" + look.error_row_formula(look.column_letter(status + 1))
    return {
        "ranges": [_open_rows(sheet_id, (0, max(width, status + 1)))],
        "booleanRule": {
            "condition": {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": formula}]},
            "format": {
                "backgroundColorStyle": {"rgbColor": rgb(look.ERROR_FILL)},
                "textFormat": {"foregroundColorStyle": {"rgbColor": rgb(look.ERROR_TEXT)}},
            },
        },
    }


def _same_rule(rule: Mapping[str, Any], existing: Mapping[str, Any]) -> bool:
    """Whether ``existing`` (as Sheets returns it) is ``rule``: the same formula on the tab."""

    def formulas(r: Mapping[str, Any]) -> list[str]:
        condition = (r.get("booleanRule") or {}).get("condition") or {}
        return [str(v.get("userEnteredValue", "")) for v in condition.get("values") or []]

    return formulas(existing) == formulas(rule)


def _contact_dropdown(sheet_id: int, index: int) -> dict[str, Any]:
    """The Contacts tab's names as a dropdown; other values are marked, never refused."""
    source = "=" + look.contact_list_open_range()
    return {
        "setDataValidation": {
            "range": _open_rows(sheet_id, (index, index + 1)),
            "rule": {
                "condition": {"type": "ONE_OF_RANGE", "values": [{"userEnteredValue": source}]},
                "inputMessage": look.CONTACT_LIST_HELP,
                # Not strict: a Row ID is a valid contact too; Sheets marks it, and keeps it.
                "strict": False,
                "showCustomUi": True,
            },
        }
    }


def _readable_rows(
    sheet_id: int, widths: Mapping[int, int], rows: Sequence[Sequence[Any]]
) -> list[dict[str, Any]]:
    """The Templates tab's cells wrapped and top-aligned, and each letter's row tall enough
    for its longest cell (a row sized by the API stays that size)."""
    wrap = {"wrapStrategy": "WRAP", "verticalAlignment": "TOP"}
    requests = [format_cells(_open_rows(sheet_id, (0, max(widths, default=0) + 1)), wrap)]
    for number, row in enumerate(rows, 1):
        texts = [(str(v), widths.get(i, 10)) for i, v in enumerate(row) if v not in (None, "")]
        if not texts:
            continue
        pixels = round(look.row_points(texts) * PIXELS_PER_POINT)
        requests.append(
            {
                "updateDimensionProperties": {
                    "range": {
                        "sheetId": sheet_id,
                        "dimension": "ROWS",
                        "startIndex": number,
                        "endIndex": number + 1,
                    },
                    "properties": {"pixelSize": pixels},
                    "fields": "pixelSize",
                }
            }
        )
    return requests


def _settings_requests(sheet_id: int) -> list[dict[str, Any]]:
    requests = []
    for row, setting in enumerate(TEMPLATE.settings, 1):
        where = grid(sheet_id, (row, row + 1), (1, 2))
        if setting.choices:
            requests.append(_dropdown(where, setting.choices, setting.label))
        if setting.sync_owned:
            # Greyed and guarded with a warning, as the sync-owned columns are.
            requests.append(format_cells(where, _SYNC_OWNED_BODY))
            requests.append(_protect(where, f"Sync-owned: {setting.label} is kept by the sync."))
    return requests


def _summary_requests(sheet_id: int) -> list[dict[str, Any]]:
    # Its columns, formats and chart are the Summary layout's (``summary_dress``, which
    # ``init`` sends beside these).
    return [_protect(grid(sheet_id), "Rewritten by every sync: edits here are lost.")]


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
