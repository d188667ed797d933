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

from datetime import datetime

from sheetsync.core.gcpause import paused_gc
from sheetsync.core.plan import Flyer, Plan
from sheetsync.core.planner.cancellations import plan_cancellations
from sheetsync.core.planner.contacts import plan_contacts
from sheetsync.core.planner.context import build_context, today_in
from sheetsync.core.planner.groups import plan_groups
from sheetsync.core.planner.letterbook import letter_book
from sheetsync.core.planner.records import evidence_by_contact, referral_rows
from sheetsync.core.validation import Validated

__all__ = ["make_plan", "today_in"]


def make_plan(validated: Validated, namespace: str, now: datetime, flyer: Flyer = None) -> Plan:
    """Plan a sync. ``namespace`` keeps ids of different Sheets apart (the spreadsheet id).

    ``flyer`` is Settings > Flyer file as loaded for this sync (``adapters.flyer.load_flyer``):
    the file, the problem that stops it from being attached, or ``None`` when none is set.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    with paused_gc():  # see sheetsync.core.gcpause
        return _plan(validated, namespace, now, flyer)


def _plan(validated: Validated, namespace: str, now: datetime, flyer: Flyer) -> Plan:
    # The identity the Sheet records wins over the store's: a copied or renamed file keeps
    # its events and drafts (Settings > Sheet identity, filled by the first sync).
    ctx = build_context(validated, validated.settings.sheet_identity or namespace, now)
    letters = letter_book(validated, flyer)
    evidence, log = evidence_by_contact(ctx)
    ctx = ctx.with_evidence(evidence)
    contacts = plan_contacts(ctx, letters)
    groups = plan_groups(ctx)
    referrals = referral_rows(ctx)
    events = (*contacts.events, *groups.events)
    cancelled = plan_cancellations(ctx, {event.event_id for event in events})
    rows = (*log.rows, *contacts.rows, *groups.rows, *referrals.rows)
    row_problems = (row.problem(row.status) for row in rows if row.status.errors)
    return Plan(
        now=now,
        today=ctx.today,
        events=(*events, *cancelled),
        drafts=contacts.drafts,
        rows=rows,
        problems=(*validated.sheet_problems, *letters.problems, *row_problems),
        overdue=tuple(sorted(contacts.overdue, key=lambda o: (o.due, o.row_id))),
        stages={row.ref: ctx.stage_of(row) for row in validated.contacts if row.model},
        namespace=ctx.namespace,
    )
