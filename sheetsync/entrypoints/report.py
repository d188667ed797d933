"""Plain-text rendering of a sync report for the terminal (the CLI and the demo)."""

from __future__ import annotations

from sheetsync.core.plan import DRAFT_STATES, EVENT_ACTIONS
from sheetsync.core.summary.layout import STEPS_LISTED
from sheetsync.service import SyncReport


def _counts(counter: dict[str, int], order: tuple[str, ...]) -> str:
    parts = [f"{counter.get(k, 0)} {k}" for k in order if counter.get(k, 0)]
    return ", ".join(parts) if parts else "nothing to do"


def render_report(report: SyncReport, limit: int = 15) -> str:
    """What the sync did, the goals, and the rows with problems."""
    lines = []
    head = "Plan (dry run, nothing changed)" if report.dry_run else "Sync finished"
    lines.append(f"{head} for {report.plan.today.isoformat()}")
    verb = "would be " if report.dry_run else ""
    lines.append("  Calendar events: " + _counts(dict(report.events), EVENT_ACTIONS))
    lines.append("  Email drafts:    " + _counts(dict(report.drafts), DRAFT_STATES))
    lines.append(f"  Cells {verb}written: {len(report.writes)}")
    if report.requests:
        calls = ", ".join(f"{api} {count}" for api, count in sorted(report.requests.items()))
        lines.append(f"  API requests: {calls}")
    if report.write_report and report.write_report.rows_not_found:
        lines.append(
            f"  Rows moved or edited during the sync, left for the next one: "
            f"{report.write_report.rows_not_found}"
        )
    lines.append("")
    lines.append("Goals")
    for goal in report.summary.goals:
        lines.append(f"  {goal.name:<48} {goal.current:>3} / {goal.target_text:<5} {goal.status}")
    actions = report.summary.next_actions
    if actions:
        lines.append("")
        lines.append("Next actions")
        for i, goal in enumerate(actions, 1):
            # The same named steps as the Summary tab's, so the terminal says who to write to.
            steps = goal.steps or (goal.next_action,)
            lines.append(f"  {i}. {goal.name}")
            lines += [f"     - {step}" for step in steps[:STEPS_LISTED]]
            if len(steps) > STEPS_LISTED:
                lines.append(f"     ... and {len(steps) - STEPS_LISTED} more on the Summary tab")
    lines.append("")
    lines.append(f"Overdue follow-ups: {len(report.summary.overdue)}")
    lines.append(f"Rows with problems: {len(report.problems)}")
    for problem in report.problems[:limit]:
        where = f"{problem.tab} row {problem.row_number}" if problem.row_number else problem.tab
        lines.append(f"  {where}: {problem.message}")
    if len(report.problems) > limit:
        lines.append(f"  ... and {len(report.problems) - limit} more on the Summary tab")
    return "\n".join(lines)


def render_plan(report: SyncReport) -> str:
    """The dry-run plan: each event, draft and cell write."""
    lines = [render_report(report), "", "Events"]
    for event in report.plan.pending_events:
        action = "cancel" if event.cancelled else "create or move"
        lines.append(f"  {event.day.isoformat()}  {action:<14} {event.title}")
    lines.append("Drafts")
    for draft in report.plan.drafts:
        lines.append(f"  {draft.kind:<9} {draft.subject}")
    lines.append("Cell writes")
    for write in report.writes:
        lines.append(f"  {write.ref.tab} row {write.ref.row_number} {write.header}: {write.value}")
    return "\n".join(lines)
