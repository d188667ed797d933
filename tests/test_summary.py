"""The Summary: goals against the article's targets, in the article's priority."""

from datetime import date

from builders import NOW, snapshot

from sheet_template import tabs as t
from sheetsync.core.planner import make_plan
from sheetsync.core.summary import GOAL_COLUMNS, build_summary, summary_blocks, summary_grid
from sheetsync.core.table import Snapshot, Table
from sheetsync.core.validation import validate


def summary_for(**tabs):
    v = validate(snapshot(**tabs))
    return build_summary(v, make_plan(v, "ns", NOW))


def person(name, category, stage=t.NURTURING, **over):
    return {
        "name": name,
        "category": category,
        "stage": stage,
        "last_contact": date(2026, 6, 1),
        **over,
    }


def test_goals_count_long_term_relationships_against_targets():
    s = summary_for(
        contacts=[
            *(person(f"T{i}", t.THERAPIST_OTHER) for i in range(3)),
            person("Met", t.THERAPIST_OTHER, t.MET),
            person("Same", t.THERAPIST_SAME),
        ]
    )
    other, same, peer, _health, _case = s.goals
    assert (other.target, other.current, other.gap, other.status) == ((10, 10), 3, 7, "In progress")
    assert (same.target, same.current, same.gap, same.status) == ((1, 2), 1, 0, "Reached")
    assert peer.status == "Not started" and "association" in peer.next_action
    assert other.next_action.startswith("Decide fit with the 1 contact you met")
    assert "find 6 more local solo or small-practice therapists" in other.next_action


def test_next_actions_put_mental_health_first_then_peer_groups():
    s = summary_for()
    names = [g.name for g in s.next_actions]
    assert names[:3] == [
        "Therapists in other specialties",
        "Busy same-specialty therapists",
        "Peer support groups joined",
    ]


def test_case_study_recipe_needs_gps_from_different_practices():
    member = {"case_study_member": "Y"}
    s = summary_for(
        contacts=[
            person("GP1", t.GP, practice="Harbour", **member),
            person("GP2", t.GP, practice=" harbour ", **member),
            person("P1", t.PAEDIATRICIAN, **member),
            person("S1", t.THERAPIST_OTHER, practice_size="Solo", **member),
            person("S2", t.THERAPIST_SAME, practice_size="Solo", **member),
            person("S3", t.THERAPIST_OTHER, practice_size="Large", **member),
            person("N1", t.NUTRITIONIST, **member),
            person("Not member", t.NUTRITIONIST),
        ]
    )
    slots = {slot.name.split(" (")[0]: slot for slot in s.case_study}
    gps = slots["GPs from different practices"]
    assert gps.have == 1 and gps.status == "Need 1 more" and "share a practice" in gps.note
    assert slots["Solo therapists"].have == 2 and slots["Solo therapists"].status == "Complete"
    assert slots["Nutritionists"].members == ("N1",)
    case = s.goals[4]
    assert case.target == (6, 7) and case.current == 5
    assert "Invite 1 GP from another practice" in case.next_action


def test_referrals_in_and_out_over_the_window():
    s = summary_for(
        contacts=[person("A", t.THERAPIST_OTHER)],
        referrals=[
            {"date": date(2026, 6, 1), "direction": "In", "contact": "A"},
            {"date": date(2025, 7, 1), "direction": "Out", "contact": "A"},
            {"date": date(2025, 5, 1), "direction": "In", "contact": "A"},
        ],
    )
    assert (s.referrals_in, s.referrals_out) == (1, 1)


def test_grid_puts_this_week_first_then_the_sections_in_order_and_lists_problems():
    s = summary_for(
        contacts=[
            person("Bad", "Astrologer"),
            person("Late", t.THERAPIST_OTHER, last_contact=date(2026, 1, 1)),
        ]
    )
    grid = summary_grid(s)
    headings = [b.heading for b in summary_blocks(s)]
    assert headings == [
        "This week",
        "Goals",
        "Next actions",
        "Pipeline",
        "Case-study group",
        "Referrals",
        "Referrers gone quiet: 0",
        "Rows with problems: 1",
    ]
    goals = next(b for b in summary_blocks(s) if b.heading == "Goals")
    assert tuple(grid[goals.first_row + 1][: len(GOAL_COLUMNS)]) == GOAL_COLUMNS
    assert grid[goals.first_row + 2][0] == "Therapists in other specialties"
    text = [" | ".join(str(c) for c in row[:10] if c is not None) for row in grid]
    assert "Rows with problems: 1 | each row's Sync status says more" in text
    assert any(line.startswith("Contacts row 2 | C0001 | Category: is not one of") for line in text)
    # The overdue nurture touch heads "this week", dated when it was due, with the name.
    week = summary_blocks(s)[0]
    assert week.note.endswith("1 overdue, 0 to do")
    assert text[week.first_row + 2].startswith("Late | 2026-03-02 | Nurture touch | Overdue since")
    assert grid[1][0] == "Last sync" and grid[1][1].endswith("UTC")


def test_previous_sync_time_is_read_back_from_the_summary_tab():
    s = summary_for()
    grid = summary_grid(s)
    written = snapshot()
    tables = {
        **written.tables,
        "Summary": Table("Summary", tuple(grid[0]), tuple(map(tuple, grid[1:]))),
    }
    validated = validate(Snapshot(tables))
    assert validated.previous_sync == s.last_sync
    assert build_summary(validated, make_plan(validated, "ns", NOW)).previous_sync == s.last_sync
    assert validate(snapshot()).previous_sync == ""


def test_intro_drafts_waiting_are_counted_by_row_not_by_name():
    # Two therapists share a name; only one has an intro in the drafts (no email, no draft for
    # the other): one draft waits to be sent, not two.
    ana = person("Ana Silva", t.THERAPIST_OTHER, t.PROSPECT, last_contact=None)
    s = summary_for(
        contacts=[
            {**ana, "row_id": "C0001", "email": "ana@example.org", "draft_id": "r-1"},
            {**ana, "row_id": "C0002"},
            person("Bea Jones", t.THERAPIST_OTHER, t.PROSPECT, email="bea@example.org"),
        ]
    )
    other = s.goals[0]
    assert other.next_action.startswith("Send the 2 intro drafts waiting in your drafts;")
