"""A row's Sync status as data: its errors and its notes, rendered to text once, at the end.

The planner says what it found (``RowError``s, or notes such as ``IntroNote``); the write-back
adds what the backends reported and only then renders the cell's text, so no step edits
another's wording.

>>> RowStatus().render()
'OK'
>>> RowStatus.of(notes=[Remark.NO_EMAIL]).render()
'OK: no email yet, so no intro drafted'
>>> RowStatus.of(notes=[IntroNote()]).intro_sent().render()
'OK: intro sent: set Stage to Contacted when you like'
>>> RowStatus.of(["Email: is not a valid email address"], [IntroNote()]).render()
'Error: Email: is not a valid email address'
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

OK = "OK"
#: The person sends a draft themselves; where the mailbox cannot see that, they log it.
INTRO_DRAFTED = "intro drafted: send it from your drafts, then log it (What: Intro sent)"
#: ... and where it can (Gmail with a read scope), the next sync finds it sent.
INTRO_DRAFTED_SEEN = "intro drafted: send it from your drafts; the next sync sees it sent"
INTRO_SENT = "intro sent: set Stage to Contacted when you like"


@dataclass(frozen=True)
class RowError:
    """Something wrong with a row: "Column: reason", or a sentence naming the setting or letter.

    Never quotes a cell's value, so it can go to the Summary and to logs.
    """

    message: str


class Remark(StrEnum):
    """A note whose wording never changes; ``str()`` is that wording."""

    NO_EMAIL = "no email yet, so no intro drafted"
    NO_MEETING_DATE = "add the Next meeting date to get it in the calendar"


@dataclass(frozen=True)
class Advice:
    """A note whose wording the planner writes (it carries a date or a name of the row's).

    Only the row's own facts go in it (dates, its practice), never another row's values.
    """

    text: str

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class IntroNote:
    """The row's intro letter is in the drafts, or was sent: what to do next says which."""

    sent: bool = False
    #: The mailbox shows when a draft is sent, so the person need not log it.
    seen_sent: bool = False

    def __str__(self) -> str:
        if self.sent:
            return INTRO_SENT
        return INTRO_DRAFTED_SEEN if self.seen_sent else INTRO_DRAFTED


#: A note on a row that is OK; ``str(note)`` is its wording.
Note = Remark | IntroNote | Advice


@dataclass(frozen=True)
class RowStatus:
    """A row's errors (any error makes it "Error: ...") and the notes of a row that is OK."""

    errors: tuple[RowError, ...] = ()
    notes: tuple[Note, ...] = ()

    @classmethod
    def of(cls, errors: Sequence[str] = (), notes: Sequence[Note] = ()) -> RowStatus:
        """A status from error messages and notes."""
        if not errors and not notes:
            return _OK  # most rows: one shared status, as a large Sheet plans every row
        return cls(tuple(map(RowError, errors)), tuple(notes))

    def with_errors(self, messages: Iterable[str]) -> RowStatus:
        """This status with more errors after its own."""
        return RowStatus((*self.errors, *(RowError(m) for m in messages)), self.notes)

    def intro_sent(self) -> RowStatus:
        """This status once the row's intro draft is found sent."""
        notes = tuple(IntroNote(sent=True) if isinstance(n, IntroNote) else n for n in self.notes)
        return RowStatus(self.errors, notes)

    @property
    def problem(self) -> str:
        """The errors as one message, for the Summary's list of rows with problems."""
        return "; ".join(error.message for error in self.errors)

    def render(self) -> str:
        """The Sync status cell's text."""
        if self.errors:
            return "Error: " + self.problem
        if self.notes:
            return f"{OK}: " + "; ".join(str(note) for note in self.notes)
        return OK


_OK = RowStatus()
