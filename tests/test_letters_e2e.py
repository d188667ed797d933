"""Every kind of letter, end to end on the local backend: drafted from the sample network,
parsed back from its .eml, and drafted once (thank-yous, the GP kit) however often the sync runs."""

from __future__ import annotations

from datetime import UTC, date, datetime
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path

import openpyxl
import pytest
from builders import DEFAULT_SETTINGS

from sheet_template import TEMPLATE
from sheet_template import tabs as t
from sheetsync.adapters.local.workbook_template import write_template
from sheetsync.bootstrap import local_backend, local_paths
from sheetsync.entrypoints.demo import create_demo_workbook
from sheetsync.service import run_sync

TODAY = date(2026, 12, 1)
NOW = datetime(2026, 12, 1, 0, 30, tzinfo=UTC)  # 11:30 in Sydney, the demo's time zone
KINDS = {"intro", "intro_busy", "intro_health", "gp_cover", "gp_doctors", "thanks"}
#: Text that only a referral's Notes cell holds: it must never reach a draft.
SECRET = "Zqx-7 exam anxiety, Year 11"


def parse(path: Path) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(path.read_bytes())
    assert isinstance(message, EmailMessage)
    return message


def drafts(workbook: Path) -> list[EmailMessage]:
    folder = local_paths(workbook)["drafts"]
    return [parse(p) for p in sorted(folder.glob("*.eml"))] if folder.exists() else []


def by_kind(workbook: Path) -> dict[str, list[EmailMessage]]:
    found: dict[str, list[EmailMessage]] = {}
    for message in drafts(workbook):
        found.setdefault(str(message["X-Sheetsync-Letter"]), []).append(message)
    return found


def body(message: EmailMessage) -> str:
    part = message.get_body(("plain",))
    assert part is not None
    # Local drafts have CRLF line ends, as RFC 5322 asks; compare text by its lines.
    return str(part.get_content()).replace("\r\n", "\n")


def sync(workbook: Path, now: datetime = NOW):
    return run_sync(local_backend(workbook, lambda: now), now)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    workbook = tmp_path_factory.mktemp("demo") / "referral-network.xlsx"
    create_demo_workbook(workbook, TODAY)
    sync(workbook)
    return workbook


def test_the_sample_network_drafts_every_kind_of_letter(demo: Path) -> None:
    kinds = by_kind(demo)
    assert set(kinds) == KINDS
    for kind, messages in kinds.items():
        for message in messages:
            text = body(message)
            assert "{" not in text and "}" not in text, kind
            assert str(message["From"]) == "Alex Morgan <alex@brightside.example>"
            assert text.rstrip().endswith(("Alex Morgan", "Brightside Child & Teen Therapy"))


def test_each_letter_greets_as_people_write(demo: Path) -> None:
    kinds = by_kind(demo)

    def find(kind: str, to: str) -> EmailMessage:
        return next(m for m in kinds[kind] if to in str(m["To"] or "") or to in body(m))

    busy = find("intro_busy", "lucy@nguyenkids.example")
    assert body(busy).startswith("Hi Lucy,\n") and "wait list" in str(busy["Subject"])
    assert "first appointment within two weeks" in body(busy)
    other = find("intro", "amelia@chenwellbeing.example")
    assert body(other).startswith("Hi Amelia,\n") and "refer to each other" in body(other)
    health = find("intro_health", "fatima@womenshealth.example")
    assert body(health).startswith("Dear Dr Haddad,\n")
    assert "session for you and your colleagues" in body(health)
    thanks = find("thanks", "kavya@kidsdocs.example")
    assert body(thanks).startswith("Hi Kavya,\n")  # "Dr Kavya Rao": never "Hi Dr,"


def test_the_gp_kit_is_a_cover_note_with_the_flyer_and_a_letter_for_the_doctors(
    demo: Path,
) -> None:
    kinds = by_kind(demo)
    covers = {str(m["Subject"]).split(": ")[0]: m for m in kinds["gp_cover"]}
    harbour = covers["For the doctors at Harbour Medical"]
    assert str(harbour["To"]) == "Jo Peters <jo@harbourmedical.example>"
    assert [p.get_filename() for p in harbour.iter_attachments()] == ["flyer.pdf"]
    assert "With this note you will find a letter and some flyers" in body(harbour)
    doctors = {body(m).splitlines()[0]: m for m in kinds["gp_doctors"]}
    letter = doctors["Dear doctors at Harbour Medical,"]
    assert str(letter["To"]) == "Jo Peters <jo@harbourmedical.example>"
    for part in ("Who I see:", "How to refer:", "How soon:", "training session"):
        assert part in body(letter)
    # No Practice Manager email: both drafts of the kit are to print, and the row says so.
    printed = doctors["Dear doctors at Marrickville Medical Centre,"]
    assert printed["To"] is None
    cover = covers["For the doctors at Marrickville Medical Centre"]
    assert cover["To"] is None and body(cover).startswith("Dear Practice Manager,")
    ws = openpyxl.load_workbook(demo)["Contacts"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r, strict=False)) for r in ws.iter_rows(min_row=2, values_only=True)]
    bell = next(r for r in rows if r["Name"] == "Dr Nora Bell MBBS FRACGP")
    assert "print and take to the practice" in bell["Sync status"]
    assert bell["Draft ID"] and bell["Doctors' letter ID"]


def test_a_second_sync_drafts_nothing_again(demo: Path) -> None:
    before = sorted(p.name for p in local_paths(demo)["drafts"].glob("*.eml"))
    report = sync(demo, datetime(2026, 12, 2, 0, 30, tzinfo=UTC))
    assert report.plan.drafts == ()
    assert sorted(p.name for p in local_paths(demo)["drafts"].glob("*.eml")) == before


def referrals_workbook(tmp_path: Path) -> Path:
    def row(tab: str, **cells: object) -> list[object]:
        return [cells.get(col.key) for col in TEMPLATE.tab(tab).columns]

    path = tmp_path / "network.xlsx"
    contact = row("Contacts", name="Dr Ana Silva", email="ana@example.org", category=t.GP)
    write_template(
        path,
        {
            "Contacts": [contact],
            "Referrals": [
                row("Referrals", date=TODAY, direction="In", contact="Dr Ana Silva", notes=SECRET),
                row("Referrals", date=date(2026, 11, 25), direction="In", contact="Dr Ana Silva"),
                row("Referrals", date=date(2026, 10, 1), direction="In", contact="Dr Ana Silva"),
                row("Referrals", date=TODAY, direction="Out", contact="Dr Ana Silva"),
            ],
        },
    )
    fill_settings(path)
    return path


def fill_settings(path: Path) -> None:
    wb = openpyxl.load_workbook(path)
    for cell in wb["Settings"]["A"]:
        if cell.value in DEFAULT_SETTINGS:
            wb["Settings"].cell(row=cell.row, column=2, value=DEFAULT_SETTINGS[cell.value])
    wb.save(path)


def test_a_thank_you_per_referral_in_once_and_never_again(tmp_path: Path) -> None:
    workbook = referrals_workbook(tmp_path)
    first = sync(workbook)
    # Two recent referrals in: two thank-yous. The one from October is too old; Out gets none.
    assert [d.kind for d in first.plan.drafts] == ["thanks", "thanks"]
    assert len(by_kind(workbook)["thanks"]) == 2
    for day in (2, 3, 20):
        later = sync(workbook, datetime(2026, 12, day, 0, 30, tzinfo=UTC))
        assert later.plan.drafts == ()
    # Recorded in the row: a draft deleted from the folder is not drafted again either.
    for path in local_paths(workbook)["drafts"].glob("*.eml"):
        path.unlink()
    assert sync(workbook, datetime(2026, 12, 4, 0, 30, tzinfo=UTC)).plan.drafts == ()
    assert drafts(workbook) == []
    ws = openpyxl.load_workbook(workbook)["Referrals"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r, strict=False)) for r in ws.iter_rows(min_row=2, values_only=True)]
    rows = [r for r in rows if r["Contact"]]
    assert [bool(r["Thanks draft ID"]) for r in rows] == [True, True, False, False]
    assert rows[2]["Sync status"] == "OK: dated over 14 days ago, so no thank-you drafted"
    contacts = openpyxl.load_workbook(workbook)["Contacts"]
    header = [c.value for c in contacts[1]]
    ana = dict(zip(header, next(contacts.iter_rows(min_row=2, values_only=True)), strict=False))
    assert (ana["Referrals in"], ana["Referrals out"]) == (3, 1)


def test_a_thank_you_never_carries_the_referral_notes(tmp_path: Path) -> None:
    workbook = referrals_workbook(tmp_path)
    report = sync(workbook)
    assert report.plan.drafts
    for draft in report.plan.drafts:
        assert SECRET not in draft.subject + draft.body
    for path in local_paths(workbook)["drafts"].glob("*.eml"):
        raw = path.read_bytes()
        assert SECRET.encode() not in raw and b"Zqx-7" not in raw
        assert "Zqx-7" not in body(parse(path))


def older_workbook(tmp_path: Path) -> Path:
    """A workbook made before the template had the new letters and columns."""
    workbook = tmp_path / "older.xlsx"
    write_template(workbook, {})
    wb = openpyxl.load_workbook(workbook)
    ws = wb["Templates"]
    for row in range(ws.max_row, 1, -1):
        if ws.cell(row=row, column=1).value not in ("intro", "gp_cover"):
            ws.delete_rows(row)
    ws.cell(row=2, column=3, value="Hello {first_name}, an edited intro from {your_name}.")
    contacts = wb["Contacts"]
    for col in range(contacts.max_column, 0, -1):
        if contacts.cell(row=1, column=col).value in ("Greeting", "Doctors' letter ID"):
            contacts.delete_cols(col)
    for col, value in ((2, "Dr Jo Tan"), (3, "jo@example.org"), (7, t.THERAPIST_SAME)):
        contacts.cell(row=2, column=col, value=value)
    wb.save(workbook)
    fill_settings(workbook)
    return workbook


def test_an_older_workbook_drafts_from_the_default_letters_it_lacks(tmp_path: Path) -> None:
    workbook = older_workbook(tmp_path)
    report = sync(workbook)
    (draft,) = report.plan.drafts
    # Busy same-specialty: the new letter, from the template's text, greeted by first name.
    assert draft.kind == "intro_busy" and draft.body.startswith("Hi Jo,\n")
    appended = {a.cells["letter"] for a in report.plan.row_appends}
    assert appended == {"intro_busy", "intro_health", "gp_doctors", "thanks"}


def test_an_older_workbook_gains_the_new_letters_and_keeps_its_edited_ones(
    tmp_path: Path,
) -> None:
    workbook = older_workbook(tmp_path)
    sync(workbook)
    ws = openpyxl.load_workbook(workbook)["Templates"]
    letters = {r[0]: r for r in ws.iter_rows(min_row=2, values_only=True) if r[0]}
    assert set(letters) == KINDS
    assert letters["intro"][2] == "Hello {first_name}, an edited intro from {your_name}."
    header = [c.value for c in openpyxl.load_workbook(workbook)["Contacts"][1]]
    assert "Greeting" in header and "Doctors' letter ID" in header
