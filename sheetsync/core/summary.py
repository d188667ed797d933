"""The Summary tab: goal status against the article's targets, and what needs attention.

``build_summary`` computes the figures as data; ``summary_grid`` lays them out as rows of cells,
with the goal table at a fixed place (``GOAL_HEADER_ROW``) so that the chart can point at it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from zoneinfo import ZoneInfo

from sheet_template import tabs as t
from sheetsync.core.cells import Cell, as_text
from sheetsync.core.ids import practice_key
from sheetsync.core.models import Contact
from sheetsync.core.plan import Overdue, Plan
from sheetsync.core.table import Table
from sheetsync.core.validation import Problem, Validated

#: Sheet row (1-based) of the goal table's header; the goals follow on the next rows.
GOAL_HEADER_ROW = 4
LAST_SYNC = "Last sync"
#: Widths of the Summary's first columns (xlsx width units), shared by both backends.
COLUMN_WIDTHS = (34, 10, 10, 8, 12, 70, 12)
#: The goals, one per kind of relationship the article sets a target for.
GOAL_COUNT = 5
GOAL_COLUMNS = ("Goal", "Target", "Current", "Gap", "Status", "Next action", "Target (min)")
#: The longest list (overdue follow-ups, rows with problems) the Summary spells out; the rest is
#: counted. Keeps the tab a summary, and inside the 1,000 rows a new Sheet's tab has (writing
#: past a tab's grid is an HTTP 400 on Google).
MAX_LISTED = 200


@dataclass(frozen=True)
class Goal:
    name: str
    target: tuple[int, int]
    current: int
    status: str
    next_action: str
    #: The article's priority when time is short: mental-health professionals first (1), then
    #: peer support groups (2), then the rest.
    priority: int

    @property
    def gap(self) -> int:
        return max(0, self.target[0] - self.current)

    @property
    def target_text(self) -> str:
        low, high = self.target
        return str(low) if low == high else f"{low}–{high}"


@dataclass(frozen=True)
class Slot:
    """One line of the case-study group's recipe."""

    name: str
    needed: tuple[int, int]
    have: int
    members: tuple[str, ...]
    note: str = ""

    @property
    def status(self) -> str:
        missing = self.needed[0] - self.have
        return "Complete" if missing <= 0 else f"Need {missing} more"


@dataclass(frozen=True)
class Summary:
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

    @property
    def next_actions(self) -> tuple[Goal, ...]:
        """Goals still short of target, in the article's order of priority."""
        return tuple(sorted((g for g in self.goals if g.gap), key=lambda g: g.priority))


def _status(current: int, target: tuple[int, int], active: int) -> str:
    if current >= target[0]:
        return "Reached"
    return "In progress" if current or active else "Not started"


def _count(contacts: Sequence[Contact], categories: frozenset[str], stages: set[str]) -> int:
    return sum(1 for c in contacts if c.category in categories and c.stage in stages)


def _therapist_action(
    contacts: Sequence[Contact], category: str, gap: int, cadence: int, drafted: set[str]
) -> str:
    if not gap:
        return f"Keep nurturing: a touch every {cadence} days (article, coffee, a question)."
    mine = [c for c in contacts if c.category == category]
    stages = Counter(c.stage for c in mine)
    parts = []
    if stages[t.MET]:
        parts.append(f"decide fit with the {stages[t.MET]} you met (Nurturing or Not a fit)")
    waiting = sum(1 for c in mine if c.stage == t.PROSPECT and c.name in drafted)
    if waiting:
        parts.append(f"send the {waiting} intro drafts in Gmail")
    if stages[t.CONTACTED]:
        parts.append(f"follow up {stages[t.CONTACTED]} unanswered intros")
    active = stages[t.PROSPECT] + stages[t.CONTACTED] + stages[t.MEETING_BOOKED] + stages[t.MET]
    more = gap - active
    if more > 0:
        who = (
            "local solo or small-practice therapists in other specialties"
            if category == t.THERAPIST_OTHER
            else "busy, established therapists in your specialty who have wait lists"
        )
        parts.append(f"find {more} more {who} (Google, Psychology Today)")
    if not parts:
        parts.append("move the meetings you have booked forward")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def _case_study(contacts: Sequence[Contact], validated: Validated) -> tuple[Slot, ...]:
    s = validated.settings
    members = [c for c in contacts if c.case_study_member]
    solo = [
        c.name
        for c in members
        if c.category in t.MENTAL_HEALTH_CATEGORIES and c.practice_size == "Solo"
    ]
    paeds = [c.name for c in members if c.category == t.PAEDIATRICIAN]
    gps = [c for c in members if c.category == t.GP]
    nutrition = [c.name for c in members if c.category == t.NUTRITIONIST]
    practices = {practice_key(c.practice) for c in gps if c.practice}
    note = ""
    if len(practices) < len([c for c in gps if c.practice]):
        note = "some GPs share a practice; the recipe asks for different practices"
    if any(not c.practice for c in gps):
        note = (note + "; " if note else "") + "fill Practice for every GP to count them"
    return (
        Slot(
            "Solo therapists (children/teens or your niche)",
            s.recipe_solo_therapists,
            len(solo),
            tuple(solo),
        ),
        Slot("Paediatricians", s.recipe_paediatricians, len(paeds), tuple(paeds)),
        Slot(
            "GPs from different practices",
            s.recipe_gps,
            len(practices),
            tuple(c.name for c in gps),
            note,
        ),
        Slot("Nutritionists", s.recipe_nutritionists, len(nutrition), tuple(nutrition)),
    )


def previous_sync(table: Table | None) -> str:
    """The "Last sync" time a Summary tab shows, as written by ``summary_grid``."""
    for row in table.rows[:3] if table else ():
        if len(row) > 1 and as_text(row[0]) == LAST_SYNC:
            return as_text(row[1])
    return ""


def build_summary(
    validated: Validated,
    plan: Plan,
    problems: Sequence[Problem] | None = None,
    previous: str = "",
) -> Summary:
    """The Summary's figures. ``problems`` defaults to the plan's."""
    s = validated.settings
    contacts = [row.model for row in validated.contacts if row.model is not None]
    groups = [row.model for row in validated.groups if row.model is not None]
    long_term = {t.NURTURING}
    drafted_names = {
        row.model.name
        for row in validated.contacts
        if row.model is not None and as_text(row.synced.get("draft_id"))
    }
    drafted_names |= {name for d in plan.drafts if d.kind == "intro" for name, _ in d.to}
    goals: list[Goal] = []
    for category, target, name in (
        (t.THERAPIST_OTHER, s.goal_other_specialty, "Therapists in other specialties"),
        (t.THERAPIST_SAME, s.goal_same_specialty, "Busy same-specialty therapists"),
    ):
        current = _count(contacts, frozenset({category}), long_term)
        active = _count(
            contacts, frozenset({category}), {t.PROSPECT, t.CONTACTED, t.MEETING_BOOKED, t.MET}
        )
        gap = max(0, target[0] - current)
        goals.append(
            Goal(
                name,
                target,
                current,
                _status(current, target, active),
                _therapist_action(contacts, category, gap, s.default_cadence_days, drafted_names),
                1,
            )
        )
    peer = [g for g in groups if g.type in t.PEER_GROUP_TYPES]
    joined = sum(1 for g in peer if g.status == t.GROUP_JOINED)
    exploring = sum(1 for g in peer if g.status == t.GROUP_EXPLORING)
    if joined >= s.goal_peer_groups[0]:
        peer_action = "Keep going to meetings; they are in your calendar."
    elif exploring:
        peer_action = f"Join one of the {exploring} groups you are exploring."
    else:
        peer_action = (
            "Ask your state or national association, or a therapists' Facebook "
            "group, about a local peer support group."
        )
    goals.append(
        Goal(
            "Peer support groups joined",
            s.goal_peer_groups,
            joined,
            _status(joined, s.goal_peer_groups, exploring),
            peer_action,
            2,
        )
    )
    health_current = _count(contacts, t.HEALTH_CATEGORIES, {t.MET, t.NURTURING})
    health_active = _count(
        contacts, t.HEALTH_CATEGORIES, {t.PROSPECT, t.CONTACTED, t.MEETING_BOOKED}
    )
    visits = sum(1 for e in plan.events if e.purpose == "drop-in" and not e.cancelled)
    if health_current >= s.goal_health[0]:
        health_action = "Keep in touch; offer a training session for the doctors."
    elif visits:
        health_action = (
            f"Make the {visits} drop-in visits in your calendar: cover note, "
            "letter and flyers for the Practice Manager; offer a training session."
        )
    else:
        health_action = (
            "List GPs, paediatricians or nutritionists who see your ideal client and "
            "likely talk about mental health; plan a drop-in with letter and flyers."
        )
    goals.append(
        Goal(
            "Health professionals who see your ideal client",
            s.goal_health,
            health_current,
            _status(health_current, s.goal_health, health_active),
            health_action,
            3,
        )
    )
    slots = _case_study(contacts, validated)
    case_target = (sum(sl.needed[0] for sl in slots), sum(sl.needed[1] for sl in slots))
    case_current = sum(min(sl.have, sl.needed[1]) for sl in slots)
    missing = [
        f"{sl.needed[0] - sl.have} {sl.name.split(' (')[0].lower()}"
        for sl in slots
        if sl.have < sl.needed[0]
    ]
    case_action = (
        "Invite " + ", ".join(missing) + "; mark them Case-study member."
        if missing
        else "Meet regularly and share case studies."
    )
    goals.append(
        Goal(
            "Case study group",
            case_target,
            case_current,
            _status(case_current, case_target, 0),
            case_action,
            4,
        )
    )

    pipeline = []
    for category in t.CATEGORIES:
        counts = Counter(c.stage for c in contacts if c.category == category)
        pipeline.append((category, tuple(counts[stage] for stage in t.STAGES)))

    window_start = _months_before(plan.today, s.referral_window_months)
    directions: Counter[str] = Counter(
        row.model.direction
        for row in validated.referrals
        if row.model is not None and window_start < row.model.date <= plan.today
    )
    zone = ZoneInfo(s.time_zone)
    return Summary(
        goals=tuple(goals),
        pipeline=tuple(pipeline),
        overdue=plan.overdue,
        case_study=slots,
        referrals_in=directions["In"],
        referrals_out=directions["Out"],
        window_months=s.referral_window_months,
        problems=tuple(plan.problems if problems is None else problems),
        last_sync=plan.now.astimezone(zone).strftime("%Y-%m-%d %H:%M ") + s.time_zone,
        today=plan.today,
        previous_sync=previous,
    )


def _months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, min(day.day, 28))


def summary_grid(summary: Summary) -> list[list[Cell]]:
    """The Summary tab as rows of cells; the goal table starts at ``GOAL_HEADER_ROW``."""
    grid: list[list[Cell]] = [
        ["sheetsync summary: your referral network"],
        [LAST_SYNC, summary.last_sync],
        [],
        list(GOAL_COLUMNS),
    ]
    assert len(grid) == GOAL_HEADER_ROW and len(summary.goals) == GOAL_COUNT
    for goal in summary.goals:
        grid.append(
            [
                goal.name,
                goal.target_text,
                goal.current,
                goal.gap,
                goal.status,
                goal.next_action,
                goal.target[0],
            ]
        )
    grid += [[], ["Next actions (mental-health professionals first, then peer groups)"]]
    actions = summary.next_actions
    grid += [[f"{i}.", f"{g.name}: {g.next_action}"] for i, g in enumerate(actions, 1)]
    if not actions:
        grid.append(["", "Every goal is reached. Keep nurturing."])

    grid += [[], ["Pipeline by category and stage"], ["Category", *t.STAGES, "Total"]]
    for category, counts in summary.pipeline:
        grid.append([category, *counts, sum(counts)])
    totals = [sum(col) for col in zip(*(c for _, c in summary.pipeline), strict=True)]
    grid.append(["Total", *totals, sum(totals)])

    grid += [[], [f"Overdue follow-ups: {len(summary.overdue)}"]]
    if summary.overdue:
        grid.append(["Row ID", "Name", "Category", "Due", "Days overdue", "What"])
        for item in summary.overdue[:MAX_LISTED]:
            grid.append(
                [
                    item.row_id,
                    item.name,
                    item.category,
                    item.due,
                    (summary.today - item.due).days,
                    item.what,
                ]
            )
        if len(summary.overdue) > MAX_LISTED:
            more = len(summary.overdue) - MAX_LISTED
            grid.append(["", f"… and {more} more: sort Contacts by Next follow-up to see them all"])

    grid += [
        [],
        ["Case-study group against its recipe"],
        ["Slot", "Needed", "Have", "Status", "Members", "Note"],
    ]
    for slot in summary.case_study:
        low, high = slot.needed
        needed = str(low) if low == high else f"{low}–{high}"
        grid.append([slot.name, needed, slot.have, slot.status, ", ".join(slot.members), slot.note])

    grid += [
        [],
        [f"Referrals in the last {summary.window_months} months"],
        ["In", summary.referrals_in],
        ["Out", summary.referrals_out],
    ]

    grid += [[], [f"Rows with problems: {len(summary.problems)}"]]
    if summary.problems:
        grid.append(["Tab", "Row", "Row ID", "Problem"])
        by_tab: dict[str, list[Problem]] = defaultdict(list)
        for problem in summary.problems:
            by_tab[problem.tab].append(problem)
        listed = [p for tab_problems in by_tab.values() for p in tab_problems][:MAX_LISTED]
        for p in listed:
            grid.append([p.tab, p.row_number or "", p.row_id, p.message])
        if len(summary.problems) > MAX_LISTED:
            more = len(summary.problems) - MAX_LISTED
            grid.append(["", "", "", f"… and {more} more: see each row's Sync status"])
    return grid
