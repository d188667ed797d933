"""Pydantic models of each tab's rows, tolerant of what spreadsheet cells really hold.

Field names are the template's column keys, so the column mapping comes from ``sheet_template``
alone (a test checks the two agree). Dates depend on the Settings' date order, passed in the
validation context as ``{"date_order": "DMY" | "MDY"}``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationInfo

from sheet_template import tabs
from sheet_template.settings import DATE_ORDERS
from sheetsync.core import cells, emails, ids, names

#: Longest name or practice we accept; longer is almost surely a paste gone wrong.
MAX_NAME = 200
#: Google Sheets' own limit on one cell.
MAX_CELL = 50_000


def _context_order(info: ValidationInfo) -> cells.DateOrder:
    context = info.context or {}
    order = context.get("date_order", "DMY")
    return "MDY" if order == "MDY" else "DMY"


def _date(value: Any, info: ValidationInfo) -> date | None:
    return cells.parse_date(value, _context_order(info))


def _required_date(value: Any, info: ValidationInfo) -> date:
    parsed = _date(value, info)
    if parsed is None:
        raise ValueError("is empty; a date is needed")
    return parsed


def _text(limit: int) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        text = cells.as_text(value)
        if len(text) > limit:
            raise ValueError(f"is longer than {limit} characters")
        return text

    return parse


def _name(value: Any) -> str:
    # Names go into email headers and event titles: fold line breaks so they cannot split one.
    text = cells.one_line(value)
    if not text:
        raise ValueError("is empty")
    if len(text) > MAX_NAME:
        raise ValueError(f"is longer than {MAX_NAME} characters")
    return text


def _short(value: Any) -> str:
    text = cells.one_line(value)
    if len(text) > MAX_NAME:
        raise ValueError(f"is longer than {MAX_NAME} characters")
    return text


def _choice(choices: tuple[str, ...], default: str | None = None) -> Callable[[Any], str | None]:
    def parse(value: Any) -> str | None:
        parsed = cells.parse_choice(value, choices)
        return default if parsed is None else parsed

    return parse


def _required_choice(choices: tuple[str, ...]) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        parsed = cells.parse_choice(value, choices)
        if parsed is None:
            raise ValueError("is empty; choose one of: " + ", ".join(choices))
        return parsed

    return parse


def _cadence(value: Any) -> int | None:
    return cells.parse_int(value, minimum=1, maximum=3650)


Text = Annotated[str, BeforeValidator(_text(MAX_CELL))]
Name = Annotated[str, BeforeValidator(_name)]
Short = Annotated[str, BeforeValidator(_short)]
OptDate = Annotated[date | None, BeforeValidator(_date)]
ReqDate = Annotated[date, BeforeValidator(_required_date)]
OptEmail = Annotated[str | None, BeforeValidator(emails.parse_email)]
#: The user's own address: a non-ASCII local part is theirs to change, not a contact's.
OwnEmail = Annotated[
    str | None,
    BeforeValidator(lambda v: emails.parse_email(v, advice="use another address of yours")),
]
FileName = Annotated[str, BeforeValidator(cells.parse_file_name)]
OptBool = Annotated[bool | None, BeforeValidator(cells.parse_bool)]
Cadence = Annotated[int | None, BeforeValidator(_cadence)]
RowId = Annotated[str, BeforeValidator(cells.one_line)]


class RowModel(BaseModel):
    """Base of the row models: immutable, and blind to columns the person added."""

    model_config = ConfigDict(frozen=True, extra="ignore")


class Contact(RowModel):
    """A row of the Contacts tab: a person in the referral network."""

    row_id: RowId = ""
    name: Name
    email: OptEmail = None
    phone: Short = ""
    practice: Short = ""
    practice_size: Annotated[str | None, BeforeValidator(_choice(tabs.PRACTICE_SIZES))] = None
    category: Annotated[str, BeforeValidator(_required_choice(tabs.CATEGORIES))]
    specialty: Short = ""
    area: Short = ""
    stage: Annotated[str, BeforeValidator(_choice(tabs.STAGES, tabs.PROSPECT))] = tabs.PROSPECT
    paused_until: OptDate = None
    last_contact: OptDate = None
    cadence_days: Cadence = None
    mh_likelihood: Annotated[str | None, BeforeValidator(_choice(tabs.LIKELIHOODS))] = None
    access_route: Annotated[str | None, BeforeValidator(_choice(tabs.ACCESS_ROUTES))] = None
    practice_manager: Short = ""
    practice_manager_email: OptEmail = None
    case_study_member: OptBool = None
    notes: Text = ""
    greeting: Short = ""

    @property
    def greeting_name(self) -> str:
        """The name to greet by: the Greeting cell, else derived from Name (``core.names``)."""
        return self.greeting or names.greeting_name(self.name)

    @property
    def title_surname(self) -> str:
        """The formal name ("Dr Smith"): the Greeting cell when given, since it says how this
        person is greeted, else derived from Name."""
        return self.greeting or names.title_surname(self.name)

    @property
    def first_name(self) -> str:
        """The greeting name, under the placeholder's older name ``{first_name}``."""
        return self.greeting_name


class Group(RowModel):
    """A row of the Groups tab: a peer support or case-study group."""

    row_id: RowId = ""
    name: Name
    type: Annotated[str, BeforeValidator(_required_choice(tabs.GROUP_TYPES))]
    organiser: Short = ""
    meets: Annotated[str | None, BeforeValidator(_choice(tabs.MEETS))] = None
    next_meeting: OptDate = None
    status: Annotated[str, BeforeValidator(_choice(tabs.GROUP_STATUSES, tabs.GROUP_EXPLORING))] = (
        tabs.GROUP_EXPLORING
    )
    members: Text = ""
    notes: Text = ""


class LogEntry(RowModel):
    """A row of the Log tab: a touch with a contact that happened (a note, a call, a meeting)."""

    row_id: RowId = ""
    date: ReqDate
    contact: Name
    what: Annotated[str | None, BeforeValidator(_choice(tabs.TOUCH_KINDS))] = None
    notes: Text = ""


class Referral(RowModel):
    """A row of the Referrals tab: a client referred in or out."""

    row_id: RowId = ""
    date: ReqDate
    direction: Annotated[str, BeforeValidator(_required_choice(tabs.DIRECTIONS))]
    contact: Name
    notes: Text = ""


class LetterTemplate(RowModel):
    """A row of the Templates tab: a letter's subject and body, with placeholders."""

    letter: Name
    subject: Annotated[str, BeforeValidator(_text(1000))]
    body: Text


def _zone(value: Any) -> str:
    text = cells.as_text(value) or "UTC"
    try:
        ZoneInfo(text)
    except (ZoneInfoNotFoundError, ValueError):
        raise ValueError("is not a time zone name like Europe/London") from None
    return text


def _days(value: Any) -> int:
    parsed = cells.parse_int(value, minimum=1, maximum=3650)
    if parsed is None:
        raise ValueError("is empty; a number of days is needed")
    return parsed


def _target(value: Any) -> tuple[int, int]:
    return cells.parse_range(value)


def _given(value: Any) -> str:
    text = cells.one_line(value)
    ids.parse_given(text)  # raises ValueError with the reason
    return text


Days = Annotated[int, BeforeValidator(_days)]
Target = Annotated[tuple[int, int], BeforeValidator(_target)]


class Settings(RowModel):
    """The Settings tab, one field per template setting (``sheet_template.settings``)."""

    your_name: Short = ""
    practice_name: Short = ""
    your_email: OwnEmail = None
    specialty: Short = ""
    who_you_help: Short = ""
    website: Short = ""
    local_area: Short = ""
    time_zone: Annotated[str, BeforeValidator(_zone)] = "UTC"
    date_order: Annotated[str, BeforeValidator(_choice(DATE_ORDERS, "DMY"))] = "DMY"
    calendar_id: Annotated[str, BeforeValidator(lambda v: cells.one_line(v) or "primary")] = (
        "primary"
    )
    default_cadence_days: Days = 60
    intro_followup_days: Days = 14
    drop_in_lead_days: Days = 7
    flyer_file: FileName = ""
    goal_other_specialty: Target = (10, 10)
    goal_same_specialty: Target = (1, 2)
    goal_health: Target = (5, 5)
    goal_peer_groups: Target = (1, 1)
    recipe_solo_therapists: Target = (2, 2)
    recipe_paediatricians: Target = (1, 2)
    recipe_gps: Target = (2, 2)
    recipe_nutritionists: Target = (1, 1)
    referral_window_months: Days = 12
    first_appointment: Short = "two weeks"
    quiet_after_days: Days = 90
    sheet_identity: Short = ""
    #: Kept as the sync wrote it, once checked (``ids.parse_given`` reads it).
    row_ids_given: Annotated[str, BeforeValidator(_given)] = ""
