"""The fleet's client libraries load only in the functions that use them, on first use.

In a fresh process per case: a request each fleet function refuses before any work leaves
Firestore, Cloud Tasks, Secret Manager and grpc unloaded; and the single-Sheet functions
(sync_http, the add-on without a fleet) never load them at all, even for a real sync.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = """
import json, os, sys
import functions_framework

target, environ, method, body, expected = json.loads(sys.argv[1])
os.environ.update(environ)
app = functions_framework.create_app(target, source="main.py").test_client()
response = app.open("/", method=method, data=body, headers={"Content-Type": "application/json"})
assert response.status_code == expected, (response.status_code, response.get_data(as_text=True))
fleet = ("google.cloud.firestore", "google.cloud.tasks", "google.cloud.secretmanager",
         "grpc", "sheetsync.fleet_service", "sheetsync.fleet_bootstrap")
print(json.dumps(sorted(m for m in sys.modules if m.startswith(fleet))))
"""

FLEET = {
    "SHEETSYNC_BACKEND": "google",
    "SHEETSYNC_FLEET_PROJECT": "sheetsync-test",
    "SHEETSYNC_FLEET_QUEUE": "projects/sheetsync-test/locations/us-central1/queues/q",
    "SHEETSYNC_FLEET_WORKER_URL": "https://example.test/fleet-worker",
    "SHEETSYNC_FLEET_TASKS_SERVICE_ACCOUNT": "tasks-sa@sheetsync-test.iam.gserviceaccount.com",
    "SHEETSYNC_FLEET_WORKER_AUDIENCE": "https://example.test/fleet-worker",
    "SHEETSYNC_FLEET_DISPATCH_AUDIENCE": "https://example.test/fleet-dispatch",
    "SHEETSYNC_FLEET_DISPATCH_SERVICE_ACCOUNT": "invoker@sheetsync-test.iam.gserviceaccount.com",
}


def loaded(target: str, environ: dict[str, str], method: str, body: str, expected: int):
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT, json.dumps([target, environ, method, body, expected])],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("target", "method", "expected"),
    [
        ("fleet_dispatch", "POST", 401),  # no OIDC token
        ("fleet_worker", "POST", 401),
        ("oauth_callback", "POST", 405),
    ],
)
def test_a_refused_fleet_request_loads_no_cloud_client(target, method, expected) -> None:
    assert loaded(target, FLEET, method, "{}", expected) == []


def test_the_single_sheet_functions_never_load_the_fleet(tmp_path: Path) -> None:
    workbook = tmp_path / "referral-network.xlsx"
    from datetime import date

    from sheetsync.entrypoints.demo import create_demo_workbook

    create_demo_workbook(workbook, date.today())
    env = {"SHEETSYNC_WORKBOOK": str(workbook)}
    assert loaded("sync_http", env, "POST", "{}", 200) == []
