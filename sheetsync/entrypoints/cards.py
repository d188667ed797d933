"""Card v1 JSON for the Workspace add-on's sidebar in Sheets: what each card says.

Every card here is plain data built from a ``Summary`` or a ``SyncReport``; nothing reads the
environment or the network, so the entry point decides *which* card and these functions decide
*what it looks like* (out of the widgets in ``sheetsync.entrypoints.card_parts``, which also
holds the response envelopes). The tests parse every card into ``google.apps.card_v1.Card``
with unknown fields rejected, so a typo in a field name fails a test instead of rendering a
blank sidebar.

Every value that comes from the spreadsheet (contact names, event titles, draft subjects,
messages) passes through ``esc`` first: a contact named ``<b>x</b>`` shows those characters
instead of bold text, and nobody can inject a link into the sidebar by typing it into a cell.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from sheetsync.core.plan import DRAFT_STATES, EVENT_ACTIONS
from sheetsync.entrypoints.card_parts import (
    Json,
    buttons,
    card,
    counts,
    decorated,
    esc,
    more,
    paragraph,
    section,
)

if TYPE_CHECKING:
    from sheetsync.core.summary import Goal, Summary
    from sheetsync.service import SyncReport

#: How many items of a list (overdue follow-ups, planned events...) a card shows; the Summary
#: tab has them all, and a sidebar is narrow.
FIRST_ITEMS = 5


def _main_buttons(endpoint: str) -> Json:
    return section([buttons(endpoint, ("Sync now", "sync"), ("Preview", "preview"))])


def _event_verb(cancelled: bool) -> str:
    return "cancel" if cancelled else "create or move"


# --- sections shared by several cards -----------------------------------------------------------


def _goal_widget(goal: Goal) -> Json:
    return decorated(
        f"{goal.current} / {esc(goal.target_text)}",
        top=esc(goal.name),
        bottom=esc(goal.status),
    )


def _goals_section(summary: Summary) -> Json:
    return section([_goal_widget(g) for g in summary.goals], header="Goals")


def _next_actions_section(summary: Summary) -> Json:
    actions = summary.next_actions
    if not actions:
        return section([paragraph("Every goal is reached. Keep nurturing.")], "Next actions")
    widgets = [
        paragraph(f"{i}. <b>{esc(g.name)}</b>: {esc(g.next_action)}")
        for i, g in enumerate(actions[:FIRST_ITEMS], 1)
    ]
    return section(widgets, header="Next actions")


def _overdue_section(summary: Summary) -> Json:
    overdue = summary.overdue
    widgets = [
        decorated(
            esc(item.name),
            top=f"Due {esc(item.due.isoformat())} ({(summary.today - item.due).days} days ago)",
            bottom=esc(item.what),
        )
        for item in overdue[:FIRST_ITEMS]
    ]
    if not overdue:
        widgets = [paragraph("Nothing overdue.")]
    widgets += more(len(overdue), FIRST_ITEMS)
    return section(widgets, header=f"Overdue follow-ups: {len(overdue)}")


def _problems_section(count: int) -> Json:
    text = (
        "Each one is explained in its row's Sync status cell and on the Summary tab."
        if count
        else "Every row is valid."
    )
    return section([paragraph(text)], header=f"Rows with problems: {count}")


# --- cards --------------------------------------------------------------------------------------


def homepage_card(summary: Summary, endpoint: str, extra: Sequence[Json] = ()) -> Json:
    """The sidebar's home: goals, next actions, overdue follow-ups, problems, and the buttons.

    ``extra`` sections (the fleet's "Daily sync", ``fleet_cards``) go above the buttons.
    """
    return card(
        "sheetsync: your referral network",
        f"Last sync: {esc(summary.previous_sync or 'not yet')}",
        [
            _goals_section(summary),
            _next_actions_section(summary),
            _overdue_section(summary),
            _problems_section(len(summary.problems)),
            *extra,
            _main_buttons(endpoint),
        ],
    )


def preview_card(report: SyncReport, endpoint: str) -> Json:
    """What a sync would do now (a dry run): counts and the first few events, drafts, writes."""
    plan = report.plan
    events = plan.pending_events
    totals = section(
        [
            decorated(counts(dict(report.events), EVENT_ACTIONS), top="Calendar events"),
            decorated(counts(dict(report.drafts), DRAFT_STATES), top="Email drafts"),
            decorated(str(len(report.writes)), top="Cells to write"),
            decorated(str(len(report.problems)), top="Rows with problems"),
        ],
        header="Nothing has changed yet",
    )
    event_widgets = [
        decorated(
            esc(event.title),
            top=f"{esc(event.day.isoformat())} · {_event_verb(event.cancelled)}",
        )
        for event in events[:FIRST_ITEMS]
    ] or [paragraph("No calendar changes.")]
    draft_widgets = [
        decorated(esc(draft.subject), top=esc(draft.kind.replace("_", " ")))
        for draft in plan.drafts[:FIRST_ITEMS]
    ] or [paragraph("No new drafts.")]
    write_widgets = [
        paragraph(f"{esc(w.ref.tab)} row {w.ref.row_number}: {esc(w.header)}")
        for w in report.writes[:FIRST_ITEMS]
    ] or [paragraph("No cells to write.")]
    return card(
        "Preview of the next sync",
        f"Planned {esc(plan.today.isoformat())}",
        [
            totals,
            section([*event_widgets, *more(len(events), FIRST_ITEMS)], "Events"),
            section([*draft_widgets, *more(len(plan.drafts), FIRST_ITEMS)], "Drafts"),
            section([*write_widgets, *more(len(report.writes), FIRST_ITEMS)], "Cell writes"),
            section([buttons(endpoint, ("Sync now", "sync"), ("Back", "home"))]),
        ],
    )


def sync_result_card(report: SyncReport, endpoint: str) -> Json:
    """What a sync just did, then the goals as they stand after it."""
    written = report.write_report.cells_written if report.write_report else 0
    moved = report.write_report.rows_not_found if report.write_report else 0
    done = [
        decorated(counts(dict(report.events), EVENT_ACTIONS), top="Calendar events"),
        decorated(counts(dict(report.drafts), DRAFT_STATES), top="Email drafts"),
        decorated(str(written), top="Cells written"),
    ]
    if moved:
        done.append(
            decorated(str(moved), top="Rows edited during the sync (left for the next one)")
        )
    if report.drafts.get("created"):
        done.append(paragraph("Open Gmail to review and send the new drafts."))
    summary = report.summary
    return card(
        "Sync finished",
        f"Last sync {esc(summary.last_sync)}",
        [
            section(done, header="This sync"),
            _goals_section(summary),
            _overdue_section(summary),
            _problems_section(len(summary.problems)),
            section([buttons(endpoint, ("Preview", "preview"), ("Home", "home"))]),
        ],
    )


def still_running_card(budget_s: float, endpoint: str) -> Json:
    """The sync outlasted the add-on's time budget; it keeps going, and is safe to repeat."""
    return card(
        "Still syncing",
        "",
        [
            section(
                [
                    paragraph(
                        f"The sync took longer than {budget_s:g} seconds, so the sidebar "
                        "stopped waiting. It carries on in the background, and the scheduled "
                        "sync finishes anything left: running it twice never creates anything "
                        "twice."
                    ),
                    buttons(endpoint, ("Home", "home")),
                ]
            )
        ],
    )


def file_access_card(endpoint: str) -> Json:
    """Ask for the per-file grant (``drive.file``) before anything reads the Sheet."""
    return card(
        "Allow sheetsync to use this Sheet",
        "",
        [
            section(
                [
                    paragraph(
                        "sheetsync needs your permission to read and update <b>this</b> "
                        "spreadsheet. It asks for this one file only, never your whole Drive."
                    ),
                    buttons(endpoint, ("Grant access", "grant_access")),
                ]
            )
        ],
    )


def notice_card(title: str, message: str) -> Json:
    """A plain message (escaped), e.g. when the add-on is opened outside a Sheet."""
    return card(esc(title), "", [section([paragraph(esc(message))])])


def error_card(message: str, correlation_id: str) -> Json:
    """A failure the user can report: the message (escaped) and the reference to quote."""
    return card(
        "Something went wrong",
        "",
        [
            section(
                [
                    paragraph(esc(message)),
                    decorated(esc(correlation_id), top="Reference for support"),
                ]
            )
        ],
    )
