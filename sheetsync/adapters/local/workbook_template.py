"""Write the template as a ready-to-use ``.xlsx``: the file ``init`` creates.

Header rows are frozen, dropdowns are data validation lists, and sync-owned columns are greyed
with a note on their header. A row whose Sync status is an error is highlighted by conditional
formatting; the Templates tab's letters wrap in rows tall enough to read them; the Log and
Referrals tabs' Contact cells offer the Contacts tab's names. Inline list validations,
cross-tab range lists, formula rules and plain styles are what Google Sheets imports cleanly
(it turns them into dropdowns and conditional formats and keeps the fills). The colours, notes
and formats are ``sheet_template.look``'s, which the Google ``init`` reads too.

``dress_existing`` gives a workbook made before these existed the same highlighting, rows and
dropdowns, for a store that is asked to; it changes no cell's value.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.formatting.rule import FormulaRule
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation

from sheet_template import TEMPLATE, Column, Kind, Tab, look
from sheet_template.tabs import SETTINGS, SYNC_STATUS, TEMPLATES
from sheetsync.adapters.local.xlsx_store import save_atomically, set_cell, workbook_namespace
from sheetsync.core.cells import Cell, as_text
from sheetsync.core.letters import placeholders

HEADER_FILL = PatternFill("solid", fgColor=look.HEADER_FILL)
SYNC_HEADER_FILL = PatternFill("solid", fgColor=look.SYNC_HEADER_FILL)
SYNC_FILL = PatternFill("solid", fgColor=look.SYNC_FILL)
# A conditional format's fill: Excel reads a solid differential fill's colour from bgColor,
# LibreOffice from fgColor, so both are set.
ERROR_FILL = PatternFill("solid", fgColor=look.ERROR_FILL, bgColor=look.ERROR_FILL)
ERROR_FONT = Font(color=look.ERROR_TEXT)
#: The workbook's default font, named on every styled header: a Font without a name falls back
#: to the app's own default (a serif in LibreOffice), not to the workbook's.
FONT_NAME = "Calibri"
WRAP_TOP = Alignment(wrap_text=True, vertical="top")
PREPARED_ROWS = look.PREPARED_ROWS
#: Excel refuses an inline validation list longer than this.
MAX_INLINE_LIST = 255


def dropdown(column_choices: Sequence[str]) -> str:
    """An inline list formula for data validation."""
    formula = '"' + ",".join(column_choices) + '"'
    if len(formula) > MAX_INLINE_LIST:
        raise ValueError("dropdown list too long for an inline validation")
    return formula


def dress_column(ws: Any, tab: Tab, col: Column, index: int) -> None:
    """Put ``col``'s header in 1-based column ``index`` with the template's look: its fill,
    note and width, and on the prepared rows its dropdown, date format and sync-owned grey.

    A new tab's columns get it here, and so does a column the sync adds to an older workbook.
    """
    cell = ws.cell(row=1, column=index, value=col.header)
    cell.font = Font(name=FONT_NAME, bold=True, italic=col.sync_owned)
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


def _table_tab(ws: Any, tab: Tab) -> None:
    for index, col in enumerate(tab.columns, 1):
        dress_column(ws, tab, col, index)
    ws.freeze_panes = "B2"
    dress_existing(ws, tab)


def _settings_tab(ws: Any, tab: Tab, identity: str) -> None:
    _table_tab(ws, tab)
    ws.freeze_panes = "A2"
    for row, setting in enumerate(TEMPLATE.settings, 2):
        ws.cell(row=row, column=1, value=setting.label)
        set_cell(ws, row, 2, identity if setting.key == "sheet_identity" else setting.default)
        ws.cell(row=row, column=3, value=setting.note)
        if setting.sync_owned:
            ws.cell(row=row, column=2).fill = SYNC_FILL  # grey, as sync-owned columns are
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
        ws.cell(row=row, column=3, value=letter.body)
        ws.cell(row=row, column=4, value=", ".join("{" + p + "}" for p in used))
    dress_existing(ws, tab)


# -- the dress: error rows, readable letters, contact dropdowns -----------------------------


def dress_existing(ws: Any, tab: Tab) -> bool:
    """Give ``ws`` (the tab ``tab`` of a workbook) the template's conditional highlighting of
    error rows, wrapped letter rows and contact dropdowns, where it lacks them; True if
    anything changed.

    Columns are found by their headers in row 1, where a person may have moved them; a
    missing header leaves its part undone. Repeating it changes nothing, and no cell's value is
    touched.
    """
    headers = {as_text(cell.value): cell.column for cell in ws[1] if cell.value is not None}
    changed = False
    status = headers.get(SYNC_STATUS.header)
    if status is not None:
        changed |= _highlight_error_rows(ws, get_column_letter(status), len(headers))
    for col in tab.columns:
        if (tab.name, col.key) in look.CONTACT_COLUMNS and col.header in headers:
            changed |= _contact_dropdown(ws, get_column_letter(headers[col.header]))
    if tab.name == TEMPLATES.name:
        widths = {headers[c.header]: c.width for c in tab.columns if c.header in headers}
        changed |= _readable_rows(ws, widths)
    if tab.columns:
        changed |= _printable(ws, tab)
    return changed


def _printable(ws: Any, tab: Tab) -> bool:
    """The header row printed on every page; the Templates tab printed landscape and fitted
    to the page's width, so its letters print whole on one page."""
    if ws.print_title_rows:
        return False
    ws.print_title_rows = "1:1"
    if tab.name == TEMPLATES.name:
        ws.page_setup.orientation = "landscape"
        ws.sheet_properties.pageSetUpPr.fitToPage = True
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    return True


def _highlight_error_rows(ws: Any, status_letter: str, width: int) -> bool:
    formula = look.error_row_formula(status_letter)
    for formatting in ws.conditional_formatting:
        if any(rule.formula == [formula] for rule in formatting.rules):
            return False
    last = get_column_letter(max(width, 1))
    rule = FormulaRule(formula=[formula], fill=ERROR_FILL, font=ERROR_FONT)
    ws.conditional_formatting.add(f"A2:{last}{PREPARED_ROWS}", rule)
    return True


def _contact_dropdown(ws: Any, letter: str) -> bool:
    source = look.contact_list_range()
    for validation in ws.data_validations.dataValidation:
        if validation.formula1 == source and f"{letter}2" in validation.sqref:
            return False
    validation = DataValidation(
        type="list",
        formula1=source,
        allow_blank=True,
        showInputMessage=True,
        showErrorMessage=True,
        # "warning": a Row ID, or a name not typed in yet, may be kept (Excel asks, LibreOffice
        # warns, Google marks the cell); "stop" would refuse them.
        errorStyle="warning",
        errorTitle="Not on the Contacts tab",
        error=look.CONTACT_LIST_WARNING,
        promptTitle="Contact",
        prompt=look.CONTACT_LIST_HELP,
    )
    validation.add(f"{letter}2:{letter}{PREPARED_ROWS}")
    ws.add_data_validation(validation)
    return True


def _readable_rows(ws: Any, widths: dict[int, int]) -> bool:
    """Every filled row of the Templates tab: wrapped, top-aligned, and tall enough for its
    longest cell (no app fits a row to wrapped text written by another program)."""
    changed = False
    for row in ws.iter_rows(min_row=2, max_row=max(ws.max_row, 2)):
        texts = [(as_text(c.value), widths.get(c.column, 10)) for c in row if c.value is not None]
        if not texts:
            continue
        for cell in row:
            if cell.column in widths and not (
                cell.alignment.wrap_text and cell.alignment.vertical == "top"
            ):
                cell.alignment = WRAP_TOP
                changed = True
        height = look.row_points(texts)
        dimension = ws.row_dimensions[row[0].row]
        if dimension.height is None or dimension.height < height:
            dimension.height = height
            changed = True
    return changed


def build_workbook(rows: dict[str, list[list[Cell]]] | None = None, identity: str = "") -> Any:
    """The template as an openpyxl workbook, with optional user rows per tab (for the demo)."""
    wb = Workbook()
    wb.remove(wb.active)
    for tab in TEMPLATE.tabs:
        ws = wb.create_sheet(tab.name)
        ws.sheet_properties.tabColor = look.tab_colour(tab)
        if tab.name == SETTINGS.name:
            _settings_tab(ws, tab, identity)
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
    """Write a new workbook at ``path`` (its folder is created).

    Its Settings > Sheet identity is filled in, so that its ids stay the same once it is
    copied or renamed.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    save_atomically(build_workbook(rows, workbook_namespace(path)), path)
