"""The Workspace add-on endpoint: verify the caller, then answer with a card.

POST only, like ``sync_http``. The event's ``systemIdToken`` is verified before anything else
runs (``sheetsync.entrypoints.idtokens``); then the event's shape is checked
(``sheetsync.entrypoints.addon_event``) and the answer is Card v1 JSON
(``sheetsync.entrypoints.cards``). Authentication and event-shape failures are JSON errors
(401/403/400) and nothing runs; after that, a failure is shown as an error card.

Cold start: only the standard library, ``config`` and ``errors`` load with this module; the
token check, the sync, the backends and the card builders load on first use.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from sheetsync.config import Config
from sheetsync.entrypoints import backends, fleet_addon
from sheetsync.entrypoints.addon_event import (
    MALFORMED,
    AddonEvent,
    parse_addon_event,
    system_id_token,
)
from sheetsync.entrypoints.bodies import request_json
from sheetsync.entrypoints.failures import describe_failure, error_response
from sheetsync.entrypoints.web import HttpResponse, json_response, load_config, require_post
from sheetsync.errors import BadRequestError

if TYPE_CHECKING:
    import flask

    from sheetsync.fleet_config import FleetConfig

T = TypeVar("T")


def _verify_addon(config: Config, event: Mapping[str, Any]) -> None:
    from sheetsync.entrypoints.idtokens import TokenPolicy, verify_id_token

    policy = TokenPolicy(
        audience=config.addon_audience or "", email=config.addon_service_account or ""
    )
    verify_id_token(system_id_token(event), policy)


def within_budget(work: Callable[[], T], budget_s: float) -> T | None:
    """Run ``work`` for at most ``budget_s`` seconds; None if it has not finished by then.

    The add-on platform drops an answer that comes too late, so the endpoint stops waiting
    and says so. The work carries on in its (daemon) thread: a sync is idempotent and
    crash-safe, so letting it finish, or being cut off with the instance, is harmless.
    """
    outcome: list[T] = []
    failure: list[BaseException] = []

    def target() -> None:
        try:
            outcome.append(work())
        except BaseException as exc:  # handed to the waiting thread, which re-raises it
            failure.append(exc)

    worker = threading.Thread(target=target, name="sheetsync-addon-work", daemon=True)
    worker.start()
    worker.join(budget_s)
    if worker.is_alive():
        return None
    if failure:
        raise failure[0]
    return outcome[0]


def _wrap(card: dict[str, Any], event: AddonEvent, push: bool = False) -> dict[str, Any]:
    """Envelope ``card`` for a trigger or a button press (see ``card_parts``)."""
    from sheetsync.entrypoints import card_parts

    if event.action is None:
        return card_parts.trigger_response(card)
    return card_parts.action_response(card, "pushCard" if push else "updateCard")


def _before_sync(config: Config, event: AddonEvent) -> dict[str, Any] | None:
    """The answer when there is nothing to sync yet (a grant to ask for, no Sheet); else None."""
    from sheetsync.entrypoints import card_parts, cards

    if event.action == "grant_access":
        return card_parts.request_file_scope_response()
    if event.sheets_present and not event.file_scope:
        return _wrap(cards.file_access_card(config.addon_audience or ""), event)
    if config.backend == "google":
        if not event.sheets_present:
            notice = cards.notice_card(
                "Open sheetsync in Google Sheets",
                "sheetsync works on your referral-network spreadsheet: open it in Sheets, "
                "then open sheetsync from the side panel.",
            )
            return _wrap(notice, event)
        if not event.spreadsheet_id:
            raise BadRequestError(MALFORMED + "sheets.id is missing")
        if not event.user_token:
            raise BadRequestError(MALFORMED + "userOAuthToken is missing")
    # The local backend ignores both: it always uses the configured workbook.
    return None


def _addon_answer(config: Config, event: AddonEvent) -> dict[str, Any]:
    """The card (in its envelope) for a verified, well-formed event."""
    from sheetsync.entrypoints import cards

    early = _before_sync(config, event)
    if early is not None:
        return early
    endpoint = config.addon_audience or ""
    fleet = fleet_addon.fleet_for(config)
    if fleet is not None:
        answer = _fleet_answer(config, fleet, event)
        if answer is not None:
            return answer
    backend = backends.backend_for(config, event.spreadsheet_id, event.user_token)
    dry_run = event.action != "sync"
    # A sync the add-on runs itself tells the Summary about a paused or failing daily sync.
    notice = fleet_addon.sheet_notice(config, fleet, event) if fleet and not dry_run else ""
    report = within_budget(
        lambda: backends.run(backend, dry_run, notice), config.addon_time_budget_s
    )
    if report is None:
        if not dry_run:
            return _wrap(cards.still_running_card(config.addon_time_budget_s, endpoint), event)
        slow = cards.notice_card(
            "Taking longer than expected",
            "Reading the spreadsheet took too long this time. Nothing was changed; "
            "try again in a moment.",
        )
        return _wrap(slow, event)
    if event.action == "sync":
        return _wrap(cards.sync_result_card(report, endpoint), event)
    if event.action == "preview":
        return _wrap(cards.preview_card(report, endpoint), event, push=True)
    extra = fleet_addon.status_sections(config, fleet, event) if fleet else []
    return _wrap(cards.homepage_card(report.summary, endpoint, extra), event)


def _fleet_answer(config: Config, fleet: FleetConfig, event: AddonEvent) -> dict[str, Any] | None:
    """The answer to a fleet action (Turn on/off, a queued Sync now); None: sync as before."""
    if event.action == "fleet_on":
        return _wrap(fleet_addon.turn_on(config, fleet, event), event)
    if event.action == "fleet_off":
        return _wrap(fleet_addon.turn_off(config, fleet, event), event)
    if event.action == "sync":
        queued = fleet_addon.sync_now(config, fleet, event)
        return _wrap(queued, event) if queued is not None else None
    return None


def addon(request: flask.Request) -> HttpResponse:
    """The Workspace add-on endpoint: verify the caller, then answer with a card.

    Authentication and event-shape failures are JSON errors (401/403/400) and nothing runs.
    After that, a failure is shown to the user as an error card (HTTP 200, or the sidebar
    would show Google's generic error instead of the reference to quote).
    """
    try:
        require_post(request)
        config = load_config()
        body = request_json(request, required=True)
        _verify_addon(config, body)
        event = parse_addon_event(body)
    except Exception as exc:
        return error_response(exc, "addon")
    try:
        return json_response(200, _addon_answer(config, event))
    except Exception as exc:
        from sheetsync.entrypoints import cards

        failure = describe_failure(exc, "addon")
        if isinstance(exc, BadRequestError):
            return json_response(failure.status, failure.body())
        card = cards.error_card(failure.message, failure.correlation_id)
        return json_response(200, _wrap(card, event))
