"""The shapes of what the Cloud Functions receive, as pydantic models, and their messages.

Imported only on the way to real work (the cheap checks in ``bodies`` and ``addon_event``
come first), so a rejected request never loads pydantic.

Every model is strict (no coercion: ``"yes"`` is not true, ``7`` is not a string) and ignores
fields it does not name (Google's events carry many). A model that does not fit answers with
the message its ``wording`` gives for the first field found wrong (keyed by the field's dotted
path, ``""`` for the whole payload): pydantic's own messages quote the input, which may be a
token or an address, so they are never shown.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Annotated, ClassVar, Self

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError

from sheetsync.entrypoints.addon_event import MALFORMED, AddonAction
from sheetsync.entrypoints.bodies import PUBSUB_FORMAT
from sheetsync.errors import BadRequestError


def _not_blank(text: str) -> str:
    if not text.strip():
        raise ValueError("blank")  # never shown: the model's wording is
    return text


def _stripped(text: str) -> str:
    # str.strip, not pydantic's strip_whitespace: the same characters as before the models.
    return _not_blank(text).strip()


#: A string with something other than whitespace in it, kept as sent.
NotBlank = Annotated[str, AfterValidator(_not_blank)]
#: A string with something other than whitespace in it, stripped.
Stripped = Annotated[str, AfterValidator(_stripped)]


class Payload(BaseModel):
    """A strict, frozen model that names what is wrong without quoting the input."""

    model_config = ConfigDict(strict=True, frozen=True)

    #: The message for each field, by dotted path ("" for the payload as a whole).
    wording: ClassVar[Mapping[str, str]] = {}
    #: Put before every message.
    prefix: ClassVar[str] = ""

    @classmethod
    def parse(cls, data: object) -> Self:
        """``data`` as this model; BadRequestError naming the first field that is wrong."""
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            first = exc.errors(include_url=False, include_context=False, include_input=False)[0]
            where = ".".join(str(part) for part in first["loc"])
        message = cls.wording.get(where) or f"{where or 'the payload'} is not valid"
        raise BadRequestError(cls.prefix + message)


# --- sync_http ----------------------------------------------------------------------------------


class SyncBody(Payload):
    """sync_http's JSON body: ``{"spreadsheet_id"?: str, "dry_run"?: bool}``."""

    spreadsheet_id: Stripped | None = None
    dry_run: bool = False

    wording = {
        "spreadsheet_id": "spreadsheet_id must be a non-empty string",
        "dry_run": "dry_run must be true or false",
    }


# --- sync_pubsub --------------------------------------------------------------------------------


class PubsubMessage(Payload):
    """The ``message`` of a Pub/Sub CloudEvent: its base64 ``data`` is what counts."""

    data: NotBlank

    wording = {"data": f"the Pub/Sub message has no data: {PUBSUB_FORMAT}"}


class PubsubData(Payload):
    """The decoded message data: ``{"spreadsheet_id": str}``."""

    spreadsheet_id: Stripped

    wording = {
        "": f"the Pub/Sub message has no spreadsheet_id: {PUBSUB_FORMAT}",
        "spreadsheet_id": f"the Pub/Sub message has no spreadsheet_id: {PUBSUB_FORMAT}",
    }


# --- addon --------------------------------------------------------------------------------------


class _Parameters(Payload):
    action: AddonAction | None = None


class _TimeZone(Payload):
    id: NotBlank | None = None


class _Common(Payload):
    parameters: _Parameters | None = None
    time_zone: _TimeZone | None = Field(None, alias="timeZone")


class _Authorization(Payload):
    user_token: str | None = Field(None, alias="userOAuthToken")


class _Sheets(Payload):
    id: NotBlank | None = None
    file_scope: bool = Field(False, alias="addonHasFileScopePermission")


class AddonEventBody(Payload):
    """The parts of a Workspace add-on event object the endpoint reads."""

    common: _Common = Field(alias="commonEventObject")
    authorization: _Authorization | None = Field(None, alias="authorizationEventObject")
    sheets: _Sheets | None = None

    prefix = MALFORMED
    wording = {
        "commonEventObject": "commonEventObject is missing or not an object",
        "commonEventObject.parameters": "commonEventObject.parameters must be an object",
        "commonEventObject.parameters.action": "unknown action parameter",
        "commonEventObject.timeZone": "commonEventObject.timeZone must be an object",
        "commonEventObject.timeZone.id": "commonEventObject.timeZone.id must be a string",
        "authorizationEventObject": "authorizationEventObject must be an object",
        "authorizationEventObject.userOAuthToken": "userOAuthToken must be a string",
        "sheets": "sheets must be an object",
        "sheets.id": "sheets.id must be a non-empty string",
        "sheets.addonHasFileScopePermission": (
            "sheets.addonHasFileScopePermission must be true or false"
        ),
    }
