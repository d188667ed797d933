"""The fleet's two queue-side Cloud Functions: the dispatcher and the worker.

* :func:`fleet_dispatch`: Cloud Scheduler's target, once an hour. POST only. Pages through the
  registry and enqueues one Cloud Tasks task per tenant due in this slot (named after tenant
  and run, so a repeated dispatch creates nothing twice), then answers with the counts. An
  optional body ``{"slot": "<ISO time>"}`` dispatches an earlier slot of the last day (an
  operator catching up an hour Scheduler missed). If a task could not be created, the answer
  is 503 and Scheduler's retry creates only what is missing.
* :func:`fleet_worker`: Cloud Tasks' target. POST only, body ``{"tenant_id", "run_key"}``.
  Runs the existing sync under the tenant's credentials and records the outcome. The answer
  tells the queue what to do: 2xx for done (synced, failed for good, paused, or nothing to
  do), 503 for "retry me" (a transient failure before the last attempt, counted from
  ``X-CloudTasks-TaskRetryCount`` and ``SHEETSYNC_FLEET_MAX_ATTEMPTS``).

Both check the caller's OIDC token themselves when their audience is set (public URLs);
behind IAM, Cloud Run does. Cold start: Firestore, Cloud Tasks and Secret Manager load on
first use, and only in these functions.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from sheetsync.entrypoints import fleet_wiring
from sheetsync.entrypoints.bodies import request_json
from sheetsync.entrypoints.failures import error_response
from sheetsync.entrypoints.web import HttpResponse, json_response, load_config, require_post
from sheetsync.errors import BadRequestError

if TYPE_CHECKING:
    import flask

log = logging.getLogger(__name__)

_TENANT_ID = re.compile(r"t[0-9a-f]{32}")
_RUN_KEY = re.compile(r"daily-\d{4}-\d{2}-\d{2}|now-\d{1,12}")
#: How far back a dispatch may be asked to catch up.
CATCH_UP = timedelta(days=1)


def _now() -> datetime:
    from sheetsync.bootstrap import utc_now

    return utc_now()


def dispatch_slot(body: Mapping[str, Any], now: datetime) -> datetime:
    """The slot to dispatch: this hour's, or the body's ``slot`` within the last day."""
    from sheetsync.core.fleet.schedule import slot_start

    unknown = set(body) - {"slot"}
    if unknown:
        raise BadRequestError("the dispatcher's body may only hold slot")
    text = body.get("slot")
    if text is None:
        return slot_start(now)
    if not isinstance(text, str) or len(text) > 40:
        raise BadRequestError("slot must be an ISO 8601 time")
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise BadRequestError("slot must be an ISO 8601 time") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    if not now - CATCH_UP <= moment <= now:
        raise BadRequestError("slot must be within the last day, and not in the future")
    return slot_start(moment)


def fleet_dispatch(request: flask.Request) -> HttpResponse:
    """Cloud Scheduler's hourly target: enqueue every tenant due in this slot."""
    try:
        require_post(request)
        config = load_config()
        fleet = fleet_wiring.load_fleet()
        fleet_wiring.verify_caller(request, fleet.dispatch_audience, fleet.dispatch_service_account)
        fleet.require("project", "queue", "worker_url")
        slot = dispatch_slot(request_json(request, required=False), _now())
        from sheetsync.fleet_service import dispatch

        ports = fleet_wiring.services(config, fleet)
        report = dispatch(ports.registry(), ports.queue(), slot, fleet.worker_url or "")
        return json_response(503 if report.failed else 200, report.counts())
    except Exception as exc:  # the one boundary: every failure becomes a JSON answer
        return error_response(exc, "fleet_dispatch")


def worker_body(body: Mapping[str, Any]) -> tuple[str, str]:
    """The task's ``(tenant_id, run_key)``; BadRequestError for anything else."""
    tenant_id, run_key = body.get("tenant_id"), body.get("run_key")
    if set(body) != {"tenant_id", "run_key"}:
        raise BadRequestError("a task body holds tenant_id and run_key only")
    if not isinstance(tenant_id, str) or not _TENANT_ID.fullmatch(tenant_id):
        raise BadRequestError("tenant_id is not a tenant id")
    if not isinstance(run_key, str) or not _RUN_KEY.fullmatch(run_key):
        raise BadRequestError("run_key is not a run key")
    return tenant_id, run_key


def retry_count(header: str | None) -> int:
    """``X-CloudTasks-TaskRetryCount``: 0 for a first attempt (and when absent)."""
    if header is None or not header.strip():
        return 0
    text = header.strip()
    if not text.isdigit() or len(text) > 6:
        raise BadRequestError("X-CloudTasks-TaskRetryCount is not a count")
    return int(text)


def fleet_worker(request: flask.Request) -> HttpResponse:
    """Cloud Tasks' target: one tenant's run; the answer says whether to retry it."""
    try:
        require_post(request)
        config = load_config()
        fleet = fleet_wiring.load_fleet()
        fleet_wiring.verify_caller(request, fleet.worker_audience, fleet.tasks_service_account)
        fleet.require("project")
        tenant_key, run_key = worker_body(request_json(request, required=True))
        attempt = retry_count(request.headers.get("X-CloudTasks-TaskRetryCount"))
        from sheetsync.fleet_service import run_counts, run_tenant

        ports = fleet_wiring.services(config, fleet)
        outcome = run_tenant(
            ports.registry(),
            tenant_key,
            run_key,
            lambda tenant: fleet_wiring.tenant_backend(config, fleet, tenant, ports),
            _now(),
            attempt=attempt,
            max_attempts=fleet.max_attempts,
        )
        body: dict[str, Any] = {
            "tenant_id": tenant_key,
            "run_key": run_key,
            "status": outcome.status,
            "attempt": attempt,
        }
        if outcome.message:
            body["message"] = outcome.message
        if outcome.report is not None:
            body["counts"] = run_counts(outcome.report)
        log.info("fleet_worker: tenant %s run %s %s", tenant_key, run_key, outcome.status)
        return json_response(503 if outcome.status == "retry" else 200, body)
    except Exception as exc:  # the one boundary: every failure becomes a JSON answer
        return error_response(exc, "fleet_worker")
