"""Raw tabs as the backends hand them over, and how rows are addressed.

A backend reads every tab into a ``Table``: the header row and the rows below it, as raw cells.
Rows are addressed by ``RowRef``: the row's id where it has a unique one, and otherwise its
content fingerprint and the position it was read at. ``locate`` finds a row again in a fresh
read, so that a person sorting, inserting or deleting rows during a sync never gets a write in
the wrong row.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sheet_template import Tab
from sheetsync.core.cells import Cell, as_text, is_blank
from sheetsync.errors import TemplateError


def norm_header(text: Cell) -> str:
    """A header compared loosely: case and spacing do not matter."""
    return " ".join(as_text(text).split()).casefold()


@dataclass(frozen=True)
class Table:
    """One tab as read: ``rows[i]`` is sheet row ``i + 2`` (row 1 is the header)."""

    name: str
    header: tuple[Cell, ...]
    rows: tuple[tuple[Cell, ...], ...]

    def cell(self, row_index: int, col_index: int) -> Cell:
        """The cell at ``rows[row_index][col_index]``; ``None`` past the row's end."""
        row = self.rows[row_index]
        return row[col_index] if col_index < len(row) else None


@dataclass(frozen=True)
class Snapshot:
    """Every tab of the Sheet, as read in one go."""

    tables: Mapping[str, Table]

    def table(self, name: str) -> Table:
        """The tab called ``name``; a ``TemplateError`` naming it if the Sheet has none."""
        try:
            return self.tables[name]
        except KeyError:
            raise TemplateError(
                f"The Sheet has no tab named {name!r}; restore it or run init."
            ) from None


def column_map(table: Table, tab: Tab) -> dict[str, int]:
    """Map each template column key to its index in ``table``'s header.

    Columns may be in any order and the person may add their own; a template column that is
    missing is a ``TemplateError`` that names the tab and the header. A column the template
    added later (``Column.added_later``) may be missing: it is left out of the map, and the
    sync adds it to the Sheet.
    """
    positions = {norm_header(h): i for i, h in reversed(list(enumerate(table.header)))}
    found: dict[str, int] = {}
    for col in tab.columns:
        index = positions.get(norm_header(col.header))
        if index is None and col.added_later:
            continue
        if index is None:
            raise TemplateError(
                f"Tab {tab.name!r} has no column {col.header!r} in its header row; "
                "restore that header (it may have been renamed)."
            )
        found[col.key] = index
    return found


def fingerprint(values: Sequence[Cell]) -> str:
    """A short digest of a row's user-entered cells, stable across backends."""
    digest = hashlib.sha256("\x1f".join(as_text(v) for v in values).encode("utf-8"))
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class RowRef:
    """Where a row was when read, and how to find it again."""

    tab: str
    row_number: int
    row_id: str
    fingerprint: str
    #: True when no other row of the tab carried the same id at read time.
    unique_id: bool = field(default=True)


def user_cells(table: Table, row_index: int, tab: Tab, columns: Mapping[str, int]) -> list[Cell]:
    """The user-entered cells of one row, in template order (blank for a column not there)."""
    return [
        table.cell(row_index, columns[c.key]) if c.key in columns else None
        for c in tab.columns
        if not c.sync_owned
    ]


def _picker(indices: Sequence[int | None]) -> Callable[[tuple[Cell, ...]], list[Cell]]:
    """A function taking a row's cells at ``indices`` (``None`` past the row's end, and for
    an index of ``None``: a column the Sheet does not have yet).

    Rows are read once per cell of every row of a large Sheet, so this is the hot path of
    validation; it does what ``Table.cell`` does, a row at a time.
    """

    def pick(row: tuple[Cell, ...]) -> list[Cell]:
        width = len(row)
        return [row[i] if i is not None and i < width else None for i in indices]

    return pick


def row_refs(table: Table, tab: Tab, columns: Mapping[str, int]) -> list[RowRef | None]:
    """A ``RowRef`` for every row with user content; ``None`` for empty rows."""
    id_index = columns.get("row_id")
    ids = [
        as_text(table.cell(i, id_index)) if id_index is not None else ""
        for i in range(len(table.rows))
    ]
    counts = Counter(ids)
    pick = _picker([columns.get(c.key) for c in tab.columns if not c.sync_owned])
    refs: list[RowRef | None] = []
    for i, row in enumerate(table.rows):
        cells = pick(row)
        if all(is_blank(v) for v in cells):
            refs.append(None)
            continue
        refs.append(
            RowRef(
                tab=tab.name,
                row_number=i + 2,
                row_id=ids[i],
                fingerprint=fingerprint(cells),
                unique_id=bool(ids[i]) and counts[ids[i]] == 1,
            )
        )
    return refs


def locate(refs: Sequence[RowRef], table: Table, tab: Tab) -> dict[RowRef, int]:
    """Find each ref's current sheet row in a fresh read of its tab.

    A ref with a unique id is found by that id alone, wherever the row has moved and whatever
    the person typed in it meanwhile. Any other ref (new rows, copied ids) is found by id cell
    plus fingerprint; among several matches the one nearest its old position wins. A ref that
    cannot be found (the row was deleted or edited mid-sync) is left out: the next sync picks
    the row up again, so nothing is written into a wrong row.
    """
    columns = column_map(table, tab)
    fresh = [r for r in row_refs(table, tab, columns) if r is not None]
    by_id: dict[str, list[RowRef]] = {}
    by_content: dict[tuple[str, str], list[RowRef]] = {}
    for ref in fresh:
        by_id.setdefault(ref.row_id, []).append(ref)
        by_content.setdefault((ref.row_id, ref.fingerprint), []).append(ref)
    found: dict[RowRef, int] = {}
    taken: set[int] = set()
    for ref in refs:
        if ref in found:
            # The same row asked for again (one ref per cell written): one row, one answer.
            # Looking again would hand it the next identical row and leave that row's own
            # ref unmatched.
            continue
        candidates: list[RowRef] = []
        if ref.unique_id and len(by_id.get(ref.row_id, [])) == 1:
            candidates = by_id[ref.row_id]
        else:
            candidates = by_content.get((ref.row_id, ref.fingerprint), [])
        candidates = [c for c in candidates if c.row_number not in taken]
        if not candidates:
            continue
        best = min(candidates, key=lambda c: abs(c.row_number - ref.row_number))
        taken.add(best.row_number)
        found[ref] = best.row_number
    return found
