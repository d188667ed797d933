"""The local backend's files are the user's: read-only and open files are refused before anything
changes, modes and owners survive a sync, and every file error is one clear BackendError."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import openpyxl
import pytest

from sheetsync.adapters.local.eml_mailbox import EmlMailbox
from sheetsync.adapters.local.ics_calendar import IcsCalendar, uid_of
from sheetsync.adapters.local.xlsx_store import XlsxStore
from sheetsync.bootstrap import local_backend
from sheetsync.core.plan import EventSpec
from sheetsync.entrypoints.cli import main
from sheetsync.entrypoints.demo import create_demo_workbook
from sheetsync.errors import BackendError
from sheetsync.service import run_sync

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
BOOK = "referral-network.xlsx"


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "net" / BOOK
    create_demo_workbook(path, NOW.date())
    yield path
    # Give the folders back their write bit, or pytest cannot clean them up.
    for folder in (path.parent, path.parent / "drafts"):
        if folder.is_dir():
            folder.chmod(0o755)


def state(folder: Path) -> dict[str, bytes | None]:
    """Every file under ``folder`` and its bytes (None for a folder)."""
    return {
        str(p.relative_to(folder)): (None if p.is_dir() else p.read_bytes())
        for p in sorted(folder.rglob("*"))
    }


def sync_cli(book: Path, *extra: str) -> int:
    return main(["sync", "--workbook", str(book), *extra])


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


# -- read-only files and folders are refused before anything changes -------------------------


def test_a_read_only_workbook_is_refused_and_nothing_changes(demo, capsys):
    demo.chmod(0o444)
    before = state(demo.parent)
    assert sync_cli(demo) == 2
    err = capsys.readouterr().err
    assert err == f"error: the workbook {demo} is read-only: make it writable, then sync again\n"
    assert state(demo.parent) == before  # no calendar.ics, no drafts, the same workbook
    assert mode(demo) == 0o444


def test_a_read_only_calendar_file_is_refused_before_anything_changes(demo, capsys):
    assert sync_cli(demo) == 0
    ics = demo.parent / "calendar.ics"
    ics.chmod(0o444)
    for draft in (demo.parent / "drafts").iterdir():
        draft.unlink()  # the next sync would write them again
    before = state(demo.parent)
    capsys.readouterr()
    assert sync_cli(demo) == 2
    assert capsys.readouterr().err.startswith(f"error: the calendar file {ics} is read-only")
    assert state(demo.parent) == before


@pytest.mark.parametrize("folder", ["net", "net/drafts"])
def test_a_read_only_folder_is_refused_naming_the_file(demo, capsys, folder):
    target = demo.parent.parent / folder
    target.mkdir(exist_ok=True)
    target.chmod(0o555)
    before = state(demo.parent)
    assert sync_cli(demo) == 2
    err = capsys.readouterr().err
    name = BOOK if folder == "net" else "drafts (.eml files)"
    assert err == f"error: cannot write {name} in {target}: the folder is read-only\n"
    assert state(demo.parent) == before


def test_a_dry_run_of_a_read_only_workbook_still_prints_the_plan(demo, capsys):
    demo.chmod(0o444)
    assert sync_cli(demo, "--dry-run") == 0
    assert "Plan (dry run, nothing changed)" in capsys.readouterr().out


# -- a workbook open in LibreOffice or Excel is not replaced ----------------------------------


@pytest.mark.parametrize(
    ("lock", "app"),
    [(f".~lock.{BOOK}#", "LibreOffice"), (f"~${BOOK}", "Excel"), (f"~${BOOK[2:]}", "Excel")],
)
def test_an_open_workbook_is_refused_until_closed_or_overridden(demo, capsys, lock, app):
    (demo.parent / lock).write_text("someone,host,2026-11-29")
    before = state(demo.parent)
    assert sync_cli(demo) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: close {BOOK} in {app} first: its next save would undo")
    assert f"{lock} was left by a crash" in err and "--even-if-open" in err
    assert err.count("\n") == 1
    assert state(demo.parent) == before
    # A dry run only reads: it may run while the workbook is open.
    assert sync_cli(demo, "--dry-run") == 0
    assert state(demo.parent) == before
    # A lock file a crash left behind: the user says the app is closed.
    assert sync_cli(demo, "--even-if-open") == 0
    assert (demo.parent / "calendar.ics").exists()
    assert state(demo.parent)[BOOK] != before[BOOK]


@pytest.mark.parametrize(
    ("meanwhile", "error"),
    [
        ("opened in LibreOffice", f"close {BOOK} in LibreOffice first"),
        ("made read-only", "is read-only"),
    ],
)
def test_a_workbook_changed_so_during_the_sync_is_not_replaced(demo, meanwhile, error):
    backend = local_backend(demo, lambda: NOW)
    real_apply = backend.calendar.apply

    def apply_then_change_the_workbook(events):  # type: ignore[no-untyped-def]
        outcomes = real_apply(events)
        if meanwhile == "opened in LibreOffice":
            (demo.parent / f".~lock.{BOOK}#").write_text("someone")
        else:
            demo.chmod(0o444)
        return outcomes

    backend.calendar.apply = apply_then_change_the_workbook  # type: ignore[method-assign]
    before = demo.read_bytes()
    with pytest.raises(BackendError, match=error):
        run_sync(backend, NOW)
    assert demo.read_bytes() == before


# -- modes and owners survive -----------------------------------------------------------------


@pytest.fixture
def umask_022() -> Iterator[None]:
    old = os.umask(0o022)
    yield
    os.umask(old)


def test_a_sync_keeps_the_mode_of_every_file_it_rewrites(demo, umask_022):
    demo.chmod(0o640)
    assert sync_cli(demo) == 0
    assert mode(demo) == 0o640
    ics = demo.parent / "calendar.ics"
    # New files get what the umask allows, like any program's: not a private 0600.
    assert mode(ics) == 0o644
    drafts = list((demo.parent / "drafts").glob("*.eml"))
    assert drafts and all(mode(p) == 0o644 for p in drafts)
    ics.chmod(0o604)
    wb = openpyxl.load_workbook(demo)
    ws = wb["Log"]  # a touch for a Nurturing contact moves their event: calendar.ics changes
    ws.cell(row=ws.max_row + 1, column=2, value=NOW.date())
    ws.cell(row=ws.max_row, column=3, value="Tom Becker")
    wb.save(demo)
    demo.chmod(0o664)
    before = ics.read_bytes()
    assert sync_cli(demo) == 0
    assert ics.read_bytes() != before
    assert (mode(demo), mode(ics)) == (0o664, 0o604)


@pytest.mark.skipif(os.geteuid() != 0, reason="only root may give a file to another user")
def test_a_sync_keeps_the_owner_of_the_workbook(demo):
    os.chown(demo, 65534, 65534)
    assert sync_cli(demo) == 0
    assert (demo.stat().st_uid, demo.stat().st_gid) == (65534, 65534)


def test_a_disk_without_modes_or_owners_does_not_stop_a_write(tmp_path, monkeypatch):
    # A FAT USB stick answers chmod and chown with EPERM: the file is still written.
    import errno

    from sheetsync.adapters.local import files

    def refuse(*_args: object) -> None:
        raise PermissionError(errno.EPERM, "Operation not permitted")

    path = tmp_path / "calendar.ics"
    path.write_bytes(b"old")
    if os.geteuid() == 0:
        os.chown(path, 65534, 65534)  # so that the owner is one to give back
    monkeypatch.setattr(files.os, "chmod", refuse)
    monkeypatch.setattr(files.os, "chown", refuse)
    files.write_atomically(path, b"new")
    assert path.read_bytes() == b"new"


# -- file errors are one BackendError naming the file -----------------------------------------


def test_a_corrupt_calendar_file_is_a_clear_error_and_is_kept(demo, capsys):
    ics = demo.parent / "calendar.ics"
    ics.write_bytes(b"BEGIN:VCALENDAR\r\nnot iCalendar at all\r\n")
    assert sync_cli(demo) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: calendar.ics in {demo.parent} is not a readable iCalendar")
    assert "not iCalendar at all" not in err  # the file's contents are not repeated
    assert ics.read_bytes() == b"BEGIN:VCALENDAR\r\nnot iCalendar at all\r\n"


def test_our_event_with_an_unreadable_date_is_rewritten(tmp_path):
    event_id = "0123456789abcdefghijklmnopqrstuv"
    ics = tmp_path / "calendar.ics"
    ics.write_bytes(
        b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:x\r\nBEGIN:VEVENT\r\n"
        + f"UID:{uid_of(event_id)}\r\n".encode()
        + b"DTSTART;VALUE=DATE:2026-13-45\r\nSEQUENCE:two\r\nSUMMARY:old\r\n"
        b"END:VEVENT\r\nEND:VCALENDAR\r\n"
    )
    spec = EventSpec(event_id, "nurture", "primary", date(2026, 12, 1), "Touch", "d", ())
    assert [o.action for o in IcsCalendar(ics, lambda: NOW).apply([spec])] == ["moved"]
    assert [o.action for o in IcsCalendar(ics, lambda: NOW).apply([spec])] == ["unchanged"]


def test_a_calendar_path_that_is_a_folder_is_a_clear_error(tmp_path):
    (tmp_path / "calendar.ics").mkdir()
    spec = EventSpec("0" * 32, "nurture", "primary", date(2026, 12, 1), "Touch", "d", ())
    with pytest.raises(BackendError) as caught:
        IcsCalendar(tmp_path / "calendar.ics").apply([spec])
    assert str(caught.value) == (
        f"cannot read calendar.ics in {tmp_path}: it is a folder, not a file"
    )


def test_an_unreadable_draft_is_a_clear_error(tmp_path):
    from test_port_contract import draft

    drafts = tmp_path / "drafts"
    (drafts / "intro - Jane Smith.eml").mkdir(parents=True)  # not a file: it cannot be read
    with pytest.raises(BackendError) as caught:
        EmlMailbox(drafts).ensure([draft("<intro.x@sheetsync.invalid>")])
    # Draft files are named after people: the message names the folder, not the file.
    assert str(caught.value) == (
        f"cannot read one of the drafts in {drafts}: it is a folder, not a file"
    )


def test_a_drafts_folder_that_is_a_file_is_refused_before_anything_changes(demo, capsys):
    (demo.parent / "drafts").write_text("not a folder")
    before = state(demo.parent)
    assert sync_cli(demo) == 2
    assert capsys.readouterr().err == (
        f"error: {demo.parent / 'drafts'} is a file; the drafts need a folder there\n"
    )
    assert state(demo.parent) == before


def test_a_workbook_that_cannot_be_read_says_so(tmp_path):
    folder = tmp_path / f"{BOOK}"
    folder.mkdir()  # a folder where the workbook should be
    with pytest.raises(BackendError) as caught:
        XlsxStore(folder).read()
    assert str(caught.value) == f"cannot read {BOOK} in {tmp_path}: it is a folder, not a file"


def test_a_workbook_with_a_tab_cut_short_is_a_clear_error(demo):
    import io
    import zipfile

    # The zip is whole, one tab's XML is not: read-only openpyxl finds out while reading rows.
    source = zipfile.ZipFile(demo)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet2.xml":
                data = data[: len(data) // 2]
            target.writestr(item, data)
    source.close()
    demo.write_bytes(out.getvalue())
    with pytest.raises(BackendError) as caught:
        XlsxStore(demo).read()
    assert str(caught.value) == f"{BOOK} is not a readable .xlsx workbook (ParseError)"


def as_ordinary_user(argv: list[str]) -> list[str]:
    """``argv`` run without root's power to ignore file permissions (as is, when not root)."""
    if os.geteuid() != 0:
        return argv
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("root without setpriv: file permissions cannot be enforced")
    caps = "-dac_override,-dac_read_search,-fowner"
    return [setpriv, f"--inh-caps={caps}", f"--bounding-set={caps}", *argv]


WRITE_INTO_READ_ONLY_FOLDERS = """
import sys
from datetime import date
from pathlib import Path

from sheetsync.adapters.local.eml_mailbox import EmlMailbox
from sheetsync.adapters.local.ics_calendar import IcsCalendar
from sheetsync.errors import BackendError
from sheetsync.core.plan import DraftSpec, EventSpec

folder = Path(sys.argv[1])
spec = EventSpec("0" * 32, "nurture", "primary", date(2026, 12, 1), "Touch", "d", ())
draft = DraftSpec("<intro.x@sheetsync.invalid>", "intro", (), (("A", "a@example.org"),),
                  ("B", "b@example.org"), "Hello", "Hi,\\n", None)
for write in (
    lambda: IcsCalendar(folder / "calendar.ics").apply([spec]),
    lambda: EmlMailbox(folder / "drafts").ensure([draft]),
):
    try:
        write()
        print("written")
    except BackendError as error:
        print(error)
"""


def test_writing_into_a_read_only_folder_says_which_file_and_why(tmp_path):
    # The adapters on their own (run_sync checks first): the operating system refuses.
    (tmp_path / "drafts").mkdir()
    for folder in (tmp_path, tmp_path / "drafts"):
        folder.chmod(0o555)
    try:
        done = subprocess.run(
            as_ordinary_user([sys.executable, "-c", WRITE_INTO_READ_ONLY_FOLDERS, str(tmp_path)]),
            cwd=ROOT,
            capture_output=True,
            text=True,
            check=False,
        )
    finally:
        for folder in (tmp_path, tmp_path / "drafts"):
            folder.chmod(0o755)
    assert done.stderr == ""
    calendar_line, drafts_line = done.stdout.splitlines()
    assert calendar_line == f"cannot write calendar.ics in {tmp_path}: the folder is read-only"
    # A draft's file is named after its contact: the message says which kind, not which name.
    assert (
        drafts_line
        == f"cannot write a new intro draft in {tmp_path / 'drafts'}: the folder is read-only"
    )
