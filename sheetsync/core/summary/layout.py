"""The Summary tab's layout: its figures as rows of cells, and the facts the stores dress it by.

"This week" comes first, then the goals, the next actions by name, the pipeline, the
case-study recipe, the referral ledger (referrers gone quiet, ``ledger``) and the problems.
Every section shares one grid of columns, each sized for what goes in it (``COLUMNS``), so
the look is set once per column and never per row: on Google, formatting a row would cost a
request whenever "this week" grows or shrinks and moves every section below it. What varies
by row is said in a hidden column (``ROLE_COLUMN``: a heading, a table's header) that
conditional formatting reads, and the chart's data sits in a fixed, hidden block
(``CHART_COLUMNS``) in the first rows.

The grid:

* A, wrapped: what a line is about (who, a goal, a category, a slot, a tab's row);
* B: a date or the first short value; C to I: counts and short values (left-aligned, as their
  headers are). A short text in B or C with empty cells on its right runs on over them (a
  step, "this week"'s What), as text does in every spreadsheet app;
* J, wrapped: the long text (details, members, problems);
* K to O, hidden: the role of each row, the chart's data and the layout mark.

``LAYOUT_MARK`` (in O1) says which layout the tab was dressed for: a store that finds another
mark there dresses the tab again (column widths, formats, chart) before writing it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from textwrap import wrap

from sheet_template import tabs as t
from sheetsync.core.cells import Cell
from sheetsync.core.planner.rules import short_date
from sheetsync.core.summary.block import Block
from sheetsync.core.summary.figures import GOAL_COUNT, Summary, range_text
from sheetsync.core.summary.ledger import quiet_referrers_block
from sheetsync.core.summary.week import WEEK_DAYS
from sheetsync.core.validation import Problem

Rows = list[list[Cell]]


@dataclass(frozen=True)
class SummaryColumn:
    """One column of the Summary's grid: its width (xlsx character widths) and its format."""

    width: float
    #: Long text wraps onto more lines (the row grows); other text runs on over empty cells.
    wrap: bool = False
    hidden: bool = False


#: The Summary's columns, A to O.
COLUMNS = (
    SummaryColumn(31, wrap=True),  # A: who / goal / category / slot / where
    SummaryColumn(12),  # B: when (a date needs 10 characters and a margin) / first value
    SummaryColumn(11),  # C
    SummaryColumn(17),  # D: wide enough for "Meeting booked" in bold
    SummaryColumn(11),  # E
    SummaryColumn(11),  # F
    SummaryColumn(11),  # G
    SummaryColumn(11),  # H
    SummaryColumn(11),  # I
    SummaryColumn(46, wrap=True),  # J: details, members, problems
    SummaryColumn(10, hidden=True),  # K: the row's role
    SummaryColumn(18, hidden=True),  # L: chart labels
    SummaryColumn(10, hidden=True),  # M: chart: current
    SummaryColumn(10, hidden=True),  # N: chart: target (minimum)
    SummaryColumn(28, hidden=True),  # O: the layout mark
)
#: Widths of every column, A first (xlsx width units), shared by both backends.
COLUMN_WIDTHS = tuple(c.width for c in COLUMNS)
#: The columns a person reads (and prints): A to J.
VISIBLE_COLUMNS = 10
#: Index of the column that names each row's role (hidden).
ROLE_COLUMN = 10
TITLE, HEADING, HEADER = "title", "heading", "header"
#: The chart's data: labels, current, target (minimum); a header row, then one row per goal,
#: from the first row of the tab.
CHART_COLUMNS = (11, 12, 13)
CHART_ROWS = GOAL_COUNT + 1
CHART_HEADER = ("Goal", "Now", "Target (min)")
#: The chart's labels: short, so that they leave room for the plot.
CHART_LABELS = ("Other-specialty", "Same-specialty", "Peer groups", "Health", "Case study")
#: Where the chart sits: right of the visible columns, from the tab's first row, covering
#: nothing (0-based row and column of its top-left cell) and its size in pixels.
CHART_ANCHOR = (0, 15)
CHART_SIZE = (520, 300)
#: The layout mark, at (row 0, column 14): O1.
LAYOUT_MARK_CELL = (0, 14)
LAYOUT_VERSION = 2
LAYOUT_MARK = f"sheetsync Summary layout {LAYOUT_VERSION}"
#: Printing: landscape, fitted to the width of the visible columns.
PRINT_LANDSCAPE = True

#: The height of one line of wrapped text, in points (11-point text).
LINE_POINTS = 15
#: Characters of ordinary text a width unit holds (the unit is a digit's width).
CHARACTERS_PER_WIDTH = 1.1


def text_width(value: Cell) -> int:
    """How many character widths a value takes as the Summary shows it (a date: yyyy-mm-dd).

    One per character: the column widths are in widths of a digit, and most text is narrower,
    so this errs on the side of room.
    """
    if value is None:
        return 0
    if isinstance(value, date):
        return len("yyyy-mm-dd")
    return len(str(value))


def lines_needed(row: Sequence[Cell]) -> int:
    """The lines a grid row takes: its longest wrapped text over its column's width."""
    if len(row) > ROLE_COLUMN and row[ROLE_COLUMN] == TITLE:
        return 1
    lines = 1
    for value, column in zip(row[:VISIBLE_COLUMNS], COLUMNS, strict=False):
        if column.wrap and value is not None:
            # Words wrap whole: count the lines as a text wrapper breaks them, at the
            # characters a line holds (about 1.1 per width unit of 11-point Calibri).
            room = int((column.width - 1) * CHARACTERS_PER_WIDTH)
            pieces = str(value).split("\n")
            lines = max(lines, sum(max(1, len(wrap(p, room))) for p in pieces))
    return lines


#: The longest list of one kind the Summary spells out; the rest is counted. Keeps the tab a
#: summary (the demo prints on 2 pages), and inside the 1,000 rows a new Sheet's tab has.
MAX_LISTED = 25
#: Overdue items listed in "this week" before the upcoming ones.
OVERDUE_LISTED = 15
#: Named steps listed per goal in the next actions.
STEPS_LISTED = 3

#: The goals table's header, by column.
GOAL_COLUMNS = ("Goal", "Target", "Current", "Gap", "Status")
WEEK_COLUMNS: dict[int, str] = {0: "Who", 1: "When", 2: "What", 9: "Details"}


def _line(cells: dict[int, Cell], role: str = "") -> list[Cell]:
    width = (ROLE_COLUMN + 1) if role else (max(cells, default=-1) + 1)
    line: list[Cell] = [None] * width
    for column, value in cells.items():
        line[column] = value
    if role:
        line[ROLE_COLUMN] = role
    return line


def _week(summary: Summary) -> Block:
    today = summary.today
    last = today + timedelta(days=WEEK_DAYS)
    overdue = [i for i in summary.week if i.overdue]
    coming = [i for i in summary.week if not i.overdue]
    note = f"{short_date(today, today)} to {short_date(last, today)}"
    note += f": {len(overdue)} overdue, {len(coming)} to do"
    block = Block("This week", note, dict(WEEK_COLUMNS))
    for items, limit, what in ((overdue, OVERDUE_LISTED, "overdue"), (coming, MAX_LISTED, "")):
        for item in items[:limit]:
            block.rows.append({0: item.who, 1: item.day, 2: item.what, 9: item.details})
        if len(items) > limit:
            more = f"… and {len(items) - limit} more {what}".rstrip()
            block.rows.append({0: more + ": see Contacts' Next follow-up"})
    if not summary.week:
        block.rows.append({0: "Nothing due: a quiet week."})
    return block


def _goals(summary: Summary) -> Block:
    block = Block("Goals", "against the article's targets", dict(enumerate(GOAL_COLUMNS)))
    for goal in summary.goals:
        row: dict[int, Cell] = {0: goal.name, 1: goal.target_text, 2: goal.current}
        block.rows.append({**row, 3: goal.gap, 4: goal.status})
    return block


def _next_actions(summary: Summary) -> Block:
    note = "mental-health professionals first, then peer groups"
    block = Block("Next actions", note, {0: "Goal", 1: "Step"})
    for goal in summary.next_actions:
        steps = goal.steps or (goal.next_action,)
        for i, step in enumerate(steps[:STEPS_LISTED]):
            block.rows.append({0: goal.name if i == 0 else None, 1: step})
        if len(steps) > STEPS_LISTED:
            block.rows.append({1: f"… and {len(steps) - STEPS_LISTED} more"})
    if not summary.next_actions:
        block.rows.append({1: "Every goal is reached. Keep nurturing."})
    return block


def _pipeline(summary: Summary) -> Block:
    header = dict(enumerate(("Category", *t.STAGES, "Total")))
    block = Block("Pipeline", "contacts by category and stage", header)
    for category, counts in summary.pipeline:
        block.rows.append(dict(enumerate((category, *counts, sum(counts)))))
    totals = [sum(col) for col in zip(*(c for _, c in summary.pipeline), strict=True)]
    block.rows.append(dict(enumerate(("Total", *totals, sum(totals)))))
    return block


def _case_study(summary: Summary) -> Block:
    header = {0: "Slot", 1: "Needed", 2: "Have", 3: "Status", 9: "Members"}
    block = Block("Case-study group", "against its recipe", header)
    for slot in summary.case_study:
        members = ", ".join(slot.members)
        if slot.note:
            members = f"{members} (note: {slot.note})" if members else f"Note: {slot.note}"
        needed = range_text(*slot.needed)
        block.rows.append({0: slot.name, 1: needed, 2: slot.have, 3: slot.status, 9: members})
    return block


def _referrals(summary: Summary) -> Block:
    note = f"in the last {summary.window_months} months"
    block = Block("Referrals", note, {0: "Direction", 1: "Count"})
    block.rows += [{0: "In", 1: summary.referrals_in}, {0: "Out", 1: summary.referrals_out}]
    return block


def referral_ledger(summary: Summary) -> list[Block]:
    """The referral ledger's sections (issue 11, ``ledger``), between the case study and the
    problems: the referrers gone quiet. The counts of referrals in and out stay in
    ``_referrals`` just above it."""
    return [quiet_referrers_block(summary, MAX_LISTED)]


def _problems(summary: Summary) -> Block:
    block = Block(f"Rows with problems: {len(summary.problems)}")
    if not summary.problems:
        return block
    block.note = "each row's Sync status says more"
    block.header = {0: "Where", 1: "Row ID", 9: "Problem"}
    by_tab: dict[str, list[Problem]] = defaultdict(list)
    for problem in summary.problems:
        by_tab[problem.tab].append(problem)
    listed = [p for tab_problems in by_tab.values() for p in tab_problems][:MAX_LISTED]
    for p in listed:
        where = f"{p.tab} row {p.row_number}" if p.row_number else p.tab
        block.rows.append({0: where, 1: p.row_id, 9: p.message})
    if len(summary.problems) > MAX_LISTED:
        more = len(summary.problems) - MAX_LISTED
        block.rows.append({0: f"… and {more} more: see each row's Sync status"})
    return block


def summary_blocks(summary: Summary) -> list[Block]:
    """The sections in their order, each with the grid row it starts at."""
    blocks = [
        _week(summary),
        _goals(summary),
        _next_actions(summary),
        _pipeline(summary),
        _case_study(summary),
        _referrals(summary),
        *referral_ledger(summary),
        _problems(summary),
    ]
    row = 3  # after the title, "Last sync" and a blank row
    for block in blocks:
        block.first_row = row
        row += 1 + bool(block.header) + len(block.rows) + 1  # and a blank row after it
    return blocks


def _chart_data(summary: Summary) -> list[list[Cell]]:
    rows: list[list[Cell]] = [list(CHART_HEADER)]
    for label, goal in zip(CHART_LABELS, summary.goals, strict=True):
        rows.append([label, goal.current, goal.target[0]])
    return rows


def summary_grid(summary: Summary) -> Rows:
    """The Summary tab as rows of cells: the sections, then the hidden chart data and mark."""
    grid: Rows = [
        _line({0: "sheetsync summary: your referral network"}, TITLE),
        [t.SUMMARY_LAST_SYNC, summary.last_sync],
        [],
    ]
    for block in summary_blocks(summary):
        assert len(grid) == block.first_row
        grid.append(_line({0: block.heading, 1: block.note or None}, HEADING))
        if block.header:
            grid.append(_line(dict(block.header), HEADER))
        grid += [_line(row) for row in block.rows]
        grid.append([])
    while len(grid) < CHART_ROWS:
        grid.append([])
    for r, values in enumerate(_chart_data(summary)):
        line = grid[r] + [None] * (CHART_COLUMNS[-1] + 1 - len(grid[r]))
        for column, value in zip(CHART_COLUMNS, values, strict=True):
            line[column] = value
        grid[r] = line
    row, column = LAYOUT_MARK_CELL
    grid[row] += [None] * (column + 1 - len(grid[row]))
    grid[row][column] = LAYOUT_MARK
    return grid
