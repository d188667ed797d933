"""The pure planner: validated tabs, settings and the time in, the sync's ``Plan`` out.

No I/O and no clock reads: ``now`` is an argument, so every rule here is tested with plain data.
The rules come from the article:

* therapists who are Prospects with an email get an intro letter drafted;
* an intro with no answer (stage Contacted) gets a follow-up after the configured delay;
* Met and Nurturing contacts get a nurture touch every cadence (2 months by default), counted
  from the latest touch in the Last contact column or the Log tab;
* health professionals reached by drop-in get one visit per practice, and one cover note per
  practice for the Practice Manager, with the flyer attached when one is configured (loaded
  before planning; while it cannot be attached, no cover note is drafted);
* joined or organised groups get their next meeting in the calendar.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from sheet_template import Tab
from sheet_template import tabs as t
from sheetsync.core import ids
from sheetsync.core.cells import FILE_NAME_RULE, Cell, as_text, parse_date
from sheetsync.core.gcpause import paused_gc
from sheetsync.core.letters import LetterError, check, render
from sheetsync.core.models import Contact, Group, LetterTemplate, Settings
from sheetsync.core.plan import (
    Attachment,
    DraftSpec,
    EventSpec,
    Flyer,
    FlyerProblem,
    LetterKind,
    Overdue,
    Plan,
    Purpose,
    RowPlan,
)
from sheetsync.core.table import RowRef
from sheetsync.core.validation import Problem, Row, Validated

OK = "OK"
INTRO_DRAFTED = "intro drafted; send it from your drafts, then set Stage to Contacted"
INTRO_SENT = "intro sent; set Stage to Contacted"


@dataclass(frozen=True)
class _Need:
    """A contact's next follow-up: why, and when (``None`` when anchored to the sheet)."""

    purpose: Purpose
    key: str
    due: date | None
    title: str
    description: str


def today_in(now: datetime, time_zone: str) -> date:
    """The calendar date at ``now`` in the practice's time zone."""
    return now.astimezone(ZoneInfo(time_zone)).date()


def _row_ids(rows: Sequence[Row[BaseModel]], tab: Tab) -> dict[RowRef, str]:
    """The id of every row: the one it keeps, or a new one after the highest on the tab."""
    kept = {row.ref: row.row_id for row in rows if row.row_id}
    missing = [row.ref for row in rows if not row.row_id]
    fresh = ids.next_row_ids((row.ref.row_id for row in rows), tab.id_prefix, len(missing))
    kept.update(zip(missing, fresh, strict=True))
    return kept


def _wants_intro(c: Contact) -> bool:
    """A therapist Prospect reached by email: the article's intro letter."""
    return (
        c.stage == t.PROSPECT
        and c.category in t.MENTAL_HEALTH_CATEGORIES
        and c.access_route in (None, t.ROUTE_EMAIL)
    )


def _drops_in(c: Contact) -> bool:
    """A health professional Prospect reached by a drop-in with a letter and flyers."""
    return (
        c.stage == t.PROSPECT
        and c.category in t.HEALTH_CATEGORIES
        and c.access_route in (t.ROUTE_DROP_IN, t.ROUTE_TRAINING)
    )


def _status(errors: Iterable[str]) -> str:
    errors = list(errors)
    return "Error: " + "; ".join(errors) if errors else OK


def _same_date(cell: Cell, day: date | None) -> bool:
    try:
        return parse_date(cell, "DMY") == day
    except ValueError:
        return False


class _Planner:
    def __init__(self, validated: Validated, namespace: str, now: datetime, flyer: Flyer) -> None:
        self.v = validated
        self.s: Settings = validated.settings
        self.namespace = namespace
        self.now = now
        self.today = today_in(now, self.s.time_zone)
        self.problems: list[Problem] = list(validated.sheet_problems)
        self.rows: list[RowPlan] = []
        self.events: dict[str, EventSpec] = {}
        self.drafts: dict[str, DraftSpec] = {}
        self.overdue: list[Overdue] = []
        self.contact_ids = _row_ids(validated.contacts, t.CONTACTS)
        self.known_ids = set(self.contact_ids.values())
        # Log and Referrals rows name a contact by name; only valid contacts can be named.
        self.by_name: dict[str, list[str]] = defaultdict(list)
        for row in validated.contacts:
            if row.model is not None:
                self.by_name[row.model.name.casefold()].append(self.contact_ids[row.ref])
        self.letter_errors = self._check_letters()
        self.flyer = flyer
        self.flyer_error = self._check_flyer()

    # -- letters ---------------------------------------------------------------------------

    def _check_letters(self) -> dict[str, str]:
        errors: dict[str, str] = {}
        for key in ("intro", "gp_cover"):
            letter = self.v.letters.get(key)
            if letter is None:
                errors[key] = f"the Templates tab has no {key!r} letter"
                continue
            for part, text in (("Subject", letter.subject), ("Body", letter.body)):
                for message in check(text):
                    errors.setdefault(key, f"Templates > {key} {part} {message}")
                    self.problems.append(
                        Problem(t.TEMPLATES.name, None, "", f"{key} {part} {message}")
                    )
        return errors

    def _check_flyer(self) -> str:
        """Why GP cover notes cannot be drafted with the flyer; "" when they can (or none is set).

        A cover note says flyers come with it: drafted without one, and recorded, it would
        never be drafted again once the flyer is fixed. So none is drafted until then.
        """
        instead = "no GP cover note is drafted until it is fixed"
        if "flyer_file" in self.v.refused_settings:  # validation reported it, with the reason
            return f"Settings > Flyer file: is not a plain file name; {FILE_NAME_RULE}; {instead}"
        if not isinstance(self.flyer, FlyerProblem):
            return ""
        row = self.v.setting_rows.get("flyer_file")
        reason = self.flyer.reason
        self.problems.append(Problem(t.SETTINGS.name, row, "", f"Flyer file: {reason}; {instead}"))
        return f"Settings > Flyer file: {reason}; {instead}"

    def _settings_values(self) -> dict[str, str]:
        s = self.s
        return {
            "your_name": s.your_name,
            "practice_name": s.practice_name,
            "your_email": s.your_email or "",
            "specialty": s.specialty,
            "who_you_help": s.who_you_help,
            "website": s.website,
            "local_area": s.local_area,
        }

    def _letter(self, kind: LetterKind, values: Mapping[str, str]) -> tuple[str, str] | str:
        """(subject, body), or the reason it cannot be written."""
        if kind in self.letter_errors:
            return self.letter_errors[kind]
        letter: LetterTemplate = self.v.letters[kind]
        label = "Intro letter" if kind == "intro" else "GP cover note"
        try:
            return render(letter.subject, values), render(letter.body, values)
        except LetterError as error:
            hint = _PLACEHOLDER_HINTS.get(str(error).split("{")[-1].split("}")[0], "")
            return f"{label} not drafted: {error}{hint}"

    # -- contacts --------------------------------------------------------------------------

    def _last_touch(self) -> dict[str, date]:
        latest: dict[str, date] = {}
        for row in self.v.contacts:
            if row.model is not None and row.model.last_contact:
                cid = self.contact_ids[row.ref]
                latest[cid] = row.model.last_contact
        log_ids = _row_ids(self.v.log, t.LOG)
        for log_row in self.v.log:
            errors = list(log_row.errors)
            if log_row.model is not None:
                cid = self._resolve(log_row.model.contact, errors)
                if cid and log_row.model.date <= self.today:
                    latest[cid] = max(latest.get(cid, log_row.model.date), log_row.model.date)
                elif cid:
                    errors.append("Date: is in the future; a touch is logged once it happened")
            self._simple_row(log_row, log_ids[log_row.ref], errors)
        return latest

    def _resolve(self, text: str, errors: list[str]) -> str:
        """The contact id a Log or Referrals row names (by Row ID or name); "" if none."""
        if text in self.known_ids:
            return text
        matches = self.by_name.get(text.casefold(), [])
        if len(matches) == 1:
            return matches[0]
        if matches:
            errors.append("Contact: several contacts have this name; use the Row ID instead")
        else:
            errors.append("Contact: no valid contact has this name or Row ID")
        return ""

    def _simple_row(self, row: Row[BaseModel], row_id: str, errors: Sequence[str]) -> None:
        status = _status(errors)
        self.rows.append(
            RowPlan(
                ref=row.ref,
                current={"row_id": row.ref.row_id, **row.synced},
                target={"row_id": row_id, "sync_status": status},
                status=status,
            )
        )
        if errors:
            self.problems.append(
                Problem(row.ref.tab, row.ref.row_number, row_id, "; ".join(errors))
            )

    def _need(self, c: Contact, cid: str, touch: date | None) -> _Need | None:
        s = self.s
        cadence = c.cadence_days or s.default_cadence_days
        if c.stage in (t.MET, t.NURTURING):
            due = touch + timedelta(days=cadence) if touch else None
            return _Need(
                "nurture",
                cid,
                due,
                f"Nurture touch: {c.name}",
                "Share an article or research, invite them for coffee, or ask their thoughts on "
                f"a clinical or practice question. Every {cadence} days.",
            )
        if c.stage == t.CONTACTED:
            due = touch + timedelta(days=s.intro_followup_days) if touch else None
            return _Need(
                "intro-followup",
                cid,
                due,
                f"Follow up intro: {c.name}",
                f"No answer yet to your note. Follow up {s.intro_followup_days} days after it.",
            )
        if _drops_in(c) and c.practice:
            return _Need(
                "drop-in",
                ids.practice_key(c.practice),
                None,
                f"Drop in at {c.practice}: letter and flyers for the Practice Manager",
                "Bring the printed cover note, your letter and flyers for the doctors, and offer "
                "a training session for the doctors.",
            )
        return None

    def _contacts(self, latest: Mapping[str, date]) -> None:
        needs: dict[RowRef, _Need] = {}
        for row in self.v.contacts:
            if row.model is not None:
                need = self._need(
                    row.model, self.contact_ids[row.ref], latest.get(self.contact_ids[row.ref])
                )
                if need:
                    needs[row.ref] = need
        # One event per need key (a practice's contacts share their drop-in visit).
        by_event: dict[str, list[RowRef]] = defaultdict(list)
        event_of: dict[RowRef, str] = {}
        for ref, need in needs.items():
            eid = ids.event_id(self.namespace, need.key, need.purpose)
            by_event[eid].append(ref)
            event_of[ref] = eid
        rows = {row.ref: row for row in self.v.contacts}
        for eid, refs in by_event.items():
            need = needs[refs[0]]
            day = need.due or self._anchor(eid, [rows[r] for r in refs], need.purpose)
            known = all(
                as_text(rows[r].synced.get("event_id")) == eid
                and _same_date(rows[r].synced.get("next_follow_up"), day)
                for r in refs
            )
            self.events[eid] = EventSpec(
                eid,
                need.purpose,
                self.s.calendar_id,
                day,
                need.title,
                need.description,
                tuple(refs),
                known=known,
            )
        drafts = self._contact_drafts()
        for row in self.v.contacts:
            self._contact_row(row, event_of.get(row.ref), drafts.get(row.ref))

    def _anchor(self, eid: str, rows: Sequence[Row[Contact]], purpose: Purpose) -> date:
        """A due date with no touch to count from: keep the one the Sheet records, if ours."""
        recorded = []
        for row in rows:
            if as_text(row.synced.get("event_id")) == eid:
                try:
                    day = parse_date(row.synced.get("next_follow_up"), "DMY")
                except ValueError:
                    day = None
                if day:
                    recorded.append(day)
        if recorded:
            return min(recorded)
        lead = self.s.drop_in_lead_days if purpose == "drop-in" else 0
        return self.today + timedelta(days=lead)

    def _contact_drafts(self) -> dict[RowRef, str]:
        """Plan drafts; returns each row's draft Message-ID, or the reason it has none."""
        out: dict[RowRef, str] = {}
        base = self._settings_values()
        sender = (self.s.your_name, self.s.your_email) if self.s.your_email else None
        practices: dict[str, list[Row[Contact]]] = defaultdict(list)
        for row in self.v.contacts:
            c = row.model
            if c is None:
                continue
            if _wants_intro(c):
                if not c.email or as_text(row.synced.get("draft_id")):
                    continue
                cid = self.contact_ids[row.ref]
                letter = self._letter(
                    "intro",
                    {
                        **base,
                        "first_name": c.first_name,
                        "name": c.name,
                        "practice": c.practice,
                        "area": c.area,
                        "practice_manager": c.practice_manager,
                    },
                )
                if isinstance(letter, str):
                    out[row.ref] = "!" + letter
                    continue
                mid = ids.message_id(self.namespace, cid, "intro")
                self.drafts[mid] = DraftSpec(
                    mid, "intro", (row.ref,), ((c.name, c.email),), sender, letter[0], letter[1]
                )
                out[row.ref] = mid
            elif _drops_in(c) and c.practice:
                practices[ids.practice_key(c.practice)].append(row)
        for key, rows in practices.items():
            pending = [r for r in rows if not as_text(r.synced.get("draft_id"))]
            if not pending:
                continue
            first = rows[0].model
            assert first is not None
            manager = next(
                (r.model.practice_manager for r in rows if r.model and r.model.practice_manager), ""
            )
            manager_email = next(
                (
                    r.model.practice_manager_email
                    for r in rows
                    if r.model and r.model.practice_manager_email
                ),
                None,
            )
            letter = self._letter(
                "gp_cover",
                {
                    **base,
                    "practice": first.practice,
                    "area": first.area,
                    "practice_manager": manager or "Practice Manager",
                    "first_name": manager or "Practice Manager",
                    "name": manager or "Practice Manager",
                },
            )
            errors = [e for e in (letter, self.flyer_error) if isinstance(e, str) and e]
            if errors:
                for r in pending:
                    out[r.ref] = "!" + "; ".join(errors)
                continue
            assert not isinstance(letter, str)
            mid = ids.message_id(self.namespace, key, "gp_cover")
            to = ((manager or "Practice Manager", manager_email),) if manager_email else ()
            attachment = self.flyer if isinstance(self.flyer, Attachment) else None
            self.drafts[mid] = DraftSpec(
                mid,
                "gp_cover",
                tuple(r.ref for r in pending),
                to,
                sender,
                letter[0],
                letter[1],
                attachment,
            )
            for r in pending:
                out[r.ref] = mid
        return out

    def _contact_row(self, row: Row[Contact], eid: str | None, draft: str | None) -> None:
        cid = self.contact_ids[row.ref]
        current = {"row_id": row.ref.row_id, **row.synced}
        if row.model is None:
            status = _status(row.errors)
            self.problems.append(
                Problem(row.ref.tab, row.ref.row_number, cid, "; ".join(row.errors))
            )
            self.rows.append(
                RowPlan(row.ref, current, {"row_id": cid, "sync_status": status}, status)
            )
            return
        c = row.model
        notes: list[str] = []
        errors: list[str] = []
        event = self.events.get(eid) if eid else None
        if _drops_in(c) and not c.practice:
            errors.append("Practice: is empty; a drop-in visit needs the practice's name")
        if draft and draft.startswith("!"):
            errors.append(draft[1:])
            draft = None
        recorded = as_text(row.synced.get("draft_id"))
        if c.stage == t.PROSPECT and c.category in t.MENTAL_HEALTH_CATEGORIES:
            if _wants_intro(c) and not c.email:
                notes.append("no email yet, so no intro drafted")
            elif recorded == "sent":
                notes.append(INTRO_SENT)
            elif recorded or draft:
                # Said already when the draft is planned, so the next sync's status is the same.
                notes.append(INTRO_DRAFTED)
        if event and event.day < self.today:
            self.overdue.append(
                Overdue(cid, c.name, c.category, event.day, event.title.split(":")[0])
            )
        status = (
            "Error: " + "; ".join(errors)
            if errors
            else OK + (": " + "; ".join(notes) if notes else "")
        )
        if errors:
            self.problems.append(Problem(row.ref.tab, row.ref.row_number, cid, "; ".join(errors)))
        target: dict[str, Cell] = {
            "row_id": cid,
            "next_follow_up": event.day if event else None,
            "event_id": eid,
            "sync_status": status,
        }
        self.rows.append(RowPlan(row.ref, current, target, status, eid, draft))

    # -- groups ----------------------------------------------------------------------------

    def _groups(self) -> None:
        group_ids = _row_ids(self.v.groups, t.GROUPS)
        for row in self.v.groups:
            gid = group_ids[row.ref]
            current = {"row_id": row.ref.row_id, **row.synced}
            g: Group | None = row.model
            if g is None:
                self._simple_row(row, gid, row.errors)
                continue
            notes = []
            eid = None
            if g.status in (t.GROUP_JOINED, t.GROUP_ORGANISING):
                if g.next_meeting is None:
                    notes.append("add the Next meeting date to get it in the calendar")
                else:
                    eid = ids.event_id(self.namespace, gid, "meeting")
                    known = as_text(row.synced.get("event_id")) == eid and _same_date(
                        row.synced.get("synced_date"), g.next_meeting
                    )
                    self.events[eid] = EventSpec(
                        eid,
                        "meeting",
                        self.s.calendar_id,
                        g.next_meeting,
                        f"{g.name} meeting",
                        f"{g.type}. Meets: {g.meets or 'not set'}.",
                        (row.ref,),
                        known=known,
                    )
            status = OK + (": " + "; ".join(notes) if notes else "")
            target: dict[str, Cell] = {
                "row_id": gid,
                "synced_date": g.next_meeting if eid else None,
                "event_id": eid,
                "sync_status": status,
            }
            self.rows.append(RowPlan(row.ref, current, target, status, eid))

    # -- referrals -------------------------------------------------------------------------

    def _referrals(self) -> None:
        referral_ids = _row_ids(self.v.referrals, t.REFERRALS)
        for row in self.v.referrals:
            errors = list(row.errors)
            if row.model is not None:
                self._resolve(row.model.contact, errors)
            self._simple_row(row, referral_ids[row.ref], errors)

    # -- cancellations ---------------------------------------------------------------------

    def _cancellations(self) -> None:
        """Cancel our events that no row needs any more (stage moved on, group left)."""
        needed = set(self.events)
        stale: dict[str, list[RowRef]] = defaultdict(list)
        rows: list[Row[BaseModel]] = [*self.v.contacts, *self.v.groups]
        for row in rows:
            old = as_text(row.synced.get("event_id"))
            if row.model is not None and ids.is_event_id(old) and old not in needed:
                stale[old].append(row.ref)
        for eid, refs in stale.items():
            self.events[eid] = EventSpec(
                eid, "nurture", self.s.calendar_id, self.today, "", "", tuple(refs), cancelled=True
            )

    def plan(self) -> Plan:
        latest = self._last_touch()
        self._contacts(latest)
        self._groups()
        self._referrals()
        self._cancellations()
        return Plan(
            now=self.now,
            today=self.today,
            events=tuple(self.events.values()),
            drafts=tuple(self.drafts.values()),
            rows=tuple(self.rows),
            problems=tuple(self.problems),
            overdue=tuple(sorted(self.overdue, key=lambda o: (o.due, o.row_id))),
        )


_PLACEHOLDER_HINTS = {
    "your_name": " (fill Settings > Your name)",
    "practice_name": " (fill Settings > Practice name)",
    "your_email": " (fill Settings > Your email)",
    "specialty": " (fill Settings > Your specialty)",
    "who_you_help": " (fill Settings > Who you help)",
    "website": " (fill Settings > Website URL)",
    "local_area": " (fill Settings > Local area)",
    "practice": " (fill the Practice column)",
    "area": " (fill the Area column)",
}


def make_plan(validated: Validated, namespace: str, now: datetime, flyer: Flyer = None) -> Plan:
    """Plan a sync. ``namespace`` keeps ids of different Sheets apart (the spreadsheet id).

    ``flyer`` is Settings > Flyer file as loaded for this sync (``adapters.flyer.load_flyer``):
    the file, the problem that stops it from being attached, or ``None`` when none is set.
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    with paused_gc():  # see sheetsync.core.gcpause
        return _Planner(validated, namespace, now, flyer).plan()
