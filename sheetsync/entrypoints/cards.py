"""Card v1 JSON for the Workspace add-on's sidebar in Sheets: pure functions returning dicts.

Every card here is plain data built from a ``Summary`` or a ``SyncReport``; nothing reads the
environment or the network, so the entry point decides *which* card and these functions decide
*what it looks like*. The tests parse every card into ``google.apps.card_v1.Card`` with unknown
fields rejected, so a typo in a field name fails a test instead of rendering a blank sidebar.

Card text fields accept a small HTML subset (``<b>``, ``<i>``, ``<a>``, ``<br>``...). Every
value that comes from the spreadsheet (contact names, event titles, draft subjects, messages)
passes through :func:`esc` first: a contact named ``<b>x</b>`` shows those characters instead
of bold text, and nobody can inject a link into the sidebar by typing it into a cell.

Buttons call the add-on endpoint itself (``action.function`` is its URL, exactly the URL the
platform uses as the ``systemIdToken`` audience) and say what they want in the action's
parameters: ``{"action": "sync" | "preview" | "home" | "grant_access"}``.

Response envelopes (Google Workspace add-ons, HTTP runtime):

* a trigger (homepage, file scope granted) answers with a ``RenderActions`` object:
  ``{"action": {"navigations": [{"pushCard": card}]}}`` (:func:`trigger_response`);
* a card action (a button press) answers with ``{"renderActions": {...}}`` wrapping the same
  shape (:func:`action_response`), with ``updateCard`` to replace the card on screen or
  ``pushCard`` to stack one the user can go back from;
* asking Sheets for the per-file ``drive.file`` grant is the editor host action
  ``{"renderActions": {"hostAppAction": {"editorAction": {"requestFileScopeForActiveDocument":
  {}}}}}`` (:func:`request_file_scope_response`).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any, Literal

from sheetsync.core.plan import DRAFT_STATES, EVENT_ACTIONS
from sheetsync.core.summary import Goal, Summary
from sheetsync.service import SyncReport

Json = dict[str, Any]
ButtonAction = Literal["sync", "preview", "home", "grant_access"]

#: How many items of a list (overdue follow-ups, planned events...) a card shows; the Summary
#: tab has them all, and a sidebar is narrow.
FIRST_ITEMS = 5


def esc(value: object) -> str:
    """Text safe to put in a card's HTML-capable text field."""
    return html.escape(str(value), quote=True)


# --- widgets ------------------------------------------------------------------------------------


def _paragraph(text: str) -> Json:
    """A text paragraph; ``text`` must already be escaped."""
    return {"textParagraph": {"text": text}}


def _decorated(text: str, top: str = "", bottom: str = "") -> Json:
    """A labelled line; arguments must already be escaped."""
    body: Json = {"text": text, "wrapText": True}
    if top:
        body["topLabel"] = top
    if bottom:
        body["bottomLabel"] = bottom
    return {"decoratedText": body}


def _button(text: str, endpoint: str, action: ButtonAction) -> Json:
    return {
        "text": text,
        "onClick": {
            "action": {
                "function": endpoint,
                "parameters": [{"key": "action", "value": action}],
            }
        },
    }


def _buttons(endpoint: str, *choices: tuple[str, ButtonAction]) -> Json:
    return {"buttonList": {"buttons": [_button(text, endpoint, act) for text, act in choices]}}


def _section(widgets: Iterable[Json], header: str = "") -> Json:
    section: Json = {"widgets": list(widgets)}
    if header:
        section["header"] = header
    return section


def _card(title: str, subtitle: str, sections: Iterable[Json]) -> Json:
    header: Json = {"title": title}
    if subtitle:
        header["subtitle"] = subtitle
    return {"header": header, "sections": list(sections)}


def _more(total: int, shown: int) -> list[Json]:
    """A "... and N more" line when a list was cut short."""
    if total <= shown:
        return []
    return [_paragraph(f"<i>... and {total - shown} more on the Summary tab</i>")]


def _main_buttons(endpoint: str) -> Json:
    return _section([_buttons(endpoint, ("Sync now", "sync"), ("Preview", "preview"))])


def _event_verb(cancelled: bool) -> str:
    return "cancel" if cancelled else "create or move"


def _counts(counter: dict[str, int], order: tuple[str, ...]) -> str:
    parts = [f"{counter[k]} {k}" for k in order if counter.get(k)]
    return ", ".join(parts) if parts else "none"


# --- sections shared by several cards -----------------------------------------------------------


def _goal_widget(goal: Goal) -> Json:
    return _decorated(
        f"{goal.current} / {esc(goal.target_text)}",
        top=esc(goal.name),
        bottom=esc(goal.status),
    )


def _goals_section(summary: Summary) -> Json:
    return _section([_goal_widget(g) for g in summary.goals], header="Goals")


def _next_actions_section(summary: Summary) -> Json:
    actions = summary.next_actions
    if not actions:
        return _section([_paragraph("Every goal is reached. Keep nurturing.")], "Next actions")
    widgets = [
        _paragraph(f"{i}. <b>{esc(g.name)}</b>: {esc(g.next_action)}")
        for i, g in enumerate(actions[:FIRST_ITEMS], 1)
    ]
    return _section(widgets, header="Next actions")


def _overdue_section(summary: Summary) -> Json:
    overdue = summary.overdue
    widgets = [
        _decorated(
            esc(item.name),
            top=f"Due {esc(item.due.isoformat())} ({(summary.today - item.due).days} days ago)",
            bottom=esc(item.what),
        )
        for item in overdue[:FIRST_ITEMS]
    ]
    if not overdue:
        widgets = [_paragraph("Nothing overdue.")]
    widgets += _more(len(overdue), FIRST_ITEMS)
    return _section(widgets, header=f"Overdue follow-ups: {len(overdue)}")


def _problems_section(count: int) -> Json:
    text = (
        "Each one is explained in its row's Sync status cell and on the Summary tab."
        if count
        else "Every row is valid."
    )
    return _section([_paragraph(text)], header=f"Rows with problems: {count}")


# --- cards --------------------------------------------------------------------------------------


def homepage_card(summary: Summary, endpoint: str) -> Json:
    """The sidebar's home: goals, next actions, overdue follow-ups, problems, and the buttons."""
    return _card(
        "sheetsync: your referral network",
        f"Last sync: {esc(summary.previous_sync or 'not yet')}",
        [
            _goals_section(summary),
            _next_actions_section(summary),
            _overdue_section(summary),
            _problems_section(len(summary.problems)),
            _main_buttons(endpoint),
        ],
    )


def preview_card(report: SyncReport, endpoint: str) -> Json:
    """What a sync would do now (a dry run): counts and the first few events, drafts, writes."""
    plan = report.plan
    events = plan.pending_events
    counts = _section(
        [
            _decorated(_counts(dict(report.events), EVENT_ACTIONS), top="Calendar events"),
            _decorated(_counts(dict(report.drafts), DRAFT_STATES), top="Email drafts"),
            _decorated(str(len(report.writes)), top="Cells to write"),
            _decorated(str(len(report.problems)), top="Rows with problems"),
        ],
        header="Nothing has changed yet",
    )
    event_widgets = [
        _decorated(
            esc(event.title),
            top=f"{esc(event.day.isoformat())} · {_event_verb(event.cancelled)}",
        )
        for event in events[:FIRST_ITEMS]
    ] or [_paragraph("No calendar changes.")]
    draft_widgets = [
        _decorated(esc(draft.subject), top=esc(draft.kind.replace("_", " ")))
        for draft in plan.drafts[:FIRST_ITEMS]
    ] or [_paragraph("No new drafts.")]
    write_widgets = [
        _paragraph(f"{esc(w.ref.tab)} row {w.ref.row_number}: {esc(w.header)}")
        for w in report.writes[:FIRST_ITEMS]
    ] or [_paragraph("No cells to write.")]
    return _card(
        "Preview of the next sync",
        f"Planned {esc(plan.today.isoformat())}",
        [
            counts,
            _section([*event_widgets, *_more(len(events), FIRST_ITEMS)], "Events"),
            _section([*draft_widgets, *_more(len(plan.drafts), FIRST_ITEMS)], "Drafts"),
            _section([*write_widgets, *_more(len(report.writes), FIRST_ITEMS)], "Cell writes"),
            _section([_buttons(endpoint, ("Sync now", "sync"), ("Back", "home"))]),
        ],
    )


def sync_result_card(report: SyncReport, endpoint: str) -> Json:
    """What a sync just did, then the goals as they stand after it."""
    written = report.write_report.cells_written if report.write_report else 0
    moved = report.write_report.rows_not_found if report.write_report else 0
    done = [
        _decorated(_counts(dict(report.events), EVENT_ACTIONS), top="Calendar events"),
        _decorated(_counts(dict(report.drafts), DRAFT_STATES), top="Email drafts"),
        _decorated(str(written), top="Cells written"),
    ]
    if moved:
        done.append(
            _decorated(str(moved), top="Rows edited during the sync (left for the next one)")
        )
    if report.drafts.get("created"):
        done.append(_paragraph("Open Gmail to review and send the new drafts."))
    summary = report.summary
    return _card(
        "Sync finished",
        f"Last sync {esc(summary.last_sync)}",
        [
            _section(done, header="This sync"),
            _goals_section(summary),
            _overdue_section(summary),
            _problems_section(len(summary.problems)),
            _section([_buttons(endpoint, ("Preview", "preview"), ("Home", "home"))]),
        ],
    )


def still_running_card(budget_s: float, endpoint: str) -> Json:
    """The sync outlasted the add-on's time budget; it keeps going, and is safe to repeat."""
    return _card(
        "Still syncing",
        "",
        [
            _section(
                [
                    _paragraph(
                        f"The sync took longer than {budget_s:g} seconds, so the sidebar "
                        "stopped waiting. It carries on in the background, and the scheduled "
                        "sync finishes anything left: running it twice never creates anything "
                        "twice."
                    ),
                    _buttons(endpoint, ("Home", "home")),
                ]
            )
        ],
    )


def file_access_card(endpoint: str) -> Json:
    """Ask for the per-file grant (``drive.file``) before anything reads the Sheet."""
    return _card(
        "Allow sheetsync to use this Sheet",
        "",
        [
            _section(
                [
                    _paragraph(
                        "sheetsync needs your permission to read and update <b>this</b> "
                        "spreadsheet. It asks for this one file only, never your whole Drive."
                    ),
                    _buttons(endpoint, ("Grant access", "grant_access")),
                ]
            )
        ],
    )


def notice_card(title: str, message: str) -> Json:
    """A plain message (escaped), e.g. when the add-on is opened outside a Sheet."""
    return _card(esc(title), "", [_section([_paragraph(esc(message))])])


def error_card(message: str, correlation_id: str) -> Json:
    """A failure the user can report: the message (escaped) and the reference to quote."""
    return _card(
        "Something went wrong",
        "",
        [
            _section(
                [
                    _paragraph(esc(message)),
                    _decorated(esc(correlation_id), top="Reference for support"),
                ]
            )
        ],
    )


# --- response envelopes -------------------------------------------------------------------------


def trigger_response(card: Json) -> Json:
    """Answer to a trigger (homepage, file scope granted): show ``card``."""
    return {"action": {"navigations": [{"pushCard": card}]}}


def action_response(card: Json, navigation: Literal["updateCard", "pushCard"]) -> Json:
    """Answer to a button press: replace the card on screen, or stack ``card`` on it."""
    return {"renderActions": {"action": {"navigations": [{navigation: card}]}}}


def request_file_scope_response() -> Json:
    """Answer to "Grant access": Sheets shows its per-file permission dialog."""
    return {
        "renderActions": {
            "hostAppAction": {"editorAction": {"requestFileScopeForActiveDocument": {}}}
        }
    }
