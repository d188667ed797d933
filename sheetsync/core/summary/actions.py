"""The next actions by name: "Follow up Jane Smith (intro 3 Nov)", not "follow up 2 intros".

Each goal short of its target gets its steps, most useful first: for the therapist goals, the
fit to decide with those met, the intro drafts to send, the intros to follow up, and how many
more to find; for peer groups, the groups being explored; for health professionals, the
drop-in visits and practice follow-ups in the calendar. A goal with nothing to name keeps its
advice (``Goal.next_action``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date

from sheet_template import tabs as t
from sheetsync.core.cells import as_text
from sheetsync.core.models import Contact
from sheetsync.core.plan import Plan
from sheetsync.core.planner.rules import short_date
from sheetsync.core.summary.figures import Goal
from sheetsync.core.summary.week import overdue_by_ref
from sheetsync.core.table import RowRef
from sheetsync.core.validation import Validated
from sheetsync.core.words import plural


def _on(prefix: str, day: date | None, today: date) -> str:
    return f" ({prefix} {short_date(day, today)})" if day else ""


@dataclass(frozen=True)
class _Known:
    """What the plan knows of the contacts' drafts and follow-ups, looked up once."""

    drafted: frozenset[RowRef]
    follow_ups: Mapping[RowRef, date]
    overdue: Mapping[RowRef, date]

    @classmethod
    def of(cls, plan: Plan) -> _Known:
        follow_ups = {
            ref: e.day for e in plan.events if e.purpose == "intro-followup" for ref in e.refs
        }
        drafted = frozenset(ref for d in plan.drafts for ref in d.refs)
        return cls(drafted, follow_ups, overdue_by_ref(plan))


def _therapist_steps(
    category: str, validated: Validated, plan: Plan, known: _Known, gap: int, find: tuple[str, str]
) -> list[str]:
    today = plan.today
    drafted, follow_ups, overdue = known.drafted, known.follow_ups, known.overdue
    decide: list[str] = []
    send: list[str] = []
    chase: list[str] = []
    meet: list[str] = []
    started = 0
    for row in validated.contacts:
        c: Contact | None = row.model
        if c is None or c.category != category:
            continue
        stage = plan.stages.get(row.ref, c.stage)
        if stage == t.MET:
            decide.append(f"Decide fit with {c.name}{_on('met', c.last_contact, today)}")
        elif stage == t.PROSPECT and (row.ref in drafted or as_text(row.synced.get("draft_id"))):
            send.append(f"Send the intro draft to {c.name}")
        elif stage == t.CONTACTED:
            due = overdue.get(row.ref) or follow_ups.get(row.ref)
            when = _on("due", due, today) if due else _on("intro", c.last_contact, today)
            chase.append(f"Follow up {c.name}{when}")
        elif stage == t.MEETING_BOOKED:
            meet.append(f"Meet {c.name}")
        started += stage in (t.PROSPECT, t.CONTACTED, t.MEETING_BOOKED, t.MET)
    steps = decide + send + chase + meet
    more = gap - started
    if more > 0:
        one, many = find
        steps.append("Find " + plural(more, "more " + one, "more " + many))
    return steps


def _peer_steps(validated: Validated) -> list[str]:
    return [
        f"Join {g.name} (exploring)"
        for row in validated.groups
        if (g := row.model) is not None
        and g.type in t.PEER_GROUP_TYPES
        and g.status == t.GROUP_EXPLORING
    ]


def _health_steps(plan: Plan, validated: Validated) -> list[str]:
    practice = {r.ref: r.model.practice for r in validated.contacts if r.model is not None}
    steps = []
    for event in sorted(plan.events, key=lambda e: e.day):
        if event.cancelled or event.purpose not in ("drop-in", "practice-followup"):
            continue
        where = next((practice[r] for r in event.refs if practice.get(r)), "")
        when = _on("on", event.day, plan.today)
        if event.purpose == "drop-in":
            steps.append(f"Drop in at {where}{when}")
        else:
            steps.append(f"Call {where}'s Practice Manager{when}")
    return steps


#: Whom to find, in the singular and the plural ("Find 1 more ...", "Find 3 more ...").
_FIND = {
    t.THERAPIST_OTHER: (
        "solo or small-practice therapist in another specialty",
        "solo or small-practice therapists in other specialties",
    ),
    t.THERAPIST_SAME: (
        "busy same-specialty therapist with a wait list",
        "busy same-specialty therapists with wait lists",
    ),
}


def with_steps(goals: Sequence[Goal], validated: Validated, plan: Plan) -> tuple[Goal, ...]:
    """The goals (in ``content``'s order: the two therapist goals, peer groups, health
    professionals, case study) with their named steps."""
    other, same, peer, health, case = goals
    known = _Known.of(plan)
    found: tuple[list[str], ...] = (
        _therapist_steps(
            t.THERAPIST_OTHER, validated, plan, known, other.gap, _FIND[t.THERAPIST_OTHER]
        ),
        _therapist_steps(
            t.THERAPIST_SAME, validated, plan, known, same.gap, _FIND[t.THERAPIST_SAME]
        ),
        _peer_steps(validated),
        _health_steps(plan, validated),
        [],
    )
    out = []
    for goal, steps in zip((other, same, peer, health, case), found, strict=True):
        out.append(replace(goal, steps=tuple(steps or [goal.next_action])))
    return tuple(out)
