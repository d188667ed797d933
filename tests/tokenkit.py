"""Offline kit for Google-style ID tokens: signing keys, token minting, a local certs server.

Shared by the ID-token tests and the add-on endpoint tests (``import tokenkit``; tests/ is on
sys.path through tests/conftest.py). Nothing here touches the network beyond 127.0.0.1.

API
---
``SigningKey``
    A frozen dataclass: ``kid``, ``private_key`` (cryptography RSA key), ``cert_pem`` (a
    self-signed X.509 certificate for the key, PEM text, as Google publishes them).
``new_signing_key(kid) -> SigningKey``
    A fresh 2048-bit RSA key with its certificate (about 50 ms; prefer the shared keys below).
``google_key() -> SigningKey``
    The shared key that plays Google's signing key (kid ``DEFAULT_KID``); served by default.
``other_key() -> SigningKey``
    A second shared key, never served: tokens signed with it have a bad signature. Same kid as
    ``google_key()`` unless you pass ``kid=...`` to :func:`mint_token`.
``DEFAULT_AUDIENCE``, ``DEFAULT_EMAIL``, ``DEFAULT_ISSUER``, ``DEFAULT_KID``
    The claims a valid default token carries (an add-on endpoint URL and the add-on service
    account email).
``claims(**overrides) -> dict``
    The default claims (``iss``, ``aud``, ``email``, ``email_verified``, ``sub``, ``iat``,
    ``exp`` one hour ahead), with overrides applied; an override of ``None`` removes the claim.
``mint_token(key=None, kid=None, alg="RS256", **claims_overrides) -> str``
    A compact JWS signed with RS256 by ``key`` (default ``google_key()``); ``kid`` overrides
    the header's key id (``""`` omits it); ``alg`` only changes the header (for "alg confusion"
    tests). Example: ``mint_token(exp=time.time() - 60)`` is an expired token.
``certs_json(*keys) -> dict[str, str]``
    ``{kid: PEM}`` for the given keys (default: ``google_key()``), the format of
    https://www.googleapis.com/oauth2/v1/certs.
``CertsServer``
    A context manager serving a certs document over HTTP on 127.0.0.1 at a random port::

        with tokenkit.CertsServer() as server:
            server.url        # "http://127.0.0.1:PORT/oauth2/v1/certs"
            server.hits       # number of GET requests answered so far
            server.certs = tokenkit.certs_json(key_a, key_b)   # rotate keys
            server.status = 500                                # simulate an outage
            server.reset()    # back to the default certs, HTTP 200, zero hits (shared servers)

``SilentServer``
    A context manager holding a port on 127.0.0.1 that accepts connections and never
    answers: point a certs URL at ``server.url`` and ``server.connected()`` tells whether
    anything connected (a verification that needed no certificates leaves it False)::

        with tokenkit.SilentServer() as silent:
            monkeypatch.setenv("SHEETSYNC_ID_TOKEN_CERTS_URL", silent.url)
            ...
            assert not silent.connected()

``local_request() -> google.auth.transport.Request``
    A google-auth requests transport that ignores proxy environment variables, so requests to
    the local server are never sent through a proxy.

``sheetsync.entrypoints.idtoken_certs`` caches certificates per URL; call
``idtoken_certs.clear_cert_cache()`` in fixtures (ports are reused between servers).
"""

from __future__ import annotations

import base64
import datetime
import functools
import http.server
import json
import socket
import threading
import time
from dataclasses import dataclass
from typing import Any

import google.auth.transport.requests
import requests
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

DEFAULT_KID = "tokenkit-key-1"
DEFAULT_ISSUER = "https://accounts.google.com"
DEFAULT_AUDIENCE = "https://europe-west1-sheetsync-test.cloudfunctions.net/addon"
DEFAULT_EMAIL = "service-123456789012@gcp-sa-gsuiteaddons.iam.gserviceaccount.com"
CERTS_PATH = "/oauth2/v1/certs"


@dataclass(frozen=True)
class SigningKey:
    """An RSA signing key and the self-signed certificate that publishes it."""

    kid: str
    private_key: rsa.RSAPrivateKey
    cert_pem: str


def new_signing_key(kid: str) -> SigningKey:
    """Generate an RSA key and a self-signed certificate for it, valid around now."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"tokenkit {kid}")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    pem = cert.public_bytes(serialization.Encoding.PEM).decode("ascii")
    return SigningKey(kid=kid, private_key=key, cert_pem=pem)


@functools.cache
def google_key() -> SigningKey:
    """The shared key standing in for Google's (generated once per test session)."""
    return new_signing_key(DEFAULT_KID)


@functools.cache
def other_key() -> SigningKey:
    """A shared key nobody publishes; it carries the same kid so only the signature is wrong."""
    return new_signing_key(DEFAULT_KID)


def claims(**overrides: Any) -> dict[str, Any]:
    """Default claims of a valid token, with overrides; an override of None drops the claim."""
    now = int(time.time())
    body: dict[str, Any] = {
        "iss": DEFAULT_ISSUER,
        "aud": DEFAULT_AUDIENCE,
        "azp": "111111111111111111111",
        "sub": "111111111111111111111",
        "email": DEFAULT_EMAIL,
        "email_verified": True,
        "iat": now,
        "exp": now + 3600,
    }
    for name, value in overrides.items():
        if value is None:
            body.pop(name, None)
        else:
            body[name] = value
    return body


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def mint_token(
    key: SigningKey | None = None,
    kid: str | None = None,
    alg: str = "RS256",
    **claims_overrides: Any,
) -> str:
    """Mint an RS256-signed JWT with the default claims plus ``claims_overrides``."""
    signer = key if key is not None else google_key()
    header: dict[str, Any] = {"alg": alg, "typ": "JWT"}
    header_kid = signer.kid if kid is None else kid
    if header_kid:
        header["kid"] = header_kid
    signing_input = ".".join(
        _b64(json.dumps(part, separators=(",", ":")).encode("utf-8"))
        for part in (header, claims(**claims_overrides))
    )
    signature = signer.private_key.sign(
        signing_input.encode("ascii"), padding.PKCS1v15(), hashes.SHA256()
    )
    return f"{signing_input}.{_b64(signature)}"


def certs_json(*keys: SigningKey) -> dict[str, str]:
    """The ``{kid: PEM certificate}`` document for ``keys`` (default: the Google stand-in)."""
    return {k.kid: k.cert_pem for k in (keys or (google_key(),))}


class _CertsHandler(http.server.BaseHTTPRequestHandler):
    server: _CertsHTTPServer

    def do_GET(self) -> None:
        owner = self.server.owner
        with owner.lock:
            owner.hits += 1
            status, body = owner.status, json.dumps(owner.certs).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=UTF-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        # Keep pytest output clean; the hit counter is the observable.
        pass


class _CertsHTTPServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    owner: CertsServer


class CertsServer:
    """Serve a Google-style certs document on 127.0.0.1 at a random port (context manager)."""

    def __init__(self, certs: dict[str, str] | None = None) -> None:
        self.certs: dict[str, str] = certs if certs is not None else certs_json()
        self.status = 200
        self.hits = 0
        self.lock = threading.Lock()
        self._httpd: _CertsHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def reset(self) -> None:
        """Back to serving ``certs_json()`` with HTTP 200 and a zero hit count."""
        with self.lock:
            self.certs = certs_json()
            self.status = 200
            self.hits = 0

    @property
    def url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("CertsServer is not running; use it as a context manager")
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}{CERTS_PATH}"

    def __enter__(self) -> CertsServer:
        httpd = _CertsHTTPServer(("127.0.0.1", 0), _CertsHandler)
        httpd.owner = self
        self._httpd = httpd
        self._thread = threading.Thread(
            target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._httpd = None
        self._thread = None


class SilentServer:
    """A listening port on 127.0.0.1 that never accepts or answers (context manager)."""

    def __init__(self) -> None:
        self._sock: socket.socket | None = None

    @property
    def url(self) -> str:
        if self._sock is None:
            raise RuntimeError("SilentServer is not running; use it as a context manager")
        return f"http://127.0.0.1:{self._sock.getsockname()[1]}{CERTS_PATH}"

    def connected(self) -> bool:
        """Whether a connection is waiting (the kernel completes handshakes on its own)."""
        if self._sock is None:
            raise RuntimeError("SilentServer is not running; use it as a context manager")
        try:
            conn, _ = self._sock.accept()
        except BlockingIOError:
            return False
        conn.close()
        return True

    def __enter__(self) -> SilentServer:
        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        sock.listen(16)
        sock.setblocking(False)
        self._sock = sock
        return self

    def __exit__(self, *exc_info: object) -> None:
        if self._sock is not None:
            self._sock.close()
        self._sock = None


def local_request() -> google.auth.transport.requests.Request:
    """A google-auth transport that never routes through HTTP(S)_PROXY."""
    session = requests.Session()
    session.trust_env = False
    return google.auth.transport.requests.Request(session=session)
