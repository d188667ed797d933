"""The OAuth consent's callback: Google sends the user's browser here with a code and the state.

GET only (it is a browser redirect). The ``state`` is checked first, with the standard library
alone: signed with the deployment's key, unexpired (``core.fleet.consent``). Then the consent
it names is taken from the registry, once; the code is exchanged with that consent's PKCE
verifier and the one configured redirect URI (Google compares it exactly with the one the
consent was started with); the account that consented must be the add-on user who started it;
every scope asked for must have been granted. Only then is the refresh token stored in Secret
Manager and the tenant registered (``fleet_service.finish_consent``).

The answer is a small HTML page for the person, with no value from the request in it (an
error page carries sheetsync's message and a correlation id). The page is not cached, sends
no referrer (the URL held a code) and runs no script.
"""

from __future__ import annotations

import html
from typing import TYPE_CHECKING

from sheetsync.entrypoints import fleet_wiring
from sheetsync.entrypoints.failures import describe_failure
from sheetsync.entrypoints.web import HttpResponse, load_config
from sheetsync.errors import AuthError, BadRequestError, MethodNotAllowedError

if TYPE_CHECKING:
    import flask

#: Google's codes are about 70 characters; anything far longer is not one.
MAX_CODE_CHARS = 2048
_HEADERS = {
    "Content-Type": "text/html; charset=utf-8",
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
}


def page(
    status: int, title: str, message: str, extra: dict[str, str] | None = None
) -> HttpResponse:
    """A plain HTML page (``title`` and ``message`` are escaped here)."""
    body = (
        "<!doctype html><html lang=en><meta charset=utf-8>"
        f"<title>{html.escape(title)}</title>"
        "<body style='font-family:sans-serif;max-width:36em;margin:3em auto'>"
        f"<h1>{html.escape(title)}</h1><p>{html.escape(message)}</p></body></html>"
    )
    return body, status, {**_HEADERS, **(extra or {})}


def _parameter(request: flask.Request, name: str, limit: int) -> str | None:
    values = request.args.getlist(name)
    if len(values) > 1:
        raise BadRequestError(f"the {name} parameter was sent more than once")
    if not values:
        return None
    value = values[0]
    if len(value) > limit or not value.isascii() or not value.isprintable():
        raise BadRequestError(f"the {name} parameter is malformed")
    return value


def oauth_callback(request: flask.Request) -> HttpResponse:
    """Finish a consent started from the add-on; answer the person with a page."""
    try:
        if request.method != "GET":
            raise MethodNotAllowedError("only GET is accepted", allow="GET")
        config = load_config()
        fleet = fleet_wiring.load_fleet()
        fleet.require(
            "project",
            "oauth_client_id",
            "oauth_client_secret",
            "oauth_redirect_uri",
            "oauth_state_key",
        )
        from sheetsync.core.fleet.consent import MAX_STATE_CHARS

        state = _parameter(request, "state", MAX_STATE_CHARS)
        if _parameter(request, "error", 100) is not None:
            # The person pressed Cancel (access_denied) or Google refused: nothing changed.
            return page(
                200,
                "Daily sync not turned on",
                "Nothing was changed. You can turn the daily sync on later from the sheetsync "
                "add-on in your Sheet.",
            )
        code = _parameter(request, "code", MAX_CODE_CHARS)
        if state is None or code is None:
            raise BadRequestError("the sign-in answer lacks its code or state")
        from sheetsync.bootstrap import utc_now
        from sheetsync.fleet_bootstrap import consent_scopes
        from sheetsync.fleet_service import finish_consent

        ports = fleet_wiring.services(config, fleet)
        tenant = finish_consent(
            ports.registry(),
            ports.secrets(),
            ports.tokens(),
            state_token=state,
            code=code,
            state_key=fleet.oauth_state_key or b"",
            redirect_uri=fleet.oauth_redirect_uri or "",
            required_scopes=consent_scopes(config),
            now=utc_now(),
        )
        return page(
            200,
            "Daily sync is on",
            f"Your Sheet will be synced every day at {tenant.sync_hour:02d}:00 "
            f"({tenant.time_zone}). You can close this window and press Refresh in the "
            "sheetsync add-on.",
        )
    except Exception as exc:  # the one boundary: every failure becomes a page
        failure = describe_failure(exc, "oauth_callback")
        extra = {"Allow": exc.allow} if isinstance(exc, MethodNotAllowedError) else None
        title = (
            "Sign-in link not accepted" if isinstance(exc, AuthError) else "Something went wrong"
        )
        return page(
            failure.status,
            title,
            f"{failure.message} (reference for support: {failure.correlation_id})",
            extra,
        )
