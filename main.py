"""The Cloud Functions of sheetsync: thin shells over ``sheetsync.entrypoints``.

Deploy with ``--entry-point`` set to one of these names (see deploy/deploy.sh), or run one
locally with ``functions-framework --target sync_http`` (local backend by default).

* ``sync_http``: the scheduled sync, called by Cloud Scheduler over HTTP
  (``sheetsync.entrypoints.scheduled``).
* ``sync_pubsub``: the same sync, triggered by a Pub/Sub message (CloudEvent), ditto.
* ``addon``: the Google Workspace add-on endpoint, answering with Card v1 JSON
  (``sheetsync.entrypoints.addon``).

Those modules import only the standard library and the package's settings and errors; the
sync, its backends, pydantic, the Google libraries and the card builders load on first use,
so a cold start stays small.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import functions_framework

from sheetsync.entrypoints import addon as addon_endpoint
from sheetsync.entrypoints import scheduled
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
