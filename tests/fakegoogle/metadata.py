"""Developer metadata of the fake Sheets API: the records, where they sit, how they are found.

Owns :class:`MetadataStore` (one spreadsheet's DeveloperMetadata records, each pinned to a
location: the spreadsheet, a sheet, or one row or column of a sheet), the index remapping that
row and column edits apply to it (so metadata follows its row exactly as the cells do, and is
deleted with it), the validation of the metadata a client creates or updates, the matching of
``DeveloperMetadataLookup``\\s and of ranges against locations, DOCUMENT vs PROJECT
visibility, the storage limits, and :class:`MetadataPolicy`: the per-server switch for what the
operations Google leaves undocumented (sorting, copy-paste, cut-paste, duplicating a tab) do to
row metadata.

The "project" a request comes from is the ``X-Goog-User-Project`` header (google-auth sends it
for credentials with a quota project); requests without it all count as one project,
:data:`DEFAULT_PROJECT`.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from .errors import bad_request

ROW = "ROW"
COLUMN = "COLUMN"
SHEET = "SHEET"
SPREADSHEET = "SPREADSHEET"
DOCUMENT = "DOCUMENT"
PROJECT = "PROJECT"
VISIBILITIES = (DOCUMENT, PROJECT)
UNSPECIFIED_VISIBILITY = "DEVELOPER_METADATA_VISIBILITY_UNSPECIFIED"
UNSPECIFIED_TYPE = "DEVELOPER_METADATA_LOCATION_TYPE_UNSPECIFIED"
EXACT = "EXACT_LOCATION"
INTERSECTING = "INTERSECTING_LOCATION"

#: Policy settings: metadata follows the moved content, stays at the row position, or is
#: copied to the destination as well (copy-paste, cut-paste and duplicating a tab only).
MOVES = "MOVES"
STAYS = "STAYS"
DUPLICATED = "DUPLICATED"
#: What values.batchUpdateByDataFilter does with a data filter that matches no range.
SKIP = "SKIP"
ERROR = "ERROR"

PROJECT_HEADER = "x-goog-user-project"
DEFAULT_PROJECT = "fakegoogle-default-project"
#: Characters of keys plus values: per spreadsheet (its SPREADSHEET-located metadata) and per
#: sheet (everything located on that sheet, its rows and its columns).
CHAR_LIMIT = 30_000

_DIMENSION_KIND = {"ROWS": ROW, "COLUMNS": COLUMN}
_KIND_DIMENSION = {ROW: "ROWS", COLUMN: "COLUMNS"}
_UPDATABLE = ("metadataKey", "metadataValue", "visibility", "location")

#: sheet id -> (row count, column count), or None when the spreadsheet has no such sheet.
GridOf = Callable[[int], tuple[int, int] | None]
#: A filter's range: sheet id, then half-open rows and columns (None end = to the grid's edge).
Region = tuple[int, int, int | None, int, int | None]


@dataclass(frozen=True)
class Location:
    """Where a record sits: the spreadsheet, a sheet, or one row or column (0-based) of one."""

    kind: str
    sheet_id: int | None = None
    index: int | None = None

    def resource(self) -> dict[str, Any]:
        """The DeveloperMetadataLocation Google returns (locationType filled in)."""
        if self.kind == SPREADSHEET:
            return {"locationType": SPREADSHEET, "spreadsheet": True}
        if self.kind == SHEET:
            return {"locationType": SHEET, "sheetId": self.sheet_id}
        assert self.index is not None
        return {
            "locationType": self.kind,
            "dimensionRange": {
                "sheetId": self.sheet_id,
                "dimension": _KIND_DIMENSION[self.kind],
                "startIndex": self.index,
                "endIndex": self.index + 1,
            },
        }


@dataclass
class Metadata:
    """One DeveloperMetadata record; ``project`` (never shown) is the project that made it."""

    metadata_id: int
    key: str
    value: str | None
    visibility: str
    project: str
    location: Location

    @property
    def size(self) -> int:
        """What the record counts against the storage limits."""
        return len(self.key) + len(self.value or "")

    def visible_to(self, project: str) -> bool:
        return self.visibility == DOCUMENT or self.project == project

    def resource(self) -> dict[str, Any]:
        """The DeveloperMetadata resource."""
        out: dict[str, Any] = {
            "metadataId": self.metadata_id,
            "metadataKey": self.key,
            "location": self.location.resource(),
            "visibility": self.visibility,
        }
        if self.value is not None:
            out["metadataValue"] = self.value
        return out


@dataclass
class MetadataPolicy:
    """What the operations Google does not document do to row metadata (one per server).

    ``sort`` (sortRange and the sort helper): MOVES with the row's content or STAYS at the row
    position. ``copy_paste``, ``cut_paste``: the source rows' metadata MOVES to the pasted
    rows, STAYS on the source rows, or is DUPLICATED onto the pasted rows. ``duplicate_sheet``:
    the tab's metadata (its rows', columns' and its own) STAYS on the original, MOVES to the
    copy, or is DUPLICATED onto the copy. ``unmatched_write``: a data filter in
    values.batchUpdateByDataFilter that matches nothing is skipped (no response entry) or is
    an ERROR (400).
    """

    sort: str = STAYS
    copy_paste: str = STAYS
    cut_paste: str = STAYS
    duplicate_sheet: str = DUPLICATED
    unmatched_write: str = SKIP

    def __post_init__(self) -> None:
        allowed = {
            "sort": (MOVES, STAYS),
            "copy_paste": (MOVES, STAYS, DUPLICATED),
            "cut_paste": (MOVES, STAYS, DUPLICATED),
            "duplicate_sheet": (MOVES, STAYS, DUPLICATED),
            "unmatched_write": (SKIP, ERROR),
        }
        for name, choices in allowed.items():
            if getattr(self, name) not in choices:
                raise ValueError(f"{name} must be one of {choices}, not {getattr(self, name)!r}")


@dataclass
class MetadataStore:
    """All developer metadata of one spreadsheet, in creation order."""

    records: list[Metadata] = field(default_factory=list)
    #: metadataId -> record, for the list object and length it was built from: every change
    #: of the store replaces the list or changes its length, and ids never change in place.
    _index: tuple[int, int, dict[int, Metadata]] | None = field(
        default=None, repr=False, compare=False
    )

    def by_id(self, metadata_id: int) -> Metadata | None:
        # Indexed: a sync writes through thousands of anchors in one request.
        key = (id(self.records), len(self.records))
        if self._index is None or self._index[:2] != key:
            self._index = (*key, {m.metadata_id: m for m in self.records})
        return self._index[2].get(metadata_id)

    def visible(self, project: str) -> list[Metadata]:
        return [m for m in self.records if m.visible_to(project)]

    def fresh_id(self, draw: Callable[[], int]) -> int:
        """A positive id no record has (ids are unique across the spreadsheet)."""
        while True:
            candidate = draw()
            if candidate > 0 and self.by_id(candidate) is None:
                return candidate

    def remove(self, doomed: Iterable[Metadata]) -> None:
        ids = {m.metadata_id for m in doomed}
        self.records = [m for m in self.records if m.metadata_id not in ids]

    def at(self, kind: str, sheet_id: int, index: int) -> list[Metadata]:
        """The records on one row (``ROW``) or column (``COLUMN``) of a sheet."""
        wanted = Location(kind, sheet_id, index)
        return [m for m in self.records if m.location == wanted]

    def on_sheet(self, sheet_id: int) -> list[Metadata]:
        """Records located on a sheet: on the sheet itself, its rows and its columns."""
        return [m for m in self.records if m.location.sheet_id == sheet_id]

    def remap(self, sheet_id: int, kind: str, new_index: Callable[[int], int | None]) -> None:
        """Move one sheet's row (or column) records to new indexes; None deletes the record.

        Every row/column edit goes through here, so metadata shifts exactly as the cells do.
        """
        kept = []
        for meta in self.records:
            loc = meta.location
            if loc.kind == kind and loc.sheet_id == sheet_id and loc.index is not None:
                moved = new_index(loc.index)
                if moved is None:
                    continue  # deleted with its row (or column), as Google documents
                meta.location = replace(loc, index=moved)
            kept.append(meta)
        self.records = kept

    def drop_sheet(self, sheet_id: int) -> None:
        self.records = [m for m in self.records if m.location.sheet_id != sheet_id]

    def transfer(
        self,
        pairs: Iterable[tuple[Location, Location]],
        mode: str,
        draw: Callable[[], int],
    ) -> None:
        """Apply a MOVES/STAYS/DUPLICATED policy to content copied from one place to another.

        ``pairs`` are (source, destination) locations. The source records are collected before
        anything changes, so overlapping sources and destinations behave like one paste.
        """
        if mode == STAYS:
            return
        plan = [
            (meta, dest)
            for source, dest in pairs
            for meta in self.records
            if meta.location == source
        ]
        moved: set[int] = set()
        for meta, dest in plan:
            if mode == MOVES:
                if meta.metadata_id in moved:
                    continue  # a record moves once, to its first destination
                moved.add(meta.metadata_id)
                meta.location = dest
            else:
                twin = copy.copy(meta)
                twin.metadata_id = self.fresh_id(draw)
                twin.location = dest
                self.records.append(twin)

    def check_limits(
        self, limit: int = CHAR_LIMIT, totals: dict[int | None, int] | None = None
    ) -> dict[int | None, int]:
        """400 when the spreadsheet's own or any one sheet's metadata exceeds ``limit``; else
        the characters per pool (None: the spreadsheet's own). ``totals`` given: those counts
        are checked instead of counting again (a caller adding records one by one)."""
        if totals is None:
            totals = {}
            for meta in self.records:
                pool = pool_of(meta)
                totals[pool] = totals.get(pool, 0) + meta.size
        for pool, total in totals.items():
            if total > limit:
                where = "the spreadsheet" if pool is None else f"the sheet with id {pool}"
                raise bad_request(
                    f"Developer metadata on {where} would take {total} characters, "
                    f"more than the limit of {limit}."
                )
        return totals


def pool_of(meta: Metadata) -> int | None:
    """Whose storage limit a record counts against: its sheet's, or (None) the spreadsheet's."""
    return None if meta.location.kind == SPREADSHEET else meta.location.sheet_id


# ---- locations ----------------------------------------------------------------------------


def parse_location(body: Any, grid_of: GridOf, what: str = "location") -> Location:
    """Validate a DeveloperMetadataLocation and return it; 400 when Google would reject it."""
    if not isinstance(body, Mapping):
        raise bad_request(f"The developer metadata {what} is required.")
    chosen = [k for k in ("sheetId", "dimensionRange") if k in body]
    if body.get("spreadsheet"):
        chosen.append("spreadsheet")
    if len(chosen) != 1:
        raise bad_request(
            f"The developer metadata {what} must set exactly one of spreadsheet, sheetId "
            "or dimensionRange."
        )
    if chosen[0] == "spreadsheet":
        loc = Location(SPREADSHEET)
    elif chosen[0] == "sheetId":
        sheet_id = int(body["sheetId"])
        _grid(grid_of, sheet_id)
        loc = Location(SHEET, sheet_id)
    else:
        loc = _dimension_location(body["dimensionRange"], grid_of, what)
    given = body.get("locationType")
    if given not in (None, UNSPECIFIED_TYPE, loc.kind):
        raise bad_request(
            f"The developer metadata {what} has locationType {given} but names a {loc.kind}."
        )
    return loc


def _grid(grid_of: GridOf, sheet_id: int) -> tuple[int, int]:
    dims = grid_of(sheet_id)
    if dims is None:
        raise bad_request(f"No grid with id: {sheet_id}")
    return dims


def _dimension_location(rng: Any, grid_of: GridOf, what: str) -> Location:
    rng = rng if isinstance(rng, Mapping) else {}
    sheet_id = int(rng.get("sheetId", 0))  # proto3: an absent sheetId means sheet 0
    rows, cols = _grid(grid_of, sheet_id)
    kind = _DIMENSION_KIND.get(str(rng.get("dimension")))
    if kind is None:
        raise bad_request(f"The developer metadata {what}'s dimension must be ROWS or COLUMNS.")
    if "startIndex" not in rng or "endIndex" not in rng:
        raise bad_request(f"The developer metadata {what} must not be an unbounded range.")
    start, end = int(rng["startIndex"]), int(rng["endIndex"])
    if end != start + 1:
        raise bad_request(
            f"The developer metadata {what} must span a single row or column, not [{start}, {end})."
        )
    limit = rows if kind == ROW else cols
    if not 0 <= start < limit:
        raise bad_request(
            f"The developer metadata {what} [{start}, {end}) is outside the grid ({limit})."
        )
    return Location(kind, sheet_id, start)


def intersects(a: Location, b: Location) -> bool:
    """Whether two locations overlap (a row crosses every column of its sheet, and so on)."""
    if SPREADSHEET in (a.kind, b.kind):
        # Spreadsheet metadata cannot intersect any other location.
        return a.kind == b.kind
    if a.sheet_id != b.sheet_id:
        return False
    if SHEET in (a.kind, b.kind) or a.kind != b.kind:
        return True
    return a.index == b.index


def in_region(meta: Metadata, region: Region) -> bool:
    """Whether a record's location intersects a filter's range (A1 or GridRange)."""
    loc = meta.location
    sheet_id, row0, row1, col0, col1 = region
    if loc.kind == SPREADSHEET or loc.sheet_id != sheet_id:
        return False
    if loc.kind == SHEET:
        return True
    assert loc.index is not None
    low, high = (row0, row1) if loc.kind == ROW else (col0, col1)
    return low <= loc.index and (high is None or loc.index < high)


# ---- creating, finding, updating ------------------------------------------------------------


def new_record(
    body: Any, grid_of: GridOf, store: MetadataStore, project: str, draw: Callable[[], int]
) -> Metadata:
    """The record a createDeveloperMetadata request makes (not yet stored)."""
    if not isinstance(body, Mapping) or not body:
        raise bad_request("developerMetadata is required.")
    key = body.get("metadataKey")
    if not key:
        raise bad_request("Developer metadata must always have a key specified.")
    visibility = body.get("visibility")
    if visibility not in VISIBILITIES:
        raise bad_request("Developer metadata must always have a visibility specified.")
    location = parse_location(body.get("location"), grid_of)
    if "metadataId" in body:
        metadata_id = int(body["metadataId"])
        if metadata_id <= 0:
            raise bad_request(f"Developer metadata ids must be positive, not {metadata_id}.")
        if store.by_id(metadata_id) is not None:
            raise bad_request(f"Developer metadata with id {metadata_id} already exists.")
    else:
        metadata_id = store.fresh_id(draw)
    value = body.get("metadataValue")
    return Metadata(
        metadata_id, str(key), None if value is None else str(value), visibility, project, location
    )


def lookup(store: MetadataStore, criteria: Any, project: str, grid_of: GridOf) -> list[Metadata]:
    """The records a DeveloperMetadataLookup selects (all given criteria must hold)."""
    if not isinstance(criteria, Mapping) or not criteria:
        raise bad_request("A developer metadata lookup must specify at least one criterion.")
    strategy = criteria.get("locationMatchingStrategy")
    kind = criteria.get("locationType")
    kind = None if kind == UNSPECIFIED_TYPE else kind
    visibility = criteria.get("visibility")
    visibility = None if visibility == UNSPECIFIED_VISIBILITY else visibility
    if strategy is not None and "metadataLocation" not in criteria:
        raise bad_request("locationMatchingStrategy requires a metadataLocation.")
    if strategy not in (None, EXACT, INTERSECTING):
        raise bad_request(f"locationMatchingStrategy {strategy} must not be used.")
    if kind is not None and strategy == EXACT:
        raise bad_request("locationType must be left unspecified for EXACT_LOCATION lookups.")
    location = None
    if "metadataLocation" in criteria:
        location = parse_location(criteria["metadataLocation"], grid_of, "lookup location")
    if kind == SPREADSHEET and (
        strategy == INTERSECTING or (location is not None and location.kind != SPREADSHEET)
    ):
        raise bad_request(
            "locationType SPREADSHEET cannot be combined with INTERSECTING_LOCATION or a "
            "non-spreadsheet location."
        )

    def selected(meta: Metadata) -> bool:
        checks = (
            ("metadataId", lambda v: meta.metadata_id == int(v)),
            ("metadataKey", lambda v: meta.key == v),
            ("metadataValue", lambda v: meta.value == v),
        )
        if any(name in criteria and not test(criteria[name]) for name, test in checks):
            return False
        if visibility is not None and meta.visibility != visibility:
            return False
        if kind is not None and meta.location.kind != kind:
            return False
        if location is not None:
            if strategy == EXACT:
                return meta.location == location
            return intersects(meta.location, location)
        return True

    if "metadataId" in criteria:
        # By id: one record at most (ids are unique), found through the store's index.
        try:
            found = store.by_id(int(criteria["metadataId"]))
        except (TypeError, ValueError):
            found = None
        if found is None or not found.visible_to(project) or not selected(found):
            return []
        return [found]
    return [m for m in store.visible(project) if selected(m)]


def update_paths(fields: Any) -> list[str]:
    """The top-level fields an updateDeveloperMetadata request's mask names."""
    text = str(fields or "").strip()
    if not text:
        raise bad_request("At least one field must be updated, but none were specified.")
    if text == "*":
        return list(_UPDATABLE)
    paths = []
    for part in text.split(","):
        top = part.strip().split(".")[0].split("/")[0].split("(")[0]
        if top == "metadataId":
            raise bad_request("The metadataId of developer metadata cannot be updated.")
        if top not in _UPDATABLE:
            raise bad_request(f"Invalid field mask path: {part.strip()}")
        if top not in paths:
            paths.append(top)
    return paths


def apply_update(
    meta: Metadata, changes: Mapping[str, Any], paths: list[str], location: Any
) -> None:
    """Set the masked fields of one record (``location`` already validated, or None)."""
    if "metadataKey" in paths:
        key = changes.get("metadataKey")
        if not key:
            raise bad_request("Developer metadata must always have a key specified.")
        meta.key = str(key)
    if "metadataValue" in paths:
        value = changes.get("metadataValue")
        meta.value = None if value is None else str(value)
    if "visibility" in paths:
        visibility = changes.get("visibility")
        if visibility not in VISIBILITIES:
            raise bad_request("Developer metadata must always have a visibility specified.")
        meta.visibility = str(visibility)
    if "location" in paths and location is not None:
        meta.location = location


def inserted(index: int, count: int) -> Callable[[int], int | None]:
    """Index remapping for ``count`` rows (or columns) inserted before ``index``."""
    return lambda i: i + count if i >= index else i


def deleted(start: int, end: int) -> Callable[[int], int | None]:
    """Index remapping for rows (or columns) ``[start, end)`` deleted."""

    def remap(i: int) -> int | None:
        if i < start:
            return i
        return None if i < end else i - (end - start)

    return remap


def permuted(new_of_old: Mapping[int, int]) -> Callable[[int], int | None]:
    """Index remapping for a reordering; indexes not in the mapping stay put."""
    return lambda i: new_of_old.get(i, i)


def project_of(headers: Mapping[str, str]) -> str:
    """The developer project a request comes from (see the module docstring)."""
    return headers.get(PROJECT_HEADER) or DEFAULT_PROJECT
