"""Settings the sync itself keeps in the Sheet: the Sheet's identity, and the Row IDs given.

**Sheet identity.** Event ids and Message-IDs are derived from it (``planner.plan_namespace``),
so a workbook saved under another name, or a Google Sheet copied for a new year, keeps its
events and drafts: the identity travels with the file. Until it is recorded the store's own
namespace is used (the spreadsheet id, or the workbook's name), and that is what gets recorded,
so ids never change for a Sheet that synced before this setting existed. Only a blank cell is
filled: a value the person typed, even one validation refused, is theirs.

**Row IDs given.** The highest Row ID given on each tab (``Plan.row_ids_given``), rewritten
whenever a sync gives a new one, so that the id of a deleted row (and with it its drafts and
events, which are named after it) is never given to another row. A value validation refused
is left as the person typed it, and ids are counted from the rows alone until it is cleared.

A Settings tab without the row (from before the setting existed) gets it appended.
"""

from __future__ import annotations

from sheet_template import TEMPLATE
from sheet_template import tabs as t
from sheetsync.core.cells import Cell, is_blank
from sheetsync.core.plan import CellWrite, RowAppend
from sheetsync.core.table import Snapshot, column_map, norm_header, row_refs
from sheetsync.core.writeback import same_value

Change = tuple[tuple[CellWrite, ...], tuple[RowAppend, ...]]


def record_identity(snapshot: Snapshot, namespace: str) -> Change:
    """The change that records ``namespace`` as Settings > Sheet identity, if it is blank."""
    return record_setting(snapshot, "sheet_identity", namespace, only_if_blank=True)


def record_row_ids_given(snapshot: Snapshot, given: str) -> Change:
    """The change that records ``given`` as Settings > Row IDs given, if it says otherwise."""
    return record_setting(snapshot, "row_ids_given", given, only_if_blank=False)


def record_setting(snapshot: Snapshot, key: str, value: str, *, only_if_blank: bool) -> Change:
    """The change that sets the Settings row of ``key`` to ``value``: nothing if it holds it
    already (or, ``only_if_blank``, anything); the first such row's value otherwise; the row
    appended when the tab has none."""
    setting = next(s for s in TEMPLATE.settings if s.key == key)
    table = snapshot.table(t.SETTINGS.name)
    columns = column_map(table, t.SETTINGS)
    for ref in row_refs(table, t.SETTINGS, columns):
        index = ref.row_number - 2 if ref else -1
        if ref is None or not _labelled(table.cell(index, columns["setting"]), setting.label):
            continue
        current = table.cell(index, columns["value"])
        if same_value(current, value) or (only_if_blank and not is_blank(current)):
            return (), ()
        return (CellWrite(ref, "value", value),), ()
    if not value:
        return (), ()
    cells = {"setting": setting.label, "value": value, "notes": setting.note}
    return (), (RowAppend(t.SETTINGS.name, cells),)


def _labelled(label: Cell, wanted: str) -> bool:
    return norm_header(label) == norm_header(wanted)
