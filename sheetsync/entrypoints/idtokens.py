"""Verification of Google-signed ID tokens (OIDC JWTs) for sheetsync's HTTP entry points.

This module owns one question: "was this request sent by the Google service account we expect,
for this endpoint?". It answers it by checking a Google-signed RS256 ID token: its claims
(issuer, expiry, lifetime, audience, ``email``), its signature against Google's published
certificates (google-auth), then ``email_verified``. It knows nothing about Flask, add-on events
or configuration: callers pass the token and a :class:`TokenPolicy`.

Two callers use it:

* **The Workspace add-on endpoint** (``addon``). Google calls the endpoint with an event whose
  ``authorizationEventObject.systemIdToken`` is an ID token minted for the project's add-on
  service account (``service-PROJECT_NUMBER@gcp-sa-gsuiteaddons.iam.gserviceaccount.com``,
  shown by ``gcloud workspace-add-ons get-authorization``), with the endpoint URL as audience.
  The token travels in the request *body*, so it reaches the function intact whatever the
  platform does with the ``Authorization`` header; the endpoint always verifies it.

* **The scheduled sync endpoint** (``sync_http``), called by Cloud Scheduler with
  ``Authorization: Bearer <OIDC ID token>`` for the scheduler's service account, when it is
  deployed as a public endpoint: set ``SHEETSYNC_SCHEDULER_AUDIENCE`` and
  ``SHEETSYNC_SCHEDULER_SERVICE_ACCOUNT`` and the entry point calls :func:`verify_id_token`
  with the token from :func:`bearer_token`. Behind IAM (the default in ``deploy/deploy.sh``)
  Cloud Run has verified the token already and strips its signature (the last segment becomes
  ``SIGNATURE_REMOVED_BY_GOOGLE``), so the in-function check must stay off: see
  deploy/README.md for both ways.

How a token is checked, cheapest first:

1. **Shape** (standard library only): at most 16 KB, three base64url segments whose header and
   payload are JSON objects.
2. **Claims, unverified** (standard library only): ``alg`` is RS256; ``exp`` and ``iat`` are
   numbers, the token is neither expired nor issued in the future (with clock skew) and lives
   at most :data:`MAX_LIFETIME_S` plus the skew (Google's ID tokens live one hour, so a token
   "valid for ten years" is forged); ``iss`` is Google; ``aud`` and ``email`` are the policy's.
   A token refused here costs no network and does not load google-auth: a forged token gets
   its 401 even while Google's certificates cannot be fetched, and junk cannot make us fetch.
3. **Signature**, by google-auth: ``google.oauth2.id_token.verify_token`` (``jwt.decode``
   against Google's certificates, which checks ``exp``/``iat`` and ``aud`` again on the now
   verified payload), with the certificates from ``sheetsync.entrypoints.idtoken_certs``'s
   in-process cache.
4. **email_verified**, on the verified claims (google-auth has no notion of it).

Outcomes map onto :class:`sheetsync.errors.AuthError`. Every refusal made before the signature
is verified is 401, whichever claim is wrong: an unverified claim tells us nothing about who
is calling, so the answer cannot depend on it (nor on whether Google's certificates are
reachable). A genuine Google token for the configured account whose email is not verified is
403. Error messages never contain the token or any claim value (the spec keeps tokens and
emails out of logs), and exceptions are raised ``from None`` because google-auth's own messages
embed the raw token.

Cold start: google-auth (and through it requests and the crypto libraries) is imported on the
first token that gets as far as its signature check. A request with no token, a token that is
not shaped like a JWT, or one whose claims are wrong is refused with the standard library
alone, so a cold instance answers it about as fast as a bare function.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import os
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, NoReturn, TypeGuard, cast

from sheetsync.entrypoints.idtoken_certs import CachedCertsRequest
from sheetsync.errors import AuthError, ConfigError

if TYPE_CHECKING:
    import google.auth.transport

#: The certificate endpoint google.oauth2.id_token uses by default for Google-issued ID tokens
#: ({key id: PEM X.509 certificate}).
GOOGLE_CERTS_URL = "https://www.googleapis.com/oauth2/v1/certs"

#: For emulators, local runs and tests only: serve your own certificates at this URL (same
#: ``{key id: PEM}`` format) and ID tokens are verified against them instead of Google's. Read
#: when a TokenPolicy is made (not at import), so it also redirects the policies the entry
#: points make. Never set it in a deployment: whoever controls that URL can mint tokens that
#: pass.
CERTS_URL_ENV = "SHEETSYNC_ID_TOKEN_CERTS_URL"

#: Issuers Google uses for its ID tokens; older tokens carry the scheme-less form.
GOOGLE_ISSUERS = frozenset({"accounts.google.com", "https://accounts.google.com"})

#: The longest ``exp - iat`` accepted (plus the clock skew): Google's ID tokens, Cloud
#: Scheduler's OIDC tokens and the add-on's systemIdToken included, live one hour.
MAX_LIFETIME_S = 3600

#: The only signature algorithm Google signs ID tokens with.
_ALGORITHM = "RS256"

#: Real Google ID tokens are about 1 KB; refusing huge inputs early bounds the work per request.
_MAX_TOKEN_CHARS = 16_384

#: What Cloud Run puts in place of the signature after it verified a token at the IAM layer.
_SIGNATURE_REMOVED = "SIGNATURE_REMOVED_BY_GOOGLE"


def _unauthorized(message: str) -> NoReturn:
    raise AuthError(message, http_status=401)


def _no_constant(name: str) -> NoReturn:
    # NaN and Infinity are not JSON; Python's parser accepts them unless told otherwise, and a
    # NaN exp would slip through every comparison.
    raise ValueError("not a JSON number")


def _b64url_json(segment: str) -> Any:
    padded = segment + "=" * (-len(segment) % 4)
    text = base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8")
    return json.loads(text, parse_constant=_no_constant)


def _unverified_parts(token: str) -> tuple[Mapping[str, Any], Mapping[str, Any]]:
    """The JOSE header and the payload of a compact JWS, unverified; ValueError unless JWT-shaped.

    The standard library alone, so that junk is refused without loading google-auth. At least
    as strict as ``google.auth.jwt`` (three segments; header and payload are base64url JSON),
    and both must be objects.
    """
    parts = token.split(".")
    if len(parts) != 3:
        raise ValueError("wrong number of segments")
    try:
        header, payload = _b64url_json(parts[0]), _b64url_json(parts[1])
    except (binascii.Error, UnicodeError, ValueError, RecursionError):
        # RecursionError: a segment of nested brackets, 16 KB of which parse no deeper.
        raise ValueError("a segment is not base64url JSON") from None
    if not isinstance(header, dict) or not isinstance(payload, dict):
        raise ValueError("the header or the payload is not a JSON object")
    return header, payload


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
    too long-lived, wrong-issuer, wrong-audience or wrong-account token; AuthError(403) when
    the token is genuine and for the configured account but its email is not verified;
    ConfigError when the policy is incomplete; BackendError when Google's certificates are
    needed and cannot be fetched (our outage, not the caller's fault, so not a 401).
    ``request`` is the transport certificates are fetched with (default: google-auth's
    requests transport, made only when a fetch is needed).
    """
    if not policy.audience or not policy.email or not policy.certs_url:
        # Misconfiguration is the operator's problem (500), not 401s blaming every caller.
        raise ConfigError(
            "ID token policy needs an audience, a service account email and a certs URL"
        )
    if not token:
        _unauthorized("missing ID token")
    if len(token) > _MAX_TOKEN_CHARS:
        _unauthorized("ID token is malformed")
    try:
        header, claims = _unverified_parts(token)
    except ValueError:
        raise AuthError("ID token is malformed", http_status=401) from None
    if token.rsplit(".", 1)[-1] == _SIGNATURE_REMOVED:
        _unauthorized(
            "ID token signature was removed by the platform: the service already verified it "
            "with IAM, so disable the in-function check (unset its audience setting)"
        )
    _check_claims(header, claims, policy, time.time(), clock_skew_seconds)

    kid = header.get("kid")
    verified = _verify_signature(
        token, policy, kid if isinstance(kid, str) else None, request, clock_skew_seconds
    )
    # Google has sent email_verified both as a JSON boolean and as the string "true".
    if verified.get("email_verified") not in (True, "true"):
        raise AuthError("token email is not verified", http_status=403)
    return verified


def _check_claims(
    header: Mapping[str, Any],
    claims: Mapping[str, Any],
    policy: TokenPolicy,
    now: float,
    clock_skew_seconds: int,
) -> None:
    """Refuse (AuthError 401) a token whose header or claims are not what ``policy`` expects.

    Works on unverified claims, so passing proves nothing by itself: it only spares the
    signature check (and the network) for tokens that would fail anyway.
    """
    if header.get("alg") != _ALGORITHM:
        _unauthorized(f"ID token signature algorithm is not {_ALGORITHM}")
    _check_times(claims, now, clock_skew_seconds)
    issuer = claims.get("iss")
    if not isinstance(issuer, str) or issuer not in GOOGLE_ISSUERS:
        _unauthorized("ID token was not issued by Google")
    if claims.get("aud") != policy.audience:
        _unauthorized("ID token audience is not the configured audience")
    email = claims.get("email")
    if not isinstance(email, str) or email.casefold() != policy.email.casefold():
        _unauthorized("token email is not the configured service account")


def _is_seconds(value: object) -> TypeGuard[float]:
    """A JSON number usable as a time (bool is an int in Python, and not one)."""
    if isinstance(value, bool):
        return False
    return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))


def _check_times(claims: Mapping[str, Any], now: float, clock_skew_seconds: int) -> None:
    exp, iat = claims.get("exp"), claims.get("iat")
    if not _is_seconds(exp) or not _is_seconds(iat):
        _unauthorized("ID token is malformed: exp and iat must be numbers")
    if now > exp + clock_skew_seconds:
        _unauthorized("ID token has expired")
    if now < iat - clock_skew_seconds:
        _unauthorized("ID token is not valid yet")
    if exp - iat > MAX_LIFETIME_S + clock_skew_seconds:
        _unauthorized("ID token lifetime is longer than a Google ID token's (1 hour)")


def _verify_signature(
    token: str,
    policy: TokenPolicy,
    kid: str | None,
    transport: google.auth.transport.Request | None,
    clock_skew_seconds: int,
) -> Mapping[str, Any]:
    """The verified claims, by ``google.oauth2.id_token.verify_token``; AuthError(401) if bad."""
    import google.auth.exceptions
    from google.oauth2 import id_token

    certs_request = CachedCertsRequest(policy.certs_url, kid, transport)
    try:
        return id_token.verify_token(
            token,
            cast("google.auth.transport.Request", certs_request),
            audience=policy.audience,
            certs_url=policy.certs_url,
            clock_skew_in_seconds=clock_skew_seconds,
        )
    except (google.auth.exceptions.GoogleAuthError, ValueError, TypeError, KeyError):
        pass
    # Outside the except block, so no library message (which quotes the token) is chained.
    # The claims passed a moment ago; if time has since run out, say so rather than blame
    # the signature.
    _check_times(_unverified_parts(token)[1], time.time(), clock_skew_seconds)
    _unauthorized("ID token signature is invalid")
