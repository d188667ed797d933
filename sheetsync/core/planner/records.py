"""The Log tab: rows that name a contact, and what they record happened (the Referrals tab
is ``thanks.py``'s).

Each contact's ``Evidence`` (``evidence.py``) comes from its Last contact cell and its Log
entries: the latest touch its next follow-up is counted from, an intro sent, a reply, a meeting
held or booked ahead, a drop-in visit made.
"""

from __future__ import annotations

from sheet_template import tabs as t
from sheetsync.core.planner.context import Context, Part, row_ids
from sheetsync.core.planner.evidence import Evidence, with_entry
from sheetsync.core.planner.status import simple_row
from sheetsync.core.planner.tracking import cell_date, found_evidence

_NONE = Evidence()
_AHEAD = (
    "Date: is in the future; only a Meeting, Coffee or Training session can be logged ahead "
    "(as booked); anything else is logged once it happened"
)


def evidence_by_contact(ctx: Context) -> tuple[dict[str, Evidence], Part]:
    """Each contact's evidence by contact id, and the Log rows' statuses."""
    found: dict[str, Evidence] = {}
    for row in ctx.validated.contacts:
        c = row.model
        if c is None:
            continue
        ev = Evidence()
        if c.last_contact and c.last_contact <= ctx.today:
            ev = ev.touched(c.last_contact)
        sent, replied = (cell_date(row.synced.get(key)) for key in ("intro_sent", "replied"))
        ev = found_evidence(ev, ctx.fate_of(row), sent, replied)
        if ev != _NONE:
            found[ctx.contact_ids[row.ref]] = ev
    log_ids = row_ids(ctx.validated.log, t.LOG, ctx.settings)
    rows = []
    for log_row in ctx.validated.log:
        errors = list(log_row.errors)
        entry = log_row.model
        if entry is not None:
            cid = ctx.resolve(entry.contact, errors)
            if cid and entry.date > ctx.today and entry.what not in t.MEETING_KINDS:
                errors.append(_AHEAD)
            elif cid:
                found[cid] = with_entry(
                    found.get(cid, Evidence()), entry.what, entry.date, ctx.today
                )
        rows.append(simple_row(log_row, log_ids[log_row.ref], errors))
    return found, Part(rows=tuple(rows))
