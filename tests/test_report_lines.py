"""The terminal report and the add-on cards: what they count, and the dry run's lines."""

from collections import Counter

from builders import NOW, snapshot

from sheet_template import tabs as t
from sheetsync.core import ids
from sheetsync.core.plan import DRAFT_STATES, EVENT_ACTIONS
from sheetsync.core.planner import make_plan
from sheetsync.core.summary import build_summary
from sheetsync.core.summary.layout import STEPS_LISTED
from sheetsync.core.validation import validate
from sheetsync.entrypoints.cards import preview_card
from sheetsync.entrypoints.report import render_plan, render_report
from sheetsync.service import SyncReport


def report_with(events: Counter[str], drafts: Counter[str], **tabs) -> SyncReport:
    validated = validate(snapshot(**tabs))
    plan = make_plan(validated, "ns", NOW)
    summary = build_summary(validated, plan)
    return SyncReport(plan, summary, [], [], events=events, drafts=drafts)


def test_every_action_and_state_is_counted_in_one_order():
    events = Counter({action: i for i, action in enumerate(EVENT_ACTIONS, 1)})
    drafts = Counter({state: i for i, state in enumerate(DRAFT_STATES, 1)})
    text = render_report(report_with(events, drafts))
    wanted = ", ".join(f"{i} {action}" for i, action in enumerate(EVENT_ACTIONS, 1))
    assert f"Calendar events: {wanted}\n" in text
    wanted = ", ".join(f"{i} {state}" for i, state in enumerate(DRAFT_STATES, 1))
    assert f"Email drafts:    {wanted}\n" in text
    assert wanted in str(preview_card(report_with(events, drafts), "https://x.example/addon"))


def test_an_event_found_absent_is_not_reported_as_nothing_to_do():
    text = render_report(report_with(Counter({"absent": 1}), Counter()))
    assert "Calendar events: 1 absent\n" in text


def test_a_dry_run_names_the_event_it_would_cancel():
    old = ids.event_id("ns", "C0001", "nurture")
    contact = {"row_id": "C0001", "name": "Ana Silva", "category": t.THERAPIST_OTHER}
    contacts = [{**contact, "stage": t.NOT_A_FIT, "event_id": old}]
    text = render_plan(report_with(Counter({"cancelled": 1}), Counter(), contacts=contacts))
    assert "  2026-06-15  cancel         Nurture touch: Ana Silva\n" in text


def test_the_terminal_names_the_next_steps_as_the_summary_does():
    contacts = [
        {"name": f"Prospect {i}", "category": t.THERAPIST_OTHER, "email": f"p{i}@example.org"}
        for i in range(STEPS_LISTED + 4)
    ]
    report = report_with(Counter(), Counter(), contacts=contacts)
    lines = render_report(report).splitlines()
    start = lines.index("Next actions")
    first = report.summary.next_actions[0]
    assert lines[start + 1] == f"  1. {first.name}"
    assert lines[start + 2 : start + 2 + STEPS_LISTED] == [
        f"     - Send the intro draft to Prospect {i}" for i in range(STEPS_LISTED)
    ]
    # Four more drafts and the "find more" step: counted, as on the Summary tab.
    assert lines[start + 2 + STEPS_LISTED] == "     ... and 5 more on the Summary tab"
