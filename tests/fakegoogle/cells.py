"""Cell values of the fake Sheets API: what a cell stores and how it is read back.

Owns the interpretation of written values (``RAW`` vs ``USER_ENTERED``) and their rendering
(``FORMATTED_VALUE``, ``UNFORMATTED_VALUE``, ``FORMULA``; ``SERIAL_NUMBER`` vs
``FORMATTED_STRING`` dates). Only what a contact database needs is modelled: text, numbers,
booleans, ISO dates and formulas (plain arithmetic is evaluated; anything else reads back as
its formula text, which a test will notice rather than silently pass).
"""

from __future__ import annotations

import ast
import math
import operator
import re
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

_NUMERIC = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_EPOCH = date(1899, 12, 30)  # Sheets' (and Lotus 1-2-3's) day zero.


@dataclass(frozen=True)
class Formula:
    """A formula cell; ``text`` includes the leading '='."""

    text: str


@dataclass(frozen=True)
class DateValue:
    """A date typed into a cell: its serial number and the text it displays as."""

    serial: int
    text: str


Cell = str | int | float | bool | Formula | DateValue | None


class Skip:
    """Marker for a null in the written values: Sheets leaves that cell unchanged."""


SKIP = Skip()


def parse_input(value: Any, option: str) -> Cell | Skip:
    """Turn one written JSON value into a stored cell according to valueInputOption."""
    if value is None:
        return SKIP
    if isinstance(value, bool | int | float):
        return value
    if not isinstance(value, str):
        # Sheets stringifies other JSON (objects) only in error; the schema says "any".
        return str(value)
    if value == "":
        return None
    if option == "RAW":
        # RAW never parses: '=1+1' stays the four-character text.
        return value
    return _parse_user_entered(value)


def _parse_user_entered(text: str) -> Cell:
    if text.startswith("'"):
        # A leading apostrophe forces text in the Sheets UI and is not stored.
        return text[1:]
    if text.startswith("="):
        return Formula(text)
    stripped = text.strip()
    if _NUMERIC.match(stripped):
        if re.match(r"^[+-]?\d+$", stripped):
            return int(stripped)
        return float(stripped)
    if stripped.upper() in ("TRUE", "FALSE"):
        return stripped.upper() == "TRUE"
    m = _ISO_DATE.match(stripped)
    if m:
        try:
            day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return text
        return DateValue((day - _EPOCH).days, stripped)
    return text


def serial_to_date(serial: int) -> date:
    """Inverse of the date serial used by :class:`DateValue`."""
    return date.fromordinal(_EPOCH.toordinal() + serial)


def date_value(day: date | datetime) -> DateValue:
    """A :class:`DateValue` for a Python date, displayed ISO-style."""
    d = day.date() if isinstance(day, datetime) else day
    return DateValue((d - _EPOCH).days, d.isoformat())


_OPS: dict[type, Any] = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.Pow: operator.pow,
    ast.USub: operator.neg,
    ast.UAdd: operator.pos,
}


def _eval_node(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return float(_OPS[type(node.op)](_eval_node(node.left), _eval_node(node.right)))
    if isinstance(node, ast.UnaryOp) and type(node.op) in _OPS:
        return float(_OPS[type(node.op)](_eval_node(node.operand)))
    raise ValueError("unsupported formula")


def evaluate(formula: Formula) -> Cell:
    """Evaluate plain arithmetic (``=1+2*3``); other formulas come back as their text."""
    expr = formula.text[1:].replace("^", "**")
    try:
        result = _eval_node(ast.parse(expr, mode="eval").body)
    except (SyntaxError, ValueError, ZeroDivisionError, OverflowError):
        return formula.text
    return int(result) if result.is_integer() else result


def _number_json(value: int | float) -> int | float:
    # Google's JSON writes 5, not 5.0, for whole numbers.
    if isinstance(value, float) and value.is_integer() and math.isfinite(value):
        return int(value)
    return value


def _number_text(value: int | float) -> str:
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return f"{value:.15g}"
    return str(value)


def render(cell: Cell, value_option: str, date_option: str) -> Any:
    """Render a stored cell the way values.get returns it ("" for empty)."""
    if cell is None:
        return ""
    if isinstance(cell, Formula):
        if value_option == "FORMULA":
            return cell.text
        cell = evaluate(cell)
        if isinstance(cell, str):
            return cell
    if value_option == "FORMATTED_VALUE":
        if isinstance(cell, bool):
            return "TRUE" if cell else "FALSE"
        if isinstance(cell, int | float):
            return _number_text(cell)
        if isinstance(cell, DateValue):
            return cell.text
        return cell
    # UNFORMATTED_VALUE and FORMULA render non-formula cells identically.
    if isinstance(cell, DateValue):
        return cell.serial if date_option == "SERIAL_NUMBER" else cell.text
    if isinstance(cell, bool):
        return cell
    if isinstance(cell, int | float):
        return _number_json(cell)
    return cell


def extended_value(cell: Cell) -> dict[str, Any]:
    """The ExtendedValue (userEnteredValue) of a cell, for includeGridData responses."""
    if cell is None:
        return {}
    if isinstance(cell, Formula):
        return {"formulaValue": cell.text}
    if isinstance(cell, bool):
        return {"boolValue": cell}
    if isinstance(cell, int | float):
        return {"numberValue": cell}
    if isinstance(cell, DateValue):
        return {"numberValue": cell.serial}
    return {"stringValue": cell}


def from_extended_value(value: dict[str, Any]) -> Cell:
    """Inverse of :func:`extended_value` (used by updateCells/repeatCell)."""
    if "formulaValue" in value:
        return Formula(str(value["formulaValue"]))
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "numberValue" in value:
        number = value["numberValue"]
        return float(number) if isinstance(number, str) else number
    if "stringValue" in value:
        return str(value["stringValue"]) or None
    return None
