"""The Summary's content as data: the goals, the case-study recipe and every other figure.

Computed by ``content.build_summary``; laid out as cells by ``layout.summary_grid``, and shown
by the terminal report and the add-on's cards.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sheetsync.core.plan import Overdue, QuietReferrer
from sheetsync.core.validation import Problem

#: A goal's status once it is met.
REACHED = "Reached"
#: The goals, one per kind of relationship the article sets a target for.
GOAL_COUNT = 5


def range_text(low: int, high: int) -> str:
    """A target as people write it: "10", or "1–2"."""
    return str(low) if low == high else f"{low}–{high}"


@dataclass(frozen=True)
class Goal:
    """One of the article's goals, how far along it is, and what to do next."""

    name: str
    target: tuple[int, int]
    current: int
    status: str
    next_action: str
    #: The article's priority when time is short: mental-health professionals first (1), then
    #: peer support groups (2), then the rest.
    priority: int
    #: The next steps by name ("Follow up Jane Smith (intro 3 Nov)"), most useful first; the
    #: Summary lists the first few (``core.summary.actions``).
    steps: tuple[str, ...] = ()

    @property
    def gap(self) -> int:
        """How many are still missing to reach the target's minimum."""
        return max(0, self.target[0] - self.current)

    @property
    def target_text(self) -> str:
        """The target as the Summary shows it."""
        return range_text(*self.target)


@dataclass(frozen=True)
class Slot:
    """One line of the case-study group's recipe."""

    name: str
    #: The slot in a few words, for the next action ("Invite 2 paediatricians").
    short: str
    needed: tuple[int, int]
    have: int
    members: tuple[str, ...]
    note: str = ""

    @property
    def status(self) -> str:
        """The slot as the Summary shows it: Complete, or how many more it needs."""
        missing = self.needed[0] - self.have
        return "Complete" if missing <= 0 else f"Need {missing} more"


@dataclass(frozen=True)
class WeekItem:
    """One line of "this week": something to do in the next 7 days, or overdue."""

    day: date
    #: What it is, in a few words: "Follow up intro", "Nurture touch", "Send intro draft".
    what: str
    #: Who it is with: names, a practice or a group.
    who: str
    #: What to bring, say or do (a nurture touch's idea, a draft's subject).
    details: str
    #: Due before today (``day`` is then the day it was due).
    overdue: bool = False


@dataclass(frozen=True)
class Summary:
    """Every figure the Summary tab shows."""

    goals: tuple[Goal, ...]
    pipeline: tuple[tuple[str, tuple[int, ...]], ...]
    overdue: tuple[Overdue, ...]
    case_study: tuple[Slot, ...]
    referrals_in: int
    referrals_out: int
    window_months: int
    problems: tuple[Problem, ...]
    last_sync: str
    today: date
    #: The "Last sync" the Summary tab showed before this sync ("" if it never ran).
    previous_sync: str = ""
    #: Referrers gone quiet (``Plan.quiet_referrers``), and after how many days they count so.
    quiet_referrers: tuple[QuietReferrer, ...] = ()
    quiet_after_days: int = 90
    #: What to do in the next 7 days and what is overdue: overdue first, then by day.
    week: tuple[WeekItem, ...] = ()

    @property
    def next_actions(self) -> tuple[Goal, ...]:
        """Goals not yet reached (short of target, or a full case-study group not yet
        meeting), in the article's order of priority."""
        pending = (g for g in self.goals if g.gap or g.status != REACHED)
        return tuple(sorted(pending, key=lambda g: g.priority))
