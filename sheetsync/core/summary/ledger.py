"""The Summary's section on referrers gone quiet: people who referred before, to nurture now."""

from __future__ import annotations

from sheetsync.core.cells import Cell
from sheetsync.core.summary.figures import Summary
from sheetsync.core.words import plural


def quiet_referrer_rows(summary: Summary) -> list[list[Cell]]:
    """The section as rows of cells: a heading, then one row per quiet referrer, if any."""
    quiet = summary.quiet_referrers
    days = summary.quiet_after_days
    heading = (
        f"Referrers gone quiet (no referral and no touch for {plural(days, 'day')}): {len(quiet)}"
    )
    rows: list[list[Cell]] = [[], [heading]]
    if not quiet:
        return rows
    rows.append(["Row ID", "Name", "Last referral in", "Last touch", "", "What"])
    for q in quiet:
        what = "Nurture: share an article, invite them for coffee, or ask their thoughts"
        rows.append([q.row_id, q.name, q.last_referral, q.last_touch or "", "", what])
    return rows
