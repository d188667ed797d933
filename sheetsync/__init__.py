"""sheetsync: grow a therapist's referral network from a templated spreadsheet.

The public API is small: ``run_sync`` over a ``Backend``, and the CLI in
``sheetsync.entrypoints.cli``.

``Backend``, ``SyncReport`` and ``run_sync`` load on first use (PEP 562), not with the package:
importing any ``sheetsync`` module (the Cloud Functions' ``main.py`` imports
``sheetsync.entrypoints.functions``) must not pull in the sync and pydantic, so that a cold
start that only rejects a request stays as small as a bare function's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sheetsync.errors import SheetsyncError

if TYPE_CHECKING:
    from sheetsync.ports import Backend
    from sheetsync.service import SyncReport, run_sync

__all__ = ["Backend", "SheetsyncError", "SyncReport", "run_sync"]

_FROM_SYNC = frozenset({"Backend", "SyncReport", "run_sync"})


def __getattr__(name: str) -> Any:
    if name in _FROM_SYNC:
        from sheetsync import service as sync

        return getattr(sync, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
