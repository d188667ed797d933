"""A cold instance refuses junk with the standard library alone (what ``make bench`` times).

Each request that the benchmark's "rejected" cold starts send is answered here in a fresh
process, which then must not have loaded pydantic, the sync or google-auth: they are loaded
only once the cheap checks have passed.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import tokenkit

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, sys
import functions_framework

target, environ, body, headers, expected = json.loads(sys.argv[1])
import os
os.environ.update(environ)
app = functions_framework.create_app(target, source="main.py").test_client()
response = app.post("/", data=body, headers=headers)
assert response.status_code == expected, (response.status_code, response.get_data(as_text=True))
heavy = ("pydantic", "sheetsync.service", "sheetsync.bootstrap", "google.auth", "openpyxl")
print(sorted(m for m in sys.modules if m.startswith(heavy)))
"""

PUBSUB_HEADERS = {
    "Content-Type": "application/json",
    "ce-id": "cold-1",
    "ce-specversion": "1.0",
    "ce-source": "//pubsub.googleapis.com/projects/p/topics/sheetsync",
    "ce-type": "google.cloud.pubsub.topic.v1.messagePublished",
}
JSON = {"Content-Type": "application/json"}
SCHEDULER = {
    "SHEETSYNC_SCHEDULER_AUDIENCE": "https://example.test/sync-http",
    "SHEETSYNC_SCHEDULER_SERVICE_ACCOUNT": "invoker@example.iam.gserviceaccount.com",
}
ADDON = {
    "SHEETSYNC_ADDON_AUDIENCE": tokenkit.DEFAULT_AUDIENCE,
    "SHEETSYNC_ADDON_SERVICE_ACCOUNT": tokenkit.DEFAULT_EMAIL,
}


@pytest.mark.parametrize(
    ("target", "environ", "body", "headers", "expected"),
    [
        pytest.param("sync_http", SCHEDULER, "{}", JSON, 401, id="sync_http-no-token"),
        pytest.param(
            "sync_pubsub",
            {},
            '{"subscription": "projects/p/subscriptions/s"}',
            PUBSUB_HEADERS,
            200,
            id="sync_pubsub-not-pubsub",
        ),
        pytest.param(
            "addon",
            ADDON,
            '{"commonEventObject": {"hostApp": "SHEETS"}}',
            JSON,
            401,
            id="addon-no-token",
        ),
    ],
)
def test_a_rejected_request_loads_neither_pydantic_nor_the_sync(
    target: str, environ: dict[str, str], body: str, headers: dict[str, str], expected: int
) -> None:
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps([target, environ, body, headers, expected])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]", done.stdout
