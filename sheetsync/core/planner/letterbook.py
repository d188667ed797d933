"""The letters a sync may draft: the Templates tab checked once, the flyer, and rendering.

A letter that cannot be written is a ``DraftBlocked`` with the reason, which becomes the row's
error; a template that is broken for every row is also one problem on the Templates tab.

A default letter the Templates tab lacks (a workbook made before the template had it, or a row
deleted) is written from the template's own text, and the sync appends that row to the tab
(``Plan.row_appends``): the first sync after an upgrade already drafts it, and the person
can edit it from then on. The letters already there are never touched.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import NamedTuple

from sheet_template import TEMPLATE
from sheet_template import tabs as t
from sheet_template.letters import PLACEHOLDERS
from sheetsync.core.cells import FILE_NAME_RULE
from sheetsync.core.letters import LetterError, check, missing, no_value, placeholders
from sheetsync.core.models import LetterTemplate, Settings
from sheetsync.core.plan import Attachment, Flyer, FlyerProblem, LetterKind, RowAppend
from sheetsync.core.validation import Problem, Validated

#: Where to fill a placeholder that has no value, by placeholder: the template's own words
#: (``PLACEHOLDERS``) for each placeholder that comes from one cell ("Settings > Your name",
#: "Contacts > Practice"); the others have a default and are never without a value.
_PLACEHOLDER_HINTS = {
    name: where
    for name, where in PLACEHOLDERS.items()
    if re.fullmatch(r"(Settings|Contacts) > [^,()]+", where)
}
_LABELS: Mapping[LetterKind, str] = {
    "intro": "Intro letter",
    "intro_busy": "Intro letter",
    "intro_health": "Intro letter",
    "gp_cover": "GP cover note",
    "gp_doctors": "Letter for the doctors",
    "thanks": "Thank-you",
    "nurture": "Nurture note",
}
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
    #: Default letters the Templates tab lacks, as rows for the sync to append.
    appends: tuple[RowAppend, ...] = ()

    def render(self, kind: LetterKind, values: Mapping[str, str]) -> Rendered | DraftBlocked:
        """The letter filled in with ``values`` (and the settings), or why it cannot be.

        Every placeholder without a value is named at once, each with where to fill it.
        """
        if kind in self.broken:
            return DraftBlocked(self.broken[kind])
        letter = self.letters[kind]
        filled = {**self.settings_values, **values}
        if names := missing((letter.subject, letter.body), filled):
            error: LetterError = no_value(names)
            places = [_PLACEHOLDER_HINTS[name] for name in names if name in _PLACEHOLDER_HINTS]
            hint = f" (fill {', '.join(places)})" if places else ""
            return DraftBlocked(f"{_LABELS[kind]} not drafted: {error}{hint}")
        return Rendered(letter.subject.format_map(filled), letter.body.format_map(filled))


def _with_defaults(
    validated: Validated,
) -> tuple[dict[str, LetterTemplate], tuple[RowAppend, ...]]:
    """The Templates tab's letters, with the template's own for each default it lacks."""
    letters = dict(validated.letters)
    appends = []
    for default in TEMPLATE.letters:
        if default.key in letters:
            continue
        letters[default.key] = LetterTemplate(
            letter=default.key, subject=default.subject, body=default.body
        )
        used = dict.fromkeys(placeholders(default.subject) + placeholders(default.body))
        cells = {
            "letter": default.key,
            "subject": default.subject,
            "body": default.body,
            "placeholders": ", ".join("{" + name + "}" for name in used),
        }
        appends.append(RowAppend(t.TEMPLATES.name, cells))
    return letters, tuple(appends)


def _check_letters(letters: Mapping[str, LetterTemplate]) -> tuple[dict[str, str], list[Problem]]:
    broken: dict[str, str] = {}
    problems: list[Problem] = []
    for key in (letter.key for letter in TEMPLATE.letters):
        letter = letters[key]
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
        "first_appointment": s.first_appointment,
    }


def letter_book(validated: Validated, flyer: Flyer) -> LetterBook:
    """Check the letters and the flyer once, for every row of the plan."""
    letters, appends = _with_defaults(validated)
    broken, letter_problems = _check_letters(letters)
    flyer_error, flyer_problems = _check_flyer(validated, flyer)
    return LetterBook(
        letters=letters,
        broken=broken,
        settings_values=_settings_values(validated.settings),
        attachment=flyer if isinstance(flyer, Attachment) else None,
        flyer_error=flyer_error,
        problems=(*letter_problems, *flyer_problems),
        appends=appends,
    )
