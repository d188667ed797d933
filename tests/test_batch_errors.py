"""Unreadable batch replies: googleapiclient's ``BatchError`` through the ``Batcher``.

googleapiclient raises ``BatchError`` (an ``HttpError`` subclass) when a batch reply cannot be
read: not multipart (with the envelope's response), or a part without a valid Content-ID
(``resp=None``). Here a proxy on 127.0.0.1 in front of the fake Google server garbles the
first batch replies in either way, for real, and passes the rest through.
"""

from __future__ import annotations

import http.client
import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from fakegoogle import FakeGoogle
from googleapiclient.errors import BatchError
from googlekit import clients

from sheetsync.adapters.google.batch import BatchCall, Batcher
from sheetsync.adapters.google.http import (
    RequestCounter,
    describe,
    http_status,
    is_transient,
    retry_policy,
    short_reason,
    to_backend_error,
)

BOUNDARY = "batch_garbled"
REPLIES = {
    # 200 but not multipart: BatchError with the envelope's resp and the text as content.
    "not-multipart": ("text/plain", b"Service temporarily rerouted"),
    # Multipart, but the part's Content-ID is not googleapiclient's "<base+id>": resp=None.
    "bad-content-id": (
        f"multipart/mixed; boundary={BOUNDARY}",
        (
            f"--{BOUNDARY}\r\nContent-Type: application/http\r\nContent-ID: <nonsense>\r\n\r\n"
            "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n\r\n{}\r\n"
            f"--{BOUNDARY}--\r\n"
        ).encode(),
    ),
}


class _GarbledHandler(http.server.BaseHTTPRequestHandler):
    server: _GarbledServer

    def do_POST(self) -> None:
        sent = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        owner = self.server
        owner.hits += 1
        if owner.garble_left > 0:
            owner.garble_left -= 1
            status = 200
            content_type, body = REPLIES[owner.mode]
        else:
            upstream = http.client.HTTPConnection("127.0.0.1", owner.upstream_port, timeout=10)
            upstream.request(
                "POST", self.path, sent, {"Content-Type": self.headers["Content-Type"]}
            )
            reply = upstream.getresponse()
            status, content_type, body = reply.status, reply.headers["Content-Type"], reply.read()
            upstream.close()
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _GarbledServer(http.server.ThreadingHTTPServer):
    daemon_threads = True
    mode = "not-multipart"
    garble_left = 0
    hits = 0
    upstream_port = 0


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle(seed=3) as server:
        yield server


@pytest.fixture(scope="module")
def garbled(fake: FakeGoogle) -> Iterator[_GarbledServer]:
    httpd = _GarbledServer(("127.0.0.1", 0), _GarbledHandler)
    httpd.upstream_port = fake.port
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05})
    thread.daemon = True
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()
    thread.join(timeout=5)


def _batcher(garbled: _GarbledServer, mode: str, garble: int) -> Batcher:
    garbled.mode, garbled.garble_left, garbled.hits = mode, garble, 0
    return Batcher(
        f"http://127.0.0.1:{garbled.server_address[1]}/batch/gmail/v1",
        retry_policy(initial=0.001, maximum=0.002, deadline=0.2),
        RequestCounter(),
    )


def _calls(fake: FakeGoogle, count: int) -> list[BatchCall]:
    _, _, gmail = clients(fake)
    drafts = gmail().users().drafts()
    return [BatchCall(str(n), lambda: drafts.list(userId="me", maxResults=1)) for n in range(count)]


def test_batch_error_has_no_status_and_is_transient():
    for error in (BatchError("Invalid value for Content-ID: <x>"), BatchError("x", content="t")):
        assert http_status(error) is None
        assert is_transient(error)
        assert describe(error) == "BatchError"
        assert short_reason(error) == "Google kept failing: BatchError"
        converted = to_backend_error(error, "Creating drafts")
        assert converted.code is None
        assert str(converted) == "Creating drafts failed: BatchError (still failing after retries)"


@pytest.mark.parametrize("mode", sorted(REPLIES))
@pytest.mark.parametrize("idempotent", [True, False])
def test_one_unreadable_batch_reply_is_retried(
    garbled: _GarbledServer, fake: FakeGoogle, mode: str, idempotent: bool
) -> None:
    # Idempotent calls: the batch is sent again whole. Others: each call on its own.
    batcher = _batcher(garbled, mode, garble=1)
    fake.reset_log()
    results = batcher.run(_calls(fake, 3), idempotent=idempotent)
    assert all(result.ok for result in results.values()), results
    assert garbled.hits == (2 if idempotent else 1)
    assert fake.count("gmail", method_id="drafts.list") == 3


@pytest.mark.parametrize("mode", sorted(REPLIES))
def test_batch_replies_unreadable_until_the_deadline_fail_each_call(
    garbled: _GarbledServer, fake: FakeGoogle, mode: str
) -> None:
    batcher = _batcher(garbled, mode, garble=10_000)
    results = batcher.run(_calls(fake, 2))
    assert garbled.hits > 1
    for result in results.values():
        assert not result.ok and result.status is None
        assert short_reason(result.error) == "Google kept failing: BatchError"
