"""The Google client builder: services come as factories, built on first use and only then.

The cold-start property (``sheetsync.adapters.google.clients``): googleapiclient's discovery
and httplib2 load when a Calendar or Gmail call is first made, so a dry run (what the add-on's
preview does) never loads them, while a real sync that writes events and drafts does. Checked
in a fresh interpreter, against the fake Google server of this process.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from fakegoogle import FakeGoogle
from google.auth.credentials import AnonymousCredentials
from googlekit import demo_sheet

from sheetsync.adapters.google.clients import build_clients

ROOT = Path(__file__).resolve().parent.parent
#: What a Calendar or Gmail service needs, and a Sheets-only sync does not.
SERVICE_MODULES = ("googleapiclient.discovery", "httplib2", "google_auth_httplib2")

SYNC_THEN_LIST_MODULES = """
import json, sys
from datetime import UTC, datetime
from sheetsync.adapters.google.credentials import GoogleCredentials
from sheetsync.bootstrap import google_backend
from sheetsync.service import run_sync

url, sid, dry_run, heavy = sys.argv[1], sys.argv[2], sys.argv[3] == "dry", sys.argv[4:]
backend = google_backend(sid, endpoint=url, credentials=GoogleCredentials.anonymous())
report = run_sync(backend, datetime(2026, 11, 29, 10, tzinfo=UTC), dry_run=dry_run)
loaded = [name for name in heavy if name in sys.modules]
print(json.dumps({"loaded": loaded, "requests": report.requests}))
"""


def test_each_service_is_built_on_its_first_call_and_then_reused():
    _, calendar, gmail = build_clients("http://127.0.0.1:9/", AnonymousCredentials())
    first = calendar()
    assert calendar() is first
    assert gmail() is gmail() and gmail() is not first
    assert first._baseUrl == "http://127.0.0.1:9/calendar/v3/"


def _sync_in_a_fresh_interpreter(url: str, sid: str, mode: str) -> dict[str, object]:
    out = subprocess.run(
        [sys.executable, "-c", SYNC_THEN_LIST_MODULES, url, sid, mode, *SERVICE_MODULES],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result: dict[str, object] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


@pytest.mark.parametrize(
    ("mode", "loaded"), [("dry", []), ("real", list(SERVICE_MODULES))], ids=["dry run", "sync"]
)
def test_only_a_sync_that_writes_events_and_drafts_loads_the_service_libraries(mode, loaded):
    with FakeGoogle(seed=3) as server:
        sid = demo_sheet(server)
        result = _sync_in_a_fresh_interpreter(server.url, sid, mode)
    assert result["loaded"] == loaded
    requests = result["requests"]
    assert isinstance(requests, dict)
    if mode == "real":
        # The check is meaningful: the real sync did call both services.
        assert requests["calendar_writes"] > 0 and requests["gmail_writes"] > 0
