"""Turn a raw ``Snapshot`` into validated rows, and every problem into a readable message.

An invalid row is kept, with its errors, so that it keeps its place and gets a status; one bad
row never stops the others. Every message names the column and the reason, never the value.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ValidationError

from sheet_template import TEMPLATE, Tab
from sheet_template import tabs as t
from sheetsync.core.cells import Cell, as_text, is_blank
from sheetsync.core.gcpause import paused_gc
from sheetsync.core.models import Contact, Group, LetterTemplate, LogEntry, Referral, Settings
from sheetsync.core.table import RowRef, Snapshot, column_map, norm_header, row_refs

M = TypeVar("M", bound=BaseModel)
# Rows are read-only, so a Row[Contact] is a Row[BaseModel].
M_co = TypeVar("M_co", bound=BaseModel, covariant=True)


@dataclass(frozen=True)
class Problem:
    """Something wrong, where it is, and what to do: shown in status cells and the Summary."""

    tab: str
    row_number: int | None
    row_id: str
    message: str


@dataclass(frozen=True)
class Row(Generic[M_co]):
    """One non-empty row: its address, its model if valid, and its errors otherwise."""

    ref: RowRef
    model: M_co | None
    errors: tuple[str, ...]
    #: The id this row keeps: the Row ID cell, or "" when blank or copied from an earlier row.
    row_id: str = ""
    #: Sync-owned cells as read, by column key. Blank for a row whose id was copied from
    #: another row, since what they hold belongs to that other row.
    synced: Mapping[str, Cell] = field(default_factory=dict)


@dataclass(frozen=True)
class Validated:
    """Every tab, validated."""

    settings: Settings
    contacts: tuple[Row[Contact], ...]
    groups: tuple[Row[Group], ...]
    log: tuple[Row[LogEntry], ...]
    referrals: tuple[Row[Referral], ...]
    letters: Mapping[str, LetterTemplate]
    #: Problems with Settings and Templates, which have no status column.
    sheet_problems: tuple[Problem, ...]
    #: The Settings tab's row number of each setting it holds, by key.
    setting_rows: Mapping[str, int] = field(default_factory=dict)
    #: Settings whose value was refused (reported in ``sheet_problems``), by key.
    refused_settings: frozenset[str] = frozenset()
    #: The "Last sync" the Summary tab shows, as the last sync wrote it ("" if it never ran).
    previous_sync: str = ""


def _messages(error: ValidationError, tab: Tab, prefix: str = "") -> list[str]:
    headers = {col.key: col.header for col in tab.columns}
    out = []
    for item in error.errors(include_url=False, include_input=False):
        key = str(item["loc"][0]) if item["loc"] else ""
        column = prefix or headers.get(key, key)
        message = str(item["msg"]).removeprefix("Value error, ")
        if item["type"] == "missing":
            message = "is empty"
        out.append(f"{column}: {message}")
    return out


def _rows(snapshot: Snapshot, tab: Tab, model: type[M], context: Mapping[str, Any]) -> list[Row[M]]:
    table = snapshot.table(tab.name)
    columns = column_map(table, tab)
    refs = row_refs(table, tab, columns)
    keys = [col.key for col in tab.columns]
    owned = [col.key for col in tab.columns if col.sync_owned]
    width = max(columns.values(), default=-1) + 1
    seen_ids: set[str] = set()
    rows: list[Row[M]] = []
    for index, ref in enumerate(refs):
        if ref is None:
            continue
        cells = table.rows[index]
        if len(cells) < width:
            cells = cells + (None,) * (width - len(cells))
        # A column the template added later and the Sheet lacks yet reads as blank.
        data = {key: cells[columns[key]] if key in columns else None for key in keys}
        synced = {key: data[key] for key in owned}
        copied = bool(ref.row_id) and ref.row_id in seen_ids
        seen_ids.add(ref.row_id)
        if copied:
            # A copied row: the first row keeps the id; this one gets a new id, and its
            # sync-owned cells are someone else's.
            synced = {key: None for key in synced}
        row_id = "" if copied else ref.row_id
        data["row_id"] = row_id
        try:
            rows.append(Row(ref, model.model_validate(data, context=context), (), row_id, synced))
        except ValidationError as error:
            rows.append(Row(ref, None, tuple(_messages(error, tab)), row_id, synced))
    return rows


#: What happens instead of a refused setting, where its default is not a fair stand-in.
_INSTEAD = {"flyer_file": "no GP cover note is drafted until it is fixed"}


@dataclass(frozen=True)
class _SettingsResult:
    settings: Settings
    problems: list[Problem]
    rows: dict[str, int]
    refused: frozenset[str]


def _settings(snapshot: Snapshot) -> _SettingsResult:
    tab = t.SETTINGS
    table = snapshot.table(tab.name)
    columns = column_map(table, tab)
    by_label = {norm_header(s.label): s for s in TEMPLATE.settings}
    raw: dict[str, tuple[int, Cell]] = {}
    for index in range(len(table.rows)):
        setting = by_label.get(norm_header(table.cell(index, columns["setting"])))
        value = table.cell(index, columns["value"])
        if setting is not None and not is_blank(value):
            raw[setting.key] = (index + 2, value)
    problems: list[Problem] = []
    values: dict[str, Cell] = {}
    refused: set[str] = set()
    labels = {s.key: s.label for s in TEMPLATE.settings}
    # Each value is checked alone, so that one bad setting falls back to its default and
    # does not take the others with it.
    for key, (row_number, value) in raw.items():
        try:
            Settings.model_validate({key: value})
        except ValidationError as error:
            instead = _INSTEAD.get(key, "using the default")
            for message in _messages(error, tab, prefix=labels[key]):
                problems.append(Problem(tab.name, row_number, "", f"{message}; {instead}"))
            refused.add(key)
            continue
        values[key] = value
    rows = {key: row_number for key, (row_number, _) in raw.items()}
    return _SettingsResult(Settings.model_validate(values), problems, rows, frozenset(refused))


def _letters(snapshot: Snapshot) -> tuple[dict[str, LetterTemplate], list[Problem]]:
    tab = t.TEMPLATES
    table = snapshot.table(tab.name)
    columns = column_map(table, tab)
    letters: dict[str, LetterTemplate] = {}
    problems: list[Problem] = []
    for index in range(len(table.rows)):
        data = {
            col.key: table.cell(index, columns[col.key]) if col.key in columns else None
            for col in tab.columns
        }
        if all(is_blank(v) for v in data.values()):
            continue
        try:
            letter = LetterTemplate.model_validate(data)
        except ValidationError as error:
            for message in _messages(error, tab):
                problems.append(Problem(tab.name, index + 2, "", message))
            continue
        key = as_text(letter.letter).lower()
        if key in letters:
            problems.append(
                Problem(
                    tab.name, index + 2, "", f"Letter: {key!r} appears twice; the first is used"
                )
            )
            continue
        letters[key] = letter
    return letters, problems


def _previous_sync(snapshot: Snapshot) -> str:
    # A free-form tab: the label is looked for in the first rows (the layout puts it in the
    # second row, which is the first below the header row).
    table = snapshot.tables.get(t.SUMMARY.name)
    for row in table.rows[:3] if table else ():
        if len(row) > 1 and as_text(row[0]) == t.SUMMARY_LAST_SYNC:
            return as_text(row[1])
    return ""


def validate(snapshot: Snapshot) -> Validated:
    """Validate every tab. Raises ``TemplateError`` only for a missing tab or header."""
    with paused_gc():  # see sheetsync.core.gcpause
        return _validate(snapshot)


def _validate(snapshot: Snapshot) -> Validated:
    settings = _settings(snapshot)
    letters, letter_problems = _letters(snapshot)
    context = {"date_order": settings.settings.date_order}
    return Validated(
        settings=settings.settings,
        contacts=tuple(_rows(snapshot, t.CONTACTS, Contact, context)),
        groups=tuple(_rows(snapshot, t.GROUPS, Group, context)),
        log=tuple(_rows(snapshot, t.LOG, LogEntry, context)),
        referrals=tuple(_rows(snapshot, t.REFERRALS, Referral, context)),
        letters=letters,
        sheet_problems=tuple(settings.problems + letter_problems),
        setting_rows=settings.rows,
        refused_settings=settings.refused,
        previous_sync=_previous_sync(snapshot),
    )
