"""The scheduled sync's two Cloud Functions: over HTTP (Cloud Scheduler) and over Pub/Sub.

* :func:`sync_http`: Cloud Scheduler's HTTP target. POST only: any other method is 405, so a
  GET from a browser, a link preview or a crawler never runs a sync. Optionally verifies the
  caller's OIDC token (when ``SHEETSYNC_SCHEDULER_AUDIENCE`` is set), takes an optional JSON
  body ``{"spreadsheet_id"?: str, "dry_run"?: bool}``, syncs, and answers with the report's
  counts. An empty POST syncs the configured Sheet (what Scheduler sends for a job without a
  body).
* :func:`sync_pubsub`: a Pub/Sub CloudEvent whose message data is base64 JSON
  ``{"spreadsheet_id": "..."}``. There is no HTTP answer to shape. A malformed message can
  never succeed, so it is acknowledged (the function returns) after one warning line with a
  correlation id. A failed sync is raised (the framework logs it and answers 500, so Pub/Sub
  may deliver the message again) with a clear message and a correlation id.

Cold start: only the standard library, ``config`` and ``errors`` load with this module; the
sync, the backends, pydantic and google-auth load on first use.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from sheetsync.config import Config
from sheetsync.entrypoints import backends
from sheetsync.entrypoints.bodies import pubsub_spreadsheet_id, request_json, sync_options
from sheetsync.entrypoints.failures import describe_failure, error_response
from sheetsync.entrypoints.web import HttpResponse, json_response, load_config, require_post
from sheetsync.errors import BadRequestError, SheetsyncError

if TYPE_CHECKING:
    import flask

log = logging.getLogger(__name__)


def _verify_scheduler(config: Config, request: flask.Request) -> None:
    from sheetsync.entrypoints.idtokens import TokenPolicy, bearer_token, verify_id_token

    policy = TokenPolicy(
        audience=config.scheduler_audience or "", email=config.scheduler_service_account or ""
    )
    verify_id_token(bearer_token(request.headers.get("Authorization")), policy)


def sync_http(request: flask.Request) -> HttpResponse:
    """Cloud Scheduler's target: sync once and answer with the counts."""
    try:
        require_post(request)
        config = load_config()
        if config.scheduler_check:
            _verify_scheduler(config, request)
        spreadsheet_id, dry_run = sync_options(request_json(request, required=False))
        report = backends.run(backends.backend_for(config, spreadsheet_id), dry_run)
        return json_response(200, report.counts())
    except Exception as exc:  # the one boundary: every failure becomes a JSON answer
        return error_response(exc, "sync_http")


def sync_pubsub(cloud_event: Any) -> None:
    """Sync the spreadsheet named in a Pub/Sub message.

    A malformed message is acknowledged: one warning line (its correlation id, no data from
    the message), then a normal return, because raising would only have Pub/Sub redeliver
    what can never succeed. Failures of the sync itself are raised, after one log line: a
    SheetsyncError with its correlation id attached as a note; anything else replaced by a
    RuntimeError naming only its type, because its message may quote data and the framework
    logs whatever is raised.
    """
    try:
        config = load_config()
        try:
            spreadsheet_id = pubsub_spreadsheet_id(getattr(cloud_event, "data", None))
        except BadRequestError as exc:
            describe_failure(exc, "sync_pubsub", "dropped a malformed message")
            return
        report = backends.run(backends.backend_for(config, spreadsheet_id), dry_run=False)
        log.info("sync_pubsub finished: created=%d", report.created)
    except SheetsyncError as exc:
        failure = describe_failure(exc, "sync_pubsub")
        exc.add_note(f"correlation id {failure.correlation_id}")
        raise
    except Exception as exc:
        failure = describe_failure(exc, "sync_pubsub")
        raise RuntimeError(
            f"sync_pubsub failed unexpectedly ({type(exc).__name__}); "
            f"correlation id {failure.correlation_id}"
        ) from None
