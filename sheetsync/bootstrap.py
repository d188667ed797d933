"""The composition root: the one place where real backends are built and wired together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

# Re-exported: the entry points take the time from the composition root too.
from sheetsync.adapters.clock import utc_now as utc_now
from sheetsync.adapters.flyer import FlyerFolder
from sheetsync.adapters.local.eml_mailbox import EmlMailbox
from sheetsync.adapters.local.ics_calendar import IcsCalendar
from sheetsync.adapters.local.xlsx_store import XlsxStore
from sheetsync.ports import Backend

if TYPE_CHECKING:
    # The Google libraries load only when the Google backend is used: the local backend and
    # the demo start faster and need no Google packages at import time.
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
