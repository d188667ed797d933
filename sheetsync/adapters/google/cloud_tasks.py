"""The fleet's queue on Cloud Tasks: one named HTTP task per tenant run, POSTed to the worker.

Each task is ``CreateTaskRequest(parent=<queue>, task=Task(name=<queue>/tasks/<id>,
http_request=HttpRequest(url=<worker>, POST, JSON body, oidc_token=<invoker account>)))``.
The task id is ``schedule.task_id``: a hash of tenant and run, so creating the same run again
is refused by Cloud Tasks with ALREADY_EXISTS (the name stays taken while the task lives and
for about an hour after), which :meth:`CloudTasksQueue.enqueue` answers as "exists". The
queue's own settings (rate, concurrency, retries, backoff) are deploy.sh's, from
``core.fleet.rates``.

Creating a named task is safe to repeat, so the call is retried on the errors that say
nothing was decided (UNAVAILABLE, DEADLINE_EXCEEDED); a retry that meets ALREADY_EXISTS after a
lost answer counts as "exists", which is what it is by then.

Cold start: google-cloud-tasks (and grpc) load only where this module is imported.
"""

from __future__ import annotations

import json
from datetime import timedelta

from google.api_core import exceptions as api_exceptions
from google.api_core import retry as api_retry
from google.cloud import tasks_v2

from sheetsync.adapters.google.cloud_errors import CLOUD_ERRORS, cloud_error
from sheetsync.fleet_ports import EnqueueResult, TaskQueue, TaskSpec

#: How long Cloud Tasks waits for the worker's answer: longer than the worker's own timeout
#: (540 s), so an attempt ends at the worker, never half-way at the queue.
DISPATCH_DEADLINE = timedelta(seconds=600)

DEFAULT_RETRY = api_retry.Retry(
    predicate=api_retry.if_exception_type(
        api_exceptions.ServiceUnavailable, api_exceptions.DeadlineExceeded
    ),
    initial=0.2,
    maximum=4.0,
    timeout=30.0,
)


def create_task_request(
    queue: str, task: TaskSpec, service_account: str | None, audience: str | None = None
) -> tasks_v2.CreateTaskRequest:
    """The request that creates ``task`` on ``queue``, with an OIDC token for the worker."""
    http_request = tasks_v2.HttpRequest(
        url=task.url,
        http_method=tasks_v2.HttpMethod.POST,
        headers={"Content-Type": "application/json"},
        body=json.dumps(dict(task.body), sort_keys=True).encode("utf-8"),
    )
    if service_account:
        http_request.oidc_token = tasks_v2.OidcToken(
            service_account_email=service_account, audience=audience or task.url
        )
    proto_task = tasks_v2.Task(
        name=f"{queue}/tasks/{task.task_id}",
        http_request=http_request,
        dispatch_deadline=DISPATCH_DEADLINE,
    )
    if task.schedule_time is not None:
        proto_task.schedule_time = task.schedule_time
    return tasks_v2.CreateTaskRequest(parent=queue, task=proto_task)


class CloudTasksQueue(TaskQueue):
    """Tasks for the worker on one Cloud Tasks queue (``projects/P/locations/L/queues/Q``)."""

    def __init__(
        self,
        client: tasks_v2.CloudTasksClient,
        queue: str,
        service_account: str | None,
        audience: str | None = None,
        retry: api_retry.Retry = DEFAULT_RETRY,
    ) -> None:
        self.client = client
        self.queue = queue
        self.service_account = service_account
        self.audience = audience
        self.retry = retry

    def enqueue(self, task: TaskSpec) -> EnqueueResult:
        request = create_task_request(self.queue, task, self.service_account, self.audience)
        try:
            self.client.create_task(request=request, retry=self.retry, timeout=30.0)
        except api_exceptions.AlreadyExists:
            return "exists"
        except CLOUD_ERRORS as exc:
            raise cloud_error(exc, "Queueing a tenant's sync") from None
        return "created"


def tasks_client(endpoint: str | None = None) -> tasks_v2.CloudTasksClient:
    """A Cloud Tasks client: Google's, or a fake's on a loopback ``host:port`` (no TLS)."""
    if endpoint is None:
        return tasks_v2.CloudTasksClient()
    import grpc  # type: ignore[import-untyped]
    from google.cloud.tasks_v2.services.cloud_tasks.transports import CloudTasksGrpcTransport

    return tasks_v2.CloudTasksClient(
        transport=CloudTasksGrpcTransport(channel=grpc.insecure_channel(endpoint))
    )
