"""Partial responses: the ``fields`` system parameter, applied the way Google applies it.

A mask is a comma-separated list of selections. A selection is a path of field names joined
by ``/`` (the Sheets API also accepts ``.``), optionally followed by a parenthesised mask of
sub-selections: ``sheets(properties/title,data(rowData/values/effectiveValue))``. ``*``
selects everything at its level. Lists are transparent: a mask applies to every element.

The Sheets API (whose grid data responses are large, and whose ``fields`` mask also decides
whether grid data is returned at all) gets the full nested treatment; the other APIs keep
the server's top-level filtering.
"""

from __future__ import annotations

from typing import Any

from .errors import bad_request

#: A parsed mask: field name -> its sub-mask (``None``: the whole value).
Mask = dict[str, "Mask | None"]


def parse_mask(text: str) -> Mask:
    """Parse a ``fields`` mask; a 400 for unbalanced parentheses or empty names."""
    mask, rest = _parse(text.replace(" ", ""), 0)
    if rest != len(text.replace(" ", "")):
        raise bad_request(f"Invalid field selection {text}")
    return mask


def _parse(text: str, pos: int) -> tuple[Mask, int]:
    mask: Mask = {}
    while pos < len(text) and text[pos] != ")":
        start = pos
        while pos < len(text) and text[pos] not in ",()":
            pos += 1
        path = [p for p in text[start:pos].replace(".", "/").split("/")]
        if not all(path):
            raise bad_request(f"Invalid field selection {text}")
        sub: Mask | None = None
        if pos < len(text) and text[pos] == "(":
            sub, pos = _parse(text, pos + 1)
            if pos >= len(text) or text[pos] != ")":
                raise bad_request(f"Invalid field selection {text}")
            pos += 1
        _merge(mask, path, sub)
        if pos < len(text) and text[pos] == ",":
            pos += 1
    return mask, pos


def _merge(mask: Mask, path: list[str], sub: Mask | None) -> None:
    head, rest = path[0], path[1:]
    if rest:
        child = mask.get(head, {})
        if child is None:
            return  # the whole field is already selected
        mask[head] = child
        _merge(child, rest, sub)
        return
    if head in mask and mask[head] is None:
        return
    if sub is None:
        mask[head] = None
    else:
        existing = mask.get(head) or {}
        for key, value in sub.items():
            _merge(existing, [key], value)
        mask[head] = existing


def apply_mask(body: Any, mask: Mask | None) -> Any:
    """``body`` with only the fields ``mask`` selects (``None`` keeps it whole)."""
    if mask is None:
        return body
    if isinstance(body, list):
        return [apply_mask(item, mask) for item in body]
    if not isinstance(body, dict):
        return body
    if "*" in mask:
        return body
    return {key: apply_mask(body[key], sub) for key, sub in mask.items() if key in body}


def selects(mask: Mask, *path: str) -> bool:
    """Whether ``mask`` selects anything under ``path`` (e.g. ``sheets``, ``data``)."""
    current: Mask | None = mask
    for name in path:
        if current is None or "*" in current:
            return True
        if name not in current:
            return False
        current = current[name]
    return True
