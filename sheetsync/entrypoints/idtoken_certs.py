"""Google's ID-token signing certificates, fetched through google-auth and cached in-process.

``google.oauth2.id_token.verify_token`` asks its request object for the certificates on every
call (google-auth suggests a caching request object for that). :class:`CachedCertsRequest` is
that request object: it answers from the cache here, fetching through the real transport only
when the cache is stale, or for a key id it does not hold.

Google's signing certificates rotate (new keys are published ahead of use), so they are cached
for a few minutes (:data:`_CERTS_TTL_S`) and re-fetched early when a token names a key id we
have not seen, at most once per :data:`_MIN_REFETCH_INTERVAL_S` so that junk tokens cannot turn
us into an amplifier against the certificate endpoint. A failed fetch is a ``BackendError``
(our outage, not the caller's fault). google-auth loads only when a fetch is due.
"""

from __future__ import annotations

import http.client
import json
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sheetsync.errors import BackendError

if TYPE_CHECKING:
    import google.auth.transport

#: How long fetched certificates are trusted before a re-fetch. Short: keys rotate about daily.
_CERTS_TTL_S = 300.0

#: Minimum gap between re-fetches triggered by an unknown key id.
_MIN_REFETCH_INTERVAL_S = 30.0

#: Network timeout for the certificate fetch; an entry point must answer within seconds.
_FETCH_TIMEOUT_S = 10.0


@dataclass(frozen=True)
class _CachedCerts:
    certs: Mapping[str, str]
    #: The certificates document as fetched, handed to google-auth as the response body.
    data: bytes
    fetched_at: float


_cache_lock = threading.Lock()
_cache: dict[str, _CachedCerts] = {}


def clear_cert_cache() -> None:
    """Forget every cached certificate set (tests, or an operator forcing a re-fetch)."""
    with _cache_lock:
        _cache.clear()


@dataclass(frozen=True)
class _CertsResponse:
    """A ``google.auth.transport.Response`` for certificates served from the cache."""

    data: bytes
    status: int = http.client.OK
    headers: Mapping[str, str] = field(
        default_factory=lambda: {"content-type": "application/json; charset=UTF-8"}
    )


class CachedCertsRequest:
    """A ``google.auth.transport.Request`` that serves one certificates URL from the cache.

    ``verify_token`` asks its request object for the certificates on every call (google-auth
    suggests a caching request object for that). This one answers from the in-process cache,
    fetching through the real transport only when the cache is stale, or for a key id it does
    not hold (at most once per :data:`_MIN_REFETCH_INTERVAL_S`). The transport itself is made
    only when a fetch is due. Not a subclass, so google-auth stays unimported until used.
    """

    def __init__(
        self,
        certs_url: str,
        kid: str | None,
        transport: google.auth.transport.Request | None,
    ) -> None:
        self.certs_url = certs_url
        self.kid = kid
        self.transport = transport

    def __call__(
        self,
        url: str,
        method: str = "GET",
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
        timeout: float | None = None,
        **kwargs: Any,
    ) -> _CertsResponse:
        if url != self.certs_url or method != "GET" or body is not None:
            # verify_token only ever GETs the certificates URL it was given.
            raise RuntimeError("this request object only fetches the ID token certificates")
        return _CertsResponse(_certs_for(self.certs_url, self.kid, self._transport).data)

    def _transport(self) -> google.auth.transport.Request:
        if self.transport is not None:
            return self.transport
        import google.auth.transport.requests

        return google.auth.transport.requests.Request()


def _certs_for(
    certs_url: str, kid: str | None, transport: Callable[[], google.auth.transport.Request]
) -> _CachedCerts:
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
                return cached
        fetched = _fetch_certs(certs_url, transport(), now)
        _cache[certs_url] = fetched
        return fetched


def _fetch_certs(
    certs_url: str, request: google.auth.transport.Request, now: float
) -> _CachedCerts:
    """Fetch ``{key id: PEM certificate}`` from ``certs_url`` through the given transport."""
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
    except (UnicodeDecodeError, ValueError, RecursionError):
        raise BackendError("Google's ID token certificates are not valid JSON") from None
    # Only the PEM map format is accepted: the JWK format ({"keys": [...]}) is served by a
    # different URL and would need PyJWT, which this project does not ship.
    if (
        not isinstance(body, dict)
        or not body
        or not all(isinstance(k, str) and isinstance(v, str) for k, v in body.items())
        # verify_token would take a "keys" entry for a JWK set.
        or "keys" in body
    ):
        raise BackendError("Google's ID token certificates are not a {key id: PEM} map")
    return _CachedCerts(certs=body, data=bytes(response.data), fetched_at=now)
