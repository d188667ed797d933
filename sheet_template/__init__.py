"""The one definition of the Sheet: its tabs, columns, dropdowns, settings and default letters.

Everything else derives from ``TEMPLATE``: the ``.xlsx`` that ``init`` writes, the spreadsheet
that ``init --google`` creates, the row models' column mapping, and the docs.
"""

from __future__ import annotations

from .letters import LETTERS, PLACEHOLDERS
from .model import Column, Kind, Letter, Setting, Tab, Template
from .settings import SETTINGS
from .tabs import ALL_TABS

TEMPLATE = Template(tabs=ALL_TABS, settings=SETTINGS, letters=LETTERS)

__all__ = [
    "PLACEHOLDERS",
    "TEMPLATE",
    "Column",
    "Kind",
    "Letter",
    "Setting",
    "Tab",
    "Template",
]
