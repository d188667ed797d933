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
...     render("{greeting_name}, from {your_name} at {practice_name}", {"your_name": "Al"})
... except LetterError as error:
...     print(error, error.placeholders)
placeholders {greeting_name} and {practice_name} have no value ('greeting_name', 'practice_name')
"""

from __future__ import annotations

import functools
import string
from collections.abc import Iterable, Mapping, Sequence

from sheet_template import PLACEHOLDERS


class LetterError(ValueError):
    """A template cannot be rendered; the message names the placeholder.

    ``placeholders`` are the names of the placeholders it is about, for whoever says how to
    fill them (empty when the error is about the braces themselves); ``placeholder`` is the
    first of them.
    """

    def __init__(self, message: str, *placeholders: str) -> None:
        super().__init__(message)
        self.placeholders = tuple(p for p in placeholders if p)
        self.placeholder = self.placeholders[0] if self.placeholders else ""


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


def missing(texts: Iterable[str], values: Mapping[str, str]) -> list[str]:
    """The placeholders of ``texts`` with no value in ``values``, each once, in order."""
    names = (name for text in texts for name in _placeholders(text))
    return [name for name in dict.fromkeys(names) if not values.get(name, "").strip()]


def no_value(names: Sequence[str]) -> LetterError:
    """The error for placeholders ``names`` that have no value: one message naming them all."""
    listed = [f"{{{name}}}" for name in names]
    if len(listed) == 1:
        return LetterError(f"placeholder {listed[0]} has no value", *names)
    text = ", ".join(listed[:-1]) + " and " + listed[-1]
    return LetterError(f"placeholders {text} have no value", *names)


def render(text: str, values: Mapping[str, str]) -> str:
    """Fill every placeholder; ``LetterError`` names every one without a value at once."""
    if names := missing((text,), values):
        raise no_value(names)
    return text.format_map(values)
