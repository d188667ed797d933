"""Row anchors: developer metadata that keeps track of a synced row wherever it moves.

Each row of a table tab (Contacts, Groups, Log, Referrals), and each Settings row the sync
writes, carries one anchor: a DeveloperMetadata record on the row with key ``r`` and DOCUMENT
visibility (PROJECT would hide it from the CLI when it runs under another Google Cloud project
than the function). Google moves row metadata with its row when rows are inserted, deleted or
moved, and deletes it with the row, so ``values.batchUpdateByDataFilter`` through an anchor
writes into the row wherever it is at that moment.

The anchor's ``metadataId`` says whose row it is, so it needs no value:

* a Row ID of the sync's own form (``C0042``): tab code x 10^8 + its number (100000042);
* a Settings row: 9 x 10^8 + the setting's place in the template;
* a Row ID of any other form (typed by hand): a hashed id in [10^9, 2^31), with the Row ID as
  its value, which tells two such ids apart.

An anchor of the first two kinds costs one character of the 30,000 each tab may hold, so a tab
can anchor 30,000 rows (less what other apps keep there). The ids are derived, so a look-up is
exact, a retried request creates nothing twice, and a row copied to another tab or pasted gets
a twin whose id (fresh, from Google) says nothing: ``identity_of`` tells which.

``review_table`` and ``review_settings`` compare rows with their anchors, as Google documents
nothing about what sorting, pasting or duplicating a tab does to them. A row is *trusted* when
its only anchor is its own. Anything else is put right in the next ``spreadsheets.batchUpdate``:
missing anchors created, others deleted. An anchor that disagrees with its row (it names
another row, sits on a row without a Row ID, or on a second row with the same Row ID) is a
*conflict*: reported, never used to write, and replaced by one derived from the row's Row ID.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field

from sheet_template import TEMPLATE, Tab
from sheet_template import tabs as t
from sheetsync.adapters.google.sheet_view import Meta, TabView
from sheetsync.core.cells import Cell, as_text, is_blank
from sheetsync.core.table import column_map, norm_header, user_cells
from sheetsync.core.validation import Problem

#: The anchors' key: short, as every character counts against the storage limit.
KEY = "r"
#: Each tab's block of derived ids.
SPAN = 10**8
CODES = {
    t.CONTACTS.name: 1,
    t.GROUPS.name: 2,
    t.LOG.name: 3,
    t.REFERRALS.name: 4,
    t.SETTINGS.name: 9,
}
#: Hashed ids (Row IDs of another form) lie in [HASHED, INT32_MAX).
HASHED = 10**9
INT32_MAX = 2**31 - 1
#: Developer metadata characters per tab (keys and values) Google allows.
LIMIT = 30_000
#: Left free for other apps' metadata (and for this count missing what only they can see):
#: anchors that would take a tab past LIMIT - HEADROOM are not created.
HEADROOM = 1_000

MOVED = (
    "Row anchor: the anchor on this row belonged to another row (rows sorted, pasted or moved "
    "between tabs?); the row was anchored again by its Row ID"
)
NO_ROW_ID = (
    "Row anchor: this row had an anchor but no Row ID; the anchor was removed, and the row "
    "gets a new Row ID"
)
COPIED = (
    "Row anchor: this row repeats an earlier row's Row ID and carried an anchor (a copied "
    "row?); it gets a new Row ID of its own"
)
SETTING_MOVED = (
    "Row anchor: this setting's anchor was on another row (rows sorted or pasted?); the "
    "setting's row was anchored again by its label"
)


def full_message(tab: str, needed: int) -> str:
    """The Summary line of a tab whose anchors no longer fit."""
    return (
        f"Row anchors are full on this tab ({needed:,} of {LIMIT:,} characters of developer "
        "metadata would be needed); writes use the slower re-read and locate"
    )


def _canonical_number(tab: Tab, row_id: str) -> int | None:
    match = re.fullmatch(re.escape(tab.id_prefix) + r"(\d{4,8})", row_id)
    if match is None:
        return None
    number = int(match[1])
    # "C00042" is not what the sync writes for 42: it is hashed, so it decodes as itself.
    return number if f"{tab.id_prefix}{number:04d}" == row_id and number < SPAN else None


def _hashed(tab: Tab, text: str) -> int:
    digest = hashlib.sha256(f"{tab.name}\x1f{text}".encode()).digest()
    return HASHED + int.from_bytes(digest[:8], "big") % (INT32_MAX - HASHED)


def anchor_for(tab: Tab, identity: str) -> Meta:
    """The anchor of the row of ``tab`` whose Row ID (or, on Settings, setting key) is this."""
    code = CODES[tab.name]
    if tab.name == t.SETTINGS.name:
        keys = [s.key for s in TEMPLATE.settings]
        return Meta(code * SPAN + keys.index(identity) + 1, KEY)
    number = _canonical_number(tab, identity)
    if number is not None:
        return Meta(code * SPAN + number, KEY)
    return Meta(_hashed(tab, identity), KEY, identity)


def identity_of(tab: Tab, meta: Meta) -> str | None:
    """The Row ID (setting key) whose anchor ``meta`` is on ``tab``; ``None`` if it is none."""
    code = CODES.get(tab.name)
    if meta.key != KEY or code is None:
        return None
    if meta.value is not None:
        return meta.value if meta.metadata_id == _hashed(tab, meta.value) else None
    number = meta.metadata_id - code * SPAN
    if not 0 <= number < SPAN:
        return None
    if tab.name == t.SETTINGS.name:
        settings = TEMPLATE.settings
        return settings[number - 1].key if 1 <= number <= len(settings) else None
    return f"{tab.id_prefix}{number:04d}"


def ours(metas: tuple[Meta, ...]) -> list[Meta]:
    """The anchors among a row's metadata (other apps' records are left alone)."""
    return [m for m in metas if m.key == KEY]


@dataclass
class Review:
    """One tab's rows against their anchors, and what the next batchUpdate puts right."""

    tab: str
    #: 0-based grid row -> the id of the row's own anchor: rows a write may go through now.
    trusted: dict[int, int] = field(default_factory=dict)
    #: Anchor ids to delete, and (grid row, anchor) pairs to create.
    deletes: list[int] = field(default_factory=list)
    creates: list[tuple[int, Meta]] = field(default_factory=list)
    conflicts: list[Problem] = field(default_factory=list)
    #: The tab's developer metadata characters once the deletes and creates are done.
    chars_after: int = 0

    @property
    def work(self) -> bool:
        """Whether the tab needs a batchUpdate: an anchor to create, or one to delete."""
        return bool(self.creates or self.deletes)


def review_table(tab: Tab, view: TabView, planned: Mapping[int, str]) -> Review:
    """Review every row of a Row ID tab. ``planned``: 0-based grid row -> the new Row ID this
    write gives it (rows without one, and copies of an earlier row's)."""
    review = Review(tab.name)
    columns = column_map(view.table, tab)
    id_col = columns.get("row_id")
    table = view.table
    seen: set[str] = set()
    data_rows = set()
    for index, row in enumerate(table.rows):
        grid_row = index + 1
        if all(is_blank(v) for v in user_cells(table, index, tab, columns)):
            continue  # an empty row: any anchor on it is stale, see below
        data_rows.add(grid_row)
        row_id = as_text(row[id_col]) if id_col is not None and id_col < len(row) else ""
        keeper = bool(row_id) and row_id not in seen
        seen.add(row_id)
        anchors = ours(view.rows_meta.get(grid_row, ()))
        identity = row_id if keeper else planned.get(grid_row)
        _review_row(review, tab, grid_row, row_id, identity, anchors, keeper)
    for grid_row, metas in view.rows_meta.items():
        if grid_row not in data_rows:
            review.deletes += [m.metadata_id for m in ours(metas)]  # stale: quietly removed
    review.chars_after = _chars_after(view, review)
    return review


def _review_row(
    review: Review,
    tab: Tab,
    grid_row: int,
    row_id: str,
    identity: str | None,
    anchors: list[Meta],
    keeper: bool,
) -> None:
    if identity is None:
        # No Row ID of its own and none planned (nothing is written to this row now).
        if anchors:
            review.deletes += [m.metadata_id for m in anchors]
            message = COPIED if row_id else NO_ROW_ID
            review.conflicts.append(_problem(tab, grid_row, row_id, message))
        return
    own = anchor_for(tab, identity)
    if [m.metadata_id for m in anchors] == [own.metadata_id]:
        review.trusted[grid_row] = own.metadata_id
        return
    wrong = [m for m in anchors if m.metadata_id != own.metadata_id]
    review.deletes += [m.metadata_id for m in wrong]
    if len(wrong) < len(anchors):
        review.trusted[grid_row] = own.metadata_id  # its own anchor is there too: kept
    else:
        review.creates.append((grid_row, own))
    if wrong:
        message = MOVED if keeper else (COPIED if row_id else NO_ROW_ID)
        review.conflicts.append(_problem(tab, grid_row, row_id, message))


def review_settings(view: TabView, targets: Mapping[int, str]) -> Review:
    """Review the Settings rows the write goes to (0-based grid row -> setting key)."""
    tab = t.SETTINGS
    review = Review(tab.name)
    wanted = {anchor_for(tab, key).metadata_id: row for row, key in targets.items()}
    for grid_row, metas in view.rows_meta.items():
        for meta in ours(metas):
            row = wanted.get(meta.metadata_id)
            if row is not None and row != grid_row:
                review.deletes.append(meta.metadata_id)  # its setting's row is elsewhere now
                key = targets[row]
                review.conflicts.append(_problem(tab, row, "", SETTING_MOVED, key))
    for grid_row, key in targets.items():
        own = anchor_for(tab, key)
        anchors = ours(view.rows_meta.get(grid_row, ()))
        wrong = [m for m in anchors if m.metadata_id != own.metadata_id]
        review.deletes += [m.metadata_id for m in wrong]
        if own.metadata_id in {m.metadata_id for m in anchors}:
            review.trusted[grid_row] = own.metadata_id
        else:
            review.creates.append((grid_row, own))
    review.chars_after = _chars_after(view, review)
    return review


def setting_key(label: Cell) -> str | None:
    """The key of the setting a Settings row's label names (``None``: not a setting)."""
    wanted = norm_header(label)
    for setting in TEMPLATE.settings:
        if norm_header(setting.label) == wanted:
            return setting.key
    return None


def _chars_after(view: TabView, review: Review) -> int:
    sizes = {m.metadata_id: m.size for metas in view.rows_meta.values() for m in metas}
    gone = sum(sizes.get(i, 0) for i in set(review.deletes))
    return view.metadata_chars - gone + sum(m.size for _, m in review.creates)


def _problem(tab: Tab, grid_row: int, row_id: str, message: str, setting: str = "") -> Problem:
    if setting:
        label = next(s.label for s in TEMPLATE.settings if s.key == setting)
        message = f"{label}: {message}"
    return Problem(tab.name, grid_row + 1, row_id, message)
