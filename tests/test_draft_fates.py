"""What became of a recorded Gmail draft (``GmailMailbox.track``), on the fake Google server.

The person at the mailbox is played between syncs: Send in the web interface (a new
Message-ID, the same thread), a reply from the contact, an out-of-office, a draft discarded.
Each path is checked for its fate and for the calls it cost, including a token that may not
read mail, and ids from the Sheet's cells that are not Gmail's.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from fakegoogle import FakeGoogle, Fault
from google.oauth2.credentials import Credentials as TokenCredentials
from googlekit import FAST, NOW, clients

from sheetsync.adapters.google import draft_fates
from sheetsync.adapters.google.clients import batch_uri, build_clients
from sheetsync.adapters.google.credentials import GMAIL_COMPOSE_SCOPE, GMAIL_READONLY_SCOPE
from sheetsync.adapters.google.gmail import GmailMailbox
from sheetsync.adapters.google.http import retry_policy
from sheetsync.core.plan import DraftFate, DraftOutcome, DraftSpec, TrackedDraft
from sheetsync.errors import BackendError

CONTACT = "zoe@example.org"
USER = "me@example.com"
SENT_AT = datetime(2026, 12, 2, 15, 30, tzinfo=UTC)
REPLY_AT = datetime(2026, 12, 4, 9, 0, tzinfo=UTC)


class Clock:
    """The fake's clock, moved by the tests: when a draft is sent, when a reply arrives."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def server(clock: Clock):
    with FakeGoogle(seed=13, user_email=USER, clock=clock) as fake:
        yield fake


def draft(n: int) -> DraftSpec:
    return DraftSpec(
        f"<intro.fate{n:04d}@sheetsync.invalid>",
        "intro",
        (),
        ((f"Zoë {n}", CONTACT),),
        ("Alex Morgan", USER),
        "Would you be open to meeting?",
        f"Hi {n},\n\nCoffee?\n",
    )


def mailbox(
    server: FakeGoogle, check_sent: bool = True, credentials=None, retry=FAST
) -> GmailMailbox:
    if credentials is None:
        _, _, service = clients(server)
    else:
        _, _, service = build_clients(server.url, credentials)
    return GmailMailbox(
        service, batch_uri("gmail", server.url), retry, check_sent, clock=lambda: NOW
    )


def drafted(server: FakeGoogle, *numbers: int) -> list[DraftOutcome]:
    """The drafts a first sync made, as its outcomes (draft id and thread id)."""
    outcomes = mailbox(server).ensure([draft(n) for n in numbers])
    assert {o.state for o in outcomes} == {"created"}
    return outcomes


def tracked(outcome: DraftOutcome, thread: bool = True, sent_on: date | None = None):
    return TrackedDraft(
        outcome.message_id, outcome.draft_id, outcome.thread_id if thread else "", sent_on
    )


def send_from_web(server: FakeGoogle, clock: Clock, outcome: DraftOutcome) -> str:
    clock.now = SENT_AT
    return server.gmail_send_from_web(outcome.draft_id)


def reply(server: FakeGoogle, clock: Clock, thread_id: str, at=REPLY_AT, **kwargs) -> str:
    clock.now = at
    return server.gmail_receive_reply(thread_id, f"Zoë <{CONTACT}>", **kwargs)


def track(server: FakeGoogle, drafts: list[TrackedDraft], **kwargs) -> list[DraftFate]:
    server.reset_log()
    return mailbox(server, **kwargs).track(drafts)


def methods(server: FakeGoogle) -> list[str]:
    """The Gmail methods called since the log was reset, sorted ("threads.get", ...)."""
    return sorted(
        r.method_id.removeprefix("gmail.users.") for r in server.requests("gmail") if r.method_id
    )


# -- the paths, with the thread recorded ------------------------------------------------------


def test_a_draft_still_there_is_a_draft_in_one_thread_read(server):
    (outcome,) = drafted(server, 1)
    (fate,) = track(server, [tracked(outcome)])
    assert fate == DraftFate(outcome.message_id, "draft", outcome.thread_id)
    assert methods(server) == ["threads.get"]
    assert server.count("gmail", writes_only=True) == 0


def test_a_draft_sent_from_the_web_with_a_new_message_id_is_sent_on_that_day(server, clock):
    (outcome,) = drafted(server, 1)
    sent_id = send_from_web(server, clock, outcome)
    (sent,) = server.gmail_thread(outcome.thread_id)
    assert sent.id == sent_id and sent.message_id != outcome.message_id.strip("<>")
    (fate,) = track(server, [tracked(outcome)])
    assert fate == DraftFate(outcome.message_id, "sent", outcome.thread_id, SENT_AT.date())
    assert methods(server) == ["threads.get"]


def test_a_reply_from_the_contact_after_the_sent_one_is_its_replied_on(server, clock):
    (outcome,) = drafted(server, 1)
    send_from_web(server, clock, outcome)
    reply(server, clock, outcome.thread_id)
    reply(server, clock, outcome.thread_id, at=REPLY_AT + timedelta(days=3))
    (fate,) = track(server, [tracked(outcome)])
    assert (fate.state, fate.sent_on, fate.replied_on) == ("sent", SENT_AT.date(), REPLY_AT.date())


def test_out_of_office_bounces_spam_and_the_users_own_mail_are_not_replies(server, clock):
    (outcome,) = drafted(server, 1)
    send_from_web(server, clock, outcome)
    thread = outcome.thread_id
    day = timedelta(days=1)
    reply(server, clock, thread, REPLY_AT, headers={"Auto-Submitted": "auto-replied"})
    reply(server, clock, thread, REPLY_AT + day, headers={"From": "MAILER-DAEMON@example.net"})
    reply(server, clock, thread, REPLY_AT + 2 * day, headers={"Content-Type": "multipart/report"})
    reply(server, clock, thread, REPLY_AT + 3 * day, labels=("SPAM",))
    # The user writing again from another client (not labelled SENT), from the same address.
    reply(server, clock, thread, REPLY_AT + 4 * day, headers={"From": f"Alex <{USER}>"})
    (fate,) = track(server, [tracked(outcome)])
    assert (fate.state, fate.replied_on) == ("sent", None)
    reply(server, clock, thread, REPLY_AT + 5 * day)
    (fate,) = track(server, [tracked(outcome)])
    assert fate.replied_on == (REPLY_AT + 5 * day).date()


def test_a_reply_dated_before_the_sending_is_not_an_answer_to_it(server, clock):
    (outcome,) = drafted(server, 1)
    reply(server, clock, outcome.thread_id, at=SENT_AT - timedelta(hours=1))
    send_from_web(server, clock, outcome)
    (fate,) = track(server, [tracked(outcome)])
    assert (fate.state, fate.sent_on, fate.replied_on) == ("sent", SENT_AT.date(), None)


def test_a_discarded_draft_and_its_thread_are_deleted(server):
    kept, discarded = drafted(server, 1, 2)
    server.gmail_discard_draft(discarded.draft_id)
    assert server.gmail_thread(discarded.thread_id) == []
    fates = track(server, [tracked(kept), tracked(discarded)])
    assert [f.state for f in fates] == ["draft", "deleted"]
    assert fates[1].error == ""


def test_a_known_sent_draft_is_only_looked_at_for_replies(server, clock):
    (outcome,) = drafted(server, 1)
    send_from_web(server, clock, outcome)
    known = tracked(outcome, sent_on=SENT_AT.date())
    (fate,) = track(server, [known])
    assert (fate.state, fate.replied_on) == ("sent", None)
    assert methods(server) == ["threads.get"]
    reply(server, clock, outcome.thread_id)
    (fate,) = track(server, [known])
    assert fate.replied_on == REPLY_AT.date()
    # The user deleted the sent message, then the whole conversation: still sent, as known.
    messages = server.service("gmail").users().messages()
    sent, answer = server.gmail_thread(outcome.thread_id)
    messages.delete(userId="me", id=sent.id).execute()
    (fate,) = track(server, [known])
    assert (fate.state, fate.sent_on, fate.replied_on) == ("sent", SENT_AT.date(), REPLY_AT.date())
    messages.delete(userId="me", id=answer.id).execute()
    (fate,) = track(server, [known])
    assert (fate.state, fate.sent_on, fate.replied_on) == ("sent", SENT_AT.date(), None)


def test_a_thread_left_with_neither_draft_nor_sent_message_is_unknown(server, clock):
    (outcome,) = drafted(server, 1)
    reply(server, clock, outcome.thread_id)  # a message threaded with the draft, then
    server.gmail_discard_draft(outcome.draft_id)  # the draft discarded
    (fate,) = track(server, [tracked(outcome)])
    assert (fate.state, fate.error) == ("unknown", draft_fates.EMPTY_THREAD)


# -- rows without a thread recorded ---------------------------------------------------------


def test_without_a_thread_a_draft_still_there_reports_its_thread_to_record(server):
    (outcome,) = drafted(server, 1)
    (fate,) = track(server, [tracked(outcome, thread=False)])
    assert fate == DraftFate(outcome.message_id, "draft", outcome.thread_id)
    assert methods(server) == ["drafts.get"]


def test_without_a_thread_a_draft_sent_with_our_message_id_is_found_in_sent_mail(server, clock):
    (outcome,) = drafted(server, 1)
    clock.now = SENT_AT
    server.gmail_send_draft(outcome.draft_id)  # the Message-ID survived
    reply(server, clock, outcome.thread_id)
    (fate,) = track(server, [tracked(outcome, thread=False)])
    assert fate == DraftFate(
        outcome.message_id, "sent", outcome.thread_id, SENT_AT.date(), REPLY_AT.date()
    )
    assert methods(server) == ["drafts.get", "messages.list", "threads.get"]


def test_without_a_thread_a_draft_gone_without_trace_is_unknown_not_deleted(server, clock):
    # Sent from the web with a new Message-ID, or deleted: without its thread, nobody can tell.
    sent, discarded = drafted(server, 1, 2)
    send_from_web(server, clock, sent)
    server.gmail_discard_draft(discarded.draft_id)
    fates = track(server, [tracked(sent, thread=False), tracked(discarded, thread=False)])
    assert [(f.state, f.error) for f in fates] == [("unknown", draft_fates.NO_TRACE)] * 2


def test_without_a_draft_id_the_draft_is_found_by_its_message_id(server):
    (outcome,) = drafted(server, 1)
    no_ids = TrackedDraft(outcome.message_id, "")
    (fate,) = track(server, [no_ids])
    assert fate == DraftFate(outcome.message_id, "draft", outcome.thread_id)
    assert methods(server) == ["drafts.get", "drafts.list"]  # the hit, read back


def test_a_search_that_ignores_q_proves_nothing(server, clock):
    # A stand-in whose search answers with every draft or message: no hit is taken for ours.
    mine, other, _left = drafted(server, 1, 2, 3)
    send_from_web(server, clock, mine)
    server.gmail_send_draft(other.draft_id)
    server.gmail_search_ignores_query()
    fates = track(server, [tracked(mine, thread=False), TrackedDraft(mine.message_id, "")])
    assert [(f.state, f.error) for f in fates] == [("unknown", draft_fates.NOT_OURS)] * 2


def test_ids_from_the_cells_that_are_not_gmail_ids_never_reach_a_request(server):
    (outcome,) = drafted(server, 1)
    forged = TrackedDraft(outcome.message_id, "../../drafts?x=1", "x y/../z")
    (fate,) = track(server, [forged])
    assert fate == DraftFate(outcome.message_id, "draft", outcome.thread_id)
    paths = " ".join(r.path + str(r.query) for r in server.requests("gmail"))
    assert ".." not in paths and "x y" not in paths and "x=1" not in paths


# -- credentials that cannot read mail --------------------------------------------------------


def test_a_compose_only_mailbox_reads_no_thread_and_says_why(server, clock):
    # The add-on's token: known up front to hold gmail.compose only.
    there, sent, known = drafted(server, 1, 2, 3)
    send_from_web(server, clock, sent)
    fates = track(
        server,
        [tracked(there), tracked(sent), tracked(known, sent_on=SENT_AT.date())],
        check_sent=False,
    )
    assert [f.state for f in fates] == ["draft", "unknown", "unknown"]
    assert fates[0].thread_id == there.thread_id
    assert fates[1].error == draft_fates.NEEDS_READ_SCOPE
    assert fates[2].error == draft_fates.REPLIES_NEED_READ_SCOPE
    assert methods(server) == ["drafts.get", "drafts.get"]


def test_a_token_refused_reads_is_refused_once_then_asks_drafts_only(server, clock):
    # Credentials thought to read mail, whose token Gmail finds holds gmail.compose only.
    there, sent = drafted(server, 1, 2)
    send_from_web(server, clock, sent)
    server.grant_token("compose-only", [GMAIL_COMPOSE_SCOPE])
    box = mailbox(server, credentials=TokenCredentials("compose-only"))
    server.reset_log()
    fates = box.track([tracked(there), tracked(sent), tracked(there, thread=False)])
    assert [f.state for f in fates] == ["draft", "unknown", "draft"]
    assert fates[1].error == draft_fates.NEEDS_READ_SCOPE
    refused = [r for r in server.requests("gmail") if r.status == 403]
    assert {r.method_id for r in refused} == {"gmail.users.threads.get"}
    assert server.count("batch-gmail") == 2  # the refused reads, then drafts.get
    assert box.check_sent is False
    # The same sync's drafting then searches no sent mail either.
    server.reset_log()
    box.ensure([draft(9)])
    assert server.count("gmail", method_id="messages.list") == 0
    assert [r for r in server.requests("gmail") if r.status == 403] == []


def test_a_sent_search_refused_for_scope_is_the_last_call_for_that_draft(server, clock):
    (sent,) = drafted(server, 1)
    send_from_web(server, clock, sent)
    server.grant_token("compose-only", [GMAIL_COMPOSE_SCOPE])
    box = mailbox(server, credentials=TokenCredentials("compose-only"))
    server.reset_log()
    (fate,) = box.track([tracked(sent, thread=False)])
    assert (fate.state, fate.error) == ("unknown", draft_fates.NEEDS_READ_SCOPE)
    assert methods(server) == ["drafts.get", "messages.list"]  # not drafts.get again


def test_a_token_with_the_read_scope_is_not_refused(server, clock):
    (outcome,) = drafted(server, 1)
    send_from_web(server, clock, outcome)
    server.grant_token("both", [GMAIL_COMPOSE_SCOPE, GMAIL_READONLY_SCOPE])
    box = mailbox(server, credentials=TokenCredentials("both"))
    assert box.track([tracked(outcome)])[0].state == "sent"


# -- failures and cost ------------------------------------------------------------------------


def test_a_mailbox_refusing_everything_is_one_backend_error(server):
    outcomes = drafted(server, 1, 2)
    _, _, service = clients(server)
    box = GmailMailbox(service, batch_uri("gmail", server.url), FAST, user_id="other@example.org")
    with pytest.raises(BackendError) as caught:
        box.track([tracked(o) for o in outcomes])
    assert caught.value.code == 403
    assert str(caught.value).startswith("Following up drafts in Gmail failed: HTTP 403")


def test_a_read_that_keeps_failing_is_unknown_with_a_reason_and_the_rest_still_answer(server):
    first, second = drafted(server, 1, 2)
    server.reset_log()
    unavailable = Fault("500", 500, "backendError", "global", "Backend Error")
    server.on_request(
        lambda info: (
            server.faults.fail_next(1, unavailable, None, False)
            if second.thread_id in info.path
            else None
        ),
        "threads.get",
    )
    quick = retry_policy(initial=0.001, maximum=0.002, deadline=0.2)
    fates = mailbox(server, retry=quick).track([tracked(first), tracked(second)])
    assert fates[0].state == "draft"
    assert fates[1].state == "unknown"
    assert fates[1].error.startswith("could not follow the draft up, Google kept failing: HTTP 500")


def test_fifty_recorded_drafts_in_every_state_cost_one_round_trip(server, clock):
    outcomes = drafted(server, *range(50))
    for outcome in outcomes[:10]:
        send_from_web(server, clock, outcome)
    for outcome in outcomes[5:10]:
        reply(server, clock, outcome.thread_id)
    for outcome in outcomes[10:20]:
        server.gmail_discard_draft(outcome.draft_id)
    server.reset_log()
    box = mailbox(server)
    fates = box.track([tracked(o) for o in outcomes])
    states = [f.state for f in fates]
    assert states == ["sent"] * 10 + ["deleted"] * 10 + ["draft"] * 30
    assert [f.replied_on is not None for f in fates[:10]] == [False] * 5 + [True] * 5
    assert box.request_counts() == {"gmail": 1, "gmail_writes": 0}
    box.track([tracked(o) for o in outcomes] * 2)
    assert box.request_counts()["gmail"] == 3  # 100 more: two batches of 50
