"""The write-back's row writes on Google: each row's cells sent through its anchor, and checked.

Owns how ``CellWrite``s become ``values.batchUpdateByDataFilter`` entries, and what the answer
is checked for:

* ``group``: the cells of one row together (``RowWrite``), with what the row must show after
  the write: its Row ID (on Settings, its setting's label);
* ``address``: each row found in a view of the Sheet (``locate``: by unique Row ID, or by
  content and nearest place), and sent through the anchor on it. A row filter matches the
  whole row, so values start at column A and JSON null leaves a cell as it is: only the cells
  named are written. Where anchors are full, a row is sent by its place in a fresh read;
* ``check``: the answer (``includeValuesInResponse``) matched by data filter, never by
  position. No answer for a filter: the row was deleted meanwhile. An answer on another tab,
  or showing another Row ID (or, for a row that gets its Row ID now, other content): the
  anchor had moved to another row, which ``correct`` writes again: with its own cells if it
  is a row the write-back writes, else with what it held.

Values are RAW: a name starting with ``=`` stays text. Dates go as ISO text (``2026-03-04``):
RAW stores a number as a number, so a serial would show as ``46085`` wherever the column has
no date format, while ISO text reads the same everywhere and ``cells.parse_date`` reads it
back. A cleared cell is ``""``, as null would leave it as it was.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from gspread.utils import rowcol_to_a1

from sheet_template import TEMPLATE, Tab
from sheet_template import tabs as t
from sheetsync.adapters.google.anchors import anchor_for, ours, setting_key
from sheetsync.adapters.google.sheet_view import GridSnapshot
from sheetsync.core.cells import Cell, as_text
from sheetsync.core.plan import CellWrite
from sheetsync.core.table import RowRef, column_map, fingerprint, locate, row_refs
from sheetsync.core.validation import Problem

RawValue = str | int | float | bool

MOVED_MID_WRITE = (
    "Row anchor: the row moved while the sync wrote it (a sort, paste or tab copy during the "
    "sync); it was not written, and the next sync writes it"
)
STILL_WRONG = (
    "Row anchor: the Sheet kept changing while the sync wrote this row; a row near it may "
    "show this row's sync cells until the next sync"
)


def quote_title(title: str) -> str:
    """A tab title as an A1 sheet reference: 'My tab' (quotes doubled inside)."""
    return "'" + title.replace("'", "''") + "'"


def raw_value(value: Cell) -> RawValue:
    """A cell as sent with RAW: text stays text, dates become ISO text, nothing becomes ""."""
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return as_text(value)
    return value


def range_title(text: str) -> str:
    """The tab title of an A1 range as Google returns it (``'My tab'!A1:B2`` -> My tab)."""
    if text.startswith("'"):
        end = text.find("'!", 1)
        while end != -1 and text[1:end].count("''") * 2 != text[1:end].count("'"):
            end = text.find("'!", end + 1)
        return text[1:end].replace("''", "'") if end != -1 else text
    return text.split("!", 1)[0]


def range_row(text: str) -> int | None:
    """The first row number of an A1 range (``Contacts!A12:Z12`` -> 12)."""
    match = re.search(r"![A-Z]*(\d+)", text)
    return int(match[1]) if match else None


@dataclass
class RowWrite:
    """The cells one write-back sets in one row, and what the row shows once they are set."""

    tab: str
    ref: RowRef
    cells: dict[str, Cell]
    #: Its Row ID after the write (on Settings: its setting's key).
    identity: str
    #: The write sets the Row ID itself (a new row, or the copy of another row).
    sets_identity: bool = False


def group(writes: Sequence[CellWrite], view: GridSnapshot) -> tuple[list[RowWrite], list[str]]:
    """Each row's writes together, in first-seen order; and why any were left out."""
    rows: dict[RowRef, RowWrite] = {}
    notes: list[str] = []
    for write in writes:
        rows.setdefault(write.ref, RowWrite(write.ref.tab, write.ref, {}, ""))
        rows[write.ref].cells[write.key] = write.value
    kept: list[RowWrite] = []
    for row in rows.values():
        if row.tab == t.SETTINGS.name:
            key = _setting_at(view, row.ref)
            if key is None:
                notes.append(f"{row.tab} row {row.ref.row_number}: not a known setting; skipped")
                continue
            row.identity = key
        elif TEMPLATE.tab(row.tab).id_prefix:
            new_id = row.cells.get("row_id")
            row.sets_identity = new_id is not None and as_text(new_id) != row.ref.row_id
            row.identity = as_text(new_id) if new_id is not None else row.ref.row_id
        else:
            notes.append(f"{row.tab}: cells of this tab are not written by the sync; skipped")
            continue
        kept.append(row)
    return kept, notes


def _setting_at(view: GridSnapshot, ref: RowRef) -> str | None:
    table = view.tables.get(t.SETTINGS.name)
    if table is None:
        return None
    found = locate([ref], table, t.SETTINGS).get(ref)
    if found is None:
        return None
    return setting_key(table.cell(found - 2, column_map(table, t.SETTINGS)["setting"]))


def where_in(view: GridSnapshot, rows: Sequence[RowWrite]) -> dict[RowRef, int]:
    """Each row's 0-based grid row in ``view`` (rows not found there are left out)."""
    found: dict[RowRef, int] = {}
    for tab_name in dict.fromkeys(row.tab for row in rows):
        table = view.tables.get(tab_name)
        if table is None:
            continue
        refs = [row.ref for row in rows if row.tab == tab_name]
        for ref, number in locate(refs, table, TEMPLATE.tab(tab_name)).items():
            found[ref] = number - 1
    return found


@dataclass
class Sent:
    """One row write as sent, and what to check its answer against."""

    row: RowWrite
    #: ("m", metadata id) for a write through an anchor, ("a", range) for one by place.
    key: tuple[str, int | str]
    entry: dict[str, Any]
    #: The tab's columns in the view the write was addressed in.
    columns: Mapping[str, int]


@dataclass
class Addressed:
    """A write-back's row writes, addressed in one view."""

    sent: list[Sent] = field(default_factory=list)
    not_found: list[RowWrite] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


def _entry(data_filter: dict[str, Any], values: list[RawValue | None]) -> dict[str, Any]:
    return {"dataFilter": data_filter, "majorDimension": "ROWS", "values": [values]}


def metadata_filter(metadata_id: int) -> dict[str, Any]:
    """The data filter of one anchor, by its id."""
    return {"developerMetadataLookup": {"metadataId": metadata_id}}


def address(
    view: GridSnapshot, rows: Sequence[RowWrite], *, fresh: bool, by_place: bool
) -> Addressed:
    """Address each row in ``view``: through its own anchor; in a ``fresh`` view (read just
    now) through any anchor on its row; with ``by_place`` (anchors full), by its row there."""
    out = Addressed()
    located = where_in(view, rows)
    columns_of: dict[str, dict[str, int]] = {}
    for row in rows:
        tab = TEMPLATE.tab(row.tab)
        grid = view.grids.get(row.tab)
        grid_row = located.get(row.ref)
        if grid is None or grid_row is None:
            out.not_found.append(row)
            continue
        columns = columns_of.setdefault(row.tab, column_map(grid.table, tab))
        if row.tab == t.SETTINGS.name:
            label = grid.table.cell(grid_row - 1, columns["setting"])
            if setting_key(label) != row.identity:
                out.not_found.append(row)
                continue
        anchors = [m.metadata_id for m in ours(grid.rows_meta.get(grid_row, ()))]
        own = anchor_for(tab, row.identity).metadata_id
        handle = own if own in anchors else (anchors[0] if fresh and anchors else None)
        missing = sorted(key for key in row.cells if key not in columns)
        if missing:
            out.notes.append(f"{row.tab}: columns {missing} are not in the Sheet; not written")
        values: list[RawValue | None] = [None] * (
            max((columns[k] for k in row.cells if k in columns), default=-1) + 1
        )
        for name, value in row.cells.items():
            if name in columns:
                values[columns[name]] = raw_value(value)
        if handle is not None:
            data_filter = metadata_filter(handle)
        elif by_place and fresh:
            number = grid_row + 1
            where = f"{quote_title(row.tab)}!A{number}:{rowcol_to_a1(number, len(values))}"
            data_filter = {"a1Range": where}
        else:
            out.not_found.append(row)
            continue
        out.sent.append(Sent(row, _key(data_filter), _entry(data_filter, values), columns))
    return out


def response_key(response: Mapping[str, Any]) -> tuple[str, int | str] | None:
    """The key of the data filter an answer names (``None`` for a filter we did not send)."""
    data_filter = response.get("dataFilter") or {}
    lookup = data_filter.get("developerMetadataLookup")
    if isinstance(lookup, dict) and "metadataId" in lookup:
        return ("m", int(lookup["metadataId"]))
    if "a1Range" in data_filter:
        return ("a", str(data_filter["a1Range"]))
    return None


@dataclass
class Landed:
    """Where one sent row write went, from its answer."""

    sent: Sent
    tab: str
    row_number: int | None
    values: list[Any]


@dataclass
class Checked:
    """The answer to a write, by row: written where meant, not found, or in another row."""

    ok: list[Sent] = field(default_factory=list)
    missing: list[Sent] = field(default_factory=list)
    wrong: list[Landed] = field(default_factory=list)


def _landed(sent: Sent, response: Mapping[str, Any]) -> Landed:
    data = response.get("updatedData") or {}
    where = str(data.get("range") or response.get("updatedRange") or "")
    values = data.get("values") or [[]]
    return Landed(sent, range_title(where), range_row(where), list(values[0]))


def _user_fingerprint(tab: Tab, columns: Mapping[str, int], values: Sequence[Any]) -> str:
    cells = [
        values[columns[c.key]] if c.key in columns and columns[c.key] < len(values) else None
        for c in tab.columns
        if not c.sync_owned
    ]
    return fingerprint(cells)


def _shows(landed: Landed) -> bool:
    """Whether the row a write landed in is the row it was meant for."""
    row, columns = landed.sent.row, landed.sent.columns
    tab = TEMPLATE.tab(row.tab)
    if landed.tab != row.tab:
        return False
    values = landed.values

    def cell(key: str) -> Any:
        index = columns.get(key)
        return values[index] if index is not None and index < len(values) else None

    if row.tab == t.SETTINGS.name:
        return setting_key(cell("setting")) == row.identity
    if as_text(cell("row_id")) != row.identity:
        return False
    # A row given its Row ID now shows the id it was just given wherever the write went:
    # its content tells whether that was its own row.
    return not row.sets_identity or _user_fingerprint(tab, columns, values) == row.ref.fingerprint


def check(sent: Sequence[Sent], responses: Sequence[Mapping[str, Any]]) -> Checked:
    """Sort sent row writes by what their answers show."""
    answers: dict[tuple[str, int | str], Mapping[str, Any]] = {}
    for response in responses:
        key = response_key(response)
        if key is not None:
            answers.setdefault(key, response)
    out = Checked()
    for item in sent:
        answer = answers.get(item.key)
        if answer is None:
            out.missing.append(item)
            continue
        landed = _landed(item, answer)
        if _shows(landed):
            out.ok.append(item)
        else:
            out.wrong.append(landed)
    return out


def moved_problem(row: RowWrite) -> Problem:
    """The problem of a row whose write went into another row and that nothing wrote after."""
    return Problem(row.tab, row.ref.row_number, row.identity, MOVED_MID_WRITE)


def still_wrong_problem(row: RowWrite) -> Problem:
    """The problem of a row whose put-right write went astray too."""
    return Problem(row.tab, row.ref.row_number, row.identity, STILL_WRONG)


@dataclass
class Correction:
    """A write into a row that a wrong write went into, and the row it must land in."""

    sent: Sent
    #: The row's own write, when it is a row this write-back writes: then it gets its own
    #: cells here. Otherwise it gets back what it held.
    target: RowWrite | None
    tab: str
    fingerprint: str
    #: The template tab of the row meant (``tab`` may be a copy of it, under another name).
    template: str = ""


def correct(
    wrong: Sequence[Landed], view: GridSnapshot, rows: Sequence[RowWrite]
) -> list[Correction]:
    """For each wrong write, one through the same anchor (now known to sit on another row):
    that row's own cells if the write-back writes it, and what it held in the other cells.

    That row is found in ``view`` (by the Row ID the wrong write left, else by content; on
    Settings by label). Where sorting leaves anchors in place, the rows under the anchors are
    a permutation of the rows meant, so the corrections write every one of them. A row the
    view does not have (typed in meanwhile) gets the cells cleared: they are sync-owned, and
    it had none of its own yet.
    """
    # The rows this write-back writes, by their place in ``view``: the refs ``view`` gives
    # its rows carry view's row numbers, not the ones the rows were read at.
    located = where_in(view, rows)
    by_place = {(row.tab, located[row.ref]): row for row in rows if row.ref in located}
    out: list[Correction] = []
    for landed in wrong:
        sent = landed.sent
        tab = TEMPLATE.tab(sent.row.tab)
        found = _landed_row(view, landed)
        # Only in its own tab is the row one we write (a tab's copy only gets put back).
        mine = found is not None and landed.tab == sent.row.tab
        target = by_place.get((sent.row.tab, found[1] + 1)) if found and mine else None
        keys = [*sent.row.cells, *(target.cells if target else ())]
        cells: dict[str, Cell] = dict.fromkeys(keys)
        grid = view.grids.get(sent.row.tab)
        if found and grid is not None:
            columns = column_map(grid.table, tab)
            cells.update({k: grid.table.cell(found[1], columns[k]) for k in cells if k in columns})
        if target is not None:
            cells.update(target.cells)
        width = max((sent.columns[k] for k in cells if k in sent.columns), default=-1) + 1
        values: list[RawValue | None] = [None] * width
        for key, value in cells.items():
            if key in sent.columns:
                values[sent.columns[key]] = raw_value(value)
        data_filter = sent.entry["dataFilter"]
        if sent.key[0] == "a" and landed.row_number is not None:
            number = landed.row_number
            where = f"{quote_title(landed.tab)}!A{number}:{rowcol_to_a1(number, width)}"
            data_filter = {"a1Range": where}
        row = target or RowWrite(landed.tab, sent.row.ref, {}, "")
        item = Sent(row, _key(data_filter), _entry(data_filter, values), sent.columns)
        # What the row must show once put right: what the wrong write left, with this
        # write's cells over it (on Settings the value put back is a user cell).
        after = list(landed.values) + [None] * (len(values) - len(landed.values))
        for index, value in enumerate(values):
            if value is not None:
                after[index] = value
        shown = _user_fingerprint(tab, sent.columns, after)
        out.append(Correction(item, target, landed.tab, shown, tab.name))
    return out


def _key(data_filter: Mapping[str, Any]) -> tuple[str, int | str]:
    key = response_key({"dataFilter": data_filter})
    assert key is not None
    return key


def verify(
    corrections: Sequence[Correction], responses: Sequence[Mapping[str, Any]]
) -> tuple[list[Correction], list[Correction]]:
    """The corrections that landed where meant, and those that did not (a row deleted since
    counts as landed: nothing of it is left to put right)."""
    answers: dict[tuple[str, int | str] | None, Mapping[str, Any]] = {
        response_key(r): r for r in responses
    }
    good: list[Correction] = []
    bad: list[Correction] = []
    for item in corrections:
        response = answers.get(item.sent.key)
        if response is None:
            good.append(item)
            continue
        landed = _landed(item.sent, response)
        if item.target is not None:
            right = _shows(landed)
        else:
            tab = TEMPLATE.tab(item.template or item.sent.row.tab)
            shown = _user_fingerprint(tab, item.sent.columns, landed.values)
            right = landed.tab == item.tab and shown == item.fingerprint
        (good if right else bad).append(item)
    return good, bad


def _landed_row(view: GridSnapshot, landed: Landed) -> tuple[RowRef, int] | None:
    """The row a wrong write went into: its ref in ``view``, and its index in the table."""
    sent = landed.sent
    tab = TEMPLATE.tab(sent.row.tab)
    grid = view.grids.get(sent.row.tab)
    if grid is None:
        return None
    table = grid.table
    columns = column_map(table, tab)
    refs = row_refs(table, tab, columns)
    values = landed.values

    def cell(key: str) -> Any:
        index = sent.columns.get(key)
        return values[index] if index is not None and index < len(values) else None

    if tab.name == t.SETTINGS.name:
        label = setting_key(cell("setting"))
        matches = [i for i, r in enumerate(refs) if r and _setting(table, columns, i) == label]
    else:
        fp = _user_fingerprint(tab, sent.columns, values)
        matches = [i for i, r in enumerate(refs) if r and r.fingerprint == fp]
        if not sent.row.sets_identity:
            # The wrong write left that row's Row ID: the surest way to tell which row it is.
            by_id = [i for i, r in enumerate(refs) if r and r.row_id == as_text(cell("row_id"))]
            matches = by_id if len(by_id) == 1 else matches
    if not matches:
        return None
    near = landed.row_number or 0
    index = min(matches, key=lambda i: abs(i + 2 - near))
    ref = refs[index]
    return (ref, index) if ref is not None else None


def _setting(table: Any, columns: Mapping[str, int], index: int) -> str | None:
    return setting_key(table.cell(index, columns["setting"]))
