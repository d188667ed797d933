"""The top of the Summary ("this week", dated, with names) and the next actions by name."""

from dataclasses import replace
from datetime import date, timedelta

from builders import NOW, snapshot

from sheet_template import tabs as t
from sheetsync.core.planner import make_plan
from sheetsync.core.summary import build_summary, summary_blocks, summary_grid
from sheetsync.core.summary.layout import STEPS_LISTED
from sheetsync.core.summary.week import DEFAULT_IDEA, names_text
from sheetsync.core.validation import validate

TODAY = NOW.date()


def days(n: int) -> date:
    return TODAY + timedelta(days=n)


def plan_for(**tabs):
    validated = validate(snapshot(**tabs))
    return validated, make_plan(validated, "ns", NOW)


def week_of(**tabs):
    validated, plan = plan_for(**tabs)
    return [(i.day, i.what, i.who, i.overdue) for i in build_summary(validated, plan).week]


def test_this_week_lists_each_kind_dated_with_names():
    week = week_of(
        contacts=[
            # An intro draft made now, and one the Sheet records, not yet sent.
            {"name": "Ana Silva", "category": t.THERAPIST_OTHER, "email": "ana@example.org"},
            {"name": "Bea Jones", "category": t.THERAPIST_SAME, "draft_id": "r-9"},
            # An intro sent 10 days ago: its follow-up falls in 4 days.
            {
                "name": "Cy Park",
                "category": t.THERAPIST_OTHER,
                "stage": t.CONTACTED,
                "last_contact": days(-10),
            },
            # A GP practice reached by drop-in: its visit is planned this week.
            {
                "name": "Dr Dee",
                "category": t.GP,
                "practice": "Harbour Medical",
                "access_route": t.ROUTE_DROP_IN,
            },
            # Nurtured 58 days ago: the touch is due in 2 days.
            {
                "name": "Eve Stone",
                "category": t.THERAPIST_OTHER,
                "stage": t.NURTURING,
                "last_contact": days(-58),
            },
            # Nurtured long ago: overdue, listed first with the day it was due.
            {
                "name": "Fay Late",
                "category": t.THERAPIST_OTHER,
                "stage": t.NURTURING,
                "last_contact": days(-100),
            },
            # A coffee booked in the Log, 3 days ahead.
            {"name": "Hal Meet", "category": t.THERAPIST_OTHER, "stage": t.CONTACTED},
            # Nurtured yesterday: nothing this week.
            {
                "name": "Gus Later",
                "category": t.THERAPIST_OTHER,
                "stage": t.NURTURING,
                "last_contact": days(-1),
            },
        ],
        log=[{"date": days(3), "contact": "Hal Meet", "what": t.COFFEE}],
        groups=[
            {
                "name": "Newtown peer group",
                "type": "Peer support: association",
                "status": "Joined",
                "meets": "Weekly",
                "next_meeting": days(-20),
            }
        ],
    )
    kinds = {(what, who) for _, what, who, _ in week}
    assert ("Send intro draft", "Ana Silva") in kinds
    assert ("Send intro draft", "Bea Jones") in kinds
    assert ("Follow up intro", "Cy Park") in kinds
    assert ("Drop-in visit", "Harbour Medical") in kinds
    assert ("Nurture touch", "Eve Stone") in kinds
    assert ("Coffee", "Hal Meet") in kinds
    # A weekly series that started weeks ago meets once in these 7 days.
    assert ("Group meeting", "Newtown peer group") in kinds
    assert not any(who == "Gus Later" for _, _, who, _ in week)
    first = week[0]
    assert first[1:] == ("Nurture touch", "Fay Late", True) and first[0] == days(-40)
    assert all(TODAY <= day <= days(7) for day, *_, overdue in week if not overdue)
    assert [d for d, *_ in week[1:]] == sorted(d for d, *_ in week[1:])


def test_a_nurture_touch_shows_its_idea():
    validated, plan = plan_for(
        contacts=[
            {
                "name": "Eve Stone",
                "category": t.THERAPIST_OTHER,
                "stage": t.NURTURING,
                "last_contact": days(-58),
            }
        ]
    )
    # The planner gives each nurture touch one of the article's ideas.
    (nurture,) = (e for e in plan.events if e.purpose == "nurture")
    (item,) = build_summary(validated, plan).week
    assert nurture.suggestion and item.details == nurture.suggestion
    events = tuple(replace(e, suggestion="") for e in plan.events)
    (item,) = build_summary(validated, replace(plan, events=events)).week
    assert item.details == DEFAULT_IDEA
    idea = "Send her the new paper on school refusal"
    events = tuple(
        replace(e, suggestion=idea) if e.purpose == "nurture" else e for e in plan.events
    )
    (item,) = build_summary(validated, replace(plan, events=events)).week
    assert item.details == idea


def test_cancelled_events_and_sent_drafts_are_not_listed():
    week = week_of(
        contacts=[{"name": "Bea Jones", "category": t.THERAPIST_SAME, "draft_id": "sent"}]
    )
    assert week == []


def test_names_are_listed_then_counted():
    assert names_text([]) == ""
    assert names_text(["Ana"]) == "Ana"
    assert names_text(["Ana", "Ben"]) == "Ana and Ben"
    assert names_text(["A", "B", "C", "D", "E"]) == "A, B, C and 2 more"


def test_next_actions_name_people_mental_health_first_then_peer_groups():
    validated, plan = plan_for(
        contacts=[
            {
                "name": "Jane Smith",
                "category": t.THERAPIST_OTHER,
                "stage": t.CONTACTED,
                "last_contact": days(-30),
            },
            {
                "name": "Met Once",
                "category": t.THERAPIST_OTHER,
                "stage": t.MET,
                "last_contact": days(-3),
            },
        ],
        groups=[{"name": "Online peers", "type": "Peer support: online", "status": "Exploring"}],
    )
    summary = build_summary(validated, plan)
    other, same, peer = summary.next_actions[:3]
    assert other.steps[:2] == (
        f"Decide fit with Met Once (met {days(-3).day} {days(-3):%b})",
        f"Follow up Jane Smith (due {days(-16).day} {days(-16):%b})",
    )
    assert other.steps[-1].startswith("Find 8 more solo or small-practice therapists")
    assert same.steps[-1] == "Find 1 more busy same-specialty therapist with a wait list"
    assert peer.steps == ("Join Online peers (exploring)",)
    text = [" | ".join(str(c) for c in row if c is not None) for row in summary_grid(summary)]
    assert "Therapists in other specialties | Decide fit with Met Once" in " ".join(text)


def test_next_actions_list_a_few_steps_per_goal_and_count_the_rest():
    contacts = [
        {"name": f"Prospect {i}", "category": t.THERAPIST_OTHER, "email": f"p{i}@example.org"}
        for i in range(STEPS_LISTED + 4)
    ]
    validated, plan = plan_for(contacts=contacts)
    summary = build_summary(validated, plan)
    block = next(b for b in summary_blocks(summary) if b.heading == "Next actions")
    first = [row[1] for row in block.rows[: STEPS_LISTED + 1]]
    assert first[:STEPS_LISTED] == [
        f"Send the intro draft to Prospect {i}" for i in range(STEPS_LISTED)
    ]
    # Four more drafts and the "find more" step are counted, not listed.
    assert first[STEPS_LISTED] == "… and 5 more"


def test_a_full_case_study_group_not_yet_meeting_stays_in_the_next_actions():
    member = {"case_study_member": "Y", "stage": t.NURTURING, "last_contact": days(-1)}
    contacts = [
        {"name": "S1", "category": t.THERAPIST_OTHER, "practice_size": "Solo", **member},
        {"name": "S2", "category": t.THERAPIST_OTHER, "practice_size": "Solo", **member},
        {"name": "P1", "category": t.PAEDIATRICIAN, **member},
        {"name": "G1", "category": t.GP, "practice": "A", **member},
        {"name": "G2", "category": t.GP, "practice": "B", **member},
        {"name": "N1", "category": t.NUTRITIONIST, **member},
    ]
    validated, plan = plan_for(contacts=contacts)
    summary = build_summary(validated, plan)
    case = summary.goals[4]
    assert case.status == "Not yet meeting" and case.gap == 0
    assert case in summary.next_actions
