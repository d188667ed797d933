"""Google's JSON error envelope: the exception the fake's handlers raise and its wire form.

Every failure the fake reports (bad routes, schema rejections, unknown ids, injected faults)
goes through :class:`ApiError`, so clients see one consistent shape::

    {"error": {"code": 404, "message": "...", "status": "NOT_FOUND",
               "errors": [{"message": "...", "domain": "global", "reason": "notFound"}]}}

googleapiclient's ``HttpError`` reads ``error.message`` and ``error.errors[].reason`` from it,
and gspread's ``APIError`` reads ``error.code``/``error.message``/``error.status``.
"""

from __future__ import annotations

from typing import Any

# Canonical gRPC status names Google puts next to each HTTP code in its envelopes.
STATUS_NAMES: dict[int, str] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ALREADY_EXISTS",
    410: "FAILED_PRECONDITION",
    412: "FAILED_PRECONDITION",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "UNIMPLEMENTED",
    503: "UNAVAILABLE",
}


class ApiError(Exception):
    """A request failure rendered as Google's error envelope."""

    def __init__(
        self,
        code: int,
        message: str,
        *,
        reason: str = "invalid",
        domain: str = "global",
        status: str | None = None,
        extra_errors: list[dict[str, str]] | None = None,
    ) -> None:
        super().__init__(f"{code} {reason}: {message}")
        self.code = code
        self.message = message
        self.reason = reason
        self.domain = domain
        self.status = status or STATUS_NAMES.get(code, "UNKNOWN")
        self.extra_errors = extra_errors or []

    def envelope(self) -> dict[str, Any]:
        """The JSON document Google sends for this error."""
        errors = [{"message": self.message, "domain": self.domain, "reason": self.reason}]
        errors.extend(self.extra_errors)
        return {
            "error": {
                "code": self.code,
                "message": self.message,
                "status": self.status,
                "errors": errors,
            }
        }


def bad_request(message: str, reason: str = "invalid") -> ApiError:
    """400 INVALID_ARGUMENT."""
    return ApiError(400, message, reason=reason)


def not_found(message: str = "Requested entity was not found.") -> ApiError:
    """404 NOT_FOUND with reason notFound."""
    return ApiError(404, message, reason="notFound")


def duplicate(message: str = "The requested identifier already exists.") -> ApiError:
    """409 ALREADY_EXISTS with reason duplicate (Calendar's answer to a reused event id)."""
    return ApiError(409, message, reason="duplicate")


def internal(message: str = "Internal error encountered.") -> ApiError:
    """500 INTERNAL with reason backendError."""
    return ApiError(500, message, reason="backendError")


def unimplemented(what: str) -> ApiError:
    """501 for methods that exist in the discovery document but the fake does not serve.

    Google never answers 501 for these; the fake does so a test author sees at once that the
    code under test reached beyond what the fake models, instead of a misleading 404.
    """
    return ApiError(501, f"fakegoogle does not implement {what}", reason="notImplemented")
