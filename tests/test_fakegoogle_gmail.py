"""The fake Gmail's seams for the draft clean-up tests, through the real googleapiclient.

A search that ignores ``q`` (a broken stand-in), drafts read back with their headers and the
time Gmail accepted them, and ``hold``: one client's request paused while another client's
requests are served, which is how two overlapping syncs are interleaved.
"""

from __future__ import annotations

import base64
import json
import threading
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage

import pytest
from fakegoogle import FakeGoogle, FakeGoogleInternalError, authorized_http
from google.oauth2.credentials import Credentials
from googleapiclient.errors import HttpError

T0 = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)


def message(n: int, date: str = "Sun, 01 Mar 2026 09:00:00 +0000") -> EmailMessage:
    msg = EmailMessage()
    msg["To"] = f"person{n}@example.com"
    msg["Subject"] = f"Hello {n}"
    msg["Date"] = date
    msg["Message-ID"] = f"<test.{n}@sheetsync.invalid>"
    msg.set_content("Hi")
    return msg


def create(gmail, n: int) -> dict:
    raw = base64.urlsafe_b64encode(message(n).as_bytes()).decode()
    return gmail.users().drafts().create(userId="me", body={"message": {"raw": raw}}).execute()


@pytest.fixture
def server():
    with FakeGoogle(seed=11, clock=lambda: T0) as fake:
        yield fake


def test_a_search_told_to_ignore_q_answers_every_draft_and_message(server):
    gmail = server.service("gmail")
    ids = {create(gmail, n)["id"] for n in range(3)}
    drafts, messages = gmail.users().drafts(), gmail.users().messages()
    query = "rfc822msgid:test.0@sheetsync.invalid"
    assert len(drafts.list(userId="me", q=query).execute()["drafts"]) == 1

    server.gmail_search_ignores_query()
    assert {d["id"] for d in drafts.list(userId="me", q=query).execute()["drafts"]} == ids
    assert len(messages.list(userId="me", q=query + " in:sent").execute()["messages"]) == 3
    server.gmail_search_ignores_query(False)
    assert "messages" not in messages.list(userId="me", q=query + " in:sent").execute()


def test_a_draft_read_in_metadata_format_has_its_headers_and_the_time_gmail_accepted_it(server):
    gmail = server.service("gmail")
    draft_id = create(gmail, 1)["id"]
    got = (
        gmail.users()
        .drafts()
        .get(userId="me", id=draft_id, format="metadata", fields="id,message(id,internalDate)")
        .execute()
    )
    assert got["id"] == draft_id
    headers = {h["name"]: h["value"] for h in got["message"]["payload"]["headers"]}
    assert headers["Message-ID"] == "<test.1@sheetsync.invalid>"
    assert "data" not in got["message"]["payload"]["body"]  # metadata: no body
    # Created through the API: the time it was accepted, not its (older) Date header.
    assert got["message"]["internalDate"] == str(int(T0.timestamp() * 1000))
    imported = server.gmail_add_message(message(2), ["INBOX"])
    read = gmail.users().messages().get(userId="me", id=imported, format="minimal").execute()
    assert read["internalDate"] == str(int(datetime(2026, 3, 1, 9, tzinfo=UTC).timestamp() * 1000))


def test_drafts_get_takes_no_metadata_headers_as_the_discovery_document_says(server):
    gmail = server.service("gmail")
    draft_id = create(gmail, 1)["id"]
    with pytest.raises(TypeError):
        gmail.users().drafts().get(userId="me", id=draft_id, metadataHeaders=["Message-ID"])
    url = f"{server.url}/gmail/v1/users/me/drafts/{draft_id}?format=metadata"
    response, body = server.http().request(url + "&metadataHeaders=Message-ID")
    assert response.status == 400 and "metadataHeaders" in json.loads(body)["error"]["message"]
    # messages.get does take them, and keeps only those headers.
    message_id = server.gmail_drafts()[draft_id].id
    got = (
        gmail.users()
        .messages()
        .get(userId="me", id=message_id, format="metadata", metadataHeaders=["Message-ID"])
        .execute()
    )
    assert [h["name"] for h in got["payload"]["headers"]] == ["Message-ID"]


def test_a_held_request_waits_while_other_clients_are_served(server):
    first, second = server.service("gmail"), server.service("gmail")
    hold = server.hold("drafts.list", lambda: server.count("gmail", method_id="drafts.create") >= 1)
    seen: list[int] = []

    def look() -> None:
        listed = first.users().drafts().list(userId="me").execute()
        seen.append(len(listed.get("drafts", [])))

    looking = threading.Thread(target=look)
    looking.start()
    looking.join(0.3)
    assert looking.is_alive() and seen == []  # held, and the server is not blocked:
    create(second, 1)
    looking.join(10)
    assert seen == [1]  # the held list ran after the other client's create
    assert hold.fired == 1


def test_a_hold_that_never_ends_fails_that_request_and_the_test():
    with pytest.raises(FakeGoogleInternalError, match="waited"), FakeGoogle(seed=1) as fake:
        fake.hold("drafts.list", lambda: False, timeout=0.2)
        with pytest.raises(HttpError) as failed:
            fake.service("gmail").users().drafts().list(userId="me").execute()
        assert failed.value.resp.status == 500


# -- threads, and the person at the mailbox --------------------------------------------------


def thread_of(gmail, thread_id: str, **kwargs) -> dict:
    return gmail.users().threads().get(userId="me", id=thread_id, **kwargs).execute()


def test_a_draft_sent_from_the_web_interface_gets_a_new_message_id_in_its_thread(server):
    gmail = server.service("gmail")
    created = create(gmail, 1)
    thread_id = created["message"]["threadId"]
    assert [m["id"] for m in thread_of(gmail, thread_id)["messages"]] == [created["message"]["id"]]
    later = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)
    server.clock = lambda: later
    sent_id = server.gmail_send_from_web(created["id"])

    assert created["id"] not in server.gmail_drafts()
    (sent,) = thread_of(gmail, thread_id, format="metadata", metadataHeaders=["Message-ID"])[
        "messages"
    ]
    assert sent["id"] == sent_id != created["message"]["id"]
    assert sent["labelIds"] == ["SENT"]
    assert sent["internalDate"] == str(int(later.timestamp() * 1000))
    (header,) = sent["payload"]["headers"]
    assert header["name"] == "Message-ID"
    assert header["value"].endswith("@mail.gmail.com>")
    # Our Message-ID is nowhere in sent mail any more.
    query = "rfc822msgid:test.1@sheetsync.invalid"
    assert "messages" not in gmail.users().messages().list(userId="me", q=query).execute()


def test_a_reply_arrives_in_the_thread_it_answers(server):
    gmail = server.service("gmail")
    created = create(gmail, 1)
    thread_id = created["message"]["threadId"]
    sent_id = server.gmail_send_from_web(created["id"])
    server.clock = lambda: T0 + timedelta(days=2)
    reply_id = server.gmail_receive_reply(thread_id, "Zoë <zoe@example.org>")
    got = thread_of(gmail, thread_id, format="metadata", metadataHeaders=["From", "In-Reply-To"])
    assert [m["id"] for m in got["messages"]] == [sent_id, reply_id]  # oldest first
    reply = got["messages"][1]
    assert reply["labelIds"] == ["INBOX", "UNREAD"]
    headers = {h["name"]: h["value"] for h in reply["payload"]["headers"]}
    assert headers["From"] == "Zoë <zoe@example.org>"
    sent_mid = server.gmail_thread(thread_id)[0].message_id
    assert headers["In-Reply-To"] == f"<{sent_mid}>"
    assert len(server.gmail_thread(thread_id)) == 2
    with pytest.raises(KeyError):
        server.gmail_receive_reply("ffffffffffffffff", "zoe@example.org")


def test_a_discarded_draft_takes_its_thread_with_it(server):
    gmail = server.service("gmail")
    created = create(gmail, 1)
    server.gmail_discard_draft(created["id"])
    assert server.gmail_drafts() == {}
    with pytest.raises(HttpError) as gone:
        thread_of(gmail, created["message"]["threadId"])
    assert gone.value.resp.status == 404


def test_threads_get_is_checked_against_the_discovery_document(server):
    created = create(server.service("gmail"), 1)
    url = f"{server.url}/gmail/v1/users/me/threads/{created['message']['threadId']}"
    response, body = server.http().request(url + "?format=raw")  # not one of its formats
    assert response.status == 400 and "format" in json.loads(body)["error"]["message"]
    response, _ = server.http().request(url + "?format=minimal&fields=id")
    assert response.status == 200


def test_a_token_granted_compose_only_is_refused_what_compose_does_not_allow(server):
    server.grant_token("compose-only", ["https://www.googleapis.com/auth/gmail.compose"])
    http = authorized_http(server.url, Credentials("compose-only"))
    gmail = server.service("gmail", http=http)
    created = create(gmail, 1)  # drafts.create accepts gmail.compose
    gmail.users().drafts().get(userId="me", id=created["id"]).execute()
    with pytest.raises(HttpError) as refused:
        thread_of(gmail, created["message"]["threadId"])
    assert refused.value.resp.status == 403
    assert refused.value.error_details[0]["reason"] == "insufficientPermissions"
    # Another token, or none, is not checked.
    thread_of(server.service("gmail"), created["message"]["threadId"])
