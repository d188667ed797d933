"""Write the template as a ready-to-use ``.xlsx``: the file ``init`` creates.

Header rows are frozen, dropdowns are data validation lists, and sync-owned columns are greyed
with a note on their header. Inline list validations and plain styles are what Google Sheets
imports cleanly (it turns them into dropdowns and keeps the fills). The colours, notes and
formats are ``sheet_template.look``'s, which the Google ``init`` reads too.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from sheet_template import TEMPLATE, Kind, Tab, look
from sheet_template.tabs import SETTINGS, TEMPLATES
from sheetsync.adapters.local.xlsx_store import save_atomically, set_cell
from sheetsync.core.cells import Cell
from sheetsync.core.letters import placeholders

HEADER_FILL = PatternFill("solid", fgColor=look.HEADER_FILL)
SYNC_HEADER_FILL = PatternFill("solid", fgColor=look.SYNC_HEADER_FILL)
SYNC_FILL = PatternFill("solid", fgColor=look.SYNC_FILL)
PREPARED_ROWS = look.PREPARED_ROWS
#: Excel refuses an inline validation list longer than this.
MAX_INLINE_LIST = 255


def dropdown(column_choices: Sequence[str]) -> str:
    """An inline list formula for data validation."""
    formula = '"' + ",".join(column_choices) + '"'
    if len(formula) > MAX_INLINE_LIST:
        raise ValueError("dropdown list too long for an inline validation")
    return formula


def _table_tab(ws: Any, tab: Tab) -> None:
    for index, col in enumerate(tab.columns, 1):
        cell = ws.cell(row=1, column=index, value=col.header)
        cell.font = Font(bold=True, italic=col.sync_owned)
        cell.fill = SYNC_HEADER_FILL if col.sync_owned else HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        note = look.header_note(tab, col)
        if note:
            cell.comment = Comment(note, "sheetsync")
        letter = get_column_letter(index)
        ws.column_dimensions[letter].width = col.width
        area = f"{letter}2:{letter}{PREPARED_ROWS}"
        if col.choices:
            validation = DataValidation(
                type="list", formula1=dropdown(col.choices), allow_blank=True, showErrorMessage=True
            )
            validation.error = f"Choose one of the {col.header} values."
            validation.add(area)
            ws.add_data_validation(validation)
        if col.sync_owned:
            for row in range(2, PREPARED_ROWS + 1):
                ws.cell(row=row, column=index).fill = SYNC_FILL
        if col.kind is Kind.DATE:
            for row in range(2, PREPARED_ROWS + 1):
                ws.cell(row=row, column=index).number_format = look.DATE_FORMAT
    ws.freeze_panes = "B2"


def _settings_tab(ws: Any, tab: Tab) -> None:
    _table_tab(ws, tab)
    ws.freeze_panes = "A2"
    for row, setting in enumerate(TEMPLATE.settings, 2):
        ws.cell(row=row, column=1, value=setting.label)
        set_cell(ws, row, 2, setting.default)
        ws.cell(row=row, column=3, value=setting.note)
        if setting.choices:
            validation = DataValidation(type="list", formula1=dropdown(setting.choices))
            validation.add(f"B{row}")
            ws.add_data_validation(validation)


def _templates_tab(ws: Any, tab: Tab) -> None:
    _table_tab(ws, tab)
    ws.freeze_panes = "A2"
    for row, letter in enumerate(TEMPLATE.letters, 2):
        used = dict.fromkeys(placeholders(letter.subject) + placeholders(letter.body))
        ws.cell(row=row, column=1, value=letter.key)
        ws.cell(row=row, column=2, value=letter.subject)
        body = ws.cell(row=row, column=3, value=letter.body)
        body.alignment = Alignment(wrap_text=True, vertical="top")
        ws.cell(row=row, column=4, value=", ".join("{" + p + "}" for p in used))


def build_workbook(rows: dict[str, list[list[Cell]]] | None = None) -> Any:
    """The template as an openpyxl workbook, with optional user rows per tab (for the demo)."""
    wb = Workbook()
    wb.remove(wb.active)
    for tab in TEMPLATE.tabs:
        ws = wb.create_sheet(tab.name)
        ws.sheet_properties.tabColor = look.tab_colour(tab)
        if tab.name == SETTINGS.name:
            _settings_tab(ws, tab)
        elif tab.name == TEMPLATES.name:
            _templates_tab(ws, tab)
        elif tab.columns:
            _table_tab(ws, tab)
        else:
            ws["A1"] = look.SUMMARY_PLACEHOLDER
        for r, values in enumerate((rows or {}).get(tab.name, []), 2):
            for c, value in enumerate(values, 1):
                set_cell(ws, r, c, value)
    return wb


def write_template(path: Path, rows: dict[str, list[list[Cell]]] | None = None) -> None:
    """Write a new workbook at ``path`` (its folder is created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    save_atomically(build_workbook(rows), path)
