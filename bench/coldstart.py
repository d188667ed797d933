"""Cold starts of the Cloud Functions in main.py, against a bare functions-framework function.

Each measurement starts ``functions-framework --target NAME`` as a new process (gunicorn, as in
production) and times from just before the process is spawned to the end of the first response
to one request, sent as soon as the port accepts connections. Two kinds of request:

* **rejected**: one the function refuses before any I/O: ``sync_http`` with
  ``SHEETSYNC_SCHEDULER_AUDIENCE`` set and no bearer token (401); ``addon`` with
  ``SHEETSYNC_ADDON_AUDIENCE`` set and no ``systemIdToken`` (401); ``sync_pubsub`` with a
  CloudEvent that is not a Pub/Sub message (the function acknowledges it: 200);
* **first real request**: the add-on's homepage card (a valid ``systemIdToken`` minted by
  ``tests/tokenkit.py``, verified against certificates served on 127.0.0.1 through
  ``SHEETSYNC_ID_TOKEN_CERTS_URL``; a dry-run read of a 100-contact Sheet on the fake Google
  server), and ``sync_http`` syncing a 100-contact Sheet on the fake (a fresh Sheet each time,
  so each is a first sync that creates its events and drafts).

The bare function is ``bench/hello_main.py``. Scenarios are run interleaved, ``repeats`` times
each, and compared by their medians.
"""

from __future__ import annotations

import http.client
import json
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .fake_server import ROOT, TESTS, child_env

MAIN = ROOT / "main.py"
HELLO = Path(__file__).resolve().parent / "hello_main.py"
#: Give up on a process that has not answered by then.
START_TIMEOUT_S = 120.0


@dataclass(frozen=True)
class Request:
    """What to send, and the environment the function process gets."""

    env: dict[str, str] = field(default_factory=dict)
    method: str = "POST"
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Scenario:
    """One cold start to measure; ``prepare(n)`` gives the n-th repetition's request."""

    name: str
    kind: str  # "baseline", "rejected" or "first request"
    target: str
    source: Path
    prepare: Callable[[int], Request]
    expect: tuple[int, ...]
    #: For JSON answers: a key the body must have (a card envelope, the sync's counts).
    expect_key: str | None = None


@dataclass
class Timing:
    seconds: float
    status: int
    ok: bool


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def functions_framework() -> str:
    """The functions-framework script of this interpreter's environment."""
    return str(Path(sys.executable).parent / "functions-framework")


def _send(port: int, request: Request, timeout: float) -> tuple[int, bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.request(request.method, "/", body=request.body or None, headers=request.headers)
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def cold_start(scenario: Scenario, repetition: int = 0) -> Timing:
    """Start the function in a new process; time to the end of its first response."""
    request = scenario.prepare(repetition)
    port = free_port()
    command = [
        functions_framework(),
        "--target",
        scenario.target,
        "--source",
        str(scenario.source),
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
    ]
    env = child_env(**request.env)
    started = time.perf_counter()
    proc = subprocess.Popen(
        command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        while True:
            elapsed = time.perf_counter() - started
            if elapsed > START_TIMEOUT_S or proc.poll() is not None:
                raise RuntimeError(f"{scenario.name}: the function did not answer")
            try:
                status, body = _send(port, request, START_TIMEOUT_S)
            except (ConnectionRefusedError, ConnectionResetError, http.client.RemoteDisconnected):
                time.sleep(0.002)
                continue
            seconds = time.perf_counter() - started
            break
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    ok = status in scenario.expect
    if ok and scenario.expect_key is not None:
        try:
            ok = scenario.expect_key in json.loads(body)
        except ValueError:
            ok = False
    return Timing(seconds, status, ok)


# --- scenarios ----------------------------------------------------------------------------------


def _fixed(request: Request) -> Callable[[int], Request]:
    return lambda _n: request


def _json_post(env: dict[str, str], body: dict[str, Any], **headers: str) -> Request:
    return Request(
        env=env,
        body=json.dumps(body).encode(),
        headers={"Content-Type": "application/json", **headers},
    )


SCHEDULER_AUDIENCE = "https://europe-west1-sheetsync-bench.cloudfunctions.net/sync-http"
SCHEDULER_ACCOUNT = "scheduler@sheetsync-bench.iam.gserviceaccount.com"


def rejected_scenarios() -> list[Scenario]:
    """The bare function and the three functions refusing a request before any I/O."""
    from tokenkit import DEFAULT_AUDIENCE, DEFAULT_EMAIL  # type: ignore[import-not-found]

    addon_env = {
        "SHEETSYNC_ADDON_AUDIENCE": DEFAULT_AUDIENCE,
        "SHEETSYNC_ADDON_SERVICE_ACCOUNT": DEFAULT_EMAIL,
    }
    scheduler_env = {
        "SHEETSYNC_SCHEDULER_AUDIENCE": SCHEDULER_AUDIENCE,
        "SHEETSYNC_SCHEDULER_SERVICE_ACCOUNT": SCHEDULER_ACCOUNT,
    }
    not_pubsub = Request(
        body=json.dumps({"subscription": "projects/p/subscriptions/s"}).encode(),
        headers={
            "Content-Type": "application/json",
            "ce-id": "bench-1",
            "ce-specversion": "1.0",
            "ce-source": "//pubsub.googleapis.com/projects/p/topics/sheetsync",
            "ce-type": "google.cloud.pubsub.topic.v1.messagePublished",
        },
    )
    return [
        Scenario("hello", "baseline", "hello", HELLO, _fixed(Request(method="GET")), (200,)),
        Scenario(
            "sync_http: no bearer token",
            "rejected",
            "sync_http",
            MAIN,
            _fixed(_json_post(scheduler_env, {})),
            (401,),
        ),
        Scenario(
            "sync_pubsub: not a Pub/Sub message",
            "rejected",
            "sync_pubsub",
            MAIN,
            _fixed(not_pubsub),
            (200,),
        ),
        Scenario(
            "addon: no systemIdToken",
            "rejected",
            "addon",
            MAIN,
            _fixed(_json_post(addon_env, {"commonEventObject": {"hostApp": "SHEETS"}})),
            (401,),
        ),
    ]


def first_request_scenarios(
    fake_url: str, certs_url: str, homepage_sheet: str, sync_sheets: list[str]
) -> list[Scenario]:
    """The add-on's homepage card and a first sync of 100 contacts, both on the fake."""
    from tokenkit import DEFAULT_AUDIENCE, DEFAULT_EMAIL, mint_token

    google = {"SHEETSYNC_BACKEND": "google", "SHEETSYNC_API_ENDPOINT": fake_url}
    addon_env = {
        **google,
        "SHEETSYNC_ADDON_AUDIENCE": DEFAULT_AUDIENCE,
        "SHEETSYNC_ADDON_SERVICE_ACCOUNT": DEFAULT_EMAIL,
        "SHEETSYNC_ID_TOKEN_CERTS_URL": certs_url,
    }
    token = mint_token()
    homepage = {
        "commonEventObject": {"hostApp": "SHEETS", "platform": "WEB"},
        "authorizationEventObject": {"systemIdToken": token, "userOAuthToken": "ya29.bench"},
        "sheets": {"id": homepage_sheet, "addonHasFileScopePermission": True},
    }

    def sync_request(n: int) -> Request:
        env = {**google, "SHEETSYNC_SPREADSHEET_ID": sync_sheets[n % len(sync_sheets)]}
        return _json_post(env, {})

    return [
        Scenario(
            "addon: homepage card (100 contacts)",
            "first request",
            "addon",
            MAIN,
            _fixed(_json_post(addon_env, homepage)),
            (200,),
            expect_key="action",
        ),
        Scenario(
            "sync_http: first sync (100 contacts)",
            "first request",
            "sync_http",
            MAIN,
            sync_request,
            (200,),
            expect_key="events",
        ),
    ]


@dataclass
class ColdStartResult:
    name: str
    kind: str
    target: str
    median_s: float
    ratio: float
    samples_s: list[float]
    statuses: list[int]
    ok: bool


def measure(scenarios: list[Scenario], repeats: int) -> list[ColdStartResult]:
    """Run every scenario ``repeats`` times, interleaved; medians and ratios to the baseline."""
    samples: dict[str, list[Timing]] = {s.name: [] for s in scenarios}
    for repetition in range(repeats):
        for scenario in scenarios:
            samples[scenario.name].append(cold_start(scenario, repetition))
    baseline = next(s for s in scenarios if s.kind == "baseline")
    base = statistics.median(t.seconds for t in samples[baseline.name])
    results = []
    for scenario in scenarios:
        timings = samples[scenario.name]
        median = statistics.median(t.seconds for t in timings)
        results.append(
            ColdStartResult(
                name=scenario.name,
                kind=scenario.kind,
                target=scenario.target,
                median_s=median,
                ratio=median / base,
                samples_s=[t.seconds for t in timings],
                statuses=[t.status for t in timings],
                ok=all(t.ok for t in timings),
            )
        )
    return results


def tests_on_path() -> None:
    """tokenkit and fakegoogle live in tests/."""
    if str(TESTS) not in sys.path:
        sys.path.insert(0, str(TESTS))
