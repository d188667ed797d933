"""The exception tree of sheetsync: one base class, converted from library errors at the edges.

    SheetsyncError                 anything sheetsync raises on purpose
    ├── TemplateError              the Sheet does not match the template (missing tab or header)
    ├── ConfigError                bad or missing configuration (environment, CLI, Settings tab)
    ├── BackendError               a backend (Google or local files) failed for good
    │   └── ConcurrentEditError    the workbook changed under us between read and write
    ├── SyncInProgressError        a sync of the same Sheet is already running (HTTP 409)
    ├── AuthError                  a caller could not be authenticated (HTTP 401) or is not
    │                              allowed (HTTP 403)
    └── BadRequestError            a request to an entry point is malformed (HTTP 400)
        ├── PayloadTooLargeError   its body is over the size limit (HTTP 413)
        └── MethodNotAllowedError  it used an HTTP method the entry point refuses (HTTP 405)

Entry points map these to exit codes and HTTP answers in one place each; nothing else catches
them broadly. Messages never carry names, emails or tokens: they name tabs, rows and columns.
"""

from __future__ import annotations


class SheetsyncError(Exception):
    """Base of every error sheetsync raises on purpose."""

    #: HTTP status an entry point answers with.
    http_status: int = 500


class TemplateError(SheetsyncError):
    """The Sheet or workbook does not match the template (a tab or header is missing)."""

    http_status = 422


class ConfigError(SheetsyncError):
    """Configuration is missing or invalid."""

    http_status = 500


class BackendError(SheetsyncError):
    """A backend failed for good, after any retries.

    ``code`` keeps the HTTP status the backend answered with (``None`` for a dropped
    connection or a local file error), so callers can tell a missing Sheet from an outage.
    """

    http_status = 502

    def __init__(self, message: str, code: int | None = None) -> None:
        super().__init__(message)
        self.code = code


class ConcurrentEditError(BackendError):
    """The data changed between our read and our write; nothing was written."""

    http_status = 409


class SyncInProgressError(SheetsyncError):
    """Another sync of the same Sheet or workbook is running; this one did nothing."""

    http_status = 409


class AuthError(SheetsyncError):
    """Authentication (401) or authorization (403) failed."""

    def __init__(self, message: str, http_status: int = 401) -> None:
        super().__init__(message)
        self.http_status = http_status


class BadRequestError(SheetsyncError):
    """A request to an entry point is malformed."""

    http_status = 400


class PayloadTooLargeError(BadRequestError):
    """A request body is larger than an entry point accepts."""

    http_status = 413


class MethodNotAllowedError(BadRequestError):
    """A request used an HTTP method the entry point does not accept.

    ``allow`` is the ``Allow`` header the answer must carry (RFC 9110, 405).
    """

    http_status = 405

    def __init__(self, message: str, allow: str = "POST") -> None:
        super().__init__(message)
        self.allow = allow
