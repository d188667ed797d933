"""The vocabulary of the template: what a tab, a column and a setting are.

Kept apart from the template's content (``tabs.py``, ``settings.py``, ``letters.py``) so that
everything which derives from the template (the xlsx writer, the Google ``init``, the row models,
the docs) reads one small set of types.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """How a column's cells are parsed."""

    TEXT = "text"
    EMAIL = "email"
    DATE = "date"
    INT = "int"
    BOOL = "bool"
    CHOICE = "choice"
    URL = "url"
    ID = "id"


@dataclass(frozen=True)
class Column:
    """One column of a table tab."""

    header: str
    key: str
    kind: Kind = Kind.TEXT
    choices: tuple[str, ...] = ()
    sync_owned: bool = False
    required: bool = False
    width: int = 18
    note: str = ""
    #: The sync adds this column to an older Sheet: a Sheet made before the template had it
    #: is still valid without it (its cells read as blank) until the sync adds its header.
    added_later: bool = False


@dataclass(frozen=True)
class Tab:
    """One tab of the Sheet. ``columns`` is empty for free-form tabs (Summary)."""

    name: str
    description: str
    columns: tuple[Column, ...] = ()
    #: Prefix of the row ids the sync assigns on this tab ("" when the tab has no Row ID).
    id_prefix: str = ""
    #: For key/value tabs (Settings, Templates): the column whose value identifies the row.
    key_column: str = ""

    def column(self, key: str) -> Column:
        """The column with this key; ``KeyError`` if the template has none."""
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(f"{self.name} has no column {key!r}")

    @property
    def headers(self) -> tuple[str, ...]:
        return tuple(col.header for col in self.columns)

    @property
    def sync_owned_headers(self) -> frozenset[str]:
        return frozenset(col.header for col in self.columns if col.sync_owned)


@dataclass(frozen=True)
class Setting:
    """One row of the Settings tab."""

    key: str
    label: str
    default: str
    kind: Kind = Kind.TEXT
    note: str = ""
    choices: tuple[str, ...] = ()
    #: The sync keeps its value up to date (a person does not set it): Row IDs given.
    sync_owned: bool = False


@dataclass(frozen=True)
class Letter:
    """A default letter of the Templates tab."""

    key: str
    subject: str
    body: str
    note: str = ""


@dataclass(frozen=True)
class Template:
    """The whole Sheet: its tabs in order, its settings and its default letters."""

    tabs: tuple[Tab, ...]
    settings: tuple[Setting, ...]
    letters: tuple[Letter, ...] = field(default=())

    def tab(self, name: str) -> Tab:
        for tab in self.tabs:
            if tab.name == name:
                return tab
        raise KeyError(name)
