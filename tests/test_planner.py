"""The planner, rule by rule, from the article. Pure data in, plan out: no I/O."""

from datetime import UTC, date, datetime

from builders import NOW, snapshot

from sheet_template import tabs as t
from sheetsync.core import ids
from sheetsync.core.plan import Attachment
from sheetsync.core.planner import make_plan
from sheetsync.core.validation import validate

TODAY = date(2026, 6, 15)
NS = "sheet-1"


def plan_for(flyer=None, **tabs):
    return make_plan(validate(snapshot(**tabs)), NS, NOW, flyer)


def therapist(**over):
    return {"name": "Ana Silva", "email": "ana@example.org", "category": t.THERAPIST_OTHER, **over}


def by_purpose(plan, purpose):
    return [e for e in plan.events if e.purpose == purpose and not e.cancelled]


def test_intro_letter_for_a_therapist_prospect_with_email():
    plan = plan_for(contacts=[therapist(stage=t.PROSPECT)])
    (draft,) = plan.drafts
    assert draft.kind == "intro" and draft.to == (("Ana Silva", "ana@example.org"),)
    assert draft.body.startswith("Hi Ana,")
    assert "https://brightside.example" in draft.body and "{" not in draft.body
    assert draft.message_id == ids.message_id(NS, "C0001", "intro")
    assert draft.sender == ("Alex Morgan", "alex@brightside.example")


def test_no_intro_without_email_or_once_drafted_or_for_health_professionals():
    plan = plan_for(
        contacts=[
            therapist(email=None),
            therapist(name="B", row_id="C0002", draft_id="r123"),
            therapist(name="C", category=t.GYNAECOLOGIST),
            therapist(name="D", stage=t.MET, last_contact=TODAY),
        ]
    )
    assert plan.drafts == ()
    statuses = [r.status.render() for r in plan.rows]
    assert statuses[0] == "OK: no email yet, so no intro drafted"
    assert "intro drafted" in statuses[1]


def test_nurture_touch_is_due_a_cadence_after_the_latest_touch_including_the_log():
    plan = plan_for(
        contacts=[
            therapist(stage=t.NURTURING, last_contact=date(2026, 5, 1)),
            therapist(name="Ben", stage=t.MET, last_contact=date(2026, 5, 1), cadence_days=30),
        ],
        log=[
            {"date": date(2026, 5, 20), "contact": "ana silva", "what": "Coffee"},
            {"date": date(2026, 4, 1), "contact": "Ben"},
        ],
    )
    ana, ben = by_purpose(plan, "nurture")
    assert ana.day == date(2026, 7, 19)  # 20 May + 60 days: the Log touch is later
    # 1 May + 30-day override (the older log is ignored): due 31 May, so overdue on 15 June,
    # and placed on the day of the sync, saying since when.
    assert ben.day == TODAY and ben.title == "Nurture touch: Ben (overdue since 31 May)"
    assert [(o.name, o.due) for o in plan.overdue] == [("Ben", date(2026, 5, 31))]
    assert ana.event_id == ids.event_id(NS, "C0001", "nurture")


def test_intro_follow_up_after_the_configured_delay():
    plan = plan_for(
        contacts=[therapist(stage=t.CONTACTED, last_contact=date(2026, 6, 1))],
        settings={"Intro follow-up delay (days)": "10"},
    )
    (event,) = by_purpose(plan, "intro-followup")
    # Due 11 June (1 June + 10 days), so on the 15th it is overdue: on today's agenda.
    assert event.day == TODAY and event.title.endswith("(overdue since 11 Jun)")
    assert plan.overdue and plan.overdue[0].due == date(2026, 6, 11)


def test_no_events_for_not_a_fit_paused_or_meeting_booked():
    plan = plan_for(
        contacts=[
            therapist(stage=s, last_contact=TODAY)
            for s in (t.NOT_A_FIT, t.PAUSED, t.MEETING_BOOKED)
        ]
    )
    assert plan.events == ()


def test_one_drop_in_visit_and_one_cover_note_per_gp_practice():
    gp = {"category": t.GP, "access_route": t.ROUTE_DROP_IN, "practice": "Harbour Medical"}
    plan = plan_for(
        contacts=[
            {
                **gp,
                "name": "Dr A",
                "practice_manager": "Jo Peters",
                "practice_manager_email": "jo@harbour.example",
            },
            {**gp, "name": "Dr B", "practice": " harbour  medical"},
            {**gp, "name": "Dr C", "practice": "Northside", "access_route": t.ROUTE_TRAINING},
        ],
        settings={"Flyer file": "flyer.pdf"},
        flyer=Attachment("flyer.pdf", b"%PDF-1.4 flyer"),
    )
    visits = by_purpose(plan, "drop-in")
    assert len(visits) == 2
    assert {len(v.refs) for v in visits} == {1, 2}
    assert all(v.day == date(2026, 6, 22) for v in visits)  # today + 7-day lead
    covers = [d for d in plan.drafts if d.kind == "gp_cover"]
    assert len(covers) == 2
    harbour = next(d for d in covers if "Harbour" in d.subject)
    assert harbour.kind == "gp_cover" and harbour.to == (("Jo Peters", "jo@harbour.example"),)
    assert harbour.body.startswith("Dear Jo Peters,") and "training session" in harbour.body
    assert harbour.attachment == Attachment("flyer.pdf", b"%PDF-1.4 flyer")
    assert not harbour.to_print and harbour.label == "Harbour Medical"
    northside = next(d for d in covers if "Northside" in d.subject)
    assert northside.body.startswith("Dear Practice Manager,") and northside.to == ()
    assert northside.to_print
    # Each cover note comes with the letter for the doctors it mentions, to the same addressee.
    doctors = {d.label: d for d in plan.drafts if d.kind == "gp_doctors"}
    assert set(doctors) == {"Harbour Medical", "Northside"}
    assert doctors["Harbour Medical"].to == harbour.to
    assert doctors["Northside"].to_print
    assert all(d.attachment is None for d in doctors.values())
    assert len({d.message_id for d in plan.drafts}) == 4


def test_drop_in_without_a_practice_is_a_row_error():
    plan = plan_for(contacts=[{"name": "Dr A", "category": t.GP, "access_route": t.ROUTE_DROP_IN}])
    assert plan.rows[0].status.render() == (
        "Error: Practice: is empty; a drop-in visit needs the practice's name"
    )


def test_anchored_dates_are_kept_from_the_sheet_so_the_plan_is_stable():
    eid = ids.event_id(NS, "harbour medical", "drop-in")
    plan = plan_for(
        contacts=[
            {
                "row_id": "C0001",
                "name": "Dr A",
                "category": t.GP,
                "access_route": t.ROUTE_DROP_IN,
                "practice": "Harbour Medical",
                "event_id": eid,
                "next_follow_up": "2026-06-18",
                "draft_id": "r1",
            }
        ]
    )
    (visit,) = plan.events
    assert visit.day == date(2026, 6, 18) and visit.known


def test_group_meetings_for_joined_and_organising_groups():
    plan = plan_for(
        groups=[
            {
                "name": "Peer group",
                "type": t.GROUP_PEER_ASSOCIATION,
                "status": t.GROUP_JOINED,
                "next_meeting": date(2026, 7, 1),
            },
            {
                "name": "Case group",
                "type": t.GROUP_CASE_STUDY,
                "status": t.GROUP_ORGANISING,
                "next_meeting": "2026-07-10",
            },
            {
                "name": "Maybe",
                "type": t.GROUP_PEER_ONLINE,
                "status": t.GROUP_EXPLORING,
                "next_meeting": date(2026, 7, 1),
            },
            {"name": "No date", "type": t.GROUP_PEER_ONLINE, "status": t.GROUP_JOINED},
        ]
    )
    meetings = by_purpose(plan, "meeting")
    assert [m.day for m in meetings] == [date(2026, 7, 1), date(2026, 7, 10)]
    assert plan.rows[3].status.render() == "OK: add the Next meeting date to get it in the calendar"


def test_new_rows_get_ids_after_the_highest_and_copies_get_new_ones():
    plan = plan_for(
        contacts=[
            therapist(row_id="C0007"),
            therapist(name="New"),
            therapist(name="Copy", row_id="C0007"),
        ]
    )
    assert [r.target["row_id"] for r in plan.rows] == ["C0007", "C0008", "C0009"]


def test_stage_moving_on_cancels_the_old_event():
    old = ids.event_id(NS, "C0001", "intro-followup")
    plan = plan_for(
        contacts=[therapist(row_id="C0001", stage=t.NURTURING, last_contact=TODAY, event_id=old)]
    )
    cancelled = [e for e in plan.events if e.cancelled]
    assert [e.event_id for e in cancelled] == [old]
    assert by_purpose(plan, "nurture")


def test_a_cancelled_event_keeps_its_purpose_and_title():
    gp = {"category": t.GP, "access_route": t.ROUTE_DROP_IN, "practice": "Harbour Medical"}
    visit = ids.event_id(NS, "harbour medical", "drop-in")
    touch = ids.event_id(NS, "C0001", "nurture")
    follow_up = ids.event_id(NS, "C0003", "intro-followup")
    meeting = ids.event_id(NS, "G0001", "meeting")
    plan = plan_for(
        contacts=[
            therapist(row_id="C0001", stage=t.NOT_A_FIT, event_id=touch),
            {**gp, "row_id": "C0002", "name": "Dr A", "stage": t.MET, "event_id": visit},
            therapist(row_id="C0003", name="Ben Ode", stage=t.NOT_A_FIT, event_id=follow_up),
        ],
        groups=[
            {
                "row_id": "G0001",
                "name": "Peer group",
                "type": t.GROUP_PEER_ASSOCIATION,
                "status": t.GROUP_EXPLORING,
                "event_id": meeting,
            }
        ],
    )
    cancelled = {e.event_id: (e.purpose, e.title) for e in plan.events if e.cancelled}
    assert cancelled == {
        touch: ("nurture", "Nurture touch: Ana Silva"),
        visit: (
            "drop-in",
            "Drop in at Harbour Medical: letter and flyers for the Practice Manager",
        ),
        follow_up: ("intro-followup", "Follow up intro: Ben Ode"),
        meeting: ("meeting", "Peer group meeting"),
    }


def test_an_event_no_key_of_its_row_makes_is_cancelled_by_the_row_s_name():
    # The practice was renamed: the old visit's id no longer follows from the row.
    gp = {"category": t.GP, "access_route": t.ROUTE_DROP_IN, "practice": "Harbour Medical"}
    old = ids.event_id(NS, "old harbour practice", "drop-in")
    plan = plan_for(contacts=[{**gp, "row_id": "C0001", "name": "Dr A", "event_id": old}])
    (cancel,) = [e for e in plan.events if e.cancelled]
    assert (cancel.event_id, cancel.title) == (old, "Follow-up: Dr A")
    assert [e.title for e in by_purpose(plan, "drop-in")] == [
        "Drop in at Harbour Medical: letter and flyers for the Practice Manager"
    ]


def test_an_overdue_drop_in_is_named_by_its_practice_whatever_the_name_holds():
    practice = "Harbour Medical: Level 2"
    eid = ids.event_id(NS, ids.practice_key(practice), "drop-in")
    gp = {"category": t.GP, "access_route": t.ROUTE_DROP_IN, "practice": practice}
    plan = plan_for(
        contacts=[
            {
                **gp,
                "row_id": "C0001",
                "name": "Dr A",
                "event_id": eid,
                "next_follow_up": "2026-06-01",
            }
        ]
    )
    (late,) = plan.overdue
    assert (late.due, late.what) == (date(2026, 6, 1), "Drop in at Harbour Medical: Level 2")


def test_strict_templates_missing_placeholder_is_a_row_error():
    plan = plan_for(contacts=[therapist()], settings={"Website URL": ""})
    assert plan.drafts == ()
    assert plan.rows[0].status.render() == (
        "Error: Intro letter not drafted: placeholder {website} has no value "
        "(fill Settings > Website URL)"
    )
    assert any(p.row_number == 2 for p in plan.problems)


def test_unknown_placeholder_in_a_template_is_reported():
    letters = [
        {"letter": "intro", "subject": "Hi", "body": "Hi {firstname}"},
        {"letter": "gp_cover", "subject": "S", "body": "B"},
    ]
    plan = plan_for(contacts=[therapist()], letters=letters)
    assert plan.drafts == ()
    assert "unknown placeholder {firstname}" in plan.rows[0].status.render()
    assert any(p.tab == "Templates" for p in plan.problems)


def test_log_and_referral_rows_must_name_a_known_contact():
    plan = plan_for(
        contacts=[therapist(), therapist(name="Ana Silva", email="ana2@example.org")],
        log=[
            {"date": date(2026, 6, 1), "contact": "Nobody"},
            {"date": date(2026, 6, 1), "contact": "Ana Silva"},
            {"date": date(2026, 6, 1), "contact": "C0002"},
            {"date": date(2026, 7, 1), "contact": "C0002"},
        ],
        referrals=[{"date": date(2026, 6, 1), "direction": "In", "contact": "Nobody"}],
    )
    log_rows = [r for r in plan.rows if r.ref.tab == "Log"]
    assert log_rows[0].status.render() == "Error: Contact: no valid contact has this name or Row ID"
    assert "several contacts have this name" in log_rows[1].status.render()
    assert log_rows[2].status.render() == "OK"
    assert "in the future" in log_rows[3].status.render()
    referral = next(r for r in plan.rows if r.ref.tab == "Referrals")
    assert referral.status.render().startswith("Error: Contact:")


def test_today_is_taken_in_the_settings_time_zone():
    late = datetime(2026, 6, 15, 23, 30, tzinfo=UTC)
    plan = make_plan(validate(snapshot(settings={"Time zone": "Australia/Sydney"})), NS, late)
    assert plan.today == date(2026, 6, 16)


def test_the_plan_is_the_same_for_the_same_input():
    tabs = {"contacts": [therapist(stage=t.MET, last_contact=TODAY), therapist(name="B")]}
    assert plan_for(**tabs) == plan_for(**tabs)
