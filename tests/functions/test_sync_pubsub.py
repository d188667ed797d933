"""sync_pubsub: a Pub/Sub CloudEvent names the spreadsheet; a malformed one is acknowledged."""

from __future__ import annotations

import logging
from types import SimpleNamespace

import pytest
from functionskit import b64, fingerprint, pubsub_post

from sheetsync.entrypoints import scheduled
from sheetsync.errors import BackendError, ConfigError


def test_pubsub_with_good_data_syncs(workbook):
    message = {"message": {"data": b64(b'{"spreadsheet_id": "1AbC"}'), "messageId": "1"}}
    response = pubsub_post(message)
    assert response.status_code == 200
    assert (workbook.parent / "calendar.ics").exists()
    assert list((workbook.parent / "drafts").glob("*.eml"))


@pytest.mark.parametrize(
    ("data", "words"),
    [
        ({"nothing": 1}, "not a Pub/Sub message"),
        ({"message": {}}, "has no data"),
        ({"message": {"data": "%%%not base64"}}, "not base64"),
        ({"message": {"data": b64(b"spreadsheet 1AbC")}}, "not JSON"),
        ({"message": {"data": b64(b'{"sheet": "1AbC"}')}}, "no spreadsheet_id"),
        ({"message": {"data": b64(b'{"spreadsheet_id": ""}')}}, "no spreadsheet_id"),
        ({"message": {"data": b64(b'{"spreadsheet_id": "../../x"}')}}, "not a spreadsheet id"),
        ({"message": {"data": b64(b'{"spreadsheet_id": "a/b?c"}')}}, "not a spreadsheet id"),
        ({"message": {"data": b64(b'{"spreadsheet_id": 7, "who": "Priya Raman"}')}}, "no spr"),
        ({"message": {"data": b64(b"[" * 100_000)}}, "not JSON"),
        ({"message": {"data": b64(b'{"a":' * 20_000 + b"1" + b"}" * 20_000)}}, "not JSON"),
        ({"message": {"data": "A" * 2_000_000}}, "too large"),
        ({"message": {"data": b64(b"\xff\xfe")}}, "not JSON"),
        ({"message": "Priya Raman"}, "not a Pub/Sub message"),
        ([1, 2], "not a Pub/Sub message"),
    ],
)
def test_pubsub_malformed_message_is_acknowledged_with_one_warning(workbook, caplog, data, words):
    # It can never succeed: answering 2xx acknowledges it, so Pub/Sub does not redeliver it.
    before = fingerprint(workbook)
    caplog.set_level(logging.DEBUG)
    response = pubsub_post(data)
    assert response.status_code == 200
    assert response.get_data(as_text=True) == "OK"
    (record,) = caplog.records
    assert record.levelno == logging.WARNING
    line = record.getMessage()
    assert line.startswith("sync_pubsub dropped a malformed message: status=400")
    assert words in line and "spreadsheet_id" in line
    assert f"correlation_id={record.correlation_id}" in line
    assert len(record.correlation_id) == 32
    assert "Priya" not in caplog.text and "Traceback" not in caplog.text
    assert fingerprint(workbook) == before
    assert scheduled.sync_pubsub(SimpleNamespace(data=data)) is None


def test_pubsub_failed_sync_is_raised_so_pubsub_retries(tmp_path, monkeypatch, caplog):
    monkeypatch.setenv("SHEETSYNC_WORKBOOK", str(tmp_path / "missing.xlsx"))
    message = {"message": {"data": b64(b'{"spreadsheet_id": "1AbC"}'), "messageId": "1"}}
    caplog.set_level(logging.INFO)
    assert pubsub_post(message).status_code == 500
    with pytest.raises(BackendError, match="No workbook") as raised:
        scheduled.sync_pubsub(SimpleNamespace(data=message))
    assert any("correlation id" in note for note in raised.value.__notes__)


def test_pubsub_bad_configuration_is_raised(workbook, monkeypatch):
    monkeypatch.setenv("SHEETSYNC_BACKEND", "cloud")
    with pytest.raises(ConfigError):
        scheduled.sync_pubsub(SimpleNamespace(data={"nothing": 1}))
