"""The Summary tab: what to do this week, goal status against the article's targets, and what
needs attention.

``content.build_summary`` computes the figures as data (``figures``: the goals in ``goals``
with their named steps from ``actions``, "this week" from ``week``, the pipeline, the
case-study recipe, referrals); ``layout.summary_grid`` lays them out as rows of cells, and
``layout`` holds the facts both stores dress the tab by (column widths and formats, the
hidden chart data, the chart's place, printing).
"""

from __future__ import annotations

from sheetsync.core.summary.block import Block
from sheetsync.core.summary.content import build_summary
from sheetsync.core.summary.figures import GOAL_COUNT, Goal, Slot, Summary, WeekItem
from sheetsync.core.summary.layout import (
    CHART_ANCHOR,
    CHART_COLUMNS,
    CHART_ROWS,
    CHART_SIZE,
    COLUMN_WIDTHS,
    COLUMNS,
    GOAL_COLUMNS,
    HEADER,
    HEADING,
    LAYOUT_MARK,
    LAYOUT_MARK_CELL,
    MAX_LISTED,
    ROLE_COLUMN,
    TITLE,
    VISIBLE_COLUMNS,
    SummaryColumn,
    summary_blocks,
    summary_grid,
)

__all__ = [
    "CHART_ANCHOR",
    "CHART_COLUMNS",
    "CHART_ROWS",
    "CHART_SIZE",
    "COLUMNS",
    "COLUMN_WIDTHS",
    "GOAL_COLUMNS",
    "GOAL_COUNT",
    "HEADER",
    "HEADING",
    "LAYOUT_MARK",
    "LAYOUT_MARK_CELL",
    "MAX_LISTED",
    "ROLE_COLUMN",
    "TITLE",
    "VISIBLE_COLUMNS",
    "Block",
    "Goal",
    "Slot",
    "Summary",
    "SummaryColumn",
    "WeekItem",
    "build_summary",
    "summary_blocks",
    "summary_grid",
]
