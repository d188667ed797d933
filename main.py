"""The Cloud Functions of sheetsync: thin shells over ``sheetsync.entrypoints``.

Deploy with ``--entry-point`` set to one of these names (see deploy/deploy.sh), or run one
locally with ``functions-framework --target sync_http`` (local backend by default).

* ``sync_http``: the scheduled sync, called by Cloud Scheduler over HTTP
  (``sheetsync.entrypoints.scheduled``).
* ``sync_pubsub``: the same sync, triggered by a Pub/Sub message (CloudEvent), ditto.
* ``addon``: the Google Workspace add-on endpoint, answering with Card v1 JSON
  (``sheetsync.entrypoints.addon``).
* ``fleet_dispatch``, ``fleet_worker``: many therapists' Sheets on one deployment: Cloud
  Scheduler's hourly dispatch onto Cloud Tasks, and the worker each task calls
  (``sheetsync.entrypoints.fleet_functions``).
* ``oauth_callback``: where Google sends a user back from the daily sync's consent
  (``sheetsync.entrypoints.oauth_callback``).

Those modules import only the standard library and the package's settings and errors; the
sync, its backends, pydantic, the Google libraries and the card builders load on first use,
so a cold start stays small.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import functions_framework

from sheetsync.entrypoints import addon as addon_endpoint
from sheetsync.entrypoints import fleet_functions, scheduled
from sheetsync.entrypoints import oauth_callback as consent
from sheetsync.entrypoints.web import HttpResponse

if TYPE_CHECKING:
    import flask


@functions_framework.http
def sync_http(request: flask.Request) -> HttpResponse:
    """The scheduled sync, over HTTP."""
    return scheduled.sync_http(request)


@functions_framework.cloud_event
def sync_pubsub(cloud_event: Any) -> None:
    """The scheduled sync, over Pub/Sub."""
    scheduled.sync_pubsub(cloud_event)


@functions_framework.http
def addon(request: flask.Request) -> HttpResponse:
    """The Workspace add-on endpoint."""
    return addon_endpoint.addon(request)


@functions_framework.http
def fleet_dispatch(request: flask.Request) -> HttpResponse:
    """The fleet's hourly dispatch (Cloud Scheduler)."""
    return fleet_functions.fleet_dispatch(request)


@functions_framework.http
def fleet_worker(request: flask.Request) -> HttpResponse:
    """One tenant's sync (Cloud Tasks)."""
    return fleet_functions.fleet_worker(request)


@functions_framework.http
def oauth_callback(request: flask.Request) -> HttpResponse:
    """The daily sync's consent callback (Google redirects the browser here)."""
    return consent.oauth_callback(request)
