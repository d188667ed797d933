"""Values that look valid but are not: international addresses, and numbers in date cells.

Addresses are checked on the raw bytes the drafts carry (the .eml file, the raw Gmail stored),
not only through a parser that decodes them again: a header like ``<ida@=?utf-8?q?...?=.de>``
parses back to the right text but cannot be delivered.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from pathlib import Path

import networkkit as nk
import openpyxl
import pytest
from fakegoogle import FakeGoogle
from googlekit import NOW

from sheet_template import tabs as t
from sheetsync.adapters.mime import build_message
from sheetsync.core import cells, emails
from sheetsync.core.plan import DraftSpec
from sheetsync.service import run_sync

NON_ASCII_LOCAL = (
    "Email: has non-ASCII letters before the @, which many mail systems cannot deliver; "
    "ask the contact for another address"
)


def head(raw: bytes) -> bytes:
    """The header block of a raw message."""
    return re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]


def address_problems(header_block: bytes) -> list[bytes]:
    """Addresses in angle brackets that are not plain ASCII or hold an encoded word."""
    addresses = re.findall(rb"<([^<>]*)>", header_block)
    return [a for a in addresses if b"=?" in a or not a.isascii()]


# -- pure -----------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["josé@example.com", "zoë@bücher.de", "用户@example.com"])
def test_a_non_ascii_local_part_is_refused_with_advice(text):
    with pytest.raises(ValueError) as error:
        emails.parse_email(text)
    assert str(error.value) == NON_ASCII_LOCAL.removeprefix("Email: ")
    assert text not in str(error.value)


def test_an_international_domain_is_kept_as_typed_for_the_letters():
    assert emails.parse_email("ida@Bücher.de") == "ida@bücher.de"


def draft(to: str, sender: str) -> DraftSpec:
    return DraftSpec(
        "<gp_cover.x@sheetsync.invalid>",
        "gp_cover",
        (),
        (("Jo Müller", to),),
        ("Alex Morgan", sender),
        "Flyers for the doctors",
        "Dear Jo,\n",
    )


def test_message_headers_carry_idna_domains_and_encoded_names_only():
    raw = bytes(build_message(draft("ida@bücher.de", "alex@straße.de"), NOW))
    block = head(raw)
    assert block.isascii()
    assert b"To: Jo =?utf-8?q?M=C3=BCller?= <ida@xn--bcher-kva.de>" in block
    # IDNA 2008 keeps ß (Python's own codec, IDNA 2003, would write strasse.de).
    assert b"From: Alex Morgan <alex@xn--strae-oqa.de>" in block
    assert address_problems(block) == []


def test_message_refuses_to_write_a_non_ascii_local_part():
    with pytest.raises(ValueError, match="non-ASCII letters before the @"):
        build_message(draft("josé@example.com", "alex@example.com"), NOW)


# -- both backends, end to end ----------------------------------------------------------------

CONTACTS = [
    {**nk.GP, "practice_manager": "Jo Müller", "practice_manager_email": "ida@bücher.de"},
    {**nk.THERAPIST, "name": "Zoë Ångström", "email": "zoe@bücher.de"},
    {**nk.THERAPIST, "name": "José Ruiz", "email": "josé@example.com"},
]
SETTINGS = {"Your email": "alex@bücher.de", "Flyer file": ""}


def check_drafts(raws: list[bytes]) -> None:
    assert nk.letters(raws) == ["gp_cover", "gp_doctors", "intro"]  # José gets none
    blocks = [head(raw) for raw in raws]
    assert all(block.isascii() and address_problems(block) == [] for block in blocks)
    joined = b"\n".join(blocks)
    assert b"<ida@xn--bcher-kva.de>" in joined and b"<zoe@xn--bcher-kva.de>" in joined
    assert joined.count(b"From: Alex Morgan <alex@xn--bcher-kva.de>") == 3
    assert b"jos" not in joined.lower()  # no draft to José


def test_local_drafts_have_deliverable_international_addresses(tmp_path: Path):
    workbook = nk.local_workbook(tmp_path / "net", CONTACTS, SETTINGS)
    backend = nk.local_sync_backend(workbook)
    report = run_sync(backend, NOW)
    check_drafts(nk.local_drafts(workbook))
    rows = nk.contact_rows(backend)
    assert rows["José Ruiz"]["Sync status"] == "Error: " + NON_ASCII_LOCAL
    assert rows["Zoë Ångström"]["Sync status"].startswith("OK")
    assert not [p for p in report.problems if p.tab == "Settings"]


def test_google_drafts_have_deliverable_international_addresses():
    with FakeGoogle(seed=9) as server:
        sid = nk.google_sheet(server, CONTACTS, SETTINGS)
        run_sync(nk.google_sync_backend(server, sid, None), NOW)
        check_drafts(nk.google_drafts(server))
        rows = nk.contact_rows(nk.google_sync_backend(server, sid, None))
        assert rows["José Ruiz"]["Sync status"] == "Error: " + NON_ASCII_LOCAL


def test_your_email_with_a_non_ascii_local_part_is_a_settings_problem(tmp_path: Path):
    workbook = nk.local_workbook(tmp_path / "net", CONTACTS[:1], {"Your email": "josé@x.de"})
    backend = nk.local_sync_backend(workbook)
    report = run_sync(backend, NOW)
    (problem,) = [p for p in report.problems if p.tab == "Settings"]
    assert problem.message == (
        "Your email: has non-ASCII letters before the @, which many mail systems cannot "
        "deliver; use another address of yours; using the default"
    )
    # The cover note signs with your email: none is drafted rather than one with a corrupt From.
    assert nk.local_drafts(workbook) == []
    status = nk.contact_rows(backend)[nk.GP["name"]]["Sync status"]
    assert status.startswith("Error: GP cover note not drafted")
    assert "Settings > Your email" in status


# -- numbers in date cells ----------------------------------------------------------------------


def test_a_number_in_a_date_cell_of_a_workbook_is_not_a_date_in_1900(tmp_path: Path):
    contact = {**nk.THERAPIST, "stage": t.NURTURING, "email": None}
    workbook = nk.local_workbook(tmp_path / "net", [contact], {})
    wb = openpyxl.load_workbook(workbook)
    column = nk.CONTACT_KEYS.index("last_contact") + 1
    cell = wb["Contacts"].cell(row=2, column=column)
    cell.value = 1.5
    cell.number_format = "yyyy-mm-dd"
    log = wb["Log"]
    log.cell(row=2, column=2).value = 2.0
    log.cell(row=2, column=2).number_format = "yyyy-mm-dd"
    log.cell(row=2, column=3).value = "Ana Silva"
    wb.save(workbook)
    # What the local backend really receives: a date near 1900, not the number.
    reread = openpyxl.load_workbook(workbook)
    assert reread["Contacts"].cell(row=2, column=column).value == datetime(1900, 1, 1, 12)

    backend = nk.local_sync_backend(workbook)
    report = run_sync(backend, NOW)

    status = nk.contact_rows(backend)["Ana Silva"]["Sync status"]
    assert status == (
        "Error: Last contact: is a date before 1950 or after 2199, most likely a number in a "
        "date cell; type the date, e.g. 2026-03-04"
    )
    log_problems = [p for p in report.problems if p.tab == "Log"]
    assert len(log_problems) == 1 and log_problems[0].message.startswith("Date: is a date before")
    assert report.summary.overdue == ()
    assert report.events["created"] == 0  # no follow-up 46,000 days overdue


@pytest.mark.parametrize(
    "value",
    [date(1900, 1, 1), datetime(1900, 1, 1, 12), date(1949, 12, 31), date(2200, 1, 1)],
)
def test_dates_outside_the_serial_window_are_refused(value):
    with pytest.raises(ValueError, match="most likely a number in a date cell"):
        cells.parse_date(value, "DMY")


def test_the_window_edges_are_dates():
    assert cells.parse_date(date(1950, 1, 1), "DMY") == date(1950, 1, 1)
    assert cells.parse_date(datetime(2199, 12, 31, tzinfo=UTC), "MDY") == date(2199, 12, 31)
