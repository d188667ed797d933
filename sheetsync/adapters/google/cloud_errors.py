"""Errors of the Google Cloud clients (Firestore, Cloud Tasks, Secret Manager) as BackendError.

The fleet's adapters use the gRPC clients of ``google-cloud-*``, whose errors are
``google.api_core.exceptions.GoogleAPICallError`` (with an HTTP-like ``code``) or a
``RetryError`` once their own retries gave up. They become a ``BackendError`` that keeps the
status and names the action and the error's type only: a Cloud error's message can quote a
resource name or a request field.

Loaded only by the fleet's adapters, after the client libraries themselves.
"""

from __future__ import annotations

from google.api_core import exceptions as api_exceptions

from sheetsync.errors import BackendError

#: What a Google Cloud client call may raise about the call (not a bug in our code).
CLOUD_ERRORS: tuple[type[BaseException], ...] = (
    api_exceptions.GoogleAPIError,
    ConnectionError,
    TimeoutError,
)


def cloud_error(exc: BaseException, action: str) -> BackendError:
    """A ``BackendError`` for a failed ``action`` ("Reading the tenant registry"), code kept."""
    cause: BaseException = exc
    while isinstance(cause, api_exceptions.RetryError) and cause.cause is not None:
        cause = cause.cause
    code = getattr(cause, "code", None)
    status = code if isinstance(code, int) else None
    what = type(cause).__name__
    suffix = f" (HTTP {status})" if status else ""
    return BackendError(f"{action} failed: {what}{suffix}", code=status)
