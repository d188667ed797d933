"""Whether a user can edit a Sheet: Drive's ``files.get`` with ``fields=capabilities/canEdit``.

Asked with the add-on user's own token (which holds ``drive.file`` for the open Sheet), so
Google answers for that user: a user who cannot see the file gets 404, one who may only view
it gets ``canEdit: false``. One small request, over ``requests``: googleapiclient's Drive
discovery would cost more to load than the call.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit, urlunsplit

import requests

from sheetsync.core.ids import check_spreadsheet_id
from sheetsync.errors import AuthError, BackendError
from sheetsync.fleet_ports import SheetAccess

DRIVE_ROOT = "https://www.googleapis.com"
TIMEOUT_S = 30.0


class DriveSheetAccess(SheetAccess):
    """``can_edit`` on Drive v3, on Google or on ``endpoint`` (a host laid out like Google)."""

    def __init__(self, endpoint: str | None = None, session: requests.Session | None = None):
        self.root = DRIVE_ROOT
        if endpoint:
            base = urlsplit(endpoint.rstrip("/"))
            self.root = urlunsplit((base.scheme, base.netloc, base.path, "", ""))
        self.session = session or requests.Session()

    def can_edit(self, user_token: str, spreadsheet_id: str) -> bool:
        check_spreadsheet_id(spreadsheet_id, "spreadsheet id")
        url = f"{self.root}/drive/v3/files/{quote(spreadsheet_id, safe='')}"
        try:
            response = self.session.get(
                url,
                params={"fields": "capabilities/canEdit", "supportsAllDrives": "true"},
                headers={"Authorization": f"Bearer {user_token}"},
                timeout=TIMEOUT_S,
            )
        except requests.RequestException as exc:
            raise BackendError(
                f"Checking who may edit the Sheet failed: connection failed ({type(exc).__name__})"
            ) from None
        if response.status_code in (403, 404):
            return False
        if response.status_code == 401:
            raise AuthError("Google does not recognise the add-on user's token", http_status=401)
        if response.status_code != 200:
            raise BackendError(
                f"Checking who may edit the Sheet failed: HTTP {response.status_code}",
                code=response.status_code,
            )
        try:
            capabilities = response.json().get("capabilities") or {}
        except (ValueError, AttributeError):
            return False
        return capabilities.get("canEdit") is True
