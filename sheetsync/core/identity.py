"""The Sheet's identity, recorded in the Sheet itself by the first sync that finds it blank.

Event ids and Message-IDs are derived from it (``planner.plan_namespace``), so a workbook saved
under another name, or a Google Sheet copied for a new year, keeps its events and drafts: the
identity travels with the file. Until it is recorded the store's own namespace is used (the
spreadsheet id, or the workbook's name), and that is what gets recorded, so ids never change
for a Sheet that synced before this setting existed. Only a blank cell is filled: a value the
person typed, even one validation refused, is theirs.
"""

from __future__ import annotations

from sheet_template import TEMPLATE
from sheet_template import tabs as t
from sheetsync.core.cells import Cell, is_blank
from sheetsync.core.plan import CellWrite, RowAppend
from sheetsync.core.table import Snapshot, column_map, norm_header, row_refs

_KEY = "sheet_identity"


def record_identity(
    snapshot: Snapshot, namespace: str
) -> tuple[tuple[CellWrite, ...], tuple[RowAppend, ...]]:
    """The change that records ``namespace`` as Settings > Sheet identity, if it is blank.

    A Settings tab without the row (from before the setting existed) gets it appended.
    """
    setting = next(s for s in TEMPLATE.settings if s.key == _KEY)
    table = snapshot.table(t.SETTINGS.name)
    columns = column_map(table, t.SETTINGS)
    blank: list[CellWrite] = []
    for ref in row_refs(table, t.SETTINGS, columns):
        index = ref.row_number - 2 if ref else -1
        if ref is None or not _is_identity(table.cell(index, columns["setting"]), setting.label):
            continue
        if not is_blank(table.cell(index, columns["value"])):
            return (), ()  # the person's, valid or not
        blank.append(CellWrite(ref, "value", namespace))
    if blank:
        return (blank[0],), ()
    cells = {"setting": setting.label, "value": namespace, "notes": setting.note}
    return (), (RowAppend(t.SETTINGS.name, cells),)


def _is_identity(label: Cell, wanted: str) -> bool:
    return norm_header(label) == norm_header(wanted)
