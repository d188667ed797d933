"""A1 notation for the fake Sheets API: parsing range strings and formatting them back.

Owns the mapping between strings such as ``Contacts``, ``'My Tab'!A1:Z``, ``Contacts!A:A`` or
``B2`` and 0-based half-open boxes. Unbounded edges stay ``None`` so callers can tell
``A1:Z`` (open-ended, clamped to the grid) from ``A1:Z1000`` (bounded, must fit the grid).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .errors import ApiError, bad_request

_CELL = re.compile(r"^\$?([A-Za-z]*)\$?(\d*)$")
_PLAIN_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


@dataclass(frozen=True)
class Box:
    """A 0-based, half-open cell box; ``None`` end means "to the edge of the grid"."""

    row0: int
    row1: int | None
    col0: int
    col1: int | None
    # A lone cell ("A1"): a read returns that cell, but a write only anchors there and may
    # extend right and down, as Sheets does.
    single: bool = False


@dataclass(frozen=True)
class A1:
    """A parsed range: the sheet title (None = first sheet) and its box (None = whole sheet)."""

    title: str | None
    box: Box | None


def col_letters(index: int) -> str:
    """0 -> 'A', 25 -> 'Z', 26 -> 'AA'."""
    letters = ""
    n = index + 1
    while n:
        n, rem = divmod(n - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def col_index(letters: str) -> int:
    """'A' -> 0, 'AA' -> 26."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + (ord(ch) - 64)
    return n - 1


def quote_title(title: str) -> str:
    """Quote a sheet title the way Sheets does in the ranges it returns."""
    if _PLAIN_TITLE.match(title) and not re.match(r"^[A-Za-z]{1,3}\d+$", title):
        return title
    return "'" + title.replace("'", "''") + "'"


def _split_title(text: str) -> tuple[str | None, str | None]:
    """Split ``'Tab'!A1`` into (title, cells); either may be None."""
    if text.startswith("'"):
        i = 1
        title_chars: list[str] = []
        while i < len(text):
            if text[i] == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    title_chars.append("'")
                    i += 2
                    continue
                break
            title_chars.append(text[i])
            i += 1
        else:
            raise _unparseable(text)
        rest = text[i + 1 :]
        if rest == "":
            return "".join(title_chars), None
        if not rest.startswith("!"):
            raise _unparseable(text)
        return "".join(title_chars), rest[1:]
    if "!" in text:
        # Cell references never contain '!', so the last one separates title and cells.
        title, _, cells = text.rpartition("!")
        return title, cells
    return None, text


def _unparseable(text: str) -> ApiError:
    return bad_request(f"Unable to parse range: {text}")


def _parse_cell(token: str, text: str) -> tuple[int | None, int | None]:
    m = _CELL.match(token)
    if m is None or (m.group(1) == "" and m.group(2) == ""):
        raise _unparseable(text)
    col = col_index(m.group(1)) if m.group(1) else None
    row = int(m.group(2)) - 1 if m.group(2) else None
    if row is not None and row < 0:
        raise _unparseable(text)
    return row, col


def parse_cells(cells: str, text: str) -> Box:
    """Parse the part after '!' (``A1``, ``A1:B2``, ``A:A``, ``2:5``, ``A2:Z``)."""
    if ":" in cells:
        left, right = cells.split(":", 1)
        r0, c0 = _parse_cell(left, text)
        r1, c1 = _parse_cell(right, text)
        start_row = r0 if r0 is not None else 0
        start_col = c0 if c0 is not None else 0
        end_row = r1 + 1 if r1 is not None else None
        end_col = c1 + 1 if c1 is not None else None
        # Sheets accepts reversed corners (B2:A1) and normalises them.
        if end_row is not None and end_row <= start_row:
            start_row, end_row = end_row - 1, start_row + 1
        if end_col is not None and end_col <= start_col:
            start_col, end_col = end_col - 1, start_col + 1
        return Box(start_row, end_row, start_col, end_col)
    row, col = _parse_cell(cells, text)
    if row is None or col is None:
        raise _unparseable(text)
    return Box(row, row + 1, col, col + 1, single=True)


def parse(text: str, titles: list[str]) -> A1:
    """Parse a range string against the spreadsheet's sheet titles.

    A string without '!' names a whole sheet when a sheet has that title; otherwise it is a
    cell range on the first sheet, as Sheets resolves it.
    """
    if text.strip() == "":
        raise _unparseable(text)
    title, cells = _split_title(text)
    if title is None:
        assert cells is not None
        if cells in titles:
            return A1(cells, None)
        return A1(None, parse_cells(cells, text))
    if title not in titles:
        raise _unparseable(text)
    if cells is None:
        return A1(title, None)
    return A1(title, parse_cells(cells, text))


def format_range(title: str, row0: int, row1: int, col0: int, col1: int) -> str:
    """``'Tab'!A1:C3`` for a bounded half-open box (a single cell prints as ``A1``)."""
    start = f"{col_letters(col0)}{row0 + 1}"
    end = f"{col_letters(col1 - 1)}{row1}"
    cells = start if start == end else f"{start}:{end}"
    return f"{quote_title(title)}!{cells}"
