"""The composition root: the one place where credentials and backends are built and wired.

Every dependency is a parameter with the production default (the clock, the retry policy, the
credentials), so a caller or a test passes its own instead of patching anything:

* :func:`backend_for` is what the Cloud Functions sync: the backend a ``Config`` names, for a
  request's spreadsheet and, for the add-on, its user's token;
* :func:`local_backend` and :func:`google_backend` are the two backends themselves (the CLI
  calls them with its options);
* :func:`credentials_for` and :func:`sheets_client_for` are the Google credentials and the
  bare Sheets client (``init --google`` creates a Sheet before there is a backend).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

# Re-exported: the entry points take the time from the composition root too.
from sheetsync.adapters.clock import utc_now as utc_now
from sheetsync.adapters.flyer import FlyerFolder
from sheetsync.adapters.local.eml_mailbox import EmlMailbox
from sheetsync.adapters.local.ics_calendar import IcsCalendar
from sheetsync.adapters.local.xlsx_store import XlsxStore
from sheetsync.config import Config
from sheetsync.errors import ConfigError
from sheetsync.ports import Backend

if TYPE_CHECKING:
    # The Google libraries load only when the Google backend is used: the local backend and
    # the demo start faster and need no Google packages at import time.
    import gspread
    from google.api_core.retry import Retry

    from sheetsync.adapters.google.credentials import GoogleCredentials


def local_paths(workbook: Path) -> dict[str, Path]:
    """Where the local backend keeps its files: all beside the workbook."""
    folder = workbook.parent
    return {"workbook": workbook, "calendar": folder / "calendar.ics", "drafts": folder / "drafts"}


def local_backend(
    workbook: Path, clock: Callable[[], datetime] = utc_now, even_if_open: bool = False
) -> Backend:
    """The no-Google backend: an .xlsx workbook, an .ics calendar and .eml drafts.

    ``even_if_open`` syncs a workbook that a lock file says LibreOffice or Excel has open (for a
    lock file a crash left behind). The flyer is read from the workbook's folder, the folder the
    person chose for their files.
    """
    paths = local_paths(workbook)
    return Backend(
        sheet=XlsxStore(workbook, even_if_open),
        calendar=IcsCalendar(paths["calendar"], clock),
        mailbox=EmlMailbox(paths["drafts"], clock),
        flyers=FlyerFolder(workbook.parent, "the workbook's folder"),
    )


def google_backend(
    spreadsheet_id: str,
    *,
    endpoint: str | None = None,
    credentials: GoogleCredentials | None = None,
    attachments_dir: Path | None = None,
    calendar_id: str | None = None,
    retry: Retry | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Backend:
    """The Google backend: the Sheet, Calendar and Gmail.

    ``endpoint`` (``--api-endpoint`` / ``SHEETSYNC_API_ENDPOINT``) points all three APIs at a
    host laid out like Google's (the tests' fake server). ``credentials`` default to those
    ``sheetsync.adapters.google.credentials.load_credentials`` finds in the environment
    (anonymous with an endpoint and nothing configured). ``attachments_dir`` is the flyer folder
    (``SHEETSYNC_FLYER_DIR`` / ``--flyer-dir``), refused with ``ConfigError`` where it would
    expose the system, the secrets or the source (``FlyerFolder.for_deployment``); with none, a
    Settings > Flyer file is reported as a problem. ``calendar_id`` overrides the Settings
    tab's (``SHEETSYNC_CALENDAR_ID``).
    """
    from sheetsync.adapters.google.calendar import GoogleCalendar
    from sheetsync.adapters.google.clients import batch_uri, build_clients
    from sheetsync.adapters.google.credentials import load_credentials
    from sheetsync.adapters.google.gmail import GmailMailbox
    from sheetsync.adapters.google.http import DEFAULT_RETRY
    from sheetsync.adapters.google.sheets import GoogleSheetStore

    # Checked first: a refused folder is a configuration error whatever else is set.
    flyers = FlyerFolder.for_deployment(attachments_dir) if attachments_dir else None
    if credentials is None:
        credentials = load_credentials(endpoint=endpoint)
    policy = retry or DEFAULT_RETRY
    sheets, calendar, gmail = build_clients(endpoint, credentials)
    return Backend(
        sheet=GoogleSheetStore(sheets, spreadsheet_id, policy),
        calendar=GoogleCalendar(
            calendar, spreadsheet_id, batch_uri("calendar", endpoint), policy, calendar_id
        ),
        mailbox=GmailMailbox(
            gmail,
            batch_uri("gmail", endpoint),
            policy,
            check_sent=credentials.gmail_reads_sent,
            clock=clock,
        ),
        flyers=flyers,
    )


def credentials_for(config: Config, user_token: str | None = None) -> GoogleCredentials:
    """The Google credentials a Cloud Function syncs with.

    ``user_token`` is the add-on user's ``userOAuthToken``. It is granted gmail.compose only
    (see deploy/README.md, "OAuth scopes"), which cannot search sent mail, so its syncs check
    drafts only. Without it the credentials come from the environment the Config was read from.
    """
    from sheetsync.adapters.google.credentials import GoogleCredentials, load_credentials

    if user_token:
        return GoogleCredentials.from_access_token(user_token, reads_sent=False)
    return load_credentials(config.environ, endpoint=config.api_endpoint)


def backend_for(
    config: Config,
    spreadsheet_id: str | None = None,
    user_token: str | None = None,
    *,
    credentials: GoogleCredentials | None = None,
    retry: Retry | None = None,
    clock: Callable[[], datetime] = utc_now,
) -> Backend:
    """The backend ``config`` names. ``spreadsheet_id`` and ``user_token`` apply to Google only.

    ``spreadsheet_id`` (a request's, already checked) overrides the configured one; one of the
    two is needed. ``credentials`` default to :func:`credentials_for` ``(config, user_token)``.
    On the local backend the workbook is the configured one: a caller cannot point a function
    at another file on the instance.
    """
    if config.backend == "local":
        return local_backend(config.workbook, clock)
    sheet_id = spreadsheet_id or config.spreadsheet_id
    if not sheet_id:
        raise ConfigError(
            "No spreadsheet to sync: set SHEETSYNC_SPREADSHEET_ID or send a spreadsheet_id"
        )
    if credentials is None:
        credentials = credentials_for(config, user_token)
    return google_backend(
        sheet_id,
        endpoint=config.api_endpoint,
        credentials=credentials,
        attachments_dir=config.flyer_dir,
        calendar_id=config.calendar_id,
        retry=retry,
        clock=clock,
    )


def sheets_client_for(
    endpoint: str | None = None, environ: Mapping[str, str] | None = None
) -> gspread.Client:
    """A gspread client with the environment's credentials (``init --google``).

    ``endpoint`` points it at a host laid out like Google's; ``environ`` defaults to the
    process environment.
    """
    from sheetsync.adapters.google.clients import sheets_client
    from sheetsync.adapters.google.credentials import load_credentials

    credentials = load_credentials(environ, endpoint=endpoint)
    return sheets_client(credentials.sheets, endpoint)
