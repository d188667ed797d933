"""One sync of a workbook at a time across processes: an OS lock on a file beside it.

A CLI sync and a functions-framework sync of one workbook are two processes, which the
in-process lock (``sheetsync.adapters.synclock``) cannot see. So the local store also holds an
OS lock (``flock``) on a hidden lock file beside the workbook. The kernel drops the lock when
the process ends, however it ends, so a crash never leaves a stale lock; the small lock file
itself stays (removing it while another process waits on it would let two processes lock two
different files). Where ``fcntl`` does not exist (Windows), only the in-process lock applies.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path

from sheetsync.adapters.local.files import NEW_FILE_MODE, file_error
from sheetsync.adapters.synclock import BUSY
from sheetsync.errors import SyncInProgressError


def lock_file(path: Path) -> Path:
    """The hidden file beside the workbook that syncs lock, one process at a time."""
    return path.parent / f".{path.name}.sheetsync-lock"


@contextlib.contextmanager
def holding(path: Path) -> Iterator[None]:
    """Hold the OS lock on ``path`` (created if need be) while inside.

    Raises ``SyncInProgressError`` at once if another process holds it.
    """
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
