"""The Summary tab's layout: its figures as rows of cells, one section after another.

The goal table sits at a fixed place (``GOAL_HEADER_ROW``) so that the chart both backends
draw can point at it.
"""

from __future__ import annotations

from collections import defaultdict

from sheet_template import tabs as t
from sheetsync.core.cells import Cell
from sheetsync.core.summary.figures import GOAL_COUNT, Summary, range_text
from sheetsync.core.summary.ledger import quiet_referrer_rows
from sheetsync.core.validation import Problem

Rows = list[list[Cell]]

#: Sheet row (1-based) of the goal table's header; the goals follow on the next rows.
GOAL_HEADER_ROW = 4
#: Widths of the Summary's first columns (xlsx width units), shared by both backends.
COLUMN_WIDTHS = (34, 10, 10, 8, 12, 70, 12)
GOAL_COLUMNS = ("Goal", "Target", "Current", "Gap", "Status", "Next action", "Target (min)")
#: The longest list (overdue follow-ups, rows with problems) the Summary spells out; the rest is
#: counted. Keeps the tab a summary, and inside the 1,000 rows a new Sheet's tab has (writing
#: past a tab's grid is an HTTP 400 on Google).
MAX_LISTED = 200


def _goals(summary: Summary) -> Rows:
    rows: Rows = [
        ["sheetsync summary: your referral network"],
        [t.SUMMARY_LAST_SYNC, summary.last_sync],
        [],
        list(GOAL_COLUMNS),
    ]
    assert len(rows) == GOAL_HEADER_ROW and len(summary.goals) == GOAL_COUNT
    for goal in summary.goals:
        rows.append(
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
    return rows


def _next_actions(summary: Summary) -> Rows:
    rows: Rows = [[], ["Next actions (mental-health professionals first, then peer groups)"]]
    actions = summary.next_actions
    rows += [[f"{i}.", f"{g.name}: {g.next_action}"] for i, g in enumerate(actions, 1)]
    if not actions:
        rows.append(["", "Every goal is reached. Keep nurturing."])
    return rows


def _pipeline(summary: Summary) -> Rows:
    rows: Rows = [[], ["Pipeline by category and stage"], ["Category", *t.STAGES, "Total"]]
    for category, counts in summary.pipeline:
        rows.append([category, *counts, sum(counts)])
    totals = [sum(col) for col in zip(*(c for _, c in summary.pipeline), strict=True)]
    rows.append(["Total", *totals, sum(totals)])
    return rows


def _overdue(summary: Summary) -> Rows:
    rows: Rows = [[], [f"Overdue follow-ups: {len(summary.overdue)}"]]
    if not summary.overdue:
        return rows
    rows.append(["Row ID", "Name", "Category", "Due", "Days overdue", "What"])
    for item in summary.overdue[:MAX_LISTED]:
        late = (summary.today - item.due).days
        rows.append([item.row_id, item.name, item.category, item.due, late, item.what])
    if len(summary.overdue) > MAX_LISTED:
        more = len(summary.overdue) - MAX_LISTED
        rows.append(["", f"… and {more} more: sort Contacts by Next follow-up to see them all"])
    return rows


def _case_study(summary: Summary) -> Rows:
    rows: Rows = [
        [],
        ["Case-study group against its recipe"],
        ["Slot", "Needed", "Have", "Status", "Members", "Note"],
    ]
    for slot in summary.case_study:
        needed = range_text(*slot.needed)
        rows.append([slot.name, needed, slot.have, slot.status, ", ".join(slot.members), slot.note])
    return rows


def _referrals(summary: Summary) -> Rows:
    return [
        [],
        [f"Referrals in the last {summary.window_months} months"],
        ["In", summary.referrals_in],
        ["Out", summary.referrals_out],
    ]


def _problems(summary: Summary) -> Rows:
    rows: Rows = [[], [f"Rows with problems: {len(summary.problems)}"]]
    if not summary.problems:
        return rows
    rows.append(["Tab", "Row", "Row ID", "Problem"])
    by_tab: dict[str, list[Problem]] = defaultdict(list)
    for problem in summary.problems:
        by_tab[problem.tab].append(problem)
    listed = [p for tab_problems in by_tab.values() for p in tab_problems][:MAX_LISTED]
    rows += [[p.tab, p.row_number or "", p.row_id, p.message] for p in listed]
    if len(summary.problems) > MAX_LISTED:
        more = len(summary.problems) - MAX_LISTED
        rows.append(["", "", "", f"… and {more} more: see each row's Sync status"])
    return rows


def summary_grid(summary: Summary) -> Rows:
    """The Summary tab as rows of cells; the goal table starts at ``GOAL_HEADER_ROW``."""
    sections = (
        _goals,
        _next_actions,
        _pipeline,
        _overdue,
        _case_study,
        _referrals,
        quiet_referrer_rows,
        _problems,
    )
    return [row for section in sections for row in section(summary)]
