"""The planner's letters per relationship, the words of its messages, nurture ideas and the
referral ledger: pure data in, plan out."""

from __future__ import annotations

from datetime import date, timedelta
from itertools import pairwise

from builders import NOW, snapshot

from sheet_template import tabs as t
from sheetsync.core.planner import make_plan
from sheetsync.core.planner.nurture import IDEAS, idea_for
from sheetsync.core.summary.content import build_summary
from sheetsync.core.table import Snapshot, Table
from sheetsync.core.validation import validate

TODAY = date(2026, 6, 15)


def plan_for(**tabs):
    return make_plan(validate(snapshot(**tabs)), "sheet-1", NOW)


def test_each_relationship_gets_its_own_intro():
    plan = plan_for(
        contacts=[
            {"name": "Ana Silva", "email": "a@x.org", "category": t.THERAPIST_OTHER},
            {"name": "Dr Ben Roe", "email": "b@x.org", "category": t.THERAPIST_SAME},
            {
                "name": "Dr. Cara Lim PhD",
                "email": "c@x.org",
                "category": t.NATUROPATH,
                "access_route": t.ROUTE_EMAIL,
            },
            {
                "name": "Dee Fox",
                "greeting": "Dee Dee",
                "email": "d@x.org",
                "category": t.NUTRITIONIST,
                "access_route": t.ROUTE_EMAIL,
            },
            # A health professional with no route chosen gets no email: GPs rarely read one.
            {"name": "Dr Eve Orr", "email": "e@x.org", "category": t.GP},
        ]
    )
    kinds = {d.to[0][1]: d for d in plan.drafts}
    assert {k: d.kind for k, d in kinds.items()} == {
        "a@x.org": "intro",
        "b@x.org": "intro_busy",
        "c@x.org": "intro_health",
        "d@x.org": "intro_health",
    }
    assert kinds["b@x.org"].body.startswith("Hi Ben,")
    assert kinds["c@x.org"].body.startswith("Dear Dr Lim,")
    assert kinds["d@x.org"].body.startswith("Dear Dee Dee,")  # the Greeting column wins
    assert kinds["a@x.org"].label == "Ana Silva"
    # One intro per contact whatever the letter: the Message-ID is the contact's "intro".
    assert all(d.message_id.startswith("<intro.") for d in plan.drafts)
    statuses = [r.status.render() for r in plan.rows]
    assert statuses[2].startswith("OK: intro drafted")


def test_every_missing_placeholder_is_named_at_once():
    plan = plan_for(
        contacts=[{"name": "Ana Silva", "email": "a@x.org", "category": t.THERAPIST_OTHER}],
        settings={"Website URL": "", "Local area": ""},
    )
    assert plan.drafts == ()
    assert plan.rows[0].status.render() == (
        "Error: Intro letter not drafted: placeholders {local_area} and {website} have no value "
        "(fill Settings > Local area, Settings > Website URL)"
    )


def test_a_blank_contact_cell_a_letter_needs_is_named_by_tab_and_column():
    # The hint uses the template's own words for the placeholder (sheet_template.letters).
    letters = [{"letter": "intro", "subject": "Hi", "body": "Hi {first_name} at {practice}"}]
    plan = plan_for(
        contacts=[{"name": "Ana Silva", "email": "a@x.org", "category": t.THERAPIST_OTHER}],
        letters=letters,
    )
    assert plan.drafts == ()
    assert plan.rows[0].status.render() == (
        "Error: Intro letter not drafted: placeholder {practice} has no value "
        "(fill Contacts > Practice)"
    )


def test_a_missing_default_letter_is_drafted_from_the_template_and_appended():
    letters = [{"letter": "intro", "subject": "Hi", "body": "Hi {first_name}, {your_name}"}]
    plan = plan_for(
        contacts=[{"name": "Dr Ben Roe", "email": "b@x.org", "category": t.THERAPIST_SAME}],
        referrals=[{"date": TODAY, "direction": "In", "contact": "Dr Ben Roe"}],
        letters=letters,
    )
    assert {d.kind for d in plan.drafts} == {"intro_busy", "thanks"}
    appended = [a.cells["letter"] for a in plan.row_appends]
    assert appended == ["intro_busy", "intro_health", "gp_cover", "gp_doctors", "thanks"]
    assert all(a.tab == "Templates" for a in plan.row_appends)
    assert "{greeting_name}" in plan.row_appends[0].cells["placeholders"]
    # The edited intro is the person's: kept, used, never appended again.
    edited = plan_for(
        contacts=[{"name": "Dr Ana Silva", "email": "a@x.org", "category": t.THERAPIST_OTHER}],
        letters=letters,
    )
    assert edited.drafts[0].body == "Hi Ana, Alex Morgan"


def test_an_older_sheet_without_the_new_columns_still_validates():
    snap = snapshot(
        contacts=[{"name": "Dr Ana Silva", "email": "a@x.org", "category": t.THERAPIST_OTHER}],
        referrals=[{"date": TODAY, "direction": "In", "contact": "Dr Ana Silva"}],
    )
    added = {"Greeting", "Doctors' letter ID", "Referrals in", "Referrals out", "Thanks draft ID"}
    tables = {}
    for name, table in snap.tables.items():
        keep = [i for i, h in enumerate(table.header) if h not in added]
        tables[name] = Table(
            name,
            tuple(table.header[i] for i in keep),
            tuple(tuple(row[i] for i in keep) for row in table.rows),
        )
    plan = make_plan(validate(Snapshot(tables)), "sheet-1", NOW)
    assert {d.kind for d in plan.drafts} == {"intro", "thanks"}
    assert plan.drafts[0].body.startswith("Hi Ana,")


def test_nurture_ideas_rotate_and_say_how_to_reach_the_contact():
    nurturing = {
        "name": "Ana Silva",
        "email": "a@x.org",
        "phone": "02 9555 0100",
        "practice": "Calm Counselling",
        "category": t.THERAPIST_OTHER,
        "stage": t.NURTURING,
        "last_contact": TODAY - timedelta(days=10),
    }
    seen = []
    log: list[dict[str, object]] = []
    for n in range(len(IDEAS) + 1):
        plan = plan_for(contacts=[nurturing], log=log)
        (event,) = [e for e in plan.events if e.purpose == "nurture"]
        assert event.suggestion in IDEAS and f"Idea: {event.suggestion}." in event.description
        for part in ("Email: a@x.org", "Phone: 02 9555 0100", "Practice: Calm Counselling"):
            assert part in event.description
        seen.append(event.suggestion)
        log = [*log, {"date": TODAY - timedelta(days=20 + n), "contact": "Ana Silva"}]
    assert all(a != b for a, b in pairwise(seen))
    assert set(seen) == set(IDEAS)
    # Contacts start at different ideas, so one day's touches are not all alike.
    assert len({idea_for(f"C{n:04d}", 0) for n in range(1, 9)}) > 1


def test_referral_ledger_and_quiet_referrers():
    old = TODAY - timedelta(days=200)
    plan = plan_for(
        contacts=[
            {"name": "Ana Silva", "category": t.THERAPIST_OTHER, "stage": t.NURTURING},
            {
                "name": "Ben Roe",
                "category": t.THERAPIST_OTHER,
                "stage": t.NURTURING,
                "last_contact": TODAY - timedelta(days=5),
            },
            {"name": "Cy Dunn", "category": t.THERAPIST_OTHER, "stage": t.NOT_A_FIT},
        ],
        referrals=[
            {"date": old, "direction": "In", "contact": "Ana Silva"},
            {"date": TODAY - timedelta(days=500), "direction": "In", "contact": "Ana Silva"},
            {"date": old, "direction": "Out", "contact": "Ana Silva"},
            {"date": old, "direction": "In", "contact": "Ben Roe"},
            {"date": old, "direction": "In", "contact": "Cy Dunn"},
        ],
    )
    cells = {r.ref.row_number: r.target for r in plan.rows if r.ref.tab == "Contacts"}
    assert (cells[2]["referrals_in"], cells[2]["referrals_out"]) == (1, 1)  # 500 days: outside
    assert (cells[3]["referrals_in"], cells[3]["referrals_out"]) == (1, None)
    # Ben was touched 5 days ago; Cy is Not a fit: only Ana has gone quiet.
    (quiet,) = plan.quiet_referrers
    assert (quiet.name, quiet.last_referral, quiet.last_touch) == ("Ana Silva", old, None)


def test_counts_read_in_the_singular_and_the_plural():
    gp = {"category": t.GP, "access_route": t.ROUTE_DROP_IN}
    one = snapshot(
        contacts=[
            {**gp, "name": "Dr A", "practice": "Harbour"},
            {"name": "Dr K", "category": t.PAEDIATRICIAN, "case_study_member": "Y"},
            {"name": "Ana", "email": "a@x.org", "category": t.THERAPIST_OTHER},
        ],
        settings={"Case study: paediatricians": "2"},
    )
    validated = validate(one)
    summary = build_summary(validated, make_plan(validated, "s", NOW))
    actions = {g.name: g.next_action for g in summary.goals}
    health = actions["Health professionals who see your ideal client"]
    assert health.startswith("Make the drop-in visit in your calendar")
    assert (
        "Send the 1 intro draft waiting in your drafts"
        in actions["Therapists in other specialties"]
    )
    case = actions["Case study group"]
    assert "1 paediatrician," in case and "2 GPs from different practices" in case
    assert "Gmail" not in " ".join(actions.values())
    two = snapshot(
        contacts=[
            {**gp, "name": "Dr A", "practice": "Harbour"},
            {**gp, "name": "Dr B", "practice": "Enmore"},
        ]
    )
    validated = validate(two)
    summary = build_summary(validated, make_plan(validated, "s", NOW))
    actions = {g.name: g.next_action for g in summary.goals}
    assert actions["Health professionals who see your ideal client"].startswith(
        "Make the 2 drop-in visits in your calendar"
    )
