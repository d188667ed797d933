"""sheetsync: grow a therapist's referral network from a templated spreadsheet.

Its entry points are the command line (``python -m sheetsync``, ``sheetsync.entrypoints.cli``)
and the Cloud Functions in ``main.py``. From Python, a sync is
``sheetsync.service.run_sync`` over a backend built by ``sheetsync.bootstrap``.

Importing the package loads nothing but the exception tree: the Cloud Functions' cold start imports
``sheetsync.entrypoints`` and must not pull in the sync and pydantic.
"""

from sheetsync.errors import SheetsyncError

__all__ = ["SheetsyncError"]
