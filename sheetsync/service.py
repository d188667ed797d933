"""The sync as a service: read, validate, plan, carry out, write back. One function, no globals.

The backends are passed in (see ``bootstrap`` for the real ones), so the same code runs on the
local files, on Google, and on fakes in the tests.
"""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime

from sheetsync.core.identity import record_identity, record_row_ids_given
from sheetsync.core.plan import (
    NO_FOLDER,
    CellWrite,
    DraftOutcome,
    EventOutcome,
    Flyer,
    FlyerProblem,
    Plan,
    RowAppend,
    SheetChanges,
)
from sheetsync.core.planner import drafts_to_track, make_plan, plan_namespace, today_in
from sheetsync.core.summary import Summary, build_summary, summary_grid
from sheetsync.core.table import Snapshot
from sheetsync.core.validation import Problem, Validated, validate
from sheetsync.core.writeback import columns_to_add, compose
from sheetsync.ports import Backend, Flyers, WriteReport

log = logging.getLogger(__name__)


@dataclass
class SyncReport:
    """What a sync did (or, for a dry run, would do). Carries no names or emails in ``counts``."""

    plan: Plan
    summary: Summary
    writes: list[CellWrite]
    problems: list[Problem]
    events: Counter[str] = field(default_factory=Counter)
    drafts: Counter[str] = field(default_factory=Counter)
    write_report: WriteReport | None = None
    timings: dict[str, float] = field(default_factory=dict)
    requests: dict[str, int] = field(default_factory=dict)
    dry_run: bool = False

    @property
    def created(self) -> int:
        """Events and drafts created by this sync."""
        return self.events["created"] + self.drafts["created"]

    def counts(self) -> dict[str, object]:
        """Figures safe to log: counts only."""
        return {
            "dry_run": self.dry_run,
            "events": dict(self.events),
            "drafts": dict(self.drafts),
            "cells_written": self.write_report.cells_written if self.write_report else 0,
            "rows_not_found": self.write_report.rows_not_found if self.write_report else 0,
            "problems": len(self.problems),
            "requests": self.requests,
            "timings_s": {k: round(v, 4) for k, v in self.timings.items()},
        }


def _simulated(plan: Plan) -> tuple[dict[str, EventOutcome], dict[str, DraftOutcome]]:
    """Outcomes as if everything went through, for a dry run."""
    events = {
        e.event_id: EventOutcome(e.event_id, "cancelled" if e.cancelled else "created")
        for e in plan.pending_events
    }
    drafts = {
        d.message_id: DraftOutcome(d.message_id, "created", "(new draft)") for d in plan.drafts
    }
    return events, drafts


def run_sync(
    backend: Backend,
    now: datetime,
    dry_run: bool = False,
    timer: Callable[[], float] = time.perf_counter,
    fleet_notice: str = "",
) -> SyncReport:
    """Sync once. ``now`` is the time of the sync (timezone-aware).

    ``fleet_notice`` is a line about the Sheet's daily sync in a fleet (paused, or its last
    run failed: ``core.fleet.tenants.fleet_notice``), written at the foot of the Summary tab.

    A sync that changes things holds its Sheet throughout (a second one is refused with
    ``SyncInProgressError``) and first asks every port whether it can write, so a read-only
    or open workbook is refused before the calendar or the mailbox is touched. A dry run only
    reads: it needs neither.
    """
    if dry_run:
        return _sync_once(backend, now, True, timer, fleet_notice)
    for port in (backend.sheet, backend.calendar, backend.mailbox):
        port.check_writable()
    with backend.sheet.exclusive():
        return _sync_once(backend, now, False, timer, fleet_notice)


def load_flyer(name: str, flyers: Flyers | None) -> Flyer:
    """The flyer Settings > Flyer file names (``name``), loaded once for a whole sync.

    ``None`` when no flyer is named; a ``FlyerProblem`` when one is named but no folder is
    configured, or the file cannot be attached.
    """
    if not name:
        return None
    if flyers is None:
        return FlyerProblem(NO_FOLDER)
    return flyers.load(name)


def _kept_settings(
    validated: Validated, snapshot: Snapshot, namespace: str, plan: Plan
) -> tuple[tuple[CellWrite, ...], tuple[RowAppend, ...]]:
    """Settings > Sheet identity recorded when it is blank, and Settings > Row IDs given
    whenever this plan gave new ids (see ``core.identity``). A refused value is the person's."""
    writes: list[CellWrite] = []
    appends: list[RowAppend] = []
    refused = validated.refused_settings
    if not validated.settings.sheet_identity and "sheet_identity" not in refused:
        cells, rows = record_identity(snapshot, namespace)
        writes += cells
        appends += rows
    if "row_ids_given" not in refused:
        cells, rows = record_row_ids_given(snapshot, plan.row_ids_given)
        writes += cells
        appends += rows
    return tuple(writes), tuple(appends)


def _sync_once(
    backend: Backend,
    now: datetime,
    dry_run: bool,
    timer: Callable[[], float],
    fleet_notice: str = "",
) -> SyncReport:
    timings: dict[str, float] = {}
    start = timer()
    snapshot = backend.sheet.read()
    timings["read"] = timer() - start

    start = timer()
    validated = validate(snapshot)
    # Loaded once, before planning, so that a dry run reports the same flyer problem as a real
    # sync, and the mailboxes attach bytes without opening any file.
    flyer = load_flyer(validated.settings.flyer_file, backend.flyers)
    timings["plan"] = timer() - start

    # What became of the intros the Sheet records: read-only, so a dry run asks too and
    # plans exactly what the sync would.
    start = timer()
    namespace = plan_namespace(validated, backend.sheet.namespace)
    today = today_in(now, validated.settings.time_zone)
    fates = backend.mailbox.track(drafts_to_track(validated, namespace, today))
    timings["track"] = timer() - start

    start = timer()
    sees_sent = backend.mailbox.sees_sent
    plan = make_plan(validated, backend.sheet.namespace, now, flyer, fates, sees_sent)
    timings["plan"] += timer() - start

    start = timer()
    if dry_run:
        event_outcomes, draft_outcomes = _simulated(plan)
    else:
        event_outcomes = {o.event_id: o for o in backend.calendar.apply(plan.pending_events)}
        draft_outcomes = {o.message_id: o for o in backend.mailbox.ensure(plan.drafts)}
    timings["apply"] = timer() - start

    writes, extra = compose(plan, event_outcomes, draft_outcomes)
    kept, settings_rows = _kept_settings(validated, snapshot, backend.sheet.namespace, plan)
    writes = [*writes, *kept]
    # An older Sheet gains the template's newer columns (see ``columns_to_add``).
    changes = SheetChanges(
        cells=writes,
        columns=columns_to_add(snapshot),
        rows=(*plan.row_appends, *settings_rows),
    )
    # What the store already knows it will refuse (rows it cannot address safely): asked
    # before the Summary is built, so that this sync's Summary lists them.
    refused = backend.sheet.problems_with(snapshot, changes)
    problems = [*plan.problems, *extra, *refused]
    summary = build_summary(validated, plan, problems)
    report = SyncReport(
        plan=plan,
        summary=summary,
        writes=writes,
        problems=problems,
        events=Counter(o.action for o in event_outcomes.values()),
        drafts=Counter(o.state for o in draft_outcomes.values()),
        dry_run=dry_run,
    )
    if not dry_run:
        start = timer()
        grid = summary_grid(summary)
        if fleet_notice:
            # Below the computed Summary, so its layout (and the chart anchored to it) stays.
            grid = [*grid, [], ["Daily sync", fleet_notice]]
        changes = replace(changes, summary=grid)
        report.write_report = backend.sheet.write(snapshot, changes)
        # Found while writing, after the Summary went out: in the report, and in the next
        # sync's Summary if they are still there.
        report.problems.extend(report.write_report.conflicts)
        timings["write"] = timer() - start
    report.timings = timings
    for port in (backend.sheet, backend.calendar, backend.mailbox):
        report.requests.update(port.request_counts())
    # Counts only: the log never carries names, emails or tokens.
    log.info("sync finished: %s", json.dumps(report.counts(), sort_keys=True))
    return report
