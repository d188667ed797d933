"""The flyer named in Settings > Flyer file: only a small regular file inside the flyer folder.

Whoever can edit the Sheet types the flyer's name. Every hostile name (a path, a way out of the
folder, a link, a folder, a pipe, a file too big) gives, on both backends: one Settings problem
naming the setting, an error in each GP row that would carry it, no cover note, nothing
attached, and no log line with the name. A dry run reports exactly what the real sync does.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import builders
import networkkit as nk
import openpyxl
import pytest
from builders import snapshot
from fakegoogle import FakeGoogle
from googlekit import NOW, clients

from sheetsync.adapters.flyer import (
    MAX_FLYER_BYTES,
    FlyerFolder,
    check_flyer_dir,
    source_folder,
)
from sheetsync.adapters.google.credentials import GoogleCredentials
from sheetsync.adapters.local.xlsx_store import set_cell
from sheetsync.bootstrap import google_backend
from sheetsync.config import Config
from sheetsync.core.plan import NO_FOLDER, Attachment, DraftOutcome, FlyerProblem
from sheetsync.core.planner import make_plan
from sheetsync.core.validation import Problem, validate
from sheetsync.core.writeback import compose
from sheetsync.entrypoints.demo import FLYER_PDF
from sheetsync.errors import ConfigError
from sheetsync.service import SyncReport, load_flyer, run_sync

SECRET = b"SECRET-TOKEN-0123456789"


@dataclass
class World:
    """One network on one backend, with its flyer folder."""

    kind: str
    tmp: Path
    folder: Path
    server: FakeGoogle | None = None
    sid: str = ""
    workbook: Path | None = None
    flyer_dir: Path | None = None

    def network(self, flyer: str, *, with_folder: bool = True) -> None:
        settings = {"Flyer file": flyer}
        contacts = [nk.GP, {**nk.GP, "name": "Dr Ben Ito"}, nk.THERAPIST]
        if self.server is None:
            self.workbook = nk.local_workbook(self.folder, contacts, settings)
        else:
            self.sid = nk.google_sheet(self.server, contacts, settings)
            self.flyer_dir = self.folder if with_folder else None

    def set_flyer(self, value: str) -> None:
        row = nk.SETTING_ROWS["Flyer file"]
        if self.server is None:
            assert self.workbook is not None
            wb = openpyxl.load_workbook(self.workbook)
            set_cell(wb["Settings"], row, 2, value)
            wb.save(self.workbook)
        else:
            gc, _, _ = clients(self.server)
            gc.http_client.values_update(
                self.sid,
                f"Settings!B{row}",
                params={"valueInputOption": "RAW"},
                body={"values": [[value]]},
            )

    def sync(self, dry_run: bool = False) -> SyncReport:
        if self.server is None:
            assert self.workbook is not None
            backend = nk.local_sync_backend(self.workbook)
        else:
            backend = nk.google_sync_backend(self.server, self.sid, self.flyer_dir)
        return run_sync(backend, NOW, dry_run=dry_run)

    def drafts(self) -> list[bytes]:
        if self.server is None:
            assert self.workbook is not None
            return nk.local_drafts(self.workbook)
        return nk.google_drafts(self.server)

    def status(self, name: str) -> str:
        backend = (
            nk.local_sync_backend(self.workbook)
            if self.workbook is not None
            else nk.google_sync_backend(self.server, self.sid, None)  # type: ignore[arg-type]
        )
        return str(nk.contact_rows(backend)[name]["Sync status"])

    def summary_problems(self) -> list[list[str]]:
        backend = (
            nk.local_sync_backend(self.workbook)
            if self.workbook is not None
            else nk.google_sync_backend(self.server, self.sid, None)  # type: ignore[arg-type]
        )
        table = backend.sheet.read().table("Summary")
        grid = [["" if v is None else str(v) for v in row] for row in (table.header, *table.rows)]
        # The problems table: where (tab and row) in column A, the problem in column J.
        return [row for row in grid if row and row[0].startswith("Settings")]


@pytest.fixture(params=["local", "google"])
def world(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[World]:
    # Nested, so that "../../x" from the flyer folder is still inside this test's tmp_path.
    folder = tmp_path / "outer" / "inner" / "flyers"
    folder.mkdir(parents=True)
    if request.param == "local":
        yield World("local", tmp_path, folder)
    else:
        with FakeGoogle(seed=5) as server:
            yield World("google", tmp_path, folder, server)


# -- hostile names ------------------------------------------------------------------------------


def _outside(world: World) -> Path:
    target = world.tmp / "outer" / "secret-token.json"
    target.write_bytes(SECRET)
    return target


def _traversal(world: World) -> str:
    (world.tmp / "outer" / "x").write_bytes(SECRET)
    return "../../x"


def _backslash(world: World) -> str:
    (world.folder / "..\\x").write_bytes(SECRET)  # a legal file name on Linux
    return "..\\x"


def _link_out(world: World) -> str:
    (world.folder / "flyer.pdf").symlink_to(_outside(world))
    return "flyer.pdf"


def _link_to_proc(world: World) -> str:
    (world.folder / "flyer.pdf").symlink_to("/proc/self/environ")
    return "flyer.pdf"


def _directory(world: World) -> str:
    (world.folder / "flyer.pdf").mkdir()
    return "flyer.pdf"


def _fifo(world: World) -> str:
    os.mkfifo(world.folder / "flyer.pdf")
    return "flyer.pdf"


def _oversize(world: World) -> str:
    with (world.folder / "flyer.pdf").open("wb") as handle:
        handle.truncate(MAX_FLYER_BYTES + 1)  # sparse: no 10 MiB written to disk
    return "flyer.pdf"


def _empty(world: World) -> str:
    (world.folder / "flyer.pdf").write_bytes(b"")
    return "flyer.pdf"


def _missing(world: World) -> str:
    return "flyer.pdf"


def _typed(value: str):
    def make(world: World) -> str:
        _outside(world)
        return value

    make.__name__ = value
    return make


HOSTILE = {
    "absolute /etc/hostname": _typed("/etc/hostname"),
    "absolute /proc/self/environ": _typed("/proc/self/environ"),
    "the token's path": _typed("/etc/secrets/sheetsync/gmail-token.json"),
    "../../x": _traversal,
    "..\\x": _backslash,
    "hidden file": _typed(".env"),
    "a line break": _typed("flyer\n.pdf"),
    "a bidi override": _typed("flyer\u202efdp.exe"),
    "link out of the folder": _link_out,
    "link to /proc": _link_to_proc,
    "a directory": _directory,
    "a FIFO": _fifo,
    "oversize": _oversize,
    "empty": _empty,
    "missing": _missing,
}


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_hostile_flyer_is_a_settings_problem_and_no_cover_note(
    world: World, case: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    typed = HOSTILE[case](world)
    world.network(typed)

    report = world.sync()

    settings = [p for p in report.problems if p.tab == "Settings"]
    assert len(settings) == 1, settings
    (problem,) = settings
    assert problem.message.startswith("Flyer file: ")
    assert "no GP cover note is drafted until it is fixed" in problem.message
    assert problem.row_number == nk.SETTING_ROWS["Flyer file"]
    assert typed not in problem.message
    for name in (nk.GP["name"], "Dr Ben Ito"):
        status = world.status(name)
        assert status.startswith("Error: Settings > Flyer file: ") and typed not in status
    assert world.status(nk.THERAPIST["name"]).startswith("OK")
    # The intro still goes; no cover note, nothing attached, no secret anywhere.
    drafts = world.drafts()
    assert nk.letters(drafts) == ["intro"]
    assert nk.attachments(drafts) == []
    assert all(SECRET not in raw for raw in drafts)
    assert report.drafts["failed"] == 0
    listed = world.summary_problems()
    assert len(listed) == 1 and "Flyer file" in listed[0][9]
    # Logs carry neither the typed name nor anything read.
    assert typed not in caplog.text and "SECRET" not in caplog.text


def test_good_flyer_is_attached_once_fixed(world: World) -> None:
    world.network("flyer")  # no such file yet
    first = world.sync()
    assert any(p.tab == "Settings" for p in first.problems)
    assert nk.letters(world.drafts()) == ["intro"]

    (world.folder / "flyer.pdf").write_bytes(FLYER_PDF)
    world.set_flyer("flyer.pdf")
    second = world.sync()

    assert not any(p.tab == "Settings" for p in second.problems)
    drafts = world.drafts()
    assert nk.letters(drafts) == ["gp_cover", "gp_doctors", "intro"]
    assert nk.attachments(drafts) == [("flyer.pdf", FLYER_PDF)]  # on the cover note alone
    assert world.status(nk.GP["name"]) == (
        "OK: GP kit in your drafts: send the cover note and the letter for the doctors to the "
        "Practice Manager"
    )


def test_a_link_inside_the_folder_is_followed(world: World) -> None:
    (world.folder / "2026-flyer.pdf").write_bytes(FLYER_PDF)
    (world.folder / "flyer.pdf").symlink_to("2026-flyer.pdf")
    world.network("flyer.pdf")
    report = world.sync()
    assert not any(p.tab == "Settings" for p in report.problems)
    assert nk.attachments(world.drafts()) == [("flyer.pdf", FLYER_PDF)]


@pytest.mark.parametrize("case", ["missing", "../../x", "oversize"])
def test_dry_run_reports_exactly_what_the_sync_does(world: World, case: str) -> None:
    world.network(HOSTILE[case](world))
    dry = world.sync(dry_run=True)
    real = world.sync()
    assert dry.problems == real.problems
    assert any(p.tab == "Settings" for p in dry.problems)
    assert dry.drafts == {"created": 1} and real.drafts == {"created": 1}  # the intro only
    planned = {w.ref.row_number: w.value for w in dry.writes if w.key == "sync_status"}
    assert planned[2] == world.status(nk.GP["name"])


def test_google_without_a_flyer_folder_says_which_setting_is_missing(tmp_path: Path) -> None:
    with FakeGoogle(seed=5) as server:
        world = World("google", tmp_path, tmp_path, server)
        world.network("flyer.pdf", with_folder=False)
        dry = world.sync(dry_run=True)
        real = world.sync()
        assert dry.problems == real.problems
        (problem,) = [p for p in real.problems if p.tab == "Settings"]
        assert NO_FOLDER in problem.message and "SHEETSYNC_FLYER_DIR" in problem.message
        assert nk.letters(world.drafts()) == ["intro"]
        assert "Settings > Flyer file: " + NO_FOLDER in world.status(nk.GP["name"])


def test_no_flyer_set_drafts_cover_notes_without_one(world: World) -> None:
    world.network("")
    report = world.sync()
    assert not any(p.tab == "Settings" for p in report.problems)
    drafts = world.drafts()
    assert nk.letters(drafts) == ["gp_cover", "gp_doctors", "intro"]
    assert nk.attachments(drafts) == []


# -- the folder itself --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "folder",
    [
        "/",
        "/etc",
        "/etc/secrets",
        "/etc/secrets/sheetsync",
        "/proc",
        "/proc/self",
        "/sys/kernel",
        "/dev",
        "/etc/secrets/../secrets",
    ],
)
def test_a_system_or_secrets_folder_is_refused(folder: str) -> None:
    with pytest.raises(ConfigError, match=r"SHEETSYNC_FLYER_DIR \(or --flyer-dir\)"):
        check_flyer_dir(Path(folder))


def test_the_source_folder_and_its_parents_are_refused(tmp_path: Path) -> None:
    source = source_folder()
    assert (source / "sheetsync").is_dir() and (source / "main.py").is_file()
    link = tmp_path / "link"
    link.symlink_to(source)
    for folder in (source, source.parent, link):
        with pytest.raises(ConfigError, match="source folder"):
            check_flyer_dir(folder)


def test_the_deployment_folder_and_a_folder_inside_the_source_are_accepted(tmp_path: Path) -> None:
    assert check_flyer_dir(Path("/mnt/sheetsync-flyers")) == Path("/mnt/sheetsync-flyers")
    assert check_flyer_dir(tmp_path) == tmp_path.resolve()
    # A folder of flyers shipped inside the source is not the source itself.
    assert check_flyer_dir(source_folder() / "flyers") == source_folder() / "flyers"


def test_google_backend_refuses_a_secrets_folder_before_anything_else() -> None:
    with pytest.raises(ConfigError, match="SHEETSYNC_FLYER_DIR"):
        google_backend(
            "sheet",
            endpoint="http://127.0.0.1:9",
            credentials=GoogleCredentials.anonymous(),
            attachments_dir=Path("/etc/secrets/sheetsync"),
        )


def test_config_has_no_flyer_folder_unless_one_is_set() -> None:
    assert Config.from_env({}).flyer_dir is None
    config = Config.from_env({"SHEETSYNC_FLYER_DIR": "/mnt/sheetsync-flyers"})
    assert config.flyer_dir == Path("/mnt/sheetsync-flyers")


# -- the loader alone ---------------------------------------------------------------------------


def test_loader_reads_the_checked_file_and_names_it_as_typed(tmp_path: Path) -> None:
    (tmp_path / "flyer.pdf").write_bytes(FLYER_PDF)
    flyer = FlyerFolder(tmp_path).load("flyer.pdf")
    assert flyer == Attachment("flyer.pdf", FLYER_PDF)
    assert "PDF" not in repr(flyer)  # the bytes stay out of repr()
    at_limit = tmp_path / "big.pdf"
    with at_limit.open("wb") as handle:
        handle.truncate(MAX_FLYER_BYTES)
    big = FlyerFolder(tmp_path).load("big.pdf")
    assert isinstance(big, Attachment) and len(big.content) == MAX_FLYER_BYTES


def test_load_flyer_without_a_name_or_a_folder() -> None:
    assert load_flyer("", None) is None
    assert load_flyer("flyer.pdf", None) == FlyerProblem(NO_FOLDER)


def test_loader_refuses_names_even_when_called_directly(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "flyer.pdf").write_bytes(FLYER_PDF)
    for name in ("sub/flyer.pdf", "/etc/hostname", "..", ".", "a\nb"):
        problem = FlyerFolder(tmp_path).load(name)
        assert isinstance(problem, FlyerProblem), name
        assert "plain file name such as flyer.pdf" in problem.reason


def test_a_missing_folder_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    problem = FlyerFolder(tmp_path / "not-mounted", "the flyer folder").load("flyer.pdf")
    assert problem == FlyerProblem("the flyer folder cannot be opened")


def test_a_file_swapped_after_the_check_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Between the check and the open, flyer.pdf becomes a link to a secret.
    (tmp_path / "flyer.pdf").write_bytes(FLYER_PDF)
    secret = tmp_path.parent / f"{tmp_path.name}-secret"
    secret.write_bytes(SECRET)
    real_open = os.open

    def swapping_open(path: object, flags: int, *args: object) -> int:
        if str(path).endswith("flyer.pdf"):
            os.remove(path)  # type: ignore[arg-type]
            os.symlink(secret, path)  # type: ignore[arg-type]
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", swapping_open)
    problem = FlyerFolder(tmp_path).load("flyer.pdf")
    assert problem == FlyerProblem("changed while it was read; the next sync tries again")


def test_a_file_replaced_by_another_after_the_check_is_not_read(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "flyer.pdf").write_bytes(FLYER_PDF)
    real_open = os.open

    def replacing_open(path: object, flags: int, *args: object) -> int:
        if str(path).endswith("flyer.pdf"):
            # Renamed, not removed, so that the new file cannot reuse the old one's inode.
            os.rename(path, tmp_path / "old.pdf")  # type: ignore[arg-type]
            Path(str(path)).write_bytes(SECRET)
        return real_open(path, flags, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", replacing_open)
    problem = FlyerFolder(tmp_path).load("flyer.pdf")
    assert problem == FlyerProblem("changed while it was read; the next sync tries again")


# -- validation and planning, pure ---------------------------------------------------------------

NS = "sheet-1"
FLYER_ROW = nk.SETTING_ROWS["Flyer file"]


@pytest.mark.parametrize(
    ("typed", "reason"),
    [
        ("../../etc/passwd", "is a path, not a plain file name"),
        ("/etc/secrets/sheetsync/gmail-token.json", "is a path, not a plain file name"),
        ("flyers\\flyer.pdf", "is a path, not a plain file name"),
        ("..", "starts with a dot (a hidden file, or .. for the folder above)"),
        ("flyer\u202efdp.exe", "has a control or invisible character"),
        ("x" * 256, "is longer than a file name can be"),
    ],
)
def test_a_flyer_setting_that_is_not_a_plain_name_is_a_settings_problem(typed, reason):
    validated = validate(snapshot(settings={"Flyer file": typed}))
    (problem,) = validated.sheet_problems
    assert (problem.tab, problem.row_number) == ("Settings", FLYER_ROW)
    assert problem.message == (
        f"Flyer file: {reason}; use a plain file name such as flyer.pdf, in the flyer folder; "
        "no GP cover note is drafted until it is fixed"
    )
    assert validated.refused_settings == {"flyer_file"}
    assert validated.settings.flyer_file == ""


GP_ROWS = [
    {**nk.GP, "row_id": "C0001"},
    {**nk.GP, "row_id": "C0002", "name": "Dr Ben Ito"},
    # A practice whose cover note was drafted already: nothing is to carry the flyer there.
    {
        **nk.GP,
        "row_id": "C0003",
        "name": "Dr Old",
        "practice": "Northside",
        "draft_id": "r9",
        "doctors_letter_id": "r10",
    },
    {**nk.THERAPIST, "row_id": "C0004"},
]


def _statuses(plan) -> dict[str, str]:
    return {
        str(r.target["row_id"]): r.status.render() for r in plan.rows if r.ref.tab == "Contacts"
    }


def test_planner_with_a_flyer_problem_drafts_no_cover_note_and_marks_its_rows():
    validated = validate(snapshot(contacts=GP_ROWS, settings={"Flyer file": "flyer.pdf"}))
    reason = "there is no file of this name in the workbook's folder"
    plan = make_plan(validated, NS, builders.NOW, FlyerProblem(reason))
    assert [d.kind for d in plan.drafts] == ["intro"]
    settings = [p for p in plan.problems if p.tab == "Settings"]
    assert settings == [
        Problem(
            "Settings",
            FLYER_ROW,
            "",
            f"Flyer file: {reason}; no GP cover note is drafted until it is fixed",
        )
    ]
    statuses = _statuses(plan)
    expected = (
        f"Error: Settings > Flyer file: {reason}; no GP cover note is drafted until it is fixed"
    )
    assert statuses["C0001"] == statuses["C0002"] == expected
    assert statuses["C0003"].startswith("OK: GP kit in your drafts")
    assert statuses["C0004"].startswith("OK")
    # The visit is still planned: the cover note is printed for it too.
    assert any(e.purpose == "drop-in" for e in plan.events)
    # A practice given its cover note before the letter for the doctors existed gets that
    # letter now: it carries no flyer, so the flyer's problem does not hold it back.
    older = [{**row, "doctors_letter_id": None} for row in GP_ROWS]
    validated = validate(snapshot(contacts=older, settings={"Flyer file": "flyer.pdf"}))
    plan = make_plan(validated, NS, builders.NOW, FlyerProblem(reason))
    (letter,) = [d for d in plan.drafts if d.kind == "gp_doctors"]
    assert [r.row_number for r in letter.refs] == [4]


def test_planner_with_a_refused_flyer_name_reports_it_once_and_marks_the_rows():
    validated = validate(snapshot(contacts=GP_ROWS, settings={"Flyer file": "/etc/hostname"}))
    plan = make_plan(validated, NS, builders.NOW, None)
    assert [d.kind for d in plan.drafts] == ["intro"]
    assert len([p for p in plan.problems if p.tab == "Settings"]) == 1
    assert _statuses(plan)["C0001"] == (
        "Error: Settings > Flyer file: is not a plain file name; use a plain file name such as "
        "flyer.pdf, in the flyer folder; no GP cover note is drafted until it is fixed"
    )


def test_planner_attaches_the_loaded_flyer_to_cover_notes_only():
    validated = validate(snapshot(contacts=GP_ROWS, settings={"Flyer file": "flyer.pdf"}))
    flyer = Attachment("flyer.pdf", FLYER_PDF)
    plan = make_plan(validated, NS, builders.NOW, flyer)
    by_kind = {d.kind: d for d in plan.drafts}
    assert by_kind["gp_cover"].attachment == flyer and by_kind["intro"].attachment is None
    assert by_kind["gp_doctors"].attachment is None
    assert not [p for p in plan.problems if p.tab == "Settings"]


def test_a_draft_not_saved_says_so_on_either_backend():
    plan = make_plan(validate(snapshot(contacts=[GP_ROWS[3]])), NS, builders.NOW)
    (draft,) = plan.drafts
    failed = {draft.message_id: DraftOutcome(draft.message_id, "failed", error="disk full")}
    writes, problems = compose(plan, {}, failed)
    status = next(w.value for w in writes if w.key == "sync_status")
    assert status == "Error: Draft not saved (disk full); the next sync retries"
    assert problems[0].message == "Draft not saved (disk full); the next sync retries"


# -- the entry points ---------------------------------------------------------------------------


def test_cli_refuses_a_system_flyer_folder_and_has_no_default_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from sheetsync.entrypoints.cli import main

    for name in ("SHEETSYNC_FLYER_DIR", "SHEETSYNC_ACCESS_TOKEN", "SHEETSYNC_GMAIL_TOKEN_FILE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.chdir(source_folder())  # where "." would have exposed the source
    with FakeGoogle(seed=5) as server:
        sid = nk.google_sheet(server, [nk.GP], {"Flyer file": "main.py"})
        args = ["--api-endpoint", server.url, "sync", "--sheet", sid]
        assert main([*args, "--flyer-dir", "/proc"]) == 2
        err = capsys.readouterr().err
        assert err.startswith("error: SHEETSYNC_FLYER_DIR (or --flyer-dir) must not be in /proc")
        assert main([*args, "--dry-run"]) == 0
        out = capsys.readouterr().out
        assert f"Settings row {FLYER_ROW}: Flyer file: {NO_FOLDER}" in out
        assert main(args) == 0
        assert nk.google_drafts(server) == []


def test_functions_refuse_a_secrets_flyer_folder() -> None:
    from sheetsync.bootstrap import backend_for

    config = Config.from_env(
        {
            "SHEETSYNC_BACKEND": "google",
            "SHEETSYNC_SPREADSHEET_ID": "sheet",
            "SHEETSYNC_API_ENDPOINT": "http://127.0.0.1:9",
            "SHEETSYNC_FLYER_DIR": "/etc/secrets/sheetsync",
        }
    )
    with pytest.raises(ConfigError, match="SHEETSYNC_FLYER_DIR"):
        backend_for(config)
    deployed = Config.from_env({**config.environ, "SHEETSYNC_FLYER_DIR": "/mnt/sheetsync-flyers"})
    backend = backend_for(deployed)
    assert backend.flyers is not None and backend.flyers.folder == Path("/mnt/sheetsync-flyers")


def test_a_link_to_the_folder_itself_is_not_a_flyer(tmp_path: Path) -> None:
    (tmp_path / "flyer.pdf").symlink_to(tmp_path)
    problem = FlyerFolder(tmp_path).load("flyer.pdf")
    assert isinstance(problem, FlyerProblem) and problem.reason.startswith("is not a regular file")
