"""Google's OAuth 2.0 endpoints for the fleet's consent: authorize, token, tokeninfo, revoke.

* :func:`authorization_url`: where the add-on sends the user to consent to offline access
  (``access_type=offline``, ``prompt=consent`` so Google issues a refresh token even to a user
  who consented before, PKCE with S256, and the deployment's one redirect URI);
* :class:`GoogleTokenEndpoint`: the code exchange (with the PKCE verifier and the same
  redirect URI, which Google compares exactly), who an access token belongs to (tokeninfo),
  and revocation ("Turn off").

With an ``endpoint`` (``SHEETSYNC_API_ENDPOINT``: the tests' fake Google server) every URL is
on that host, with Google's paths. Tokens travel in POST bodies, never in a URL, and never
reach a log or an error message: errors carry the OAuth error code only.

The ID token in the exchange's answer is read without checking its signature, as OpenID
Connect Core (3.1.3.7) allows for a token received directly from the token endpoint over TLS:
only its ``sub`` is used, to check that the account that consented is the add-on user who
asked.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping, Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

import requests

from sheetsync.errors import AuthError, BackendError
from sheetsync.fleet_ports import TokenEndpoint, TokenGrant, TokenOwner

AUTH_URI = "https://accounts.google.com/o/oauth2/v2/auth"
TOKEN_URI = "https://oauth2.googleapis.com/token"
TOKENINFO_URI = "https://oauth2.googleapis.com/tokeninfo"
REVOKE_URI = "https://oauth2.googleapis.com/revoke"
TIMEOUT_S = 30.0
#: OAuth error codes are short ASCII tokens (RFC 6749, 5.2); anything else is not echoed.
_MAX_CODE_CHARS = 40


def _on(endpoint: str | None, uri: str) -> str:
    """``uri`` on Google, or with the same path on ``endpoint``."""
    if not endpoint:
        return uri
    base = urlsplit(endpoint.rstrip("/"))
    return urlunsplit((base.scheme, base.netloc, base.path + urlsplit(uri).path, "", ""))


def token_uri(endpoint: str | None = None) -> str:
    """The token endpoint (what refresh-token credentials refresh against)."""
    return _on(endpoint, TOKEN_URI)


def authorization_url(
    client_id: str,
    redirect_uri: str,
    scopes: Sequence[str],
    state: str,
    code_challenge: str,
    endpoint: str | None = None,
) -> str:
    """The consent URL for offline access to ``scopes``, bound to ``state`` and PKCE."""
    query = {
        "client_id": client_id,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "scope": " ".join(scopes),
        "access_type": "offline",
        "prompt": "consent",
        "include_granted_scopes": "false",
        "state": state,
        "code_challenge": code_challenge,
        "code_challenge_method": "S256",
    }
    return f"{_on(endpoint, AUTH_URI)}?{urlencode(query)}"


def _oauth_error(response: requests.Response) -> str:
    try:
        code = response.json().get("error")
    except (ValueError, AttributeError):
        code = None
    if isinstance(code, str) and code.replace("_", "").isalpha() and len(code) <= _MAX_CODE_CHARS:
        return code
    return f"HTTP {response.status_code}"


def _claims(id_token: str) -> Mapping[str, Any]:
    """The payload of a JWT, unverified (see the module docstring for why that is enough)."""
    parts = id_token.split(".")
    if len(parts) != 3:
        raise ValueError("not a JWT")
    payload = parts[1] + "=" * (-len(parts[1]) % 4)
    claims = json.loads(base64.urlsafe_b64decode(payload.encode("ascii")))
    if not isinstance(claims, dict):
        raise ValueError("not a JWT payload")
    return claims


class GoogleTokenEndpoint(TokenEndpoint):
    """The OAuth endpoints for one OAuth client (``client_id``, ``client_secret``)."""

    def __init__(
        self,
        client_id: str,
        client_secret: str,
        endpoint: str | None = None,
        session: requests.Session | None = None,
    ) -> None:
        self.client_id = client_id
        self._client_secret = client_secret
        self.endpoint = endpoint
        self.session = session or requests.Session()

    def __repr__(self) -> str:
        return f"GoogleTokenEndpoint(client_id={self.client_id!r})"

    def _post(self, uri: str, form: Mapping[str, str], action: str) -> requests.Response:
        try:
            return self.session.post(_on(self.endpoint, uri), data=dict(form), timeout=TIMEOUT_S)
        except requests.RequestException as exc:
            raise BackendError(
                f"{action} failed: connection failed ({type(exc).__name__})"
            ) from None

    def exchange(self, code: str, verifier: str, redirect_uri: str) -> TokenGrant:
        response = self._post(
            TOKEN_URI,
            {
                "grant_type": "authorization_code",
                "code": code,
                "code_verifier": verifier,
                "redirect_uri": redirect_uri,
                "client_id": self.client_id,
                "client_secret": self._client_secret,
            },
            "Exchanging the sign-in code",
        )
        if response.status_code >= 500:
            raise BackendError(
                f"Exchanging the sign-in code failed: HTTP {response.status_code}",
                code=response.status_code,
            )
        if response.status_code != 200:
            raise AuthError(
                f"Google refused the sign-in ({_oauth_error(response)}): "
                "start again from the sheetsync add-on",
                http_status=403,
            )
        try:
            body = response.json()
            refresh_token = body.get("refresh_token")
            subject = _claims(str(body.get("id_token") or "")).get("sub")
        except (ValueError, AttributeError, binascii.Error, UnicodeDecodeError):
            raise BackendError("Exchanging the sign-in code failed: unreadable answer") from None
        if not isinstance(refresh_token, str) or not refresh_token:
            raise AuthError(
                "Google gave no lasting permission: start again from the sheetsync add-on "
                "and allow offline access",
                http_status=403,
            )
        if not isinstance(subject, str) or not subject:
            raise BackendError("Exchanging the sign-in code failed: no ID token in the answer")
        scopes = frozenset(str(body.get("scope") or "").split())
        return TokenGrant(refresh_token=refresh_token, scopes=scopes, subject=subject)

    def owner(self, access_token: str) -> TokenOwner:
        response = self._post(
            TOKENINFO_URI, {"access_token": access_token}, "Checking the add-on user"
        )
        if response.status_code >= 500:
            raise BackendError(
                f"Checking the add-on user failed: HTTP {response.status_code}",
                code=response.status_code,
            )
        if response.status_code != 200:
            raise AuthError("Google does not recognise the add-on user's token", http_status=401)
        try:
            body = response.json()
        except ValueError:
            raise BackendError("Checking the add-on user failed: unreadable answer") from None
        subject = body.get("sub") if isinstance(body, dict) else None
        if not isinstance(subject, str) or not subject:
            raise AuthError("Google's answer does not name the add-on user", http_status=401)
        email = body.get("email")
        verified = body.get("email_verified") in (True, "true")
        return TokenOwner(
            subject=subject,
            email=email if isinstance(email, str) else "",
            email_verified=verified and isinstance(email, str),
            scopes=frozenset(str(body.get("scope") or "").split()),
        )

    def revoke(self, token: str) -> None:
        response = self._post(REVOKE_URI, {"token": token}, "Revoking the stored permission")
        # 400 is Google's answer for a token that is already invalid: revoked is revoked.
        if response.status_code >= 500:
            raise BackendError(
                f"Revoking the stored permission failed: HTTP {response.status_code}",
                code=response.status_code,
            )
