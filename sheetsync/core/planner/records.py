"""The Log and Referrals tabs: rows that name a contact, and the touches the Log records.

A contact's latest touch (its Last contact cell, or the latest Log entry for it that has
happened) is what its next follow-up is counted from.
"""

from __future__ import annotations

from datetime import date

from sheet_template import tabs as t
from sheetsync.core.planner.context import Context, Part, row_ids
from sheetsync.core.planner.status import simple_row


def last_touches(ctx: Context) -> tuple[dict[str, date], Part]:
    """Each contact's latest touch by contact id, and the Log rows' statuses."""
    latest: dict[str, date] = {}
    for row in ctx.validated.contacts:
        if row.model is not None and row.model.last_contact:
            latest[ctx.contact_ids[row.ref]] = row.model.last_contact
    log_ids = row_ids(ctx.validated.log, t.LOG)
    rows = []
    for log_row in ctx.validated.log:
        errors = list(log_row.errors)
        if log_row.model is not None:
            cid = ctx.resolve(log_row.model.contact, errors)
            day = log_row.model.date
            if cid and day <= ctx.today:
                latest[cid] = max(latest.get(cid, day), day)
            elif cid:
                errors.append("Date: is in the future; a touch is logged once it happened")
        rows.append(simple_row(log_row, log_ids[log_row.ref], errors))
    return latest, Part(rows=tuple(rows))


def referral_rows(ctx: Context) -> Part:
    """The Referrals rows' statuses: each must name a contact."""
    referral_ids = row_ids(ctx.validated.referrals, t.REFERRALS)
    rows = []
    for row in ctx.validated.referrals:
        errors = list(row.errors)
        if row.model is not None:
            ctx.resolve(row.model.contact, errors)
        rows.append(simple_row(row, referral_ids[row.ref], errors))
    return Part(rows=tuple(rows))
