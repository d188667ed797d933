"""The referral ledger per contact: referrals in and out over the window, and who went quiet.

Each valid contact's Referrals in and Referrals out cells count the Referrals rows that name
them, dated within Settings > Referral window (months) up to today (blank for none). A contact
who referred clients in before, and has had no referral and no touch for Settings > Quiet after
(days), is a quiet referrer: the Summary names them as people to nurture.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import date, timedelta

from sheet_template import tabs as t
from sheetsync.core.plan import QuietReferrer, RowPlan
from sheetsync.core.planner.context import Context
from sheetsync.core.table import RowRef


def months_before(day: date, months: int) -> date:
    """The day ``months`` calendar months before ``day`` (the 28th at the latest).

    >>> months_before(date(2026, 3, 31), 12)
    datetime.date(2025, 3, 28)
    """
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, min(day.day, 28))


def _referrals(ctx: Context) -> list[tuple[str, str, date]]:
    """(contact id, direction, date) of every valid Referrals row naming one contact."""
    found = []
    for row in ctx.validated.referrals:
        r = row.model
        if r is None:
            continue
        if r.contact in ctx.known_ids:
            found.append((r.contact, r.direction, r.date))
        elif len(ids := ctx.by_name.get(r.contact.casefold(), ())) == 1:
            found.append((ids[0], r.direction, r.date))
    return found


def with_ledger(ctx: Context, rows: tuple[RowPlan, ...]) -> tuple[RowPlan, ...]:
    """The contact rows with their Referrals in and Referrals out cells in the target."""
    start = months_before(ctx.today, ctx.settings.referral_window_months)
    counts = Counter(
        (cid, direction) for cid, direction, day in _referrals(ctx) if start < day <= ctx.today
    )
    valid: dict[RowRef, str] = {
        row.ref: ctx.contact_ids[row.ref] for row in ctx.validated.contacts if row.model
    }
    out = []
    for plan in rows:
        cid = valid.get(plan.ref) if plan.ref.tab == t.CONTACTS.name else None
        if cid is not None:
            # Blank for none: the few contacts who refer stand out, and a large Sheet of
            # contacts with no referrals gets no writes for them.
            ledger = {
                "referrals_in": counts[cid, "In"] or None,
                "referrals_out": counts[cid, "Out"] or None,
            }
            plan = replace(plan, target={**plan.target, **ledger})
        out.append(plan)
    return tuple(out)


def quiet_referrers(ctx: Context) -> tuple[QuietReferrer, ...]:
    """Contacts who referred in before, with no referral and no touch for the quiet period,
    the longest quiet first. Contacts marked Not a fit or paused are left alone."""
    since = ctx.today - timedelta(days=ctx.settings.quiet_after_days)
    last_in: dict[str, date] = {}
    last_any: dict[str, date] = {}
    for cid, direction, day in _referrals(ctx):
        if day > ctx.today:
            continue
        last_any[cid] = max(last_any.get(cid, day), day)
        if direction == "In":
            last_in[cid] = max(last_in.get(cid, day), day)
    quiet = []
    for row in ctx.validated.contacts:
        c = row.model
        cid = ctx.contact_ids[row.ref]
        if c is None or cid not in last_in or c.stage in (t.NOT_A_FIT, t.PAUSED):
            continue
        if c.paused_until and c.paused_until > ctx.today:
            continue
        touch = ctx.evidence_of(row).last_touch
        if last_any[cid] >= since or (touch and touch >= since):
            continue
        quiet.append(QuietReferrer(cid, c.name, last_in[cid], touch))
    return tuple(sorted(quiet, key=lambda q: (q.last_referral, q.row_id)))
