"""Helpers for the tests of the Cloud Functions (tests/functions/): requests, events, cards.

The functions run through functions-framework's own app and test client over main.py
(:func:`client`), on backends the tests choose (:class:`Recorder`, installed with
``sheetsync.entrypoints.backends.using_backends``: see tests/functions/conftest.py). The
add-on's ``systemIdToken`` and the scheduler's OIDC token are real RS256 tokens minted by
``tokenkit``. Every card a test receives is parsed into ``google.apps.card_v1.Card`` with
unknown fields rejected (:func:`valid_cards`).
"""

from __future__ import annotations

import base64
import hashlib
import io
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import flask
import functions_framework
import tokenkit
from google.apps.card_v1 import Card
from werkzeug.test import EnvironBuilder

from sheetsync.bootstrap import local_backend
from sheetsync.config import Config
from sheetsync.ports import Backend

MAIN = str(Path(__file__).resolve().parent.parent / "main.py")
ENDPOINT = tokenkit.DEFAULT_AUDIENCE
USER_TOKEN = "ya29.user-oauth-token-that-must-never-be-logged"
SCHEDULER_AUDIENCE = "https://us-central1-sheetsync-test.cloudfunctions.net/sync-http"
SCHEDULER_SA = "sheetsync-invoker@sheetsync-test.iam.gserviceaccount.com"
WRONG_EMAIL = "intruder-sa@other-project.iam.gserviceaccount.com"

#: Spreadsheet ids that would leave the Sheets URL path or add a query (see test_spreadsheet_ids).
BAD_SHEET_IDS = ["../../x", "a/b?c", "x" * 129, "a b", "ab\u2028cd"]


def client(target: str) -> Any:
    """A test client of main.py's function ``target``, as functions-framework serves it."""
    return functions_framework.create_app(target, source=MAIN).test_client()


def fingerprint(workbook: Path) -> tuple[str, bool, list[str]]:
    """The workbook's bytes and whatever the local backend writes beside it."""
    folder = workbook.parent
    drafts = (
        sorted(p.name for p in (folder / "drafts").glob("*"))
        if (folder / "drafts").exists()
        else []
    )
    return (
        hashlib.sha256(workbook.read_bytes()).hexdigest(),
        (folder / "calendar.ics").exists(),
        drafts,
    )


def addon_event(
    token: str | None = None,
    action: str | None = None,
    file_scope: bool | None = True,
    sheets: bool = True,
) -> dict[str, Any]:
    """An add-on event from Sheets: a trigger, or a button's ``action``; in a Sheet or not."""
    auth: dict[str, Any] = {"userOAuthToken": USER_TOKEN}
    if token is not None:
        auth["systemIdToken"] = token
    common: dict[str, Any] = {"hostApp": "SHEETS", "platform": "WEB", "userLocale": "en"}
    if action is not None:
        common["parameters"] = {"action": action}
    event: dict[str, Any] = {"commonEventObject": common, "authorizationEventObject": auth}
    if sheets:
        event["sheets"] = {"id": "1AbCsheet", "title": "Referral network"}
        if file_scope is not None:
            event["sheets"]["addonHasFileScopePermission"] = file_scope
    return event


def post_addon(event: dict[str, Any]) -> Any:
    """POST ``event`` to the add-on endpoint."""
    return client("addon").post("/", json=event)


def pubsub_post(data: Any) -> Any:
    """POST ``data`` to sync_pubsub as a Pub/Sub CloudEvent (binary content mode)."""
    headers = {
        "ce-id": "1234",
        "ce-specversion": "1.0",
        "ce-source": "//pubsub.googleapis.com/projects/p/topics/sheetsync",
        "ce-type": "google.cloud.pubsub.topic.v1.messagePublished",
        "Content-Type": "application/json",
    }
    return client("sync_pubsub").post("/", headers=headers, data=json.dumps(data))


def b64(raw: bytes) -> str:
    """``raw`` as Pub/Sub message data."""
    return base64.b64encode(raw).decode("ascii")


# --- backends the tests choose -------------------------------------------------------------------


@dataclass(frozen=True)
class BackendCall:
    """What a function asked its backend factory for."""

    config: Config
    spreadsheet_id: str | None
    user_token: str | None


@dataclass
class Recorder:
    """A backend factory that records each call and builds the local backend on ``workbook``."""

    workbook: Path
    calls: list[BackendCall] = field(default_factory=list)

    def __call__(
        self, config: Config, spreadsheet_id: str | None = None, user_token: str | None = None
    ) -> Backend:
        self.calls.append(BackendCall(config, spreadsheet_id, user_token))
        return local_backend(self.workbook)

    @property
    def sheet_ids(self) -> list[str | None]:
        """The spreadsheet ids asked for, in order."""
        return [call.spreadsheet_id for call in self.calls]


# --- cards: one validation for every card ---------------------------------------------------------


def valid_card(card: dict[str, Any]) -> Card:
    """Parse ``card`` as Card v1; unknown or misspelt fields fail."""
    return Card.from_json(json.dumps(card), ignore_unknown_fields=False)


def valid_cards(body: dict[str, Any], envelope: str, navigation: str) -> list[Card]:
    """Check the response envelope and validate every card in it.

    ``envelope`` is "trigger" (``{"action": ...}``) or "action" (``{"renderActions":
    {"action": ...}}``); ``navigation`` is "pushCard" or "updateCard".
    """
    if envelope == "trigger":
        assert set(body) == {"action"}
        action = body["action"]
    else:
        assert set(body) == {"renderActions"} and set(body["renderActions"]) == {"action"}
        action = body["renderActions"]["action"]
    assert set(action) == {"navigations"}
    found = []
    for nav in action["navigations"]:
        assert set(nav) == {navigation}
        found.append(valid_card(nav[navigation]))
    assert found
    return found


def button_actions(card: Card) -> dict[str, str]:
    """{button text: its action parameter}, checking every button calls the endpoint."""
    out = {}
    for section in card.sections:
        for widget in section.widgets:
            for button in widget.button_list.buttons:
                action = button.on_click.action
                assert action.function == ENDPOINT
                params = {p.key: p.value for p in action.parameters}
                out[button.text] = params["action"]
    return out


def card_text(card: Card) -> str:
    return json.dumps(type(card).to_dict(card), ensure_ascii=False)


# --- tokens and raw requests ----------------------------------------------------------------------


def forged_tokens(audience: str, email: str) -> list[str]:
    """Tokens whose claims alone give them away (signed with a key nobody publishes)."""
    now = int(time.time())
    key = tokenkit.other_key()
    return [
        tokenkit.mint_token(key, aud="https://elsewhere.example/x", email=email),
        tokenkit.mint_token(key, aud=audience, email=email, iss="https://evil.example"),
        tokenkit.mint_token(key, aud=audience, email=WRONG_EMAIL),
        tokenkit.mint_token(key, aud=audience, email=email, iat=now - 7200, exp=now - 3600),
        tokenkit.mint_token(key, aud=audience, email=email, iat=now, exp=now + 10 * 365 * 86400),
        tokenkit.mint_token(key, aud=audience, email=email, alg="HS256"),
    ]


class CountingStream(io.RawIOBase):
    """A request body of ``total`` bytes (``head``, then spaces) that counts what was read."""

    def __init__(self, total: int, head: bytes = b"") -> None:
        self.body = memoryview(head + b" " * (total - len(head)))
        self.served = 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        chunk = self.body[self.served : self.served + len(buffer)]
        buffer[: len(chunk)] = chunk
        self.served += len(chunk)
        return len(chunk)


def raw_request(stream: CountingStream, content_length: int | None) -> flask.Request:
    """A POST of ``stream``: with a Content-Length, or chunked (as gunicorn passes it on)."""
    environ = EnvironBuilder(method="POST", content_type="application/json").get_environ()
    environ["wsgi.input"] = stream
    if content_length is None:
        environ.pop("CONTENT_LENGTH", None)
        environ["HTTP_TRANSFER_ENCODING"] = "chunked"
        environ["wsgi.input_terminated"] = True
    else:
        environ["CONTENT_LENGTH"] = str(content_length)
    return flask.Request(environ)
