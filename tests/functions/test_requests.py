"""What every HTTP function refuses before it does anything: methods, sizes, deep nesting.

Both HTTP functions (sync_http and addon) read their bodies the same way
(``sheetsync.entrypoints.bodies``); each rule is checked on both.
"""

from __future__ import annotations

import json

import pytest
import tokenkit
from functionskit import (
    SCHEDULER_AUDIENCE,
    SCHEDULER_SA,
    CountingStream,
    client,
    fingerprint,
    raw_request,
)

from sheetsync.entrypoints import addon, scheduled
from sheetsync.entrypoints.bodies import MAX_BODY_BYTES as MAX_BODY

FUNCTIONS = [scheduled.sync_http, addon.addon]


@pytest.mark.parametrize("method", ["GET", "HEAD", "PUT", "DELETE", "PATCH", "OPTIONS"])
@pytest.mark.parametrize("target", ["sync_http", "addon"])
def test_only_post_is_accepted(built, workbook, target, method):
    before = fingerprint(workbook)
    response = client(target).open("/", method=method)
    assert response.status_code == 405
    assert response.headers["Allow"] == "POST"
    if method != "HEAD":
        assert response.get_json()["error"]["message"] == "only POST is accepted"
    assert built.calls == []
    assert fingerprint(workbook) == before


def test_get_never_syncs_even_with_a_valid_scheduler_token(workbook, monkeypatch):
    monkeypatch.setenv("SHEETSYNC_SCHEDULER_AUDIENCE", SCHEDULER_AUDIENCE)
    monkeypatch.setenv("SHEETSYNC_SCHEDULER_SERVICE_ACCOUNT", SCHEDULER_SA)
    token = tokenkit.mint_token(aud=SCHEDULER_AUDIENCE, email=SCHEDULER_SA)
    before = fingerprint(workbook)
    response = client("sync_http").get("/", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 405
    assert fingerprint(workbook) == before


DEEP_BODIES = [
    pytest.param(b"[" * 200_000, id="open-brackets"),
    pytest.param(b"[" * 50_000 + b"]" * 50_000, id="closed-brackets"),
    pytest.param(b'{"a":' * 50_000 + b"1" + b"}" * 50_000, id="objects"),
    pytest.param(b'{"dry_run": ' + b"[" * 5_000 + b"]" * 5_000 + b"}", id="in-a-field"),
]


@pytest.mark.parametrize("body", DEEP_BODIES)
@pytest.mark.parametrize("target", ["sync_http", "addon"])
def test_deeply_nested_json_is_400(workbook, target, body):
    before = fingerprint(workbook)
    response = client(target).post("/", data=body, content_type="application/json")
    assert response.status_code == 400, response.get_json()
    assert response.get_json()["error"]["message"] == "request body is nested too deeply"
    assert fingerprint(workbook) == before


@pytest.mark.parametrize("target", ["sync_http", "addon"])
def test_a_body_over_the_limit_is_413(workbook, target):
    response = client(target).post("/", data=b" " * (MAX_BODY + 1), content_type="text/plain")
    assert response.status_code == 413
    assert "too large" in response.get_json()["error"]["message"]


def test_a_body_at_the_limit_is_read(workbook):
    body = b'{"dry_run": true}'
    body += b" " * (MAX_BODY - len(body))
    response = client("sync_http").post("/", data=body, content_type="application/json")
    assert response.status_code == 200
    assert response.get_json()["dry_run"] is True


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_declared_length_over_the_limit_is_refused_before_reading(workbook, function):
    stream = CountingStream(MAX_BODY * 20)
    body, status, _ = function(raw_request(stream, content_length=MAX_BODY * 20))
    assert status == 413, body
    assert stream.served == 0


@pytest.mark.parametrize("function", FUNCTIONS)
def test_a_chunked_body_is_read_only_up_to_the_limit(workbook, function):
    stream = CountingStream(MAX_BODY * 20)
    body, status, _ = function(raw_request(stream, content_length=None))
    assert status == 413, body
    assert MAX_BODY < stream.served <= MAX_BODY + 1


def test_a_chunked_body_at_the_limit_is_read_whole(workbook):
    stream = CountingStream(MAX_BODY, head=b'{"dry_run": true}')
    body, status, _ = scheduled.sync_http(raw_request(stream, content_length=None))
    assert status == 200, body
    assert json.loads(body)["dry_run"] is True
    assert stream.served == MAX_BODY


def test_a_body_shorter_than_declared_is_400(workbook):
    stream = CountingStream(10)
    body, status, _ = scheduled.sync_http(raw_request(stream, content_length=100))
    assert status == 400
    assert "ended before its declared length" in json.loads(body)["error"]["message"]
