"""How the Sheet looks: colours, header notes, prepared rows and formats, for both renderings.

The ``.xlsx`` that ``init`` writes (``adapters/local/workbook_template``) and the spreadsheet
that ``init --google`` creates (``adapters/google/template_requests``) both read these, so the
two look alike and neither needs the other's library. Colours are hex ``RRGGBB``; column widths
are the columns' own (``Column.width``, in Excel character widths).
"""

from __future__ import annotations

from .letters import PLACEHOLDERS
from .model import Column, Tab
from .tabs import SUMMARY, TEMPLATES

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
