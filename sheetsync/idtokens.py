"""Verification of Google-signed ID tokens (OIDC JWTs) for sheetsync's HTTP entry points.

This module owns one question: "was this request sent by the Google service account we expect,
for this endpoint?". It answers it by verifying a Google-signed RS256 ID token with google-auth:
signature against Google's published certificates, issuer, expiry, audience, then the
``email`` and ``email_verified`` claims. It knows nothing about Flask, add-on events or
configuration: callers pass the token and a :class:`TokenPolicy`.

Two callers use it:

* **The Workspace add-on endpoint** (``addon``). Google calls the endpoint with an event whose
  ``authorizationEventObject.systemIdToken`` is an ID token minted for the project's add-on
  service account (``service-PROJECT_NUMBER@gcp-sa-gsuiteaddons.iam.gserviceaccount.com``,
  shown by ``gcloud workspace-add-ons get-authorization``), with the endpoint URL as audience.
  The token travels in the request *body*, so it reaches the function intact whatever the
  platform does with the ``Authorization`` header; the endpoint always verifies it.

* **The scheduled sync endpoint** (``sync_http``), called by Cloud Scheduler with
  ``Authorization: Bearer <OIDC ID token>`` for the scheduler's service account. There are two
  ways to deploy it, and they need different settings:

  1. *Behind IAM* (``--no-allow-unauthenticated``, the default in ``deploy/deploy.sh``). Cloud
     Run (which hosts Cloud Functions gen2) verifies the token and checks that its service
     account holds ``roles/run.invoker`` before the request reaches the function. It then
     strips the token's signature (the last segment becomes ``SIGNATURE_REMOVED_BY_GOOGLE``) so
     the token cannot be replayed elsewhere. The in-function check must then stay **off**
     (``SHEETSYNC_SCHEDULER_AUDIENCE`` unset): a signature-less token can never verify here,
     and IAM has already done the job.
  2. *Public endpoint* (``--allow-unauthenticated``, e.g. behind a proxy or where IAM invoker
     bindings are not wanted). Anyone on the internet can reach the function, so it must verify
     the bearer token itself: set ``SHEETSYNC_SCHEDULER_AUDIENCE`` (the ``--oidc-token-audience``
     of the Scheduler job) and ``SHEETSYNC_SCHEDULER_SERVICE_ACCOUNT`` (its
     ``--oidc-service-account-email``), and the entry point calls :func:`verify_id_token` with
     the token from :func:`bearer_token`.

Outcomes map onto :class:`sheetsync.errors.AuthError`: a missing, malformed, forged, expired,
wrongly-issued or wrongly-addressed token is 401 (we do not know who is calling); a genuine
Google token for the wrong service account, or with an unverified email, is 403 (we know who
is calling and they are not allowed). Error messages never contain the token or any claim
value (the spec keeps tokens and emails out of logs), and exceptions are raised ``from None``
because google-auth's own messages embed the raw token.

Google's signing certificates rotate (new keys are published ahead of use), so they are cached
in-process for a few minutes and re-fetched early when a token names a key id we have not seen,
at most once per :data:`_MIN_REFETCH_INTERVAL_S` so that junk tokens cannot turn us into an
amplifier against the certificate endpoint.

Cold start: google-auth (and through it requests and the crypto libraries) is imported on the
first token that gets as far as its signature check. A request with no token, or one that is
not even shaped like a JWT, is refused with the standard library alone, so a cold instance
answers it about as fast as a bare function.
"""

from __future__ import annotations

import base64
import binascii
import http.client
import json
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, cast

from sheetsync.errors import AuthError, BackendError, ConfigError

if TYPE_CHECKING:
    import google.auth.transport

#: The certificate endpoint google.oauth2.id_token uses by default for Google-issued ID tokens
#: ({key id: PEM X.509 certificate}). Read at TokenPolicy construction time (not import time),
#: so tests can point policies built by the entry points at a local server by patching it.
GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"

#: For emulators, local runs and tests only: serve your own certificates at this URL (same
#: ``{key id: PEM}`` format) and ID tokens are verified against them instead of Google's.
#: Never set it in a deployment: whoever controls that URL can mint tokens that pass.
CERTS_URL_ENV = "SHEETSYNC_ID_TOKEN_CERTS_URL"

#: Issuers Google uses for its ID tokens; older tokens carry the scheme-less form.
GOOGLE_ISSUERS = frozenset({"accounts.google.com", "https://accounts.google.com"})

#: How long fetched certificates are trusted before a re-fetch. Short: keys rotate about daily.
_CERTS_TTL_S = 300.0

#: Minimum gap between re-fetches triggered by an unknown key id.
_MIN_REFETCH_INTERVAL_S = 30.0

#: Network timeout for the certificate fetch; an entry point must answer within seconds.
_FETCH_TIMEOUT_S = 10.0

#: Real Google ID tokens are about 1 KB; refusing huge inputs early bounds the work per request.
_MAX_TOKEN_CHARS = 16_384

#: What Cloud Run puts in place of the signature after it verified a token at the IAM layer.
_SIGNATURE_REMOVED = "SIGNATURE_REMOVED_BY_GOOGLE"


def _jwt_decode(token: str, **options: Any) -> Mapping[str, Any]:
    """``google.auth.jwt.decode``, imported on first use (it has no type annotations)."""
    from google.auth import jwt

    return cast(Callable[..., Mapping[str, Any]], jwt.decode)(token, **options)


def _b64url_json(segment: str) -> Any:
    padded = segment + "=" * (-len(segment) % 4)
    return json.loads(base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8"))


def _jwt_decode_header(token: str) -> Mapping[str, Any]:
    """The unverified JOSE header of a compact JWS; ValueError unless it has that shape.

    The standard library alone, so that junk is refused without loading google-auth. As
    strict as ``google.auth.jwt.decode_header`` (three segments; header and payload are
    base64url JSON), and the header must be an object.
    """
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("wrong number of segments")
    try:
        header = _b64url_json(parts[0])
        _b64url_json(parts[1])
    except (binascii.Error, UnicodeError, ValueError):
        raise ValueError("a segment is not base64url JSON") from None
    if not isinstance(header, dict):
        raise ValueError("the header is not a JSON object")
    return header


def _default_certs_url() -> str:
    return os.environ.get(CERTS_URL_ENV, "").strip() or GOOGLE_CERTS_URL


@dataclass(frozen=True)
class TokenPolicy:
    """What a valid token must say.

    ``audience`` is the exact ``aud`` expected (for the add-on: the endpoint URL as written in
    the deployment's ``runFunction``; for Cloud Scheduler: its ``--oidc-token-audience``).
    ``email`` is the service account the token must be issued for (compared case-insensitively).
    """

    audience: str
    email: str
    certs_url: str = field(default_factory=_default_certs_url)


@dataclass
class _CachedCerts:
    certs: Mapping[str, str]
    fetched_at: float


_cache_lock = threading.Lock()
_cache: dict[str, _CachedCerts] = {}


def clear_cert_cache() -> None:
    """Forget every cached certificate set (tests, or an operator forcing a re-fetch)."""
    with _cache_lock:
        _cache.clear()


def bearer_token(authorization_header: str | None) -> str | None:
    """Return the token of an ``Authorization: Bearer <token>`` header, else None.

    The scheme is case-insensitive (RFC 9110); anything else (another scheme, no token, extra
    words) yields None, which :func:`verify_id_token` turns into a 401.
    """
    if not authorization_header:
        return None
    parts = authorization_header.split()
    if len(parts) != 2 or parts[0].lower() != "bearer":
        return None
    return parts[1]


def verify_id_token(
    token: str | None,
    policy: TokenPolicy,
    request: google.auth.transport.Request | None = None,
    clock_skew_seconds: int = 10,
) -> Mapping[str, Any]:
    """Verify a Google-signed ID token against ``policy`` and return its claims.

    Raises AuthError(401) for a missing, malformed, badly signed, expired, not-yet-valid,
    wrong-issuer or wrong-audience token; AuthError(403) when the token is genuine but its
    email is not ``policy.email`` or not verified; ConfigError when the policy is incomplete;
    BackendError when Google's certificates cannot be fetched (our outage, not the caller's
    fault, so not a 401).
    """
    if not policy.audience or not policy.email or not policy.certs_url:
        # Misconfiguration is the operator's problem (500), not 401s blaming every caller.
        raise ConfigError(
            "ID token policy needs an audience, a service account email and a certs URL"
        )
    if not token:
        raise AuthError("missing ID token", http_status=401)
    if len(token) > _MAX_TOKEN_CHARS:
        raise AuthError("ID token is malformed", http_status=401)

    try:
        header = _jwt_decode_header(token)
    except (ValueError, TypeError):
        raise AuthError("ID token is malformed", http_status=401) from None
    if token.rsplit(".", 1)[-1] == _SIGNATURE_REMOVED:
        raise AuthError(
            "ID token signature was removed by the platform: the service already verified it "
            "with IAM, so disable the in-function check (unset its audience setting)",
            http_status=401,
        )
    import google.auth.exceptions
    import google.auth.transport.requests

    kid = header.get("kid")
    certs = _certs_for(
        policy.certs_url,
        kid if isinstance(kid, str) else None,
        request if request is not None else google.auth.transport.requests.Request(),
    )

    try:
        # audience=None: we check "aud" ourselves below, because google-auth's message for a
        # wrong audience quotes the token's claim.
        claims = _jwt_decode(
            token, certs=certs, audience=None, clock_skew_in_seconds=clock_skew_seconds
        )
    except (google.auth.exceptions.GoogleAuthError, ValueError, TypeError, KeyError):
        raise AuthError(_rejection_reason(token, clock_skew_seconds), http_status=401) from None

    if claims.get("aud") != policy.audience:
        raise AuthError("ID token audience is not the configured audience", http_status=401)
    if claims.get("iss") not in GOOGLE_ISSUERS:
        raise AuthError("ID token was not issued by Google", http_status=401)
    email = claims.get("email")
    if not isinstance(email, str) or email.casefold() != policy.email.casefold():
        raise AuthError("token email is not the configured service account", http_status=403)
    # Google has sent email_verified both as a JSON boolean and as the string "true".
    if claims.get("email_verified") not in (True, "true"):
        raise AuthError("token email is not verified", http_status=403)
    return claims


def _rejection_reason(token: str, clock_skew_seconds: int) -> str:
    """Say why jwt.decode refused a token, without echoing anything from it.

    The payload is read unverified only to pick the wording of the message; acceptance never
    depends on it.
    """
    import google.auth.exceptions

    try:
        payload = _jwt_decode(token, verify=False)
    except (google.auth.exceptions.GoogleAuthError, ValueError, TypeError):
        return "ID token is malformed"
    now = time.time()
    exp, iat = payload.get("exp"), payload.get("iat")
    if not isinstance(exp, int | float) or not isinstance(iat, int | float):
        return "ID token is malformed"
    if exp + clock_skew_seconds < now:
        return "ID token has expired"
    if iat - clock_skew_seconds > now:
        return "ID token is not valid yet"
    return "ID token signature is invalid"


def _certs_for(
    certs_url: str, kid: str | None, request: google.auth.transport.Request
) -> Mapping[str, str]:
    """Return the certificate set for ``certs_url``, from cache when fresh enough.

    The lock is held across the fetch so concurrent requests on a cold instance (gunicorn
    threads) make one fetch, not one each.
    """
    with _cache_lock:
        now = time.monotonic()
        cached = _cache.get(certs_url)
        if cached is not None:
            age = now - cached.fetched_at
            fresh = age < _CERTS_TTL_S
            known_kid = kid is None or kid in cached.certs
            if fresh and (known_kid or age < _MIN_REFETCH_INTERVAL_S):
                # An unknown kid inside the refetch interval falls through to jwt.decode,
                # which rejects it ("certificate not found") as a bad token.
                return cached.certs
        certs = _fetch_certs(certs_url, request)
        _cache[certs_url] = _CachedCerts(certs=certs, fetched_at=now)
        return certs


def _fetch_certs(certs_url: str, request: google.auth.transport.Request) -> Mapping[str, str]:
    """Fetch ``{key id: PEM certificate}`` from ``certs_url`` through the injected transport."""
    import google.auth.exceptions

    try:
        response = request(certs_url, method="GET", timeout=_FETCH_TIMEOUT_S)
    except google.auth.exceptions.TransportError:
        raise BackendError("could not fetch Google's ID token certificates") from None
    if response.status != http.client.OK:
        raise BackendError(
            f"could not fetch Google's ID token certificates (HTTP {response.status})"
        )
    try:
        body = json.loads(response.data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise BackendError("Google's ID token certificates are not valid JSON") from None
    # Only the PEM map format is accepted: the JWK format ({"keys": [...]}) is served by a
    # different URL and would need PyJWT, which this project does not ship.
    if (
        not isinstance(body, dict)
        or not body
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in body.items())
    ):
        raise BackendError("Google's ID token certificates are not a {key id: PEM} map")
    return body
