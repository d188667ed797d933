"""The Workspace add-on's event object: its token, its actions and the parts the endpoint uses.

:data:`AddonAction` is the one list of what a card button may ask for; the cards' buttons and
the event's check both use it. :func:`system_id_token` needs the standard library only, so a
request without a valid token is refused before pydantic loads; :func:`parse_addon_event`
checks the rest of the event's shape (``sheetsync.entrypoints.payloads``) once the token has
been verified.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from sheetsync.core.ids import check_spreadsheet_id
from sheetsync.errors import BadRequestError

#: What a button's ``action`` parameter may say (see ``sheetsync.entrypoints.cards``).
AddonAction = Literal["sync", "preview", "home", "grant_access", "refresh", "fleet_on", "fleet_off"]

#: An OAuth bearer token (RFC 6750, b64token), as Google's "ya29...." access tokens are.
_BEARER_TOKEN = re.compile(r"[A-Za-z0-9._~+/-]{1,4096}=*")

MALFORMED = "malformed add-on event: "


@dataclass(frozen=True)
class AddonEvent:
    """The parts of a Workspace add-on event object that the endpoint uses.

    ``action`` is None for a trigger (homepage, file scope granted) and a button's
    ``action`` parameter otherwise. ``sheets_present`` is False when the add-on was opened
    outside a Sheet; ``file_scope`` is ``sheets.addonHasFileScopePermission``.
    """

    action: AddonAction | None
    sheets_present: bool
    file_scope: bool
    spreadsheet_id: str | None
    user_token: str | None = None
    #: ``commonEventObject.timeZone.id``: the user's time zone (an IANA name, unchecked).
    time_zone: str | None = None


def system_id_token(event: Mapping[str, Any]) -> str | None:
    """``authorizationEventObject.systemIdToken``, or None (which the token check refuses)."""
    auth = event.get("authorizationEventObject")
    token = auth.get("systemIdToken") if isinstance(auth, Mapping) else None
    return token if isinstance(token, str) else None


def parse_addon_event(event: Mapping[str, Any]) -> AddonEvent:
    """Check the event object's shape (after its token was verified); BadRequestError if bad."""
    from sheetsync.entrypoints.payloads import AddonEventBody

    body = AddonEventBody.parse(event)
    user_token = body.authorization.user_token if body.authorization else None
    if user_token and not _BEARER_TOKEN.fullmatch(user_token):
        # It becomes an Authorization header: nothing but a bearer token's characters.
        raise BadRequestError(MALFORMED + "userOAuthToken is not a bearer token")
    sheets = body.sheets
    spreadsheet_id = sheets.id if sheets else None
    if spreadsheet_id is not None:
        check_spreadsheet_id(spreadsheet_id, MALFORMED + "sheets.id")
    parameters = body.common.parameters
    zone = body.common.time_zone
    return AddonEvent(
        action=parameters.action if parameters else None,
        sheets_present=sheets is not None,
        file_scope=sheets.file_scope if sheets else False,
        spreadsheet_id=spreadsheet_id,
        user_token=user_token or None,
        time_zone=zone.id if zone else None,
    )
