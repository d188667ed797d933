"""The Cloud Functions of sheetsync: thin shells over ``sheetsync.entrypoints.functions``.

Deploy with ``--entry-point`` set to one of these names (see deploy/deploy.sh), or run one
locally with ``functions-framework --target sync_http`` (local backend by default).

* ``sync_http``: the scheduled sync, called by Cloud Scheduler over HTTP.
* ``sync_pubsub``: the same sync, triggered by a Pub/Sub message (CloudEvent).
* ``addon``: the Google Workspace add-on endpoint, answering with Card v1 JSON.

``sheetsync.entrypoints.functions`` imports only the standard library and the package's settings and
errors; the sync, its backends, the Google libraries and the card builders load on first use,
so a cold start stays small.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import functions_framework

from sheetsync.entrypoints import functions as entrypoints

if TYPE_CHECKING:
    import flask


@functions_framework.http
def sync_http(request: flask.Request) -> entrypoints.HttpResponse:
    return entrypoints.sync_http(request)


@functions_framework.cloud_event
def sync_pubsub(cloud_event: Any) -> None:
    entrypoints.sync_pubsub(cloud_event)


@functions_framework.http
def addon(request: flask.Request) -> entrypoints.HttpResponse:
    return entrypoints.addon(request)
