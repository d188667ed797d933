"""sheetsync: grow a therapist's referral network from a templated spreadsheet.

The public API is small: ``run_sync`` over a ``Backend``, and the CLI in ``sheetsync.cli``.
"""

from .errors import SheetsyncError
from .sync import Backend, SyncReport, run_sync

__all__ = ["Backend", "SheetsyncError", "SyncReport", "run_sync"]
