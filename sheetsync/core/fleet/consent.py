"""The OAuth consent's ``state`` and PKCE: what ties a callback to the add-on user who asked.

The add-on starts a consent for one verified user and one Sheet. The ``state`` it sends along
is signed (HMAC-SHA256 with the deployment's state key), says which consent it is (a random
nonce), for which tenant and user, and until when. The callback checks the signature and the
expiry before anything else, then takes the consent it names from the registry, once (so a
``state`` works a single time), and sends the PKCE verifier stored there with the code: a
code intercepted on its way back is useless without it (RFC 7636, method S256).

>>> key = b"k" * 32
>>> token = sign_state(ConsentState("n0nce", "t1", "u1", 1_000), key)
>>> read_state(token, key, now_s=999)
ConsentState(nonce='n0nce', tenant_id='t1', user='u1', expires_s=1000)
>>> pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk")
'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import re
from dataclasses import dataclass

from sheetsync.errors import AuthError, BadRequestError

#: How long a consent may take, from the add-on's button to the callback.
CONSENT_TTL_S = 600
#: Far longer than any state this module signs; anything longer is refused unread.
MAX_STATE_CHARS = 1024
#: The key signing states must be at least this long (bytes): 256 bits, as HMAC-SHA256 wants.
MIN_KEY_BYTES = 32
_B64URL = re.compile(r"[A-Za-z0-9_-]+")
#: RFC 7636, 4.1: 43 to 128 unreserved characters.
_VERIFIER = re.compile(r"[A-Za-z0-9._~-]{43,128}")
_EXPIRED = "the sign-in link has expired or is not valid: start again from the sheetsync add-on"


@dataclass(frozen=True)
class ConsentState:
    """What a signed ``state`` says: which consent, for which tenant and user, until when."""

    nonce: str
    tenant_id: str
    user: str
    expires_s: int


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    if not _B64URL.fullmatch(text):
        raise ValueError("not base64url")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(payload: str, key: bytes) -> str:
    return _b64(hmac.new(key, b"sheetsync-state\x1f" + payload.encode("ascii"), "sha256").digest())


def _check_key(key: bytes) -> None:
    if len(key) < MIN_KEY_BYTES:
        raise ValueError(f"the state key must be at least {MIN_KEY_BYTES} bytes")


def sign_state(state: ConsentState, key: bytes) -> str:
    """``state`` as a URL-safe token: base64url JSON, a dot, its HMAC."""
    _check_key(key)
    body = {"n": state.nonce, "t": state.tenant_id, "u": state.user, "e": state.expires_s}
    payload = _b64(json.dumps(body, separators=(",", ":"), sort_keys=True).encode("utf-8"))
    return f"{payload}.{_mac(payload, key)}"


def read_state(token: str, key: bytes, now_s: float) -> ConsentState:
    """The ``state`` a callback received, checked: signature first, then shape and expiry.

    BadRequestError for something that is not a state at all; AuthError (403) for a forged,
    altered or expired one. Neither message quotes the token.
    """
    _check_key(key)
    if len(token) > MAX_STATE_CHARS or token.count(".") != 1:
        raise BadRequestError("the state parameter is malformed")
    payload, mac = token.split(".")
    if not _B64URL.fullmatch(payload) or not _B64URL.fullmatch(mac):
        raise BadRequestError("the state parameter is malformed")
    if not hmac.compare_digest(mac, _mac(payload, key)):
        raise AuthError(_EXPIRED, http_status=403)
    try:
        body = json.loads(_unb64(payload).decode("utf-8"))
    except (ValueError, binascii.Error, UnicodeDecodeError, RecursionError):
        raise AuthError(_EXPIRED, http_status=403) from None
    fields = ("n", "t", "u")
    if (
        not isinstance(body, dict)
        or not all(isinstance(body.get(f), str) for f in fields)
        or type(body.get("e")) is not int
    ):
        raise AuthError(_EXPIRED, http_status=403)
    state = ConsentState(body["n"], body["t"], body["u"], body["e"])
    if now_s >= state.expires_s:
        raise AuthError(_EXPIRED, http_status=403)
    return state


def pkce_verifier(random_bytes: bytes) -> str:
    """A PKCE code verifier from at least 32 random bytes (43 or more characters)."""
    if len(random_bytes) < 32:
        raise ValueError("a PKCE verifier needs at least 32 random bytes")
    return _b64(random_bytes)[:128]


def pkce_challenge(verifier: str) -> str:
    """The S256 code challenge of ``verifier`` (RFC 7636, 4.2)."""
    if not _VERIFIER.fullmatch(verifier):
        raise ValueError("a PKCE verifier is 43 to 128 unreserved characters")
    return _b64(hashlib.sha256(verifier.encode("ascii")).digest())


def nonce_key(nonce: str) -> str:
    """Where the registry keeps a pending consent: a hash of its nonce, never the nonce."""
    return "c" + hashlib.sha256(f"sheetsync-consent\x1f{nonce}".encode()).hexdigest()[:40]
