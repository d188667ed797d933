"""sync_pubsub fed by the real Pub/Sub emulator: a message published on a topic is pushed, by
the emulator, to the function served by functions-framework on a loopback port.

The push subscription delivers the raw push format (``{"message": ..., "subscription": ...}``),
which functions-framework turns into the CloudEvent the function receives, as Eventarc's
would be. The sync itself runs on the local backend (a demo workbook), through the same
backend seam as the other function tests.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import functions_framework
import pytest
from functionskit import MAIN, Recorder
from werkzeug.serving import make_server

from sheetsync.entrypoints import backends
from sheetsync.entrypoints.demo import create_demo_workbook

PROJECT = "sheetsync-test"


class Counted:
    """A WSGI app that counts the requests it serves (the emulator's pushes)."""

    def __init__(self, app) -> None:
        self.app = app
        self.requests = 0

    def __call__(self, environ, start_response):
        self.requests += 1
        return self.app(environ, start_response)


@pytest.fixture
def served(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[str, Recorder, Counted]]:
    """sync_pubsub on http://127.0.0.1:PORT, syncing a demo workbook (recorded)."""
    workbook = tmp_path / "net" / "referral-network.xlsx"
    workbook.parent.mkdir()
    create_demo_workbook(workbook, date.today())
    monkeypatch.setenv("SHEETSYNC_WORKBOOK", str(workbook))
    recorder = Recorder(workbook)
    app = Counted(functions_framework.create_app("sync_pubsub", source=MAIN))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with backends.using_backends(recorder):
            yield f"http://127.0.0.1:{server.server_port}", recorder, app
    finally:
        server.shutdown()
        thread.join(timeout=5)


def wait_for(condition, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.1)
    return False


def test_a_published_message_reaches_sync_pubsub_through_the_emulator(
    pubsub_emulator, served, monkeypatch: pytest.MonkeyPatch
) -> None:
    from google.cloud import pubsub_v1

    monkeypatch.setenv("PUBSUB_EMULATOR_HOST", pubsub_emulator.host)
    url, recorder, app = served
    publisher = pubsub_v1.PublisherClient()
    subscriber = pubsub_v1.SubscriberClient()
    topic = publisher.topic_path(PROJECT, "sheetsync-sync")
    publisher.create_topic(name=topic)
    subscription = subscriber.subscription_path(PROJECT, "sheetsync-push")
    subscriber.create_subscription(
        name=subscription,
        topic=topic,
        push_config={"push_endpoint": f"{url}/{topic}"},
        ack_deadline_seconds=60,
    )
    try:
        # A message that can never succeed is acknowledged (2xx), so it is not pushed again.
        publisher.publish(topic, b"not json").result(timeout=30)
        assert wait_for(lambda: app.requests == 1)
        time.sleep(1.5)
        assert app.requests == 1 and recorder.sheet_ids == []
        body = json.dumps({"spreadsheet_id": "1AbCpubsubSheet"}).encode()
        publisher.publish(topic, body).result(timeout=30)
        assert wait_for(lambda: (Path(recorder.workbook).parent / "calendar.ics").exists())
        assert recorder.sheet_ids == ["1AbCpubsubSheet"] and app.requests == 2
    finally:
        subscriber.delete_subscription(subscription=subscription)
        publisher.delete_topic(topic=topic)
        subscriber.close()
