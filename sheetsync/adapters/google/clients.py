"""Building the Google clients: gspread for Sheets, googleapiclient services for Calendar and Gmail.

All three point at Google or, with ``endpoint``, at a host laid out like Google (the test
suite's fake server): the endpoint is checked and normalised once here, gspread's URLs are
rewritten per client (``EndpointHTTPClient``), and the services get the endpoint and the batch
URL that googleapiclient would otherwise take from the discovery document.

Cold start: googleapiclient and httplib2 (about 80 ms of imports) load when a Calendar or Gmail
service is first used, not when the clients are built: an add-on homepage or a preview (a dry
run) reads the Sheet only and never needs them.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, MutableMapping
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import gspread
import requests
from google.auth.credentials import Credentials
from gspread.http_client import HTTPClient

from sheetsync.adapters.google.credentials import GoogleCredentials

Api = Literal["sheets", "calendar", "gmail"]

#: Where each API lives on Google. An emulator endpoint keeps the same paths on one host.
GOOGLE_ROOTS: dict[Api, str] = {
    "sheets": "https://sheets.googleapis.com",
    "calendar": "https://www.googleapis.com",
    "gmail": "https://gmail.googleapis.com",
}
_BATCH_PATHS: dict[Api, str] = {"calendar": "/batch/calendar/v3", "gmail": "/batch/gmail/v1"}

#: Seconds before an HTTP request with no answer counts as a dropped connection.
DEFAULT_TIMEOUT = 60.0


def normalise_endpoint(endpoint: str | None) -> str | None:
    """``http(s)://host[:port][/prefix]`` without a trailing slash; ``None`` stays ``None``."""
    if endpoint is None or not endpoint.strip():
        return None
    parts = urlsplit(endpoint.strip())
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError("the API endpoint must be an http(s) URL such as http://127.0.0.1:8080")
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/"), "", ""))


def batch_uri(api: Literal["calendar", "gmail"], endpoint: str | None = None) -> str:
    """The batch URL of ``api``, on Google or under ``endpoint``."""
    root = normalise_endpoint(endpoint) or GOOGLE_ROOTS[api]
    return root + _BATCH_PATHS[api]


class EndpointHTTPClient(HTTPClient):
    """gspread's HTTP client with every Google URL moved to another host (an emulator).

    gspread builds its URLs from module constants; rewriting them here, per client, avoids
    patching gspread's globals. Only the scheme and host change, so ``/v4/spreadsheets/...``
    keeps Google's layout. Retries are not done here but by the adapters, with the shared
    policy (gspread's own ``BackOffHTTPClient`` retries forever).
    """

    def __init__(self, auth: Credentials, endpoint: str, timeout: float = DEFAULT_TIMEOUT) -> None:
        super().__init__(auth)
        self.endpoint = endpoint
        self.set_timeout(timeout)

    def _rewrite(self, url: str) -> str:
        parts = urlsplit(url)
        if not parts.netloc.endswith("googleapis.com"):
            return url
        base = urlsplit(self.endpoint)
        return urlunsplit((base.scheme, base.netloc, base.path + parts.path, parts.query, ""))

    def request(
        self,
        method: str,
        endpoint: str,
        params: MutableMapping[str, Any] | None = None,
        data: bytes | None = None,
        json: Mapping[str, Any] | None = None,
        files: Any = None,
        headers: MutableMapping[str, str] | None = None,
    ) -> requests.Response:
        return super().request(
            method,
            self._rewrite(endpoint),
            params=params,
            data=data,
            json=json,
            files=files,
            headers=headers,
        )


def sheets_client(
    credentials: Credentials, endpoint: str | None = None, timeout: float = DEFAULT_TIMEOUT
) -> gspread.Client:
    """A gspread client; with ``endpoint``, every request goes to that host instead."""
    client = gspread.Client(credentials)
    endpoint = normalise_endpoint(endpoint)
    if endpoint is not None:
        client.http_client = EndpointHTTPClient(credentials, endpoint, timeout)
    else:
        client.set_timeout(timeout)
    return client


def api_service(
    api: Literal["calendar", "gmail"],
    credentials: Credentials,
    endpoint: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> Any:
    """A googleapiclient service from the discovery document shipped with the library.

    ``api_endpoint`` replaces the discovery document's root URL *and* service path, so the
    service path is put back: ``/calendar/v3/`` for Calendar; Gmail's method paths already
    start with ``gmail/v1/``.
    """
    import google_auth_httplib2
    import httplib2
    from googleapiclient.discovery import build

    version = {"calendar": "v3", "gmail": "v1"}[api]
    options: dict[str, str] = {}
    endpoint = normalise_endpoint(endpoint)
    if endpoint is not None:
        options["api_endpoint"] = endpoint + ("/calendar/v3/" if api == "calendar" else "/")
    http = google_auth_httplib2.AuthorizedHttp(credentials, http=httplib2.Http(timeout=timeout))
    return build(
        api,
        version,
        http=http,
        client_options=options or None,
        static_discovery=True,
        cache_discovery=False,
    )


#: A googleapiclient service on demand: built on the first call, the same one returned after.
ServiceFactory = Callable[[], Any]


def service_factory(
    api: Literal["calendar", "gmail"],
    credentials: Credentials,
    endpoint: str | None = None,
    timeout: float = DEFAULT_TIMEOUT,
) -> ServiceFactory:
    """``api``'s service (see ``api_service``), built and googleapiclient loaded on first call.

    Cached so that every call of one adapter shares one service, and with it one connection.
    """
    return functools.cache(functools.partial(api_service, api, credentials, endpoint, timeout))


def build_clients(
    endpoint: str | None,
    credentials: GoogleCredentials | Credentials,
    timeout: float = DEFAULT_TIMEOUT,
) -> tuple[gspread.Client, ServiceFactory, ServiceFactory]:
    """(gspread client, Calendar v3 service, Gmail v1 service), all on Google or on ``endpoint``.

    The two services come as factories (``service_factory``): each is built, with
    googleapiclient loaded, when the adapter first calls it.

    ``endpoint`` (``--api-endpoint`` / ``SHEETSYNC_API_ENDPOINT``) is a host laid out like
    Google: ``/v4/spreadsheets/...``, ``/calendar/v3/...``, ``/gmail/v1/...`` and the batch
    paths ``/batch/calendar/v3`` and ``/batch/gmail/v1`` (see ``batch_uri``).
    """
    if not isinstance(credentials, GoogleCredentials):
        credentials = GoogleCredentials.single(credentials)
    return (
        sheets_client(credentials.sheets, endpoint, timeout),
        service_factory("calendar", credentials.calendar, endpoint, timeout),
        service_factory("gmail", credentials.gmail, endpoint, timeout),
    )
