"""Pure conversions from what spreadsheet cells really hold to Python values.

A cell arrives as text, a number, a boolean, a date or nothing, depending on the backend and on
how the person typed it. Each parser here accepts every form a person would expect to work and
raises ``ValueError`` with a short, readable reason otherwise. The reason never repeats the cell's
value, so that it can go to logs.

>>> parse_date("2026-03-04", "DMY")
datetime.date(2026, 3, 4)
>>> parse_date("03/04/2026", "DMY"), parse_date("03/04/2026", "MDY")
(datetime.date(2026, 4, 3), datetime.date(2026, 3, 4))
>>> parse_date(46000, "DMY")
datetime.date(2025, 12, 9)
>>> parse_bool("✓"), parse_bool("n"), parse_bool("")
(True, False, None)
>>> parse_int("60"), parse_int(60.0)
(60, 60)
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime
from typing import Literal

Cell = str | int | float | bool | date | datetime | None
DateOrder = Literal["DMY", "MDY"]

# Spreadsheet serial day 0 (both Google Sheets and Excel, ignoring Excel's 1900 leap-year bug,
# which only affects dates before March 1900).
SERIAL_EPOCH = date(1899, 12, 30)
_EPOCH_ORDINAL = SERIAL_EPOCH.toordinal()
# Serial numbers outside this window are almost surely not dates (1 Jan 1950 to 31 Dec 2199).
_SERIAL_MIN, _SERIAL_MAX = 18264, 109574
# The same window for cells that arrive as dates: a number typed into a date-formatted cell of
# a workbook comes back from openpyxl as a date near 1900 (1.5 is 1900-01-01 12:00).
_DATE_MIN = date.fromordinal(_EPOCH_ORDINAL + _SERIAL_MIN)
_DATE_MAX = date.fromordinal(_EPOCH_ORDINAL + _SERIAL_MAX)

_MONTHS = {
    name: i + 1
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ]
    )
    for name in names
}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[t ][\d:.]+(?:z|[+-]\d{2}:?\d{2})?)?$")
_NUMERIC = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{1,4})$")
_WORDY = re.compile(r"^(?:(\d{1,2})\s+([a-z]+)|([a-z]+)\s+(\d{1,2}))\s*,?\s+(\d{4})$")
_TRUE = frozenset({"y", "yes", "true", "1", "✓", "✔", "☑", "x", "t", "on"})
_FALSE = frozenset({"n", "no", "false", "0", "✗", "✘", "☐", "f", "off"})


def is_blank(value: Cell) -> bool:
    """True for an empty cell: nothing, or only whitespace."""
    return value is None or (isinstance(value, str) and not value.strip())


def as_text(value: Cell) -> str:
    """A cell as trimmed text; whole numbers lose their ``.0`` and dates become ISO."""
    if type(value) is str:  # most cells: checked first, as this runs for every cell
        return value.strip()
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return (
            value.date().isoformat() if value.time() == datetime.min.time() else value.isoformat()
        )
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def one_line(value: Cell) -> str:
    """Text with every run of whitespace, newlines included, folded to one space."""
    return " ".join(as_text(value).split())


def _checked(year: int, month: int, day: int) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        raise ValueError("is not a real calendar date") from None


def _year(text: str) -> int:
    year = int(text)
    if len(text) == 2:
        return 2000 + year
    if len(text) != 4:
        raise ValueError("has a year that is not 2 or 4 digits")
    return year


def from_serial(serial: float) -> date:
    """A spreadsheet serial day number as a date."""
    if not _SERIAL_MIN <= serial <= _SERIAL_MAX:
        raise ValueError("is a number, not a date")
    return date.fromordinal(_EPOCH_ORDINAL + int(serial))  # faster than adding a timedelta


def _in_window(day: date) -> date:
    if not _DATE_MIN <= day <= _DATE_MAX:
        raise ValueError(
            "is a date before 1950 or after 2199, most likely a number in a date cell; "
            "type the date, e.g. 2026-03-04"
        )
    return day


def parse_date(value: Cell, order: DateOrder) -> date | None:
    """A date from a date cell, a serial number, or text (ISO, d/m/y or m/d/y, '3 Dec 2026').

    Date cells must fall in the same window as serial numbers (1950 to 2199).
    """
    if is_blank(value):
        return None
    if isinstance(value, datetime):
        return _in_window(value.date())
    if isinstance(value, date):
        return _in_window(value)
    if isinstance(value, bool):
        raise ValueError("is TRUE/FALSE, not a date")
    if isinstance(value, int | float):
        return from_serial(value)
    text = " ".join(str(value).split()).lower()
    if match := _ISO.match(text):
        return _checked(int(match[1]), int(match[2]), int(match[3]))
    if match := _NUMERIC.match(text):
        first, second, third = match.groups()
        if len(first) == 4:  # 2026/03/04 is always year-month-day
            return _checked(int(first), int(second), int(third))
        day, month = (first, second) if order == "DMY" else (second, first)
        return _checked(_year(third), int(month), int(day))
    if match := _WORDY.match(text):
        day_text = match[1] or match[4]
        month_name = match[2] or match[3]
        month = _MONTHS.get(month_name)
        if month is None:
            raise ValueError("has a month name that is not recognised")
        return _checked(int(match[5]), month, int(day_text))
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return from_serial(float(text))
    raise ValueError("is not a date; use a date cell or text like 2026-03-04")


def parse_bool(value: Cell) -> bool | None:
    """Yes/no from Y, yes, TRUE, ✓, a checkbox, 1 and their opposites; blank is ``None``."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        return value
    text = as_text(value).lower()
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("is not yes or no; use Yes, No, TRUE, FALSE or ✓")


def parse_int(value: Cell, minimum: int = 0, maximum: int = 10_000) -> int | None:
    """A whole number from a number cell or text like '60'; blank is ``None``."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise ValueError("is TRUE/FALSE, not a number")
    if isinstance(value, float):
        if not value.is_integer():
            raise ValueError("is not a whole number")
        number = int(value)
    elif isinstance(value, int):
        number = value
    else:
        text = as_text(value).replace(",", "")
        if not re.fullmatch(r"[+-]?\d+(\.0+)?", text):
            raise ValueError("is not a whole number")
        number = int(float(text))
    if not minimum <= number <= maximum:
        raise ValueError(f"must be between {minimum} and {maximum}")
    return number


# A flyer is named by its file name alone: a path, a hidden file, or a name with control or
# invisible formatting characters (which can disguise "flyer\u202efdp.exe") is refused.
_MAX_FILE_NAME_BYTES = 255  # the usual file-system limit on one name
FILE_NAME_RULE = "use a plain file name such as flyer.pdf, in the flyer folder"


def _unprintable(ch: str) -> bool:
    # Cc control, Cf format (bidi overrides), Cs/Co/Cn, and the line/paragraph separators.
    category = unicodedata.category(ch)
    return category[0] == "C" or category in ("Zl", "Zp")


def parse_file_name(value: Cell) -> str:
    """A plain file name (no folder, not hidden, printable); blank is ``""``.

    Only the name's form is checked here; ``sheetsync.adapters.flyer`` checks the file itself.

    >>> parse_file_name(" flyer.pdf ")
    'flyer.pdf'
    """
    text = as_text(value)
    if not text:
        return ""
    if any(_unprintable(ch) for ch in text):
        reason = "has a control or invisible character"
    elif "/" in text or "\\" in text:
        reason = "is a path, not a plain file name"
    elif text.startswith("."):
        reason = "starts with a dot (a hidden file, or .. for the folder above)"
    elif len(text.encode("utf-8")) > _MAX_FILE_NAME_BYTES:
        reason = "is longer than a file name can be"
    else:
        return text
    raise ValueError(f"{reason}; {FILE_NAME_RULE}")


_NOT_ALNUM = re.compile(r"[^0-9a-z]+")


@functools.lru_cache(maxsize=4096)
def _squash(text: str) -> str:
    # Cached: a Sheet holds the same few dropdown values in thousands of cells.
    return _NOT_ALNUM.sub("", text.lower())


@functools.lru_cache(maxsize=256)
def _choice_index(options: tuple[str, ...]) -> dict[str, str]:
    """Squashed option -> option; the first option wins when two squash alike."""
    index: dict[str, str] = {}
    for option in options:
        index.setdefault(_squash(option), option)
    return index


def parse_choice(value: Cell, choices: Iterable[str]) -> str | None:
    """One of ``choices``, matched ignoring case, spaces and punctuation; blank is ``None``."""
    if is_blank(value):
        return None
    options = tuple(choices)
    found = _choice_index(options).get(_squash(as_text(value)))
    if found is None:
        raise ValueError("is not one of: " + ", ".join(options))
    return found


def parse_range(value: Cell) -> tuple[int, int]:
    """A target such as '10', '1-2' or '1–2' as (minimum, maximum).

    >>> parse_range("1-2"), parse_range(10)
    ((1, 2), (10, 10))
    """
    text = as_text(value).replace("–", "-").replace("—", "-").replace(" ", "")
    match = re.fullmatch(r"(\d{1,4})(?:-(\d{1,4}))?", text)
    if not match:
        raise ValueError("is not a number or a range like 1-2")
    low = int(match[1])
    high = int(match[2]) if match[2] else low
    if high < low:
        raise ValueError("is a range whose end is below its start")
    return low, high
