"""What every part of the planner reads: the validated tabs, the day, row ids and names.

Built once per plan (``build_context``) and never changed after; each part returns what it adds
to the plan as a ``Part``, and ``make_plan`` puts the parts together in a fixed order.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

from pydantic import BaseModel

from sheet_template import Tab
from sheet_template import tabs as t
from sheetsync.core import ids
from sheetsync.core.cells import Cell, parse_date
from sheetsync.core.models import Contact, Settings
from sheetsync.core.plan import DraftFate, DraftSpec, EventSpec, Overdue, RowPlan
from sheetsync.core.planner.evidence import Evidence, effective_stage
from sheetsync.core.table import RowRef
from sheetsync.core.validation import Row, Validated


@dataclass(frozen=True)
class Context:
    """The inputs of one plan, and what is derived from them before any part runs."""

    validated: Validated
    #: Keeps ids of different Sheets apart (the spreadsheet id, or the workbook's name).
    namespace: str
    now: datetime
    #: The date at ``now`` in the practice's time zone.
    today: date
    #: Every contact row's id: the one it keeps, or the new one it gets.
    contact_ids: Mapping[RowRef, str]
    #: The same for every group row.
    group_ids: Mapping[RowRef, str]
    #: The values of ``contact_ids``.
    known_ids: frozenset[str]
    #: Valid contacts' ids by case-folded name (Log and Referrals rows name contacts so).
    by_name: Mapping[str, tuple[str, ...]]
    #: What the records say happened with each contact, by contact id (``with_evidence``).
    evidence: Mapping[str, Evidence] = field(default_factory=dict)
    #: What the mailbox found of the intros the Sheet records, by Message-ID.
    fates: Mapping[str, DraftFate] = field(default_factory=dict)
    #: The mailbox shows when a draft is sent (Gmail), so nobody needs to log it.
    sees_sent: bool = False
    #: How many Log entries name each contact, by contact id (the nurture ideas rotate on it).
    touches: Mapping[str, int] = field(default_factory=dict)

    @property
    def settings(self) -> Settings:
        """The Settings tab, validated."""
        return self.validated.settings

    def with_evidence(self, evidence: Mapping[str, Evidence]) -> Context:
        """This context once the records have been read."""
        return replace(self, evidence=evidence)

    def evidence_of(self, row: Row[Contact]) -> Evidence:
        """What the records say happened with the contact of ``row``."""
        return self.evidence.get(self.contact_ids[row.ref], _NOTHING)

    def fate_of(self, row: Row[Contact]) -> DraftFate | None:
        """What the mailbox found of the intro recorded for ``row`` (None: not asked)."""
        return self.fates.get(ids.message_id(self.namespace, self.contact_ids[row.ref], "intro"))

    def stage_of(self, row: Row[Contact]) -> str:
        """The stage the planner acts on for a valid contact: its Stage, or the evidence's."""
        assert row.model is not None
        return effective_stage(row.model.stage, self.evidence_of(row), self.today)

    def resolve(self, text: str, errors: list[str]) -> str:
        """The contact id a Log or Referrals row names (by Row ID or name); "" if none.

        Says why in ``errors`` when the name matches no valid contact, or several.
        """
        if text in self.known_ids:
            return text
        matches = self.by_name.get(text.casefold(), ())
        if len(matches) == 1:
            return matches[0]
        if matches:
            errors.append("Contact: several contacts have this name; use the Row ID instead")
        else:
            errors.append("Contact: no valid contact has this name or Row ID")
        return ""


_NOTHING = Evidence()


@dataclass(frozen=True)
class Part:
    """What one concern of the planner adds to the plan."""

    rows: tuple[RowPlan, ...] = ()
    events: tuple[EventSpec, ...] = ()
    drafts: tuple[DraftSpec, ...] = ()
    overdue: tuple[Overdue, ...] = ()


def today_in(now: datetime, time_zone: str) -> date:
    """The calendar date at ``now`` in the practice's time zone."""
    return now.astimezone(ZoneInfo(time_zone)).date()


def row_ids(rows: Sequence[Row[BaseModel]], tab: Tab, settings: Settings) -> dict[RowRef, str]:
    """The id of every row: the one it keeps, or a new one after the highest on the tab and
    the highest ever given there (Settings > Row IDs given)."""
    kept = {row.ref: row.row_id for row in rows if row.row_id}
    missing = [row.ref for row in rows if not row.row_id]
    floor = given_row_numbers(settings).get(tab.id_prefix, 0)
    existing = (row.ref.row_id for row in rows)
    fresh = ids.next_row_ids(existing, tab.id_prefix, len(missing), floor)
    kept.update(zip(missing, fresh, strict=True))
    return kept


def given_row_numbers(settings: Settings) -> dict[str, int]:
    """Settings > Row IDs given, read (validation has checked it; refused, it is blank)."""
    return ids.parse_given(settings.row_ids_given)


def row_ids_given(validated: Validated) -> str:
    """Settings > Row IDs given once this plan's new rows have their ids: per tab, the highest
    of what it said, the ids on the tab, and the ids ``row_ids`` gives now."""
    settings = validated.settings
    given = given_row_numbers(settings)
    tabs = (
        (t.CONTACTS, validated.contacts),
        (t.GROUPS, validated.groups),
        (t.LOG, validated.log),
        (t.REFERRALS, validated.referrals),
    )
    for tab, rows in tabs:
        now = [*(row.ref.row_id for row in rows), *row_ids(rows, tab, settings).values()]
        highest = ids.highest_row_number(now, tab.id_prefix)
        given[tab.id_prefix] = max(given.get(tab.id_prefix, 0), highest)
    return ids.render_given(given)


def build_context(
    validated: Validated,
    namespace: str,
    now: datetime,
    fates: Mapping[str, DraftFate] | None = None,
    sees_sent: bool = False,
) -> Context:
    """The context of a plan made at ``now``."""
    contact_ids = row_ids(validated.contacts, t.CONTACTS, validated.settings)
    # Only valid contacts can be named.
    by_name: dict[str, list[str]] = defaultdict(list)
    for row in validated.contacts:
        if row.model is not None:
            by_name[row.model.name.casefold()].append(contact_ids[row.ref])
    return Context(
        validated=validated,
        namespace=namespace,
        now=now,
        today=today_in(now, validated.settings.time_zone),
        contact_ids=contact_ids,
        group_ids=row_ids(validated.groups, t.GROUPS, validated.settings),
        known_ids=frozenset(contact_ids.values()),
        by_name={name: tuple(found) for name, found in by_name.items()},
        fates=fates or {},
        sees_sent=sees_sent,
    )


def current_cells(row: Row[BaseModel]) -> dict[str, Cell]:
    """The row's sync-owned cells as read, with the Row ID it was read with."""
    return {"row_id": row.ref.row_id, **row.synced}


def same_date(cell: Cell, day: date | None) -> bool:
    """True when ``cell`` holds ``day`` (a cell that is no date never does)."""
    try:
        return parse_date(cell, "DMY") == day
    except ValueError:
        return False
