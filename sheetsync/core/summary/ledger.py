"""The Summary's section on referrers gone quiet: people who referred before, to nurture now.

Laid out in the Summary's column grid (``layout.COLUMNS``): who in A, the Row ID in B, the
dates in D and E (wide enough for a date and their bold headers), what to do in J.
"""

from __future__ import annotations

from sheetsync.core.summary.block import Block
from sheetsync.core.summary.figures import Summary
from sheetsync.core.words import plural

#: What the section says to do with a quiet referrer (the article's nurture ideas).
NURTURE = "Nurture: an article, a coffee, or ask their view"
HEADER = {0: "Referrer", 1: "Row ID", 3: "Last referral", 4: "Last touch", 9: "What"}


def quiet_referrers_block(summary: Summary, limit: int) -> Block:
    """The section: a heading with the count, then one row per quiet referrer (the first
    ``limit``, then how many more), none when there are none."""
    quiet = summary.quiet_referrers
    note = f"no referral and no touch for {plural(summary.quiet_after_days, 'day')}"
    block = Block(f"Referrers gone quiet: {len(quiet)}", note)
    if not quiet:
        return block
    block.header = dict(HEADER)
    for q in quiet[:limit]:
        block.rows.append({0: q.name, 1: q.row_id, 3: q.last_referral, 4: q.last_touch, 9: NURTURE})
    if len(quiet) > limit:
        block.rows.append({0: f"… and {len(quiet) - limit} more: see the Referrals tab"})
    return block
