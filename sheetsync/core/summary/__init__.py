"""The Summary tab: goal status against the article's targets, and what needs attention.

``content.build_summary`` computes the figures as data (``figures``: the goals in ``goals``,
the pipeline, the case-study recipe, referrals); ``layout.summary_grid`` lays them out as rows
of cells, with the goal table at a fixed place (``GOAL_HEADER_ROW``) so that the chart can
point at it.
"""

from __future__ import annotations

from sheetsync.core.summary.content import build_summary
from sheetsync.core.summary.figures import GOAL_COUNT, Goal, Slot, Summary
from sheetsync.core.summary.layout import (
    COLUMN_WIDTHS,
    GOAL_COLUMNS,
    GOAL_HEADER_ROW,
    MAX_LISTED,
    summary_grid,
)

__all__ = [
    "COLUMN_WIDTHS",
    "GOAL_COLUMNS",
    "GOAL_COUNT",
    "GOAL_HEADER_ROW",
    "MAX_LISTED",
    "Goal",
    "Slot",
    "Summary",
    "build_summary",
    "summary_grid",
]
