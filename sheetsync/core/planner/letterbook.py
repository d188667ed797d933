"""The letters a sync may draft: the Templates tab checked once, the flyer, and rendering.

A letter that cannot be written is a ``DraftBlocked`` with the reason, which becomes the row's
error; a template that is broken for every row is also one problem on the Templates tab.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from sheet_template import tabs as t
from sheetsync.core.cells import FILE_NAME_RULE
from sheetsync.core.letters import LetterError, check, render
from sheetsync.core.models import LetterTemplate, Settings
from sheetsync.core.plan import Attachment, Flyer, FlyerProblem, LetterKind
from sheetsync.core.validation import Problem, Validated

#: What to fill when a placeholder has no value, by placeholder.
_PLACEHOLDER_HINTS = {
    "your_name": " (fill Settings > Your name)",
    "practice_name": " (fill Settings > Practice name)",
    "your_email": " (fill Settings > Your email)",
    "specialty": " (fill Settings > Your specialty)",
    "who_you_help": " (fill Settings > Who you help)",
    "website": " (fill Settings > Website URL)",
    "local_area": " (fill Settings > Local area)",
    "practice": " (fill the Practice column)",
    "area": " (fill the Area column)",
}
_LABELS: Mapping[LetterKind, str] = {"intro": "Intro letter", "gp_cover": "GP cover note"}
#: A cover note says flyers come with it: drafted without one, and recorded, it would never be
#: drafted again once the flyer is fixed. So none is drafted until then.
_NO_COVER_NOTE = "no GP cover note is drafted until it is fixed"


@dataclass(frozen=True)
class DraftBlocked:
    """Why a row gets no draft this sync (a letter that cannot be written, no flyer)."""

    reason: str


class Rendered(NamedTuple):
    """A letter filled in."""

    subject: str
    body: str


@dataclass(frozen=True)
class LetterBook:
    """The Templates tab's letters as checked, and the flyer GP cover notes attach."""

    letters: Mapping[str, LetterTemplate]
    #: Why a kind of letter cannot be written for anyone, by kind.
    broken: Mapping[str, str]
    #: The values of the placeholders that come from Settings.
    settings_values: Mapping[str, str]
    #: The flyer to attach to cover notes (None when none is set).
    attachment: Attachment | None
    #: Why cover notes cannot be drafted with the flyer; "" when they can.
    flyer_error: str
    #: Problems with the Templates tab and the flyer setting, for the Summary.
    problems: tuple[Problem, ...]

    def render(self, kind: LetterKind, values: Mapping[str, str]) -> Rendered | DraftBlocked:
        """The letter filled in with ``values`` (and the settings), or why it cannot be."""
        if kind in self.broken:
            return DraftBlocked(self.broken[kind])
        letter = self.letters[kind]
        filled = {**self.settings_values, **values}
        try:
            return Rendered(render(letter.subject, filled), render(letter.body, filled))
        except LetterError as error:
            hint = _PLACEHOLDER_HINTS.get(error.placeholder, "")
            return DraftBlocked(f"{_LABELS[kind]} not drafted: {error}{hint}")


def _check_letters(validated: Validated) -> tuple[dict[str, str], list[Problem]]:
    broken: dict[str, str] = {}
    problems: list[Problem] = []
    for key in ("intro", "gp_cover"):
        letter = validated.letters.get(key)
        if letter is None:
            broken[key] = f"the Templates tab has no {key!r} letter"
            continue
        for part, text in (("Subject", letter.subject), ("Body", letter.body)):
            for message in check(text):
                broken.setdefault(key, f"Templates > {key} {part} {message}")
                problems.append(Problem(t.TEMPLATES.name, None, "", f"{key} {part} {message}"))
    return broken, problems


def _check_flyer(validated: Validated, flyer: Flyer) -> tuple[str, list[Problem]]:
    """Why no cover note can be drafted ("" when one can), and the problem to report."""
    if "flyer_file" in validated.refused_settings:
        # Validation reported it already, with its reason.
        reason = f"is not a plain file name; {FILE_NAME_RULE}"
        return f"Settings > Flyer file: {reason}; {_NO_COVER_NOTE}", []
    if not isinstance(flyer, FlyerProblem):
        return "", []
    row = validated.setting_rows.get("flyer_file")
    message = f"Flyer file: {flyer.reason}; {_NO_COVER_NOTE}"
    return f"Settings > {message}", [Problem(t.SETTINGS.name, row, "", message)]


def _settings_values(s: Settings) -> dict[str, str]:
    return {
        "your_name": s.your_name,
        "practice_name": s.practice_name,
        "your_email": s.your_email or "",
        "specialty": s.specialty,
        "who_you_help": s.who_you_help,
        "website": s.website,
        "local_area": s.local_area,
    }


def letter_book(validated: Validated, flyer: Flyer) -> LetterBook:
    """Check the letters and the flyer once, for every row of the plan."""
    broken, letter_problems = _check_letters(validated)
    flyer_error, flyer_problems = _check_flyer(validated, flyer)
    return LetterBook(
        letters=validated.letters,
        broken=broken,
        settings_values=_settings_values(validated.settings),
        attachment=flyer if isinstance(flyer, Attachment) else None,
        flyer_error=flyer_error,
        problems=(*letter_problems, *flyer_problems),
    )
