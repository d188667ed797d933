"""fakegoogle: an in-process fake of the Google Sheets v4, Calendar v3 and Gmail v1 APIs.

The package owns a standard-library HTTP server that speaks the real wire formats, so the
code under test runs through the real ``gspread`` and ``googleapiclient`` clients. Requests
are validated against the discovery documents shipped inside google-api-python-client;
errors use Google's envelope; faults, crashes, request hooks and a request log are built in.

Start it::

    from fakegoogle import FakeGoogle

    with FakeGoogle(seed=1) as server:       # http://127.0.0.1:<random port>
        ...

Point gspread at it (``gspread.urls`` cannot simply be patched: ``gspread.http_client``
copied the URL constants at import). Give it a session that rewrites Google hosts::

    gc = server.gspread_client()
    # = gspread.Client(auth=AnonymousCredentials(),
    #                  session=fakegoogle.clients.RedirectingSession(server.url))

Point googleapiclient at it, either way:

1. Host rewriting, nothing else to change (media uploads and
   ``service.new_batch_http_request()`` work too)::

       service = server.service("calendar")
       # = build("calendar", "v3", static_discovery=True,
       #         http=AuthorizedHttp(AnonymousCredentials(),
       #                             http=fakegoogle.clients.RedirectingHttp(server.url)))

2. Endpoint override with a plain ``httplib2.Http``::

       build("calendar", "v3", static_discovery=True, http=http,
             client_options={"api_endpoint": server.url + "/calendar/v3/"})
       build("gmail", "v1", ..., client_options={"api_endpoint": server.url + "/"})
       build("sheets", "v4", ..., client_options={"api_endpoint": server.url + "/"})

   (``server.endpoint(api)`` returns these.) googleapiclient takes the batch URI from the
   discovery document, not from ``api_endpoint``, so batches need it spelled out::

       BatchHttpRequest(callback=cb, batch_uri=server.url + "/batch/calendar/v3")
       # server.batch_uri("calendar"); Gmail: server.url + "/batch/gmail/v1"

   Media uploads (Gmail ``media_body``) need way 1: googleapiclient rebuilds upload URLs
   as ``https://<endpoint host>/upload/...``.

Developer metadata (``metadata.py``, ``data_filters.py``) follows its row through every row
edit, requests and person-edit helpers alike. What Google leaves undocumented is a switch per
server: ``server.set_metadata_policy(sort="MOVES", copy_paste="DUPLICATED", ...)``, see
:class:`MetadataPolicy`. ``X-Goog-User-Project`` names the project a request comes from
(PROJECT visibility); without it every request is one project.

Gmail keeps threads (``threads.get``) and plays the person at the mailbox between requests:
``server.gmail_send_from_web(draft_id)`` (Send in the web interface: a new SENT message with a
Message-ID of Gmail's own, in the draft's thread), ``server.gmail_receive_reply(thread_id,
sender)`` and ``server.gmail_discard_draft(draft_id)``. ``server.grant_token(token, scopes)``
makes requests bearing that token hold exactly those OAuth scopes: a method whose discovery
``scopes`` name none of them gets Google's 403 ``insufficientPermissions``.

Beware httplib2 silently retries a request once when the connection drops before any
response byte, so one injected drop is invisible to googleapiclient; use two (or
``crash_after``) to make it see a ``ConnectionError``. requests (gspread) does not retry.
"""

from .clients import (
    RedirectingHttp,
    RedirectingSession,
    api_endpoint,
    authorized_http,
    batch_uri,
    build_service,
    gspread_client,
    redirect,
)
from .errors import ApiError
from .faults import (
    BACKEND_500,
    DEFAULT_KINDS,
    DROP,
    DROP_AFTER,
    RATE_LIMIT_403,
    RATE_LIMIT_429,
    UNAVAILABLE_503,
    USER_RATE_LIMIT_403,
    Fault,
    Injected,
)
from .gmail_api import GmailMessage
from .log import Hook, RequestInfo, RequestRecord
from .metadata import DEFAULT_PROJECT, PROJECT_HEADER, MetadataPolicy
from .server import FakeGoogle, FakeGoogleInternalError
from .sheets_api import Sheet, Spreadsheet

__all__ = [
    "BACKEND_500",
    "DEFAULT_KINDS",
    "DEFAULT_PROJECT",
    "DROP",
    "DROP_AFTER",
    "PROJECT_HEADER",
    "RATE_LIMIT_403",
    "RATE_LIMIT_429",
    "UNAVAILABLE_503",
    "USER_RATE_LIMIT_403",
    "ApiError",
    "FakeGoogle",
    "FakeGoogleInternalError",
    "Fault",
    "GmailMessage",
    "Hook",
    "Injected",
    "MetadataPolicy",
    "RedirectingHttp",
    "RedirectingSession",
    "RequestInfo",
    "RequestRecord",
    "Sheet",
    "Spreadsheet",
    "api_endpoint",
    "authorized_http",
    "batch_uri",
    "build_service",
    "gspread_client",
    "redirect",
]
