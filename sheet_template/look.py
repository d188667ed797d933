"""How the Sheet looks: colours, header notes, prepared rows and formats, for both renderings.

The ``.xlsx`` that ``init`` writes (``adapters/local/workbook_template``) and the spreadsheet
that ``init --google`` creates (``adapters/google/template_requests``) both read these, so the
two look alike and neither needs the other's library. Colours are hex ``RRGGBB``; column widths
are the columns' own (``Column.width``, in Excel character widths).
"""

from __future__ import annotations

import textwrap

from .letters import PLACEHOLDERS
from .model import Column, Tab
from .tabs import CONTACTS, LOG, REFERRALS, SUMMARY, TEMPLATES

#: The header row of a table tab.
HEADER_FILL = "DDEBF7"
#: The header of a column the sync writes: darker, so it stands out from the user's.
SYNC_HEADER_FILL = "BFBFBF"
#: The body cells of a column the sync writes.
SYNC_FILL = "EDEDED"
#: Tab colours: the Summary (rewritten by every sync) grey, every other tab blue.
TAB_COLOURS = {SUMMARY.name: "808080"}
DEFAULT_TAB_COLOUR = "4472C4"

#: Rows that get dropdowns and the sync-owned shading (Google Sheets grows them on import).
PREPARED_ROWS = 1000
#: How dates show: ISO, the same in every locale (and what ``cells.parse_date`` reads back).
DATE_FORMAT = "yyyy-mm-dd"

#: What a header note starts with when the sync writes the column.
SYNC_OWNED_PREFIX = "Sync-owned: "
#: What the Summary tab holds before the first sync.
SUMMARY_PLACEHOLDER = "Run a sync to fill this tab. It is rewritten by every sync."
#: The Summary's chart of the goals.
CHART_TITLE = "Progress towards the goals"
CHART_AXIS_TITLE = "Relationships"


#: A row whose Sync status says it has an error: light red behind dark red text, the
#: spreadsheet apps' own style for bad values. Conditional formatting sets it, so it follows
#: the status as each sync rewrites it, and sorting or filtering keeps it on the right rows.
ERROR_FILL = "FFC7CE"
ERROR_TEXT = "9C0006"
#: How a Sync status cell starts when its row has an error (``core.rowstatus`` renders it).
ERROR_STATUS_PREFIX = "Error"

#: The columns whose cells name a contact (Log and Referrals > Contact): a dropdown lists the
#: names on the Contacts tab. It reads that column by range, so it stays current with no
#: writes from the sync; and it warns rather than refuses, since a Row ID is also accepted.
CONTACT_COLUMNS = frozenset({(LOG.name, "contact"), (REFERRALS.name, "contact")})
#: The Contacts tab's column the dropdown lists.
CONTACT_LIST_KEY = "name"
CONTACT_LIST_HELP = "Choose a name from the Contacts tab, or type the contact's Row ID (C0001)."
CONTACT_LIST_WARNING = (
    "This is not a name on the Contacts tab. Keep it only if it is a Row ID (C0001)."
)

#: A text line of the default font (Calibri 11 in the xlsx), in points; Excel's default row.
LINE_POINTS = 15.0
#: The tallest row Excel allows, in points.
MAX_ROW_POINTS = 409.0


def column_letter(index: int) -> str:
    """The letters of 1-based column ``index``.

    >>> column_letter(1), column_letter(22), column_letter(27)
    ('A', 'V', 'AA')
    """
    letters = ""
    while index > 0:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def sheet_reference(title: str) -> str:
    """A tab's name as formulas write it: quoted unless it is letters and digits only.

    >>> sheet_reference("Contacts"), sheet_reference("My contacts"), sheet_reference("Bob's")
    ('Contacts', "'My contacts'", "'Bob''s'")
    """
    if title.isascii() and title.replace("_", "").isalnum() and not title[0].isdigit():
        return title
    return "'" + title.replace("'", "''") + "'"


def error_row_formula(status_letter: str, first_row: int = 2) -> str:
    """The conditional format's formula, without ``=``: true on a row whose Sync status (in
    column ``status_letter``) starts with the error prefix. The row number is relative, so the
    one rule serves every row of its range; the comparison ignores case in every app.

    >>> error_row_formula("V")
    'LEFT($V2,5)="Error"'
    """
    prefix = ERROR_STATUS_PREFIX
    return f'LEFT(${status_letter}{first_row},{len(prefix)})="{prefix}"'


def contact_list_range(rows: int = PREPARED_ROWS) -> str:
    """The Contacts tab's names as a range, ``Contacts!$B$2:$B$1000``, for the xlsx dropdown."""
    letter = column_letter(_contact_list_column())
    return f"{sheet_reference(CONTACTS.name)}!${letter}$2:${letter}${rows}"


def contact_list_open_range() -> str:
    """The same names as a range with no last row, ``Contacts!B2:B``, which Google Sheets reads
    to the end of the tab however many rows it grows to."""
    letter = column_letter(_contact_list_column())
    return f"{sheet_reference(CONTACTS.name)}!{letter}2:{letter}"


def _contact_list_column() -> int:
    return [col.key for col in CONTACTS.columns].index(CONTACT_LIST_KEY) + 1


def wrapped_lines(text: str, width: int) -> int:
    """How many lines ``text`` takes in a wrapping column ``width`` characters wide.

    The width is the template's (Excel character widths, the width of a digit); letters of
    the proportional default font are narrower on average, so this errs towards a taller row,
    never a cut-off one.

    >>> wrapped_lines("Hi,\\n\\n" + "word " * 30, 40)
    6
    """
    lines = 0
    for paragraph in text.splitlines() or [""]:
        lines += max(1, len(textwrap.wrap(paragraph, max(width, 1))))
    return lines


def row_points(cells: list[tuple[str, int]]) -> float:
    """The height (points) that shows every line of a row's wrapped ``(text, width)`` cells."""
    lines = max((wrapped_lines(text, width) for text, width in cells), default=1)
    return min(MAX_ROW_POINTS, lines * LINE_POINTS + 4)


def tab_colour(tab: Tab) -> str:
    """The colour of ``tab``'s tab (``RRGGBB``)."""
    return TAB_COLOURS.get(tab.name, DEFAULT_TAB_COLOUR)


def placeholders_note() -> str:
    """Every placeholder a letter may use, with where its value comes from."""
    sources = "\n".join("{" + name + "}: " + source for name, source in PLACEHOLDERS.items())
    return "Placeholders you can use:\n" + sources


def header_note(tab: Tab, column: Column) -> str:
    """The note on ``column``'s header ("" for none): who writes it, and what it holds.

    The Templates tab's Placeholders column lists every placeholder, as the Sheet's own help.
    """
    note = (SYNC_OWNED_PREFIX if column.sync_owned else "") + (column.note or "")
    if tab.name == TEMPLATES.name and column.key == "placeholders":
        note = (note + "\n" if note else "") + placeholders_note()
    return note.strip()
