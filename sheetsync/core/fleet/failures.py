"""What a failed run means for a tenant: try again, give up for today, or pause.

* **revoked**: Google refused the stored authority (``invalid_grant``: the user withdrew
  sheetsync's access or changed their password; ``unauthorized_client``: the Workspace admin
  took the delegation away). Nothing heals it but the user, so the tenant is paused at once,
  and the queue is told not to retry.
* **transient**: a Google outage, a rate limit that outlasted the adapters' own retries, a
  dropped connection, another sync of the same Sheet still running. The queue retries it with
  backoff; only the last attempt is recorded as a failure.
* **permanent**: everything else (a tab missing, the Sheet deleted or no longer shared, a bad
  setting). A retry within minutes would meet the same problem, so it is recorded at once and
  tried again the next day.

>>> from sheetsync.errors import BackendError
>>> failure_kind(BackendError("Reading the Sheet failed: HTTP 503 backendError", code=503))
'transient'
>>> failure_kind(BackendError("x failed: token refresh refused (invalid_grant)", code=401))
'revoked'
"""

from __future__ import annotations

import re
from typing import Literal

from sheetsync.errors import BackendError, SheetsyncError, SyncInProgressError

FailureKind = Literal["revoked", "transient", "permanent"]

#: The OAuth error codes (as ``adapters.google.http.describe`` writes them) that mean the
#: stored authority is gone for good.
REVOKED_CODES = ("invalid_grant", "unauthorized_client")
#: Statuses worth another attempt later (as the adapters' own retry policy has them).
_TRANSIENT_STATUSES = frozenset({408, 429, 500, 502, 503, 504})
#: A 403 that is a rate limit, as ``adapters.google.http.describe`` writes it: transient.
_RATE_LIMIT_403 = re.compile(
    r"HTTP 403 (rateLimitExceeded|userRateLimitExceeded|RATE_LIMIT_EXCEEDED)\b"
)


def failure_kind(exc: BaseException) -> FailureKind:
    """How a run that raised ``exc`` counts (see the module docstring)."""
    if isinstance(exc, SyncInProgressError):
        return "transient"
    if isinstance(exc, BackendError):
        message = str(exc)
        if exc.code == 401 and any(
            f"token refresh refused ({c})" in message for c in REVOKED_CODES
        ):
            return "revoked"
        if exc.code is None or exc.code in _TRANSIENT_STATUSES:
            return "transient"
        if exc.code == 403 and _RATE_LIMIT_403.search(message):
            return "transient"
    return "permanent"


def revoked_reason(exc: BaseException) -> str:
    """The pause reason shown to the user for a revoked authority."""
    if "unauthorized_client" in str(exc):
        return "the Workspace administrator no longer allows sheetsync to act for this account"
    return "Google no longer accepts the permission you gave sheetsync (it was withdrawn)"


def run_message(exc: BaseException) -> str:
    """What the registry keeps about a failure: sheetsync's own message, or the error's type.

    sheetsync's messages name tabs, rows and settings, never people or cell values; any other
    exception's message might quote data, so only its type is kept.
    """
    if isinstance(exc, SheetsyncError):
        text = " ".join(str(exc).split())
        return text or type(exc).__name__
    return f"internal error ({type(exc).__name__})"
