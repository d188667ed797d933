"""A contact's progress follows from what happened, and the calendar shows what is due.

Planner rules of "Record each thing once", each with plain data: the Log and Last contact are
the evidence, the Stage cell is never changed, and nothing is scheduled in the past.
"""

from datetime import UTC, date, datetime, timedelta

from builders import NOW, snapshot

from sheet_template import tabs as t
from sheetsync.core import ids
from sheetsync.core.planner import make_plan
from sheetsync.core.summary import build_summary
from sheetsync.core.validation import validate

TODAY = date(2026, 6, 15)
NS = "sheet-1"


def plan_for(now=NOW, **tabs):
    return make_plan(validate(snapshot(**tabs)), NS, now)


def therapist(**over):
    return {
        "row_id": "C0001",
        "name": "Ana Silva",
        "email": "ana@example.org",
        "category": t.THERAPIST_OTHER,
        **over,
    }


def gp(**over):
    return {
        "row_id": "C0001",
        "name": "Dr Jane Smith",
        "category": t.GP,
        "access_route": t.ROUTE_DROP_IN,
        "practice": "Harbour Medical",
        **over,
    }


def events(plan, purpose=None):
    return [e for e in plan.events if not e.cancelled and purpose in (None, e.purpose)]


def status(plan, index=0):
    contacts = [r for r in plan.rows if r.ref.tab == "Contacts"]
    return contacts[index].status.render()


def days(n):
    return TODAY + timedelta(days=n)


# -- nothing is scheduled in the past ------------------------------------------------------


def test_an_overdue_follow_up_goes_on_the_day_of_the_sync_saying_since_when():
    plan = plan_for(contacts=[therapist(stage=t.NURTURING, last_contact=days(-70))])
    (touch,) = events(plan, "nurture")
    assert touch.day == TODAY
    assert touch.title == "Nurture touch: Ana Silva (overdue since 5 Jun)"
    assert plan.overdue[0].due == days(-10)


def test_a_follow_up_not_yet_due_keeps_its_true_date():
    plan = plan_for(contacts=[therapist(stage=t.NURTURING, last_contact=days(-10))])
    (touch,) = events(plan, "nurture")
    assert touch.day == days(50) and "overdue" not in touch.title
    assert plan.overdue == ()


def test_an_overdue_follow_up_moves_at_most_once_a_day():
    eid = ids.event_id(NS, "C0001", "nurture")
    placed = therapist(
        stage=t.NURTURING, last_contact=days(-70), event_id=eid, next_follow_up=TODAY
    )
    same_day = plan_for(contacts=[placed])
    assert events(same_day)[0].known  # placed on today already: no calendar call
    tomorrow = datetime(2026, 6, 16, 9, 30, tzinfo=UTC)
    next_day = plan_for(now=tomorrow, contacts=[placed])
    (moved,) = events(next_day)
    assert moved.day == days(1) and not moved.known


def test_time_zone_decides_the_day_of_the_sync():
    late_utc = datetime(2026, 6, 15, 20, 0, tzinfo=UTC)  # already the 16th in Sydney
    plan = plan_for(
        now=late_utc,
        contacts=[therapist(stage=t.NURTURING, last_contact=days(-70))],
        settings={"Time zone": "Australia/Sydney"},
    )
    assert events(plan)[0].day == date(2026, 6, 16)


# -- the evidence drives the lifecycle -----------------------------------------------------


def test_a_logged_intro_counts_as_contacted_from_its_send_date():
    plan = plan_for(
        contacts=[therapist(stage=t.PROSPECT)],
        log=[{"date": days(-3), "contact": "Ana Silva", "what": t.INTRO_SENT}],
    )
    assert plan.drafts == ()  # never drafted again
    (follow_up,) = events(plan, "intro-followup")
    assert follow_up.day == days(11)  # 14 days after it was sent, not after today
    assert status(plan) == "OK: intro sent on 12 Jun: set Stage to Contacted when you like"
    assert plan.stages[plan.rows[-1].ref] == t.CONTACTED


def test_contacted_with_no_date_plans_nothing_and_asks_for_the_date():
    plan = plan_for(contacts=[therapist(stage=t.CONTACTED)])
    assert events(plan) == []
    assert status(plan) == (
        "OK: set Last contact to the day of the intro (or log it) to plan its follow-up"
    )


def test_a_reply_ends_the_intro_follow_up_and_asks_for_a_meeting():
    plan = plan_for(
        contacts=[therapist(stage=t.CONTACTED, last_contact=days(-20))],
        log=[{"date": days(-2), "contact": "Ana Silva", "what": t.REPLY_RECEIVED}],
    )
    assert events(plan) == []
    assert status(plan) == (
        "OK: replied on 13 Jun: book a meeting, then log it (What: Meeting) with its date"
    )


def test_a_logged_drop_in_completes_the_visit_and_the_practice_gets_its_own_next_step():
    plan = plan_for(
        contacts=[gp()],
        log=[{"date": days(-5), "contact": "Dr Jane Smith", "what": t.DROP_IN_VISIT}],
        settings={"Flyer file": ""},
    )
    assert events(plan, "drop-in") == []
    (next_step,) = events(plan)
    assert next_step.purpose == "practice-followup" and next_step.day == days(9)
    assert next_step.title == "Follow up with Harbour Medical: call the Practice Manager"
    assert "No answer yet to your note" not in next_step.description
    assert status(plan) == "OK: drop-in visit made 10 Jun: set Stage to Contacted when you like"
    assert next_step.event_id == ids.event_id(NS, "harbour medical", "practice-followup")


def test_a_meeting_logged_ahead_is_booked_and_goes_in_the_calendar():
    plan = plan_for(
        contacts=[therapist(stage=t.CONTACTED, last_contact=days(-20))],
        log=[{"date": days(4), "contact": "Ana Silva", "what": t.COFFEE}],
    )
    (meeting,) = events(plan)
    assert (meeting.purpose, meeting.day, meeting.title) == (
        "contact-meeting",
        days(4),
        "Coffee: Ana Silva",
    )
    assert status(plan) == "OK: coffee booked for 19 Jun: set Stage to Meeting booked when you like"
    assert [r.status.render() for r in plan.rows if r.ref.tab == "Log"] == ["OK"]


def test_once_the_meeting_has_passed_the_article_asks_was_it_a_fit():
    booked = [{"date": days(4), "contact": "Ana Silva", "what": t.MEETING}]
    later = datetime(2026, 6, 22, 9, 0, tzinfo=UTC)
    plan = plan_for(now=later, contacts=[therapist(stage=t.MEETING_BOOKED)], log=booked)
    assert status(plan) == ("OK: met on 19 Jun: was it a fit? Set Stage to Nurturing or Not a fit")
    (touch,) = events(plan, "nurture")
    assert touch.day == days(4 + 60)  # the cadence counts from the meeting


def test_meeting_booked_without_a_date_asks_for_one():
    plan = plan_for(contacts=[therapist(stage=t.MEETING_BOOKED, last_contact=days(-3))])
    assert events(plan) == []
    assert status(plan) == (
        "OK: log the meeting (What: Meeting) with its date to put it in your calendar"
    )


def test_only_meetings_may_be_logged_ahead():
    plan = plan_for(
        contacts=[therapist(stage=t.NURTURING, last_contact=days(-5))],
        log=[{"date": days(3), "contact": "Ana Silva", "what": "Email"}],
    )
    (log_row,) = [r for r in plan.rows if r.ref.tab == "Log"]
    assert log_row.status.render().startswith("Error: Date: is in the future; only a Meeting")


def test_the_stage_cell_is_never_written_and_a_decision_wins_over_evidence():
    plan = plan_for(
        contacts=[therapist(stage=t.NOT_A_FIT)],
        log=[{"date": days(-1), "contact": "Ana Silva", "what": t.MEETING}],
    )
    assert events(plan) == [] and "stage" not in plan.rows[-1].target
    assert plan.stages[plan.rows[-1].ref] == t.NOT_A_FIT


def test_a_prospect_with_only_a_last_contact_still_gets_its_intro():
    plan = plan_for(contacts=[therapist(stage=t.PROSPECT, last_contact=days(-30))])
    assert [d.kind for d in plan.drafts] == ["intro"]


def test_the_summary_counts_contacts_by_the_evidence():
    validated = validate(
        snapshot(
            contacts=[therapist(stage=t.PROSPECT)],
            log=[{"date": days(-3), "contact": "Ana Silva", "what": t.INTRO_SENT}],
        )
    )
    plan = make_plan(validated, NS, NOW)
    pipeline = dict(build_summary(validated, plan).pipeline)
    stages = dict(zip(t.STAGES, pipeline[t.THERAPIST_OTHER], strict=True))
    assert stages[t.CONTACTED] == 1 and stages[t.PROSPECT] == 0


# -- pause until ---------------------------------------------------------------------------


def test_a_paused_contact_gets_nothing_until_the_date():
    plan = plan_for(
        contacts=[therapist(stage=t.NURTURING, last_contact=days(-70), paused_until=days(30))]
    )
    assert events(plan) == [] and plan.drafts == ()
    assert status(plan) == "OK: paused until 15 Jul: nothing is planned until then"
    prospect = plan_for(contacts=[therapist(paused_until=days(30))])
    assert prospect.drafts == ()


def test_after_a_pause_the_nurture_clock_resumes_from_its_end():
    later = datetime(2026, 7, 20, 9, 0, tzinfo=UTC)
    row = therapist(stage=t.NURTURING, last_contact=days(-30), paused_until=days(30))
    plan = plan_for(now=later, contacts=[row])
    (touch,) = events(plan, "nurture")
    # Due 30 days after the last touch, which fell inside the pause: due when it ended.
    assert touch.title.endswith("(overdue since 15 Jul)") and touch.day == date(2026, 7, 20)


# -- the article's fit signals -------------------------------------------------------------


def test_a_large_practice_is_flagged():
    plan = plan_for(contacts=[therapist(practice_size="Large")])
    assert "large practice: they tend to refer within it" in status(plan)


def test_a_low_likelihood_practice_is_visited_after_the_others():
    plan = plan_for(
        contacts=[
            gp(),
            gp(
                row_id="C0002",
                name="Ryan Scott",
                category=t.OTHER_HEALTH,
                practice="Quick Physio",
                mh_likelihood="Low",
            ),
        ]
    )
    visits = {e.title.split(":")[0]: e.day for e in events(plan, "drop-in")}
    assert visits == {"Drop in at Harbour Medical": days(7), "Drop in at Quick Physio": days(14)}


# -- the case-study group, from one source -------------------------------------------------


def _full_roster():
    return [
        therapist(row_id="C0001", name="Solo One", practice_size="Solo", case_study_member="Y"),
        therapist(row_id="C0002", name="Solo Two", practice_size="Solo", case_study_member="Y"),
        {
            "row_id": "C0003",
            "name": "Dr Paed",
            "category": t.PAEDIATRICIAN,
            "case_study_member": "Y",
        },
        gp(row_id="C0004", name="Dr GP One", practice="A", case_study_member="Y"),
        gp(row_id="C0005", name="Dr GP Two", practice="B", case_study_member="Y"),
        {"row_id": "C0006", "name": "Nutri", "category": t.NUTRITIONIST, "case_study_member": "Y"},
    ]


def _case_group(**over):
    return {
        "row_id": "G0001",
        "name": "Case group",
        "type": t.GROUP_CASE_STUDY,
        "meets": "Monthly",
        **over,
    }


def test_a_full_roster_is_not_reached_while_the_group_is_still_organising():
    organising = validate(
        snapshot(
            contacts=_full_roster(),
            groups=[_case_group(status=t.GROUP_ORGANISING, next_meeting=days(10))],
        )
    )
    goal = build_summary(organising, make_plan(organising, NS, NOW)).goals[-1]
    assert goal.gap == 0 and goal.status == "Not yet meeting"
    meeting = validate(
        snapshot(
            contacts=_full_roster(),
            groups=[_case_group(status=t.GROUP_JOINED, next_meeting=days(-20))],
        )
    )
    assert build_summary(meeting, make_plan(meeting, NS, NOW)).goals[-1].status == "Reached"


def test_the_members_cell_is_checked_against_the_contacts_flags():
    plan = plan_for(
        contacts=_full_roster(),
        groups=[_case_group(status=t.GROUP_JOINED, members="Solo One, Dr Paed, Someone Else")],
    )
    (group_row,) = [r for r in plan.rows if r.ref.tab == "Groups"]
    text = group_row.status.render()
    assert "Members names Someone Else, not marked Case-study member on Contacts" in text
    assert "Members leaves out Dr GP One, Dr GP Two, Nutri, Solo Two, marked on Contacts" in text


# -- ids that survive a copy, and what is never cancelled ----------------------------------


def test_the_sheet_identity_setting_keys_every_id():
    plan = plan_for(
        contacts=[therapist(stage=t.NURTURING, last_contact=days(-5))],
        settings={"Sheet identity": "xlsx:referral-network"},
    )
    assert events(plan)[0].event_id == ids.event_id("xlsx:referral-network", "C0001", "nurture")
    assert plan.namespace == "xlsx:referral-network"


def test_a_past_event_no_row_needs_stays_in_the_calendar_and_a_future_one_is_cancelled():
    held = ids.event_id(NS, "C0001", "contact-meeting")
    upcoming = ids.event_id(NS, "C0002", "intro-followup")
    plan = plan_for(
        contacts=[
            therapist(
                stage=t.NURTURING, last_contact=days(-3), event_id=held, next_follow_up=days(-3)
            ),
            therapist(
                row_id="C0002",
                name="Ben",
                stage=t.NOT_A_FIT,
                event_id=upcoming,
                next_follow_up=days(5),
            ),
        ]
    )
    assert [e.event_id for e in plan.events if e.cancelled] == [upcoming]


# -- group meetings repeat -----------------------------------------------------------------


def _peer_group(**over):
    return {
        "row_id": "G0001",
        "name": "Peer group",
        "type": t.GROUP_PEER_ASSOCIATION,
        "status": t.GROUP_JOINED,
        **over,
    }


def _group_row(plan):
    (row,) = [r for r in plan.rows if r.ref.tab == "Groups"]
    return row


def test_a_group_on_a_rhythm_gets_a_series_starting_at_its_next_meeting():
    # First met 10 May, monthly: the series starts at the next meeting on or after today.
    plan = plan_for(groups=[_peer_group(meets="Monthly", next_meeting=date(2026, 5, 10))])
    (series,) = events(plan, "meeting")
    assert (series.day, series.recurrence) == (date(2026, 7, 10), "FREQ=MONTHLY;INTERVAL=1")
    assert _group_row(plan).status.render() == "OK: next meeting 10 Jul"
    assert _group_row(plan).target["synced_date"] == date(2026, 7, 10)


def test_a_series_keeps_its_start_and_the_next_meeting_rolls_forward():
    rule = "FREQ=WEEKLY;INTERVAL=2"
    eid = ids.event_id(NS, f"G0001:{rule}", "meeting")
    recorded = _peer_group(
        meets="Fortnightly", next_meeting=date(2026, 5, 4), event_id=eid, synced_date="2026-06-01"
    )
    plan = plan_for(groups=[recorded])
    (series,) = events(plan, "meeting")
    assert series.day == date(2026, 6, 1) and series.known  # no calendar call
    assert _group_row(plan).status.render() == "OK: next meeting 15 Jun"  # today


def test_a_new_rhythm_is_a_new_series_and_the_old_one_is_cancelled():
    old = ids.event_id(NS, "G0001:FREQ=MONTHLY;INTERVAL=1", "meeting")
    plan = plan_for(
        groups=[
            _peer_group(meets="Weekly", next_meeting=days(2), event_id=old, synced_date=days(20))
        ]
    )
    (series,) = events(plan, "meeting")
    assert series.recurrence == "FREQ=WEEKLY;INTERVAL=1" and series.event_id != old
    assert [(e.event_id, e.title) for e in plan.events if e.cancelled] == [
        (old, "Peer group meeting")
    ]


def test_a_passed_one_off_meeting_gets_a_next_action_not_a_past_event():
    plan = plan_for(groups=[_peer_group(meets="Ad hoc", next_meeting=days(-3))])
    assert events(plan) == []
    assert _group_row(plan).status.render() == (
        "OK: the meeting of 12 Jun has passed: set the next meeting date"
    )
    eid = ids.event_id(NS, "G0001", "meeting")
    kept = plan_for(groups=[_peer_group(next_meeting=days(-3), event_id=eid, synced_date=days(-3))])
    assert [e.known for e in events(kept)] == [True] and not any(e.cancelled for e in kept.events)
