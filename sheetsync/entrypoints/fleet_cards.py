"""The fleet's parts of the add-on's cards: the daily sync's status, its buttons, its answers.

Plain data, like ``cards``: the status section that the homepage shows under the goals, and
the cards answering "Turn on daily sync", "Turn off" and a queued "Sync now". Every value that
is not ours (a time zone name, a stored message) passes through ``esc``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sheetsync.entrypoints.card_parts import (
    Json,
    buttons,
    card,
    decorated,
    esc,
    paragraph,
    section,
)

if TYPE_CHECKING:
    from sheetsync.core.fleet.tenants import Tenant

_COUNT_WORDS = (
    ("events_created", "events created"),
    ("drafts_created", "drafts created"),
    ("cells_written", "cells written"),
    ("problems", "rows with problems"),
)


def _when(tenant: Tenant) -> str:
    return f"every day at {tenant.sync_hour:02d}:00 ({esc(tenant.time_zone)})"


def _last_run(tenant: Tenant) -> Json:
    last = tenant.last_run
    if last is None:
        return decorated("not yet", top="Last daily sync")
    at = esc(last.at.strftime("%Y-%m-%d %H:%M UTC"))
    if last.result == "ok":
        parts = [f"{last.counts.get(k, 0)} {w}" for k, w in _COUNT_WORDS if last.counts.get(k)]
        return decorated(f"Synced {at}", top="Last daily sync", bottom=esc(", ".join(parts)))
    return decorated(f"Failed {at}", top="Last daily sync", bottom=esc(last.message))


def status_section(tenant: Tenant | None, endpoint: str) -> Json:
    """The homepage's "Daily sync" section: on, off or paused, the last run, the buttons."""
    if tenant is None:
        return section(
            [
                paragraph(
                    "Off. Turn it on and sheetsync syncs this Sheet every morning, even when "
                    "the Sheet is closed."
                ),
                buttons(endpoint, ("Turn on daily sync", "fleet_on")),
            ],
            header="Daily sync",
        )
    if not tenant.active:
        return section(
            [
                paragraph(f"<b>Paused</b>: {esc(tenant.paused_reason)}."),
                _last_run(tenant),
                buttons(endpoint, ("Turn on daily sync", "fleet_on"), ("Turn off", "fleet_off")),
            ],
            header="Daily sync",
        )
    return section(
        [
            paragraph(f"On, {_when(tenant)}."),
            _last_run(tenant),
            buttons(endpoint, ("Refresh", "refresh"), ("Turn off daily sync", "fleet_off")),
        ],
        header="Daily sync",
    )


def unavailable_section() -> Json:
    """The status section when the registry cannot be read right now."""
    return section(
        [paragraph("The daily sync's status cannot be read right now; try Refresh later.")],
        header="Daily sync",
    )


def turned_on_card(tenant: Tenant, endpoint: str) -> Json:
    """The daily sync was turned on (delegation: at once)."""
    return card(
        "Daily sync is on",
        "",
        [
            section(
                [
                    paragraph(f"sheetsync will sync this Sheet {_when(tenant)}."),
                    buttons(endpoint, ("Home", "home")),
                ]
            )
        ],
    )


def consent_card(url: str, endpoint: str) -> Json:
    """Ask the user for lasting permission: a button opening Google's consent page."""
    link = {
        "text": "Give permission",
        "onClick": {"openLink": {"url": url, "openAs": "OVERLAY", "onClose": "RELOAD"}},
    }
    return card(
        "Turn on daily sync",
        "",
        [
            section(
                [
                    paragraph(
                        "To sync while you are away, sheetsync needs your lasting permission "
                        "to read and update your Sheets, create events in your calendar and "
                        "create (never send) drafts in Gmail. Google asks you on the next page; "
                        "you can withdraw it any time with Turn off."
                    ),
                    {"buttonList": {"buttons": [link]}},
                    buttons(endpoint, ("Back", "home")),
                ]
            )
        ],
    )


def turned_off_card(endpoint: str, was_on: bool) -> Json:
    """The daily sync is off (its stored permission destroyed)."""
    text = (
        "Daily sync is off. The permission it used was withdrawn and deleted."
        if was_on
        else "Daily sync was not on for this Sheet."
    )
    return card(
        "Daily sync is off",
        "",
        [section([paragraph(text), buttons(endpoint, ("Home", "home"))])],
    )


def queued_card(tenant: Tenant, created: bool, endpoint: str) -> Json:
    """ "Sync now" put the Sheet's sync on the queue; it runs in a moment."""
    text = (
        "The sync is queued and runs in a moment. Press Refresh to see its result."
        if created
        else "A sync of this Sheet is already queued (or just ran). Press Refresh to see it."
    )
    return card(
        "Sync queued",
        "",
        [
            section([paragraph(text)]),
            status_section(tenant, endpoint),
        ],
    )
