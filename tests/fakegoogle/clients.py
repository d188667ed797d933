"""Pointing the real Google clients at the fake.

Owns the two ways in:

* **Host rewriting** (recommended): :class:`RedirectingHttp` (httplib2, for googleapiclient)
  and :class:`RedirectingSession` (requests, for gspread) send every ``*.googleapis.com``
  URL to the fake. Nothing else changes, so discovery ``rootUrl``\\s, media upload URLs and
  ``service.new_batch_http_request()``'s batch URI all land on the fake, and no request can
  reach a real Google host.
* **Endpoint override** (what production code might expose): :func:`api_endpoint` gives the
  ``client_options={"api_endpoint": ...}`` for ``build()``, and :func:`batch_uri` the URI for
  ``BatchHttpRequest(batch_uri=...)``, because googleapiclient derives its batch URI from
  the discovery document and ignores ``api_endpoint``.
"""

from __future__ import annotations

import urllib.parse
from typing import Any

import gspread
import httplib2
import requests
from google.auth.credentials import AnonymousCredentials, Credentials
from google.auth.transport.requests import AuthorizedSession
from google_auth_httplib2 import AuthorizedHttp
from googleapiclient.discovery import build

from .discovery import API_DOCS

# Where each API's discovery paths hang off the host (servicePath), for api_endpoint.
_SERVICE_PATHS = {"sheets": "/", "calendar": "/calendar/v3/", "gmail": "/", "drive": "/drive/v3/"}
_BATCH_PATHS = {
    "calendar": "/batch/calendar/v3",
    "gmail": "/batch/gmail/v1",
    "drive": "/batch/drive/v3",
    "sheets": "/batch",
}


def redirect(url: str, base_url: str) -> str:
    """Rewrite a Google API URL (or an https URL at the fake's own host) to the fake.

    Other hosts raise ``ValueError``: a test must never talk to anything real.
    """
    parts = urllib.parse.urlsplit(url)
    base = urllib.parse.urlsplit(base_url)
    host = parts.hostname or ""
    if parts.netloc == base.netloc and parts.scheme == base.scheme:
        return url
    # googleapiclient rebuilds media-upload URLs as https://<api_endpoint host>/upload/...,
    # so the fake's own host can arrive with the wrong scheme.
    if host.endswith("googleapis.com") or parts.netloc == base.netloc:
        return urllib.parse.urlunsplit(parts._replace(scheme=base.scheme, netloc=base.netloc))
    raise ValueError(f"fakegoogle refuses to send a request to {url}")


class RedirectingHttp(httplib2.Http):  # type: ignore[misc]
    """An ``httplib2.Http`` that sends Google API requests to the fake."""

    def __init__(self, base_url: str, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.base_url = base_url

    def request(
        self,
        uri: str,
        method: str = "GET",
        body: Any = None,
        headers: Any = None,
        redirections: int = httplib2.DEFAULT_MAX_REDIRECTS,
        connection_type: Any = None,
    ) -> Any:
        return super().request(
            redirect(uri, self.base_url), method, body, headers, redirections, connection_type
        )


class RedirectingSession(AuthorizedSession):
    """A google-auth ``AuthorizedSession`` (a ``requests.Session``) aimed at the fake."""

    def __init__(self, base_url: str, credentials: Credentials | None = None) -> None:
        creds = credentials or AnonymousCredentials()  # type: ignore[no-untyped-call]
        super().__init__(creds)  # type: ignore[no-untyped-call]
        self.base_url = base_url

    def request(
        self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any
    ) -> requests.Response:
        target = url.decode() if isinstance(url, bytes) else url
        response: requests.Response = super().request(  # type: ignore[no-untyped-call]
            method, redirect(target, self.base_url), *args, **kwargs
        )
        return response


def authorized_http(base_url: str, credentials: Credentials | None = None) -> AuthorizedHttp:
    """Anonymous-credential httplib2 client for ``build(..., http=...)``."""
    creds = credentials or AnonymousCredentials()  # type: ignore[no-untyped-call]
    return AuthorizedHttp(creds, http=RedirectingHttp(base_url))


def build_service(base_url: str, api: str, **kwargs: Any) -> Any:
    """``build()`` a googleapiclient service (static discovery) that talks to the fake."""
    name, version = API_DOCS[api]
    return build(
        name,
        version,
        http=kwargs.pop("http", None) or authorized_http(base_url),
        static_discovery=True,
        cache_discovery=False,
        **kwargs,
    )


def gspread_client(base_url: str) -> gspread.Client:
    """A gspread client over :class:`RedirectingSession`."""
    anonymous = AnonymousCredentials()  # type: ignore[no-untyped-call]
    return gspread.Client(auth=anonymous, session=RedirectingSession(base_url))


def api_endpoint(base_url: str, api: str) -> str:
    """``client_options={"api_endpoint": api_endpoint(server.url, "calendar")}`` etc.

    Calendar's and Drive's discovery paths are relative to a service path, so the endpoint
    must include it; Sheets' and Gmail's paths already start with ``v4/`` / ``gmail/v1/``.
    """
    return base_url + _SERVICE_PATHS[api]


def batch_uri(base_url: str, api: str) -> str:
    """The batch endpoint for ``BatchHttpRequest(batch_uri=...)``."""
    return base_url + _BATCH_PATHS[api]
