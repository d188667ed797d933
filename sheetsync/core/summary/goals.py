"""The article's five goals: how far along each is, and the next thing to do about it.

Therapists in other specialties and busy same-specialty therapists count once Nurturing;
peer support groups once joined; health professionals once met; the case-study group against
its recipe (``Slot``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Mapping, Sequence
from datetime import date

from sheet_template import tabs as t
from sheetsync.core.ids import practice_key
from sheetsync.core.models import Contact, Group, Settings
from sheetsync.core.plan import Plan
from sheetsync.core.summary.figures import Goal, Slot
from sheetsync.core.words import lower_first, plural

_STARTED = {t.PROSPECT, t.CONTACTED, t.MEETING_BOOKED, t.MET}


def _status(current: int, target: tuple[int, int], active: int) -> str:
    if current >= target[0]:
        return "Reached"
    return "In progress" if current or active else "Not started"


def _count(contacts: Sequence[Contact], categories: Collection[str], stages: set[str]) -> int:
    return sum(1 for c in contacts if c.category in categories and c.stage in stages)


def _therapist_action(
    contacts: Sequence[Contact], category: str, gap: int, cadence: int, waiting: int
) -> str:
    if not gap:
        return f"Keep nurturing: a touch every {cadence} days (article, coffee, a question)."
    stages = Counter(c.stage for c in contacts if c.category == category)
    parts = []
    if stages[t.MET]:
        met = plural(stages[t.MET], "contact")
        parts.append(f"decide fit with the {met} you met (Nurturing or Not a fit)")
    if waiting:
        parts.append(f"send the {plural(waiting, 'intro draft')} waiting in your drafts")
    if stages[t.CONTACTED]:
        parts.append(f"follow up {plural(stages[t.CONTACTED], 'unanswered intro')}")
    more = gap - sum(stages[stage] for stage in _STARTED)
    if more > 0:
        who = (
            plural(
                more,
                "local solo or small-practice therapist in another specialty",
                "local solo or small-practice therapists in other specialties",
            )
            if category == t.THERAPIST_OTHER
            else plural(
                more,
                "busy, established therapist in your specialty who has a wait list",
                "busy, established therapists in your specialty who have wait lists",
            )
        )
        parts.append(f"find {who.replace(' ', ' more ', 1)} (Google, Psychology Today)")
    if not parts:
        parts.append("move the meetings you have booked forward")
    text = "; ".join(parts)
    return text[0].upper() + text[1:] + "."


def therapist_goals(
    contacts: Sequence[Contact], s: Settings, waiting: Mapping[str, int]
) -> list[Goal]:
    """The two therapist goals; ``waiting`` counts Prospects with an intro draft, by category."""
    goals = []
    for category, target, name in (
        (t.THERAPIST_OTHER, s.goal_other_specialty, "Therapists in other specialties"),
        (t.THERAPIST_SAME, s.goal_same_specialty, "Busy same-specialty therapists"),
    ):
        current = _count(contacts, {category}, {t.NURTURING})
        active = _count(contacts, {category}, _STARTED)
        gap = max(0, target[0] - current)
        cadence = s.default_cadence_days
        action = _therapist_action(contacts, category, gap, cadence, waiting.get(category, 0))
        goals.append(Goal(name, target, current, _status(current, target, active), action, 1))
    return goals


def peer_goal(groups: Sequence[Group], s: Settings) -> Goal:
    """Peer support groups joined."""
    peer = [g for g in groups if g.type in t.PEER_GROUP_TYPES]
    joined = sum(1 for g in peer if g.status == t.GROUP_JOINED)
    exploring = sum(1 for g in peer if g.status == t.GROUP_EXPLORING)
    if joined >= s.goal_peer_groups[0]:
        action = "Keep going to meetings; they are in your calendar."
    elif exploring == 1:
        action = "Join the group you are exploring."
    elif exploring:
        action = f"Join one of the {exploring} groups you are exploring."
    else:
        action = (
            "Ask your state or national association, or a therapists' Facebook "
            "group, about a local peer support group."
        )
    status = _status(joined, s.goal_peer_groups, exploring)
    return Goal("Peer support groups joined", s.goal_peer_groups, joined, status, action, 2)


def health_goal(contacts: Sequence[Contact], s: Settings, plan: Plan) -> Goal:
    """Health professionals met, and the drop-in visits planned to meet more."""
    current = _count(contacts, t.HEALTH_CATEGORIES, {t.MET, t.NURTURING})
    active = _count(contacts, t.HEALTH_CATEGORIES, {t.PROSPECT, t.CONTACTED, t.MEETING_BOOKED})
    visits = sum(1 for e in plan.events if e.purpose == "drop-in" and not e.cancelled)
    if current >= s.goal_health[0]:
        action = "Keep in touch; offer a training session for the doctors."
    elif visits:
        which = "drop-in visit" if visits == 1 else plural(visits, "drop-in visit")
        action = (
            f"Make the {which} in your calendar: cover note, letter and flyers for the "
            "Practice Manager; offer a training session."
        )
    else:
        action = (
            "List GPs, paediatricians or nutritionists who see your ideal client and "
            "likely talk about mental health; plan a drop-in with letter and flyers."
        )
    return Goal(
        "Health professionals who see your ideal client",
        s.goal_health,
        current,
        _status(current, s.goal_health, active),
        action,
        3,
    )


#: Each recipe slot's member, in the singular, for "Invite 1 paediatrician".
_ONE = {
    "Solo therapists": "solo therapist",
    "Paediatricians": "paediatrician",
    "GPs from different practices": "GP from another practice",
    "Nutritionists": "nutritionist",
}


def case_study_slots(contacts: Sequence[Contact], s: Settings) -> tuple[Slot, ...]:
    """The case-study group's members against its recipe, one slot per kind of member."""
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
    gp_names = tuple(c.name for c in gps)
    return (
        Slot(
            "Solo therapists (children/teens or your niche)",
            "Solo therapists",
            s.recipe_solo_therapists,
            len(solo),
            tuple(solo),
        ),
        Slot("Paediatricians", "Paediatricians", s.recipe_paediatricians, len(paeds), tuple(paeds)),
        Slot(
            "GPs from different practices",
            "GPs from different practices",
            s.recipe_gps,
            len(practices),
            gp_names,
            note,
        ),
        Slot(
            "Nutritionists",
            "Nutritionists",
            s.recipe_nutritionists,
            len(nutrition),
            tuple(nutrition),
        ),
    )


def running(groups: Sequence[Group], today: date) -> bool:
    """A case-study group that has started: Joined (not still Organising) and has met once.

    It has met when its Next meeting date (the first meeting, for a group on a rhythm) has
    passed.
    """
    return any(
        g.type == t.GROUP_CASE_STUDY
        and g.status == t.GROUP_JOINED
        and g.next_meeting is not None
        and g.next_meeting <= today
        for g in groups
    )


def case_study_goal(slots: Sequence[Slot], groups: Sequence[Group], today: date) -> Goal:
    """The case-study group, counted against the sum of its recipe's slots.

    A full roster is not the goal reached: the group must also be meeting.
    """
    target = (sum(sl.needed[0] for sl in slots), sum(sl.needed[1] for sl in slots))
    current = sum(min(sl.have, sl.needed[1]) for sl in slots)
    missing = [
        plural(sl.needed[0] - sl.have, _ONE.get(sl.short, sl.short), lower_first(sl.short))
        for sl in slots
        if sl.have < sl.needed[0]
    ]
    started = running(groups, today)
    if missing:
        action = "Invite " + ", ".join(missing) + "; mark them Case-study member."
    elif started:
        action = "Meet regularly and share case studies."
    else:
        action = (
            "The roster is full: hold the first meeting (Groups: Next meeting), then set the "
            "group's Status to Joined."
        )
    status = _status(current, target, 0)
    if status == "Reached" and not started:
        status = "Not yet meeting"
    return Goal("Case study group", target, current, status, action, 4)
