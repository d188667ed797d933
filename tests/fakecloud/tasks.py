"""An in-process fake of one Cloud Tasks queue, spoken to by the real ``google-cloud-tasks`` client.

Google ships no faithful Cloud Tasks emulator (the one on PyPI ignores names, rates and
retries), so this fake models what the fleet relies on, as Google documents it:

* **CreateTask** over gRPC (``google.cloud.tasks.v2.CloudTasks/CreateTask``), with the
  checks Google makes: the queue exists (NOT_FOUND), a task name is ``<queue>/tasks/<id>``
  with an id of letters, digits, ``-`` and ``_`` up to 500 (INVALID_ARGUMENT), an HTTP target
  with an http(s) URL, an OIDC token naming a service account, a task of at most 1 MB;
* **de-duplication by name**: a name is refused (ALREADY_EXISTS) while its task is queued or
  retrying, and for ``dedupe_window_s`` after it succeeded or gave up (about an hour for a
  queue made with the Cloud Tasks API);
* **dispatch** (:meth:`FakeCloudTasks.run`), on a virtual clock: a token bucket of
  ``max_burst_size`` refilled at ``max_dispatches_per_second``, at most
  ``max_concurrent_dispatches`` tasks in flight (each taking ``service_time_s`` of virtual
  time), first attempts and retries alike; a task is done at a 2xx answer, else retried after
  ``min_backoff`` doubling ``max_doublings`` times, then growing linearly, capped at
  ``max_backoff``, until ``max_attempts``;
* the **headers** a handler sees: ``X-CloudTasks-QueueName``, ``-TaskName``,
  ``-TaskRetryCount``, ``-TaskExecutionCount``, ``-TaskETA``, the task's own headers, and
  ``Authorization: Bearer <OIDC token>`` when the test gives a way to mint one.

Deliveries run one after another in real time; the virtual clock says when each would have
happened, so a test (or the fleet demo) measures rates in virtual seconds.
"""

from __future__ import annotations

import heapq
import math
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import grpc
from google.cloud.tasks_v2.types import cloudtasks
from google.cloud.tasks_v2.types import target as target_types
from google.cloud.tasks_v2.types import task as task_types

from .clock import VirtualClock
from .grpcfake import Abort, GrpcFake

SERVICE = "google.cloud.tasks.v2.CloudTasks"
_TASK_ID = re.compile(r"[A-Za-z0-9_-]{1,500}")
MAX_TASK_BYTES = 1_000_000


@dataclass(frozen=True)
class QueueSettings:
    """A queue's rate limits and retry config (``RateLimits`` and ``RetryConfig``)."""

    max_dispatches_per_second: float
    max_concurrent_dispatches: int
    #: Output only in Cloud Tasks ("picked based on max_dispatches_per_second"); by default
    #: the fake picks the smallest bucket that still allows the rate: ceil(rate).
    max_burst_size: int | None = None
    max_attempts: int = 5
    min_backoff_s: float = 60.0
    max_backoff_s: float = 3600.0
    max_doublings: int = 4
    dedupe_window_s: float = 3600.0

    @property
    def burst(self) -> int:
        return self.max_burst_size or max(1, math.ceil(self.max_dispatches_per_second))

    @classmethod
    def from_limits(cls, limits: Any, **overrides: Any) -> QueueSettings:
        """From ``sheetsync.core.fleet.rates.QueueLimits`` (what deploy.sh configures)."""
        values = {
            "max_dispatches_per_second": limits.max_dispatches_per_second,
            "max_concurrent_dispatches": limits.max_concurrent_dispatches,
            "max_attempts": limits.max_attempts,
            "min_backoff_s": float(limits.min_backoff_s),
            "max_backoff_s": float(limits.max_backoff_s),
            "max_doublings": limits.max_doublings,
        }
        values.update(overrides)
        return cls(**values)


def retry_delay(settings: QueueSettings, retry: int) -> float:
    """Seconds before retry number ``retry`` (0: the first retry), as RetryConfig documents.

    E.g. min 10 s, max 300 s, 3 doublings: 10, 20, 40, 80, 160, 240, 300, 300...
    """
    base, cap, doublings = settings.min_backoff_s, settings.max_backoff_s, settings.max_doublings
    if retry <= doublings:
        return min(cap, base * 2**retry)
    step = base * 2**doublings
    return min(cap, step * (1 + retry - doublings))


@dataclass
class FakeTask:
    """A task as the fake queue holds it."""

    name: str
    task_id: str
    url: str
    body: bytes
    headers: dict[str, str]
    oidc_email: str | None
    oidc_audience: str | None
    schedule_time: datetime
    created_at: datetime
    seq: int
    state: str = "pending"  # pending, succeeded, failed
    next_at: datetime | None = None
    attempts: int = 0
    executions: int = 0
    finished_at: datetime | None = None
    dispatches: list[tuple[datetime, int]] = field(default_factory=list)


@dataclass(frozen=True)
class Delivery:
    """One dispatch of a task to its handler: what an HTTP target receives."""

    task: FakeTask
    url: str
    headers: dict[str, str]
    body: bytes
    at: datetime


class FakeCloudTasks:
    """One queue (``projects/P/locations/L/queues/Q``) and its dispatcher, on ``clock``."""

    def __init__(
        self,
        queue: str,
        settings: QueueSettings,
        clock: VirtualClock,
        mint_oidc: Callable[[str, str], str] | None = None,
    ) -> None:
        self.queue = queue
        self.settings = settings
        self.clock = clock
        self.mint_oidc = mint_oidc
        self.tasks: dict[str, FakeTask] = {}
        #: (virtual time, task id, status) of every dispatch, in order.
        self.dispatch_log: list[tuple[datetime, str, int]] = []
        self.refused: list[str] = []
        self._seq = 0
        self.server = GrpcFake(
            SERVICE,
            {"CreateTask": (self.create_task, cloudtasks.CreateTaskRequest, task_types.Task)},
        )

    # --- the API --------------------------------------------------------------------------

    def create_task(self, request: cloudtasks.CreateTaskRequest) -> task_types.Task:
        if request.parent != self.queue:
            raise Abort(grpc.StatusCode.NOT_FOUND, "Queue does not exist.")
        proto = request.task
        if len(cloudtasks.CreateTaskRequest.serialize(request)) > MAX_TASK_BYTES:
            raise Abort(grpc.StatusCode.INVALID_ARGUMENT, "Task size too large.")
        now = self.clock.now()
        if proto.name:
            prefix = self.queue + "/tasks/"
            task_id = proto.name[len(prefix) :] if proto.name.startswith(prefix) else ""
            if not _TASK_ID.fullmatch(task_id):
                raise Abort(grpc.StatusCode.INVALID_ARGUMENT, "Invalid resource field value.")
        else:
            task_id = secrets.token_hex(16)
        http = proto.http_request
        if not http.url.startswith(("https://", "http://")):
            raise Abort(grpc.StatusCode.INVALID_ARGUMENT, "HttpRequest.url is invalid.")
        methods = target_types.HttpMethod
        # An unset method is POST, Cloud Tasks' default; a body needs POST, PUT or PATCH.
        with_body = (methods.HTTP_METHOD_UNSPECIFIED, methods.POST, methods.PUT, methods.PATCH)
        if http.body and http.http_method not in with_body:
            raise Abort(grpc.StatusCode.INVALID_ARGUMENT, "A body needs POST, PUT or PATCH.")
        oidc = http.oidc_token if "oidc_token" in http else None
        if oidc is not None and not oidc.service_account_email:
            raise Abort(grpc.StatusCode.INVALID_ARGUMENT, "OidcToken needs a service account.")
        name = f"{self.queue}/tasks/{task_id}"
        existing = self.tasks.get(task_id)
        if existing is not None and self._name_taken(existing, now):
            self.refused.append(task_id)
            raise Abort(grpc.StatusCode.ALREADY_EXISTS, "Requested entity already exists")
        schedule = proto.schedule_time if "schedule_time" in proto else None
        eta = max(now, schedule) if schedule is not None else now
        if eta > now + timedelta(days=30):
            raise Abort(grpc.StatusCode.INVALID_ARGUMENT, "schedule_time is too far ahead.")
        self._seq += 1
        self.tasks[task_id] = FakeTask(
            name=name,
            task_id=task_id,
            url=http.url,
            body=bytes(http.body),
            headers=dict(http.headers),
            oidc_email=oidc.service_account_email if oidc else None,
            oidc_audience=(oidc.audience or http.url) if oidc else None,
            schedule_time=eta,
            created_at=now,
            seq=self._seq,
            next_at=eta,
        )
        return task_types.Task(name=name, schedule_time=eta, create_time=now)

    def _name_taken(self, task: FakeTask, now: datetime) -> bool:
        if task.state == "pending" or task.finished_at is None:
            return True
        return now < task.finished_at + timedelta(seconds=self.settings.dedupe_window_s)

    # --- dispatch ---------------------------------------------------------------------------

    def pending(self) -> list[FakeTask]:
        return [t for t in self.tasks.values() if t.state == "pending"]

    def _headers(self, task: FakeTask) -> dict[str, str]:
        headers = {
            **task.headers,
            "User-Agent": "Google-Cloud-Tasks",
            "X-CloudTasks-QueueName": self.queue.rsplit("/", 1)[-1],
            "X-CloudTasks-TaskName": task.task_id,
            "X-CloudTasks-TaskRetryCount": str(task.attempts),
            "X-CloudTasks-TaskExecutionCount": str(task.executions),
            "X-CloudTasks-TaskETA": f"{task.schedule_time.timestamp():.6f}",
        }
        if task.oidc_email and self.mint_oidc is not None:
            audience = task.oidc_audience or task.url
            headers["Authorization"] = f"Bearer {self.mint_oidc(task.oidc_email, audience)}"
        return headers

    def run(
        self,
        deliver: Callable[[Delivery], int],
        service_time_s: float | Callable[[Delivery], float] = 0.0,
        max_dispatches: int | None = None,
    ) -> int:
        """Dispatch until the queue is empty (or ``max_dispatches``); the number dispatched.

        ``deliver`` is the HTTP target: it gets each dispatch and answers an HTTP status (an
        exception counts as a 500). ``service_time_s`` is how long a dispatch occupies its
        concurrency slot, in virtual seconds.
        """
        settings = self.settings
        rate, burst = settings.max_dispatches_per_second, settings.burst
        tokens, refilled = float(burst), self.clock.now()
        in_flight: list[datetime] = []
        done = 0
        while max_dispatches is None or done < max_dispatches:
            pending = self.pending()
            if not pending:
                break
            task = min(pending, key=lambda t: (t.next_at, t.seq))
            assert task.next_at is not None
            at = max(self.clock.now(), task.next_at)
            while in_flight and in_flight[0] <= at:
                heapq.heappop(in_flight)
            if len(in_flight) >= settings.max_concurrent_dispatches:
                at = max(at, heapq.heappop(in_flight))
                while in_flight and in_flight[0] <= at:
                    heapq.heappop(in_flight)
            tokens = min(burst, tokens + (at - refilled).total_seconds() * rate)
            refilled = at
            if tokens < 1:
                at += timedelta(seconds=(1 - tokens) / rate)
                tokens, refilled = 1.0, at
            tokens -= 1
            self.clock.set(at)
            delivery = Delivery(task, task.url, self._headers(task), task.body, at)
            try:
                status = deliver(delivery)
            except Exception:  # a handler that crashed answered 500, as far as the queue knows
                status = 500
            took = service_time_s(delivery) if callable(service_time_s) else service_time_s
            finish = at + timedelta(seconds=took)
            heapq.heappush(in_flight, finish)
            task.attempts += 1
            if status < 500 and not 200 <= status < 300:
                task.executions += 1
            task.dispatches.append((at, status))
            self.dispatch_log.append((at, task.task_id, status))
            done += 1
            if 200 <= status < 300:
                task.state, task.finished_at = "succeeded", finish
            elif task.attempts >= settings.max_attempts:
                task.state, task.finished_at = "failed", finish
            else:
                task.next_at = finish + timedelta(seconds=retry_delay(settings, task.attempts - 1))
        if in_flight:
            self.clock.set(max(in_flight))
        return done

    def max_dispatches_within(self, seconds: float) -> int:
        """The most dispatches in any window of ``seconds`` (virtual time)."""
        times = sorted(at for at, _id, _status in self.dispatch_log)
        best, start = 0, 0
        for end, moment in enumerate(times):
            while (moment - times[start]).total_seconds() >= seconds:
                start += 1
            best = max(best, end - start + 1)
        return best
