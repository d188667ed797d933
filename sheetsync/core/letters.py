"""Strict rendering of the Templates tab's letters.

A placeholder with no value is an error, never "Hi ,". Only plain ``{name}`` placeholders are
allowed: no attribute access, indexing or format specs, so a template typed in a Sheet cannot
reach into Python objects.

>>> render("Hi {first_name}", {"first_name": "Ana"})
'Hi Ana'
>>> render("Hi {first_name}", {"first_name": ""})
Traceback (most recent call last):
...
sheetsync.core.letters.LetterError: placeholder {first_name} has no value
>>> try:
...     render("Hi {first_name}", {})
... except LetterError as error:
...     print(error.placeholder)
first_name
"""

from __future__ import annotations

import functools
import string
from collections.abc import Mapping

from sheet_template import PLACEHOLDERS


class LetterError(ValueError):
    """A template cannot be rendered; the message names the placeholder.

    ``placeholder`` is that placeholder's name, for whoever says how to fill it ("" when the
    error is about the braces themselves).
    """

    def __init__(self, message: str, placeholder: str = "") -> None:
        super().__init__(message)
        self.placeholder = placeholder


def placeholders(text: str) -> list[str]:
    """The placeholder names in ``text``, in order; ``LetterError`` if malformed."""
    return list(_placeholders(text))


@functools.lru_cache(maxsize=64)
def _placeholders(text: str) -> tuple[str, ...]:
    # Cached: a sync renders the same few templates for thousands of rows.
    names: list[str] = []
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        raise LetterError("has an unmatched { or }; write {{ or }} for a literal brace") from None
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if not field.isidentifier() or spec or conversion:
            raise LetterError(f"has a placeholder {{{field}}} that is not a plain name", field)
        names.append(field)
    return tuple(names)


def check(text: str) -> list[str]:
    """Problems with a template's text: malformed braces or unknown placeholders."""
    try:
        names = placeholders(text)
    except LetterError as error:
        return [str(error)]
    return [
        f"has an unknown placeholder {{{name}}}; known: {', '.join(sorted(PLACEHOLDERS))}"
        for name in dict.fromkeys(names)
        if name not in PLACEHOLDERS
    ]


def render(text: str, values: Mapping[str, str]) -> str:
    """Fill every placeholder; ``LetterError`` names the first one without a value."""
    for name in _placeholders(text):
        if not values.get(name, "").strip():
            raise LetterError(f"placeholder {{{name}}} has no value", name)
    return text.format_map(values)
