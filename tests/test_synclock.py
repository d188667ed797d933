"""One sync per Sheet at a time: in one process (threads) and, on a workbook, across processes."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from fakegoogle import FakeGoogle
from googlekit import FAST, clients

from sheetsync.adapters.google.sheets import GoogleSheetStore
from sheetsync.adapters.synclock import BUSY
from sheetsync.bootstrap import local_backend
from sheetsync.entrypoints.demo import create_demo_workbook
from sheetsync.entrypoints.failures import error_response
from sheetsync.errors import SyncInProgressError
from sheetsync.ports import Backend
from sheetsync.service import run_sync

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


@pytest.fixture
def demo(tmp_path: Path) -> Path:
    path = tmp_path / "net" / "referral-network.xlsx"
    create_demo_workbook(path, NOW.date())
    return path


class Paused:
    """A sync running in a thread, held inside its calendar step until released."""

    def __init__(self, backend: Backend) -> None:
        self.inside = threading.Event()
        self.release = threading.Event()
        self.error: BaseException | None = None
        real_apply = backend.calendar.apply

        def paused_apply(events):  # type: ignore[no-untyped-def]
            self.inside.set()
            assert self.release.wait(30)
            return real_apply(events)

        backend.calendar.apply = paused_apply  # type: ignore[method-assign]
        self.thread = threading.Thread(target=self._run, args=(backend,))

    def _run(self, backend: Backend) -> None:
        try:
            run_sync(backend, NOW)
        except BaseException as error:  # handed to the test
            self.error = error

    def __enter__(self) -> Paused:
        self.thread.start()
        assert self.inside.wait(30), "the first sync never reached its calendar step"
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.thread.join(30)


def test_a_second_sync_of_a_workbook_in_the_same_process_is_refused(demo):
    with Paused(local_backend(demo, lambda: NOW)) as first:
        with pytest.raises(SyncInProgressError) as caught:
            run_sync(local_backend(demo, lambda: NOW), NOW)
        assert str(caught.value) == BUSY
        # Another path to the same file is the same workbook.
        same = demo.parent / ".." / demo.parent.name / demo.name
        with pytest.raises(SyncInProgressError):
            run_sync(local_backend(same, lambda: NOW), NOW)
        # A dry run only reads: it runs alongside.
        assert run_sync(local_backend(demo, lambda: NOW), NOW, dry_run=True).dry_run
    assert first.error is None
    # Released when the first sync ends: the next one runs.
    assert run_sync(local_backend(demo, lambda: NOW), NOW).created == 0


def test_syncs_of_different_workbooks_run_together(demo, tmp_path):
    other = tmp_path / "other" / "referral-network.xlsx"
    create_demo_workbook(other, NOW.date())
    with Paused(local_backend(demo, lambda: NOW)) as first:
        assert run_sync(local_backend(other, lambda: NOW), NOW).created > 0
    assert first.error is None


def test_a_sync_that_fails_releases_the_workbook(demo):
    backend = local_backend(demo, lambda: NOW)

    def fail(events):  # type: ignore[no-untyped-def]
        raise RuntimeError("the calendar step broke")

    backend.calendar.apply = fail  # type: ignore[method-assign]
    with pytest.raises(RuntimeError):
        run_sync(backend, NOW)
    assert run_sync(local_backend(demo, lambda: NOW), NOW).created > 0


@pytest.fixture
def server() -> Iterator[FakeGoogle]:
    with FakeGoogle() as fake:
        yield fake


def test_a_spreadsheet_is_held_by_its_id_in_the_same_process(server):
    gc, _, _ = clients(server)
    with GoogleSheetStore(gc, "sheet-A", FAST).exclusive():
        with pytest.raises(SyncInProgressError):
            GoogleSheetStore(gc, "sheet-A", FAST).exclusive().__enter__()
        with GoogleSheetStore(gc, "sheet-B", FAST).exclusive():
            pass  # another spreadsheet: no wait
    with GoogleSheetStore(gc, "sheet-A", FAST).exclusive():
        pass  # released


def test_a_sync_already_running_answers_409_with_its_message():
    body, status, _headers = error_response(SyncInProgressError(BUSY), "sync_http")
    assert status == 409
    assert json.loads(body)["error"]["message"] == BUSY


HOLD_THE_WORKBOOK = """
import sys
from pathlib import Path

from sheetsync.adapters.local.xlsx_store import XlsxStore

with XlsxStore(Path(sys.argv[1])).exclusive():
    print("held", flush=True)
    sys.stdin.readline()
"""


def cli_sync(book: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "sheetsync", "sync", "--workbook", str(book)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


def test_a_sync_in_another_process_is_refused_until_the_first_ends(demo):
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_THE_WORKBOOK, str(demo)],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline() == "held\n"
        before = demo.read_bytes()
        # This process (no sync of its own running) and a third process are both refused.
        with pytest.raises(SyncInProgressError):
            run_sync(local_backend(demo, lambda: NOW), NOW)
        refused = cli_sync(demo)
        assert refused.returncode == 2
        assert refused.stderr == f"error: {BUSY}\n"
        assert demo.read_bytes() == before
        assert not (demo.parent / "calendar.ics").exists()
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(30)
    assert (demo.parent / ".referral-network.xlsx.sheetsync-lock").exists()
    done = cli_sync(demo)
    assert done.returncode == 0, done.stderr
    assert (demo.parent / "calendar.ics").exists()
