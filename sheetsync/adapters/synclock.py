"""One sync per Sheet at a time: a second sync of the same Sheet is refused, never run alongside.

Two syncs of one Sheet at once would both read it, both plan the same drafts and both write
back; ids keep that from creating duplicates, but the second write can land on rows the first
is moving and the Summary ends up from whichever finished last. So a sync that changes things
holds the Sheet for its whole run:

* within a process (the Cloud Functions serve several requests in one instance: a scheduled
  sync and the add-on's "Sync now"), a set of the Sheets being synced, keyed by the Sheet's
  identity (its spreadsheet id; a workbook's resolved path);
* on the local backend also across processes (a CLI sync and a functions-framework sync of one
  workbook), an OS lock (``flock``) on a hidden lock file beside the workbook. The kernel drops
  the lock when the process ends, however it ends, so a crash never leaves a stale lock; the
  small lock file itself stays (removing it while another process waits on it would let two
  processes lock two different files).

A second sync is refused at once with :class:`SyncInProgressError` (HTTP 409) rather than made
to wait: a sync can take minutes, longer than a request should hang, and the caller (Cloud
Scheduler's retry, a person clicking again) can simply try later. Dry runs only read, so they
take no lock and may run alongside a sync.

Where ``fcntl`` does not exist (Windows), only the in-process lock applies.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Iterator
from pathlib import Path

from sheetsync.adapters.local.files import NEW_FILE_MODE, file_error
from sheetsync.errors import SyncInProgressError

BUSY = "a sync of this spreadsheet is already running; try again in a few minutes"

_running: set[str] = set()
_guard = threading.Lock()


@contextlib.contextmanager
def one_sync_at_a_time(key: str, lock_file: Path | None = None) -> Iterator[None]:
    """Hold the Sheet named by ``key`` (and ``lock_file``, across processes) while inside.

    Raises :class:`SyncInProgressError` at once if another sync holds it.
    """
    with _guard:
        if key in _running:
            raise SyncInProgressError(BUSY)
        _running.add(key)
    try:
        with _file_lock(lock_file) if lock_file is not None else contextlib.nullcontext():
            yield
    finally:
        with _guard:
            _running.discard(key)


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    try:
        import fcntl
    except ImportError:  # pragma: no cover - Windows (see the module docstring)
        yield
        return
    try:
        handle = os.open(path, os.O_RDWR | os.O_CREAT, NEW_FILE_MODE)
    except OSError as error:
        raise file_error("create the lock file", path, error) from None
    try:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise SyncInProgressError(BUSY) from None
        yield
    finally:
        os.close(handle)  # closing the descriptor releases the lock
