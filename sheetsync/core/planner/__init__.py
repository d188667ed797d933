"""The pure planner: validated tabs, settings and the time in, the sync's ``Plan`` out.

No I/O and no clock reads: ``now`` is an argument, so every rule here is tested with plain data.
The rules come from the article, one concern a module:

* ``drafts``: therapists who are Prospects with an email get an intro letter drafted; health
  professionals reached by drop-in get one cover note per practice for the Practice Manager,
  with the flyer attached when one is configured (loaded before planning; while it cannot be
  attached, no cover note is drafted);
* ``contacts``: an intro with no answer (stage Contacted) gets a follow-up after the
  configured delay; Met and Nurturing contacts get a nurture touch every cadence (2 months by
  default), counted from the latest touch in the Last contact column or the Log tab
  (``records``); a drop-in is one visit per practice;
* ``groups``: joined or organised groups get their next meeting in the calendar;
* ``cancellations``: events no row needs any more are cancelled;
* ``status``: each row's errors and notes, rendered later by the write-back.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime

from sheetsync.core.gcpause import paused_gc
from sheetsync.core.plan import DraftFate, Flyer, Plan
from sheetsync.core.planner.cancellations import plan_cancellations
from sheetsync.core.planner.contacts import plan_contacts
from sheetsync.core.planner.context import build_context, row_ids_given, today_in
from sheetsync.core.planner.groups import plan_groups
from sheetsync.core.planner.ledger import quiet_referrers, with_ledger
from sheetsync.core.planner.letterbook import letter_book
from sheetsync.core.planner.nurture import touches_by_contact
from sheetsync.core.planner.records import evidence_by_contact
from sheetsync.core.planner.thanks import plan_referrals
from sheetsync.core.planner.tracking import drafts_to_track, plan_namespace
from sheetsync.core.validation import Validated

__all__ = ["drafts_to_track", "make_plan", "plan_namespace", "today_in"]


def make_plan(
    validated: Validated,
    namespace: str,
    now: datetime,
    flyer: Flyer = None,
    fates: Sequence[DraftFate] = (),
    sees_sent: bool = False,
) -> Plan:
    """Plan a sync. ``namespace`` keeps ids of different Sheets apart (the spreadsheet id).

    ``flyer`` is Settings > Flyer file as loaded for this sync (``adapters.flyer.load_flyer``):
    the file, the problem that stops it from being attached, or ``None`` when none is set.
    ``fates`` is what the mailbox found of the drafts ``drafts_to_track`` named;
    ``sees_sent`` says whether the mailbox shows a sent draft (else the person logs it).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    with paused_gc():  # see sheetsync.core.gcpause
        by_id = {f.message_id: f for f in fates}
        return _plan(validated, namespace, now, flyer, by_id, sees_sent)


def _plan(
    validated: Validated,
    namespace: str,
    now: datetime,
    flyer: Flyer,
    fates: Mapping[str, DraftFate],
    sees_sent: bool,
) -> Plan:
    ctx = build_context(validated, plan_namespace(validated, namespace), now, fates, sees_sent)
    letters = letter_book(validated, flyer)
    evidence, log = evidence_by_contact(ctx)
    ctx = replace(ctx.with_evidence(evidence), touches=touches_by_contact(ctx))
    contacts = plan_contacts(ctx, letters)
    groups = plan_groups(ctx)
    referrals = plan_referrals(ctx, letters)
    events = (*contacts.events, *groups.events)
    cancelled = plan_cancellations(ctx, {event.event_id for event in events})
    rows = (*log.rows, *with_ledger(ctx, contacts.rows), *groups.rows, *referrals.rows)
    row_problems = (row.problem(row.status) for row in rows if row.status.errors)
    return Plan(
        now=now,
        today=ctx.today,
        events=(*events, *cancelled),
        drafts=(*contacts.drafts, *referrals.drafts),
        rows=rows,
        problems=(*validated.sheet_problems, *letters.problems, *row_problems),
        overdue=tuple(sorted(contacts.overdue, key=lambda o: (o.due, o.row_id))),
        stages={row.ref: ctx.stage_of(row) for row in validated.contacts if row.model},
        namespace=ctx.namespace,
        row_appends=letters.appends,
        quiet_referrers=quiet_referrers(ctx),
        row_ids_given=row_ids_given(validated),
    )
