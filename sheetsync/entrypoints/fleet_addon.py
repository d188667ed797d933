"""The add-on's fleet actions: Turn on daily sync, Turn off, Sync now on the queue, the status.

Used by ``addon`` only when the deployment runs a fleet (``SHEETSYNC_FLEET_PROJECT``) on the
Google backend, for a verified, well-formed event in a Sheet the add-on may use:

* **Turn on daily sync** (``fleet_on``): the user must be the one who enrolled the Sheet or
  able to edit it (``fleet_service.authorize``: tokeninfo says who they are, Drive whether they
  can edit). A user of a Workspace domain set up for delegation is registered at once, as
  the delegation subject. Anyone else gets a consent for offline access: a button opening
  Google's page, with a signed, expiring, single-use ``state`` and PKCE (S256).
* **Turn off** (``fleet_off``): same check; the token is revoked and its secret destroyed,
  then the tenant removed.
* **Sync now** (``sync``): for an enrolled, active Sheet that the user can edit, the sync is
  queued (one task per ten minutes, however many presses) and the card answers at once; else
  the add-on syncs within its time budget as before (:func:`sync_now` answers None).
* The homepage (and **Refresh**) shows the daily sync's status: :func:`status_sections`.

The ports and their client libraries load here, on first use, never at cold start.
"""

from __future__ import annotations

import logging
import secrets
from typing import TYPE_CHECKING, Any

from sheetsync.config import Config
from sheetsync.entrypoints import fleet_wiring
from sheetsync.entrypoints.addon_event import AddonEvent
from sheetsync.errors import ConfigError, SheetsyncError
from sheetsync.fleet_config import FleetConfig

if TYPE_CHECKING:
    from sheetsync.core.fleet.tenants import Tenant
    from sheetsync.fleet_ports import FleetServices

log = logging.getLogger(__name__)

#: IANA time zone names are short; a longer "zone" is not one.
_MAX_ZONE_CHARS = 64
NO_CONSENT = (
    "This sheetsync deployment turns on the daily sync for its Workspace domains only; ask the "
    "person who set it up"
)

Json = dict[str, Any]


def fleet_for(config: Config) -> FleetConfig | None:
    """The fleet's settings when this add-on runs one (Google backend), else None."""
    if config.backend != "google":
        return None
    fleet = fleet_wiring.load_fleet()
    return fleet if fleet.enabled else None


def _time_zone(event: AddonEvent) -> str:
    """The user's time zone from the event, if it is a real one; else UTC."""
    from sheetsync.core.fleet.schedule import zone

    name = event.time_zone or ""
    if not name or len(name) > _MAX_ZONE_CHARS:
        return "Etc/UTC"
    try:
        zone(name)
    except ValueError:
        return "Etc/UTC"
    return name


def _tenant(ports: FleetServices, event: AddonEvent) -> Tenant | None:
    from sheetsync.core.fleet.tenants import tenant_id

    return ports.registry().get(tenant_id(event.spreadsheet_id or ""))


def status_sections(config: Config, fleet: FleetConfig, event: AddonEvent) -> list[Json]:
    """The homepage's "Daily sync" section; a notice instead when the registry is down."""
    from sheetsync.entrypoints import fleet_cards

    endpoint = config.addon_audience or ""
    try:
        tenant = _tenant(fleet_wiring.services(config, fleet), event)
    except SheetsyncError as exc:
        # The goals still show: the daily sync's status is one section of the homepage.
        log.warning("add-on: the fleet registry could not be read: %s", exc)
        return [fleet_cards.unavailable_section()]
    return [fleet_cards.status_section(tenant, endpoint)]


def sheet_notice(config: Config, fleet: FleetConfig, event: AddonEvent) -> str:
    """The Summary line about this Sheet's daily sync, for a sync the add-on runs itself."""
    from sheetsync.core.fleet.tenants import fleet_notice

    try:
        return fleet_notice(_tenant(fleet_wiring.services(config, fleet), event))
    except SheetsyncError:
        return ""


def turn_on(config: Config, fleet: FleetConfig, event: AddonEvent) -> Json:
    """ "Turn on daily sync": register (delegation) or start the consent."""
    from sheetsync.bootstrap import utc_now
    from sheetsync.core.fleet.consent import pkce_challenge, pkce_verifier
    from sheetsync.core.fleet.tenants import DEFAULT_SYNC_HOUR
    from sheetsync.entrypoints import fleet_cards
    from sheetsync.fleet_service import (
        authorize,
        delegation_subject,
        enrol_delegated,
        start_consent,
    )

    endpoint = config.addon_audience or ""
    ports = fleet_wiring.services(config, fleet)
    sheet, token = event.spreadsheet_id or "", event.user_token or ""
    existing = _tenant(ports, event)
    owner = authorize(ports.tokens(), ports.access(), token, sheet, existing)
    zone = _time_zone(event)
    hour = existing.sync_hour if existing else DEFAULT_SYNC_HOUR
    now = utc_now()
    subject = delegation_subject(owner, fleet.delegation_domains)
    if subject is not None:
        tenant = enrol_delegated(ports.registry(), owner, subject, sheet, zone, hour, now)
        return fleet_cards.turned_on_card(tenant, endpoint)
    if not fleet.consent_ready:
        raise ConfigError(NO_CONSENT)
    from sheetsync.adapters.google.oauth import authorization_url
    from sheetsync.fleet_bootstrap import consent_scopes

    verifier = pkce_verifier(secrets.token_bytes(48))
    started = start_consent(
        ports.registry(),
        owner,
        sheet,
        zone,
        hour,
        now,
        fleet.oauth_state_key or b"",
        nonce=secrets.token_urlsafe(32),
        verifier=verifier,
    )
    url = authorization_url(
        fleet.oauth_client_id or "",
        fleet.oauth_redirect_uri or "",
        consent_scopes(config),
        started.state,
        pkce_challenge(verifier),
        endpoint=config.api_endpoint,
    )
    return fleet_cards.consent_card(url, endpoint)


def turn_off(config: Config, fleet: FleetConfig, event: AddonEvent) -> Json:
    """ "Turn off": revoke and destroy the stored permission, remove the tenant."""
    from sheetsync.entrypoints import fleet_cards
    from sheetsync.fleet_service import authorize
    from sheetsync.fleet_service import turn_off as stop

    endpoint = config.addon_audience or ""
    ports = fleet_wiring.services(config, fleet)
    sheet, token = event.spreadsheet_id or "", event.user_token or ""
    existing = _tenant(ports, event)
    authorize(ports.tokens(), ports.access(), token, sheet, existing)
    if existing is None:
        return fleet_cards.turned_off_card(endpoint, was_on=False)
    stop(ports.registry(), ports.secrets(), ports.tokens(), existing)
    return fleet_cards.turned_off_card(endpoint, was_on=True)


def sync_now(config: Config, fleet: FleetConfig, event: AddonEvent) -> Json | None:
    """Queue the Sheet's sync and answer at once; None to sync in the card as before.

    Queued only for an enrolled, active Sheet the user can edit, on a deployment with a
    queue: the queued sync runs under the enrolled authority, so a viewer's press must not
    start it.
    """
    if not (fleet.queue and fleet.worker_url):
        return None
    from sheetsync.bootstrap import utc_now
    from sheetsync.entrypoints import fleet_cards
    from sheetsync.fleet_service import enqueue_now

    ports = fleet_wiring.services(config, fleet)
    tenant = _tenant(ports, event)
    if tenant is None or not tenant.active:
        return None
    if not ports.access().can_edit(event.user_token or "", event.spreadsheet_id or ""):
        return None
    result = enqueue_now(ports.queue(), tenant, utc_now(), fleet.worker_url)
    return fleet_cards.queued_card(tenant, result == "created", config.addon_audience or "")
