"""Google's OAuth 2.0 endpoints, faked: consent (played by the test), token, tokeninfo, revoke.

Owns the fake's users, OAuth clients and every token it issues:

* **consent** (``/o/oauth2/v2/auth``): a browser and a person are not part of a test, so
  :meth:`OAuthApi.consent` plays both: it reads the authorization URL the code under test built,
  checks it as Google would (a registered client, the redirect URI registered *exactly*,
  ``response_type=code``, PKCE ``S256``), and returns the URL Google would redirect to, with a
  one-time code (or ``error=access_denied``). The person may untick scopes (``grant``);
* **token** (``/token``): ``authorization_code`` (client authenticated, the code unused and
  unexpired, the same redirect URI, the PKCE verifier matching the challenge) and
  ``refresh_token`` (``invalid_grant`` once the user withdrew access or the token was
  revoked), form-encoded as google-auth and requests send them;
* **tokeninfo** and **revoke**, with the access or refresh token in the form or the query.

Access tokens issued here start with ``ya29.fake.`` and name their user: the server logs
each API request's *principal* (``RequestRecord.principal``), so per-user request rates can
be measured, and refuses an expired or revoked one with 401, as Google does. Other bearer
tokens (the tests' fixed strings, anonymous requests) are let through as before.
"""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import threading
import urllib.parse
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

AUTH_PATH = "/o/oauth2/v2/auth"
TOKEN_PATH = "/token"
TOKENINFO_PATH = "/tokeninfo"
REVOKE_PATH = "/revoke"
PATHS = frozenset({TOKEN_PATH, TOKENINFO_PATH, REVOKE_PATH})
ACCESS_PREFIX = "ya29.fake."
ACCESS_TTL = timedelta(hours=1)
CODE_TTL = timedelta(minutes=10)


@dataclass
class OAuthClient:
    client_id: str
    secret: str
    redirect_uris: frozenset[str]


@dataclass
class User:
    sub: str
    email: str
    revoked_at: datetime | None = None


@dataclass
class Code:
    client_id: str
    redirect_uri: str
    challenge: str
    scopes: frozenset[str]
    sub: str
    offline: bool
    expires: datetime
    used: bool = False


@dataclass
class Grant:
    """A refresh or access token: whose, for which client and scopes."""

    sub: str
    client_id: str
    scopes: frozenset[str]
    expires: datetime | None = None
    revoked: bool = False
    #: For an access token, the refresh token it came from.
    parent: str | None = None


@dataclass
class OAuthReply:
    status: int
    body: dict[str, Any] = field(default_factory=dict)


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _error(code: str, description: str = "", status: int = 400) -> OAuthReply:
    body = {"error": code}
    if description:
        body["error_description"] = description
    return OAuthReply(status, body)


class OAuthApi:
    """The fake's OAuth state; thread-safe through the server lock and its own."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now
        self._lock = threading.RLock()
        self.clients: dict[str, OAuthClient] = {}
        self.users: dict[str, User] = {}
        self.codes: dict[str, Code] = {}
        self.refresh_tokens: dict[str, Grant] = {}
        self.access_tokens: dict[str, Grant] = {}
        #: Every token request answered: (grant_type, status), for the tests.
        self.token_requests: list[tuple[str, int]] = []

    # --- set-up, as a test (or the Google Cloud console) would ------------------------------

    def add_client(self, client_id: str, secret: str, redirect_uris: Iterable[str]) -> None:
        with self._lock:
            self.clients[client_id] = OAuthClient(client_id, secret, frozenset(redirect_uris))

    def add_user(self, email: str) -> str:
        """Register a Google account; returns its ``sub`` (the same for the same address)."""
        with self._lock:
            for user in self.users.values():
                if user.email == email:
                    return user.sub
            sub = str(100_000_000_000_000_000_000 + len(self.users) + 1)
            self.users[sub] = User(sub, email)
            return sub

    def sub_of(self, email: str) -> str:
        return self.add_user(email)

    def issue_access_token(
        self, email: str, scopes: Iterable[str] = (), client_id: str = "addon"
    ) -> str:
        """An access token for ``email`` (the add-on platform's ``userOAuthToken``)."""
        with self._lock:
            return self._access(self.add_user(email), client_id, frozenset(scopes))

    def withdraw(self, email: str) -> None:
        """The user removes the app's access in their Google account: every token dies."""
        with self._lock:
            sub = self.add_user(email)
            for grant in (*self.refresh_tokens.values(), *self.access_tokens.values()):
                if grant.sub == sub:
                    grant.revoked = True

    def _access(self, sub: str, client_id: str, scopes: frozenset[str], parent: str = "") -> str:
        token = ACCESS_PREFIX + _b64(secrets.token_bytes(24))
        self.access_tokens[token] = Grant(
            sub, client_id, scopes, self._now() + ACCESS_TTL, parent=parent or None
        )
        return token

    # --- what the server asks -------------------------------------------------------------

    def principal(self, headers: Mapping[str, str]) -> str | None:
        """The user (``sub``) an API request's bearer token belongs to, if issued here."""
        token = _bearer(headers)
        with self._lock:
            grant = self.access_tokens.get(token or "")
            return grant.sub if grant else None

    def refuses(self, headers: Mapping[str, str]) -> bool:
        """Whether the request's bearer token was issued here and is expired or revoked."""
        token = _bearer(headers)
        if not token or not token.startswith(ACCESS_PREFIX):
            return False
        with self._lock:
            grant = self.access_tokens.get(token)
            return grant is None or not self._live(grant)

    def _live(self, grant: Grant) -> bool:
        if grant.revoked or (grant.expires is not None and grant.expires <= self._now()):
            return False
        if grant.parent:
            parent = self.refresh_tokens.get(grant.parent)
            return parent is not None and not parent.revoked
        return True

    # --- the consent, played --------------------------------------------------------------

    def consent(
        self, url: str, email: str, *, grant: Iterable[str] | None = None, deny: bool = False
    ) -> str:
        """Play the browser and the person on the consent page at ``url``.

        Returns the redirect Google would send the browser to. ``grant`` is the scopes the
        person leaves ticked (default: all asked for); ``deny`` presses Cancel. Raises
        ``ValueError`` where Google shows an error page instead of redirecting (an unknown
        client, a redirect URI not registered exactly, a bad PKCE method).
        """
        parts = urllib.parse.urlsplit(url)
        if parts.path != AUTH_PATH:
            raise ValueError("not Google's authorization endpoint")
        query = dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
        with self._lock:
            client = self.clients.get(query.get("client_id", ""))
            if client is None:
                raise ValueError("Error 401: invalid_client")
            redirect = query.get("redirect_uri", "")
            if redirect not in client.redirect_uris:
                raise ValueError("Error 400: redirect_uri_mismatch")
            if query.get("response_type") != "code":
                raise ValueError("Error 400: unsupported_response_type")
            challenge = query.get("code_challenge", "")
            if query.get("code_challenge_method") != "S256" or len(challenge) != 43:
                raise ValueError("Error 400: invalid_request (PKCE)")
            state = query.get("state", "")
            if deny:
                return _redirect(redirect, {"error": "access_denied", "state": state})
            asked = frozenset(query.get("scope", "").split())
            granted = asked if grant is None else asked & frozenset(grant)
            code = "4/fake-" + _b64(secrets.token_bytes(24))
            self.codes[code] = Code(
                client.client_id,
                redirect,
                challenge,
                granted,
                self.add_user(email),
                query.get("access_type") == "offline",
                self._now() + CODE_TTL,
            )
            return _redirect(redirect, {"code": code, "state": state, "scope": " ".join(granted)})

    # --- the endpoints ----------------------------------------------------------------------

    def handle(
        self, path: str, method: str, query: str, body: bytes, headers: Mapping[str, str]
    ) -> OAuthReply:
        form = dict(urllib.parse.parse_qsl(query, keep_blank_values=True))
        if method == "POST":
            form.update(
                urllib.parse.parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True)
            )
        with self._lock:
            if path == TOKEN_PATH:
                if method != "POST":
                    return _error("invalid_request", "POST only", 405)
                reply = self._token(form, headers)
                self.token_requests.append((form.get("grant_type", ""), reply.status))
                return reply
            if path == TOKENINFO_PATH:
                return self._tokeninfo(form)
            return self._revoke(form)

    def _client(self, form: Mapping[str, str], headers: Mapping[str, str]) -> OAuthClient | None:
        client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        basic = headers.get("authorization", "")
        if basic.lower().startswith("basic "):
            decoded = base64.b64decode(basic[6:]).decode("utf-8", "replace")
            client_id, _, secret = decoded.partition(":")
        client = self.clients.get(urllib.parse.unquote(client_id))
        if client is None or client.secret != urllib.parse.unquote(secret):
            return None
        return client

    def _token(self, form: Mapping[str, str], headers: Mapping[str, str]) -> OAuthReply:
        client = self._client(form, headers)
        if client is None:
            return _error("invalid_client", "The OAuth client was not found.", 401)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            return self._exchange(client, form)
        if grant_type == "refresh_token":
            grant = self.refresh_tokens.get(form.get("refresh_token", ""))
            if grant is None or grant.client_id != client.client_id or not self._live(grant):
                return _error("invalid_grant", "Token has been expired or revoked.")
            access = self._access(grant.sub, client.client_id, grant.scopes, form["refresh_token"])
            return OAuthReply(
                200,
                {
                    "access_token": access,
                    "expires_in": int(ACCESS_TTL.total_seconds()) - 1,
                    "scope": " ".join(sorted(grant.scopes)),
                    "token_type": "Bearer",
                },
            )
        return _error("unsupported_grant_type", "Invalid grant_type.")

    def _exchange(self, client: OAuthClient, form: Mapping[str, str]) -> OAuthReply:
        code = self.codes.get(form.get("code", ""))
        if code is None or code.used or code.expires <= self._now():
            return _error("invalid_grant", "Malformed auth code.")
        code.used = True  # a code works once, right or wrong
        if code.client_id != client.client_id:
            return _error("invalid_grant", "Unauthorized.")
        if form.get("redirect_uri") != code.redirect_uri:
            return _error("redirect_uri_mismatch", "Bad Request")
        verifier = form.get("code_verifier", "")
        if _b64(hashlib.sha256(verifier.encode("ascii", "replace")).digest()) != code.challenge:
            return _error("invalid_grant", "Invalid code verifier.")
        body: dict[str, Any] = {
            "access_token": self._access(code.sub, client.client_id, code.scopes),
            "expires_in": int(ACCESS_TTL.total_seconds()) - 1,
            "scope": " ".join(sorted(code.scopes)),
            "token_type": "Bearer",
        }
        if code.offline:
            refresh = "1//fake-" + _b64(secrets.token_bytes(32))
            self.refresh_tokens[refresh] = Grant(code.sub, client.client_id, code.scopes)
            body["refresh_token"] = refresh
        if "openid" in code.scopes:
            body["id_token"] = self._id_token(code.sub, client.client_id)
        return OAuthReply(200, body)

    def _id_token(self, sub: str, audience: str) -> str:
        now = int(self._now().timestamp())
        header = {"alg": "RS256", "kid": "fake", "typ": "JWT"}
        claims = {
            "iss": "https://accounts.google.com",
            "aud": audience,
            "azp": audience,
            "sub": sub,
            "iat": now,
            "exp": now + 3600,
        }
        parts = [_b64(json.dumps(p).encode("utf-8")) for p in (header, claims)]
        # Not a real signature: the code under test reads this token straight from the token
        # endpoint (OIDC Core 3.1.3.7) and does not verify it.
        return ".".join([*parts, _b64(b"fake-signature")])

    def _tokeninfo(self, form: Mapping[str, str]) -> OAuthReply:
        grant = self.access_tokens.get(form.get("access_token", ""))
        if grant is None or not self._live(grant):
            return _error("invalid_token", "Invalid Value")
        user = self.users[grant.sub]
        assert grant.expires is not None
        return OAuthReply(
            200,
            {
                "azp": grant.client_id,
                "aud": grant.client_id,
                "sub": grant.sub,
                "scope": " ".join(sorted(grant.scopes)),
                "exp": str(int(grant.expires.timestamp())),
                "expires_in": str(int((grant.expires - self._now()).total_seconds())),
                "email": user.email,
                "email_verified": "true",
                "access_type": "online",
            },
        )

    def _revoke(self, form: Mapping[str, str]) -> OAuthReply:
        token = form.get("token", "")
        grant = self.refresh_tokens.get(token) or self.access_tokens.get(token)
        if grant is None:
            return _error("invalid_token", "Token expired or revoked")
        grant.revoked = True
        return OAuthReply(200, {})


def _bearer(headers: Mapping[str, str]) -> str | None:
    value = headers.get("authorization", "")
    return value[7:].strip() if value.lower().startswith("bearer ") else None


def _redirect(uri: str, params: Mapping[str, str]) -> str:
    return f"{uri}?{urllib.parse.urlencode(params)}"
