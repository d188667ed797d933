"""One section of the Summary's grid as data: its heading, its table's header and its rows.

Its own module so that a section built outside ``layout`` (the referral ledger's, in
``ledger``) can make one without importing the layout that places it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sheetsync.core.cells import Cell


@dataclass
class Block:
    """One section: its heading row, its table's header (by column) and its rows.

    ``first_row`` is the 0-based grid row of the heading; the header follows it, then the
    rows. The layout tests read these to check that values sit under their headers.
    """

    heading: str
    note: str = ""
    header: dict[int, str] = field(default_factory=dict)
    rows: list[dict[int, Cell]] = field(default_factory=list)
    first_row: int = 0
