"""Words that read right: a count with its noun in the singular or the plural.

>>> plural(1, "drop-in visit"), plural(2, "drop-in visit"), plural(0, "intro draft")
('1 drop-in visit', '2 drop-in visits', '0 intro drafts')
>>> plural(1, "GP from another practice", "GPs from different practices")
'1 GP from another practice'
>>> plural(3, "busy therapist in your specialty", "busy therapists in your specialty")
'3 busy therapists in your specialty'
>>> lower_first("GPs from different practices"), lower_first("Paediatricians")
('GPs from different practices', 'paediatricians')
"""

from __future__ import annotations


def plural(count: int, one: str, many: str = "") -> str:
    """``count`` and the noun for it: ``one`` for exactly one, else ``many`` (``one`` + "s")."""
    return f"{count} {one if count == 1 else (many or one + 's')}"


def lower_first(text: str) -> str:
    """``text`` with its first word in lower case, unless that word is an acronym (GPs)."""
    first, _, rest = text.partition(" ")
    if sum(ch.isupper() for ch in first) > 1:
        return text
    return first.lower() + (" " + rest if rest else "")
