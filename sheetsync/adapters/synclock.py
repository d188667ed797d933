"""One sync per Sheet at a time: a second sync of the same Sheet is refused, never run alongside.

Two syncs of one Sheet at once would both read it, both plan the same drafts and both write
back; ids keep that from creating duplicates, but the second write can land on rows the first
is moving and the Summary ends up from whichever finished last. So a sync that changes things
holds the Sheet for its whole run:

* within a process (the Cloud Functions serve several requests in one instance: a scheduled
  sync and the add-on's "Sync now"), a set of the Sheets being synced, keyed by the Sheet's
  identity (its spreadsheet id; a workbook's resolved path);
* on the local backend also across processes (a CLI sync and a functions-framework sync of one
  workbook), an OS lock on a file beside the workbook (``local.file_lock``), which the store
  passes in as ``across_processes``.

A second sync is refused at once with :class:`SyncInProgressError` (HTTP 409) rather than made
to wait: a sync can take minutes, longer than a request should hang, and the caller (Cloud
Scheduler's retry, a person clicking again) can simply try later. Dry runs only read, so they
take no lock and may run alongside a sync.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from contextlib import AbstractContextManager

from sheetsync.errors import SyncInProgressError

BUSY = "a sync of this spreadsheet is already running; try again in a few minutes"

_running: set[str] = set()
_guard = threading.Lock()


@contextlib.contextmanager
def one_sync_at_a_time(
    key: str, across_processes: AbstractContextManager[None] | None = None
) -> Iterator[None]:
    """Hold the Sheet named by ``key`` while inside (and ``across_processes``, entered after).

    Raises :class:`SyncInProgressError` at once if another sync holds it.
    """
    with _guard:
        if key in _running:
            raise SyncInProgressError(BUSY)
        _running.add(key)
    try:
        with across_processes if across_processes is not None else contextlib.nullcontext():
            yield
    finally:
        with _guard:
            _running.discard(key)
