"""Never delete a draft that is not ours: the Gmail duplicate clean-up and its search look-ups.

On the fake Google server through the real client libraries: a Gmail stand-in whose search
ignores ``q`` (every draft is a search hit), copies made by another sync at the same time, copies
that cannot be read back, and two whole syncs overlapping (two processes, as two function
instances would be), interleaved with the fake's ``hold``. The pure rules (what proves a draft
is ours, which copy is kept) are tested at the top.
"""

from __future__ import annotations

import itertools
import os
import subprocess
import sys
import threading
from collections import Counter
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from fakegoogle import FakeGoogle, Fault
from fakegoogle.a1 import parse
from googlekit import FAST, NOW, backend, clients, fill_rows, rows_by_name, template_sheet

from sheet_template import TEMPLATE
from sheet_template import tabs as t
from sheetsync.adapters.google.anchors import anchor_for
from sheetsync.adapters.google.clients import batch_uri
from sheetsync.adapters.google.draft_copies import (
    Copy,
    bare_message_id,
    copy_of,
    header_message_id,
    keeper,
)
from sheetsync.adapters.google.draft_lookup import NOT_OURS
from sheetsync.adapters.google.gmail import GmailMailbox
from sheetsync.core.plan import DraftOutcome, DraftSpec
from sheetsync.core.rowstatus import INTRO_DRAFTED_SEEN
from sheetsync.service import run_sync

ROOT = Path(__file__).resolve().parent.parent
FORBIDDEN = Fault("403", 403, "forbidden", "global", "The caller does not have permission")
N = 10


# -- what proves a draft is ours, and which copy is kept --------------------------------------


def draft_read(draft_id: str, headers: list[tuple[str, str]], date: str | None = "1000") -> dict:
    message: dict[str, Any] = {
        "id": "m" + draft_id,
        "payload": {"headers": [{"name": k, "value": v} for k, v in headers]},
    }
    if date is not None:
        message["internalDate"] = date
    return {"id": draft_id, "message": message}


def test_message_ids_compare_without_blanks_and_one_pair_of_brackets():
    assert bare_message_id(" <a.b@x.invalid> ") == "a.b@x.invalid"
    assert bare_message_id("a.b@x.invalid") == "a.b@x.invalid"
    assert bare_message_id("<<a@x>>") == "<a@x>"  # one pair only, the same on both sides


def test_only_a_single_message_id_header_proves_which_draft_it_is():
    ours = "<intro.1@sheetsync.invalid>"
    assert header_message_id(draft_read("r1", [("Message-Id", ours)])["message"]) == (
        "intro.1@sheetsync.invalid"
    )
    assert header_message_id(draft_read("r1", [("Subject", "x")])["message"]) is None
    twice = [("Message-ID", ours), ("Message-ID", "<other@x>")]
    assert header_message_id(draft_read("r1", twice)["message"]) is None
    assert header_message_id({"payload": {"headers": "Message-ID"}}) is None
    assert header_message_id(None) is None


def test_a_draft_is_a_copy_only_if_read_back_under_its_id_with_exactly_our_message_id():
    ours = "<intro.1@sheetsync.invalid>"
    assert copy_of(draft_read("r1", [("Message-ID", ours)]), "r1", ours) == Copy("r1", 1000)
    assert copy_of(draft_read("r1", [("Message-ID", ours)]), "r2", ours) is None  # other id
    other = "<intro.1@sheetsync.invalid.example>"
    assert copy_of(draft_read("r1", [("Message-ID", other)]), "r1", ours) is None
    upper = "<INTRO.1@sheetsync.invalid>"  # exact: a search may match case-blind, we do not
    assert copy_of(draft_read("r1", [("Message-ID", upper)]), "r1", ours) is None
    no_date = draft_read("r1", [("Message-ID", ours)], date=None)
    assert copy_of(no_date, "r1", ours) == Copy("r1", None)
    assert copy_of("not a draft", "r1", ours) is None


def test_the_earliest_copy_is_kept_ties_by_draft_id_and_none_without_every_time():
    early, late = Copy("r9", 1000), Copy("r1", 2000)
    assert keeper([late, early]) == early
    assert keeper([Copy("r5", 1000), Copy("r10", 1000)]) == Copy("r10", 1000)  # "r10" < "r5"
    # Whatever subset a cleaner saw, it never keeps a copy later than one it deletes.
    copies = [Copy(f"r{n}", 1000 + n % 3) for n in range(6)]
    overall = keeper(copies)
    for size in range(1, len(copies) + 1):
        for seen in itertools.combinations(copies, size):
            if overall in seen:
                assert keeper(seen) == overall
    assert keeper([early, Copy("r2", None)]) is None
    assert keeper([]) is None


# -- one mailbox --------------------------------------------------------------------------------


def draft(n: int) -> DraftSpec:
    return DraftSpec(
        message_id=f"<intro.test{n:04d}@sheetsync.invalid>",
        kind="intro",
        refs=(),
        to=((f"Zoë {n}", f"person{n}@example.com"),),
        sender=("Alex Morgan", "alex@example.com"),
        subject="Would you be open to meeting?",
        body=f"Hi {n},\n\nCoffee?\n",
    )


def mailbox(server: FakeGoogle, user_id: str = "me", check_sent: bool = True) -> GmailMailbox:
    _, _, service = clients(server)
    return GmailMailbox(
        service,
        batch_uri("gmail", server.url),
        retry=FAST,
        check_sent=check_sent,
        user_id=user_id,
        clock=lambda: NOW,
    )


def made_elsewhere(spec: DraftSpec) -> bytes:
    """``spec``'s message as another sync, or the user, would have stored it."""
    message = EmailMessage()
    message["To"] = spec.to[0][1]
    message["Subject"] = spec.subject
    message["Message-ID"] = spec.message_id
    message.set_content(spec.body)
    return message.as_bytes()


def ours(server: FakeGoogle, spec: DraftSpec) -> list[str]:
    """The ids of the drafts that really carry ``spec``'s Message-ID."""
    wanted = bare_message_id(spec.message_id).lower()
    return sorted(d for d, m in server.gmail_drafts().items() if m.message_id == wanted)


def ticking(start=NOW):
    """A clock one millisecond later at every call: drafts made one after another differ."""
    ticks = itertools.count()
    return lambda: start + timedelta(milliseconds=next(ticks))


@pytest.fixture
def server():
    with FakeGoogle(seed=5, clock=ticking()) as fake:
        yield fake


def test_a_search_hit_of_another_draft_is_not_taken_for_ours(server):
    (other,) = mailbox(server).ensure([draft(99)])
    server.gmail_search_ignores_query()
    server.reset_log()
    (outcome,) = mailbox(server, check_sent=False).ensure([draft(1)])
    # Not "exists" with someone else's draft id: the row would never get its intro.
    assert (outcome.state, outcome.error) == ("failed", NOT_OURS)
    assert set(server.gmail_drafts()) == {other.draft_id}
    assert server.count("gmail", method_id="drafts.get") == 1
    assert server.count("gmail", writes_only=True) == 0


def test_a_sent_search_hit_of_another_message_is_not_taken_for_our_sent_intro(server):
    server.gmail_add_message(made_elsewhere(draft(99)), ["SENT"])
    server.gmail_search_ignores_query()
    (outcome,) = mailbox(server).ensure([draft(1)])
    # Not "sent": that would mark the intro sent for good and never draft it.
    assert (outcome.state, outcome.error) == ("failed", NOT_OURS)
    assert server.gmail_drafts() == {}


def test_a_draft_and_a_sent_intro_found_and_read_back_as_ours_still_count(server):
    first = mailbox(server).ensure([draft(1), draft(2)])
    server.gmail_send_draft(first[1].draft_id)
    server.reset_log()
    outcomes = mailbox(server).ensure([draft(1), draft(2)])
    assert [(o.state, o.draft_id) for o in outcomes] == [
        ("exists", first[0].draft_id),
        ("sent", ""),
    ]
    # Each hit read back once, in one batch, then the found draft's search for second copies
    # (one hit: nothing more to read); nothing written.
    assert server.count("gmail", method_id="drafts.get") == 1
    assert server.count("gmail", method_id="messages.get") == 1
    assert len(server.requests("batch-gmail")) == 3
    assert server.count("gmail", writes_only=True) == 0


def test_a_retried_create_does_not_take_a_search_hit_that_is_not_ours(server):
    # The create's reply is lost twice (httplib2 re-sends once by itself): two copies exist
    # when the create is retried alone. Just then the user saves a draft of their own, the
    # newest, and the search ignores q, so the retry's look-up answers with the user's draft.
    users: list[str] = []
    mine = made_elsewhere(draft(50))
    server.gmail_search_ignores_query()
    server.before_next(
        "drafts.create",
        lambda info: server.fail_next(2, after=True, apis={"gmail"}, include_batch_envelopes=False),
    )
    # The first list is the look-up, the second the retry's.
    server.before_next(
        "drafts.list", lambda info: users.append(server.gmail_add_draft(mine)), nth=2
    )
    (outcome,) = mailbox(server, check_sent=False).ensure([draft(1)])

    assert outcome.state == "created"
    assert users and users[0] in server.gmail_drafts()  # the user's draft is left alone
    assert ours(server, draft(1)) == [outcome.draft_id]  # one copy left, and it is recorded
    assert server.count("gmail", method_id="drafts.delete") == 2  # the two lost-reply copies


def test_a_copy_made_earlier_by_another_sync_is_kept_and_recorded(server):
    # Another sync made its copy between our look-up and our create.
    theirs: list[str] = []
    copy = made_elsewhere(draft(1))
    server.before_next("drafts.create", lambda info: theirs.append(server.gmail_add_draft(copy)))
    (outcome,) = mailbox(server).ensure([draft(1)])
    assert ours(server, draft(1)) == theirs
    # Recorded with its own thread, not that of the copy this sync made and deleted.
    their_thread = server.gmail_drafts()[theirs[0]].thread_id
    assert outcome == DraftOutcome(
        draft(1).message_id, "created", theirs[0], thread_id=their_thread
    )


def test_nothing_is_deleted_when_a_copy_cannot_be_read_back(server):
    theirs: list[str] = []
    copy = made_elsewhere(draft(1))
    server.before_next("drafts.create", lambda info: theirs.append(server.gmail_add_draft(copy)))
    server.on_request(
        lambda info: server.fail_next(1, FORBIDDEN, apis={"gmail"}, include_batch_envelopes=False),
        "drafts.get",
    )
    (outcome,) = mailbox(server).ensure([draft(1)])
    # Unread, the other copy might be the one to keep: both stay, and the draft is not
    # recorded (unchecked), so that the next sync looks at its copies again.
    assert outcome.state == "unchecked"
    assert outcome.error == "could not read every copy of this draft to keep the first"
    assert ours(server, draft(1)) == sorted([theirs[0], outcome.draft_id])
    assert server.count("gmail", method_id="drafts.delete") == 0


def test_a_cleaner_that_saw_fewer_copies_keeps_what_the_other_keeps():
    # A and B look up before either creates. A creates and cleans up first, seeing only its
    # own copies, and records them; then B creates and cleans up, seeing both syncs' copies.
    # "Keep the one I created" would make B delete A's recorded drafts.
    with FakeGoogle(seed=6, clock=ticking()) as server:

        def of_a(info: Any) -> bool:
            return "/users/me/" in info.path

        def count(method: str, who: Any) -> int:
            return sum(1 for r in server.requests("gmail") if r.method_id == method and who(r))

        def of_b(info: Any) -> bool:
            return not of_a(info)

        lists = "gmail.users.drafts.list"
        server.hold(
            lambda i: i.method_id == "gmail.users.drafts.create" and of_a(i),
            lambda: count(lists, of_b) >= N,
        )
        server.hold(
            lambda i: i.method_id == "gmail.users.drafts.create" and of_b(i),
            lambda: count(lists, of_a) >= 2 * N,
        )
        specs = [draft(n) for n in range(N)]
        got: dict[str, list[Any]] = {}

        def run(name: str, user_id: str) -> None:
            got[name] = mailbox(server, user_id).ensure(specs)

        threads = [
            threading.Thread(target=run, args=("a", "me")),
            threading.Thread(target=run, args=("b", server.user_email)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert {o.state for o in got["a"] + got["b"]} == {"created"}
        kept = [ours(server, spec) for spec in specs]
        assert all(len(k) == 1 for k in kept)
        assert [o.draft_id for o in got["a"]] == [k[0] for k in kept]
        assert [o.draft_id for o in got["b"]] == [k[0] for k in kept]
        assert count("gmail.users.drafts.delete", of_b) == N  # B removed its own later copies
        assert count("gmail.users.drafts.delete", of_a) == 0


# -- whole syncs --------------------------------------------------------------------------------


def intro_network(count: int) -> dict[str, list[list[Any]]]:
    """``count`` therapists at the Prospect stage with an email: one intro draft each.

    The rows have their Row IDs already (an earlier sync gave them), so that a sync finds its
    rows by id however the other sync's writes fall.
    """
    keys = [c.key for c in TEMPLATE.tab("Contacts").columns]
    records = [
        {
            "row_id": f"C{n + 1:04d}",
            "name": f"Therapist {n:02d}",
            "email": f"therapist{n:02d}@example.com",
            "category": t.THERAPIST_OTHER,
            "stage": t.PROSPECT,
        }
        for n in range(count)
    ]
    return {"Contacts": [[r.get(k) for k in keys] for r in records]}


def contacts(server: FakeGoogle, sid: str) -> dict[str, dict[str, Any]]:
    return rows_by_name(server, sid, "Contacts")


def test_a_search_that_ignores_q_deletes_none_of_ten_new_intro_drafts():
    with FakeGoogle(seed=8) as server:
        sid = template_sheet(server)
        fill_rows(server, sid, intro_network(N))
        server.gmail_search_ignores_query()
        report = run_sync(backend(server, sid), NOW)

        assert report.drafts == Counter({"created": N})
        drafts = server.gmail_drafts()
        assert len(drafts) == N
        assert server.count("gmail", method_id="drafts.delete") == 0
        for name, row in contacts(server, sid).items():
            assert INTRO_DRAFTED_SEEN in row["Sync status"]
            # The draft the row records is there, and it is this contact's intro.
            assert row["Email"] in str(drafts[row["Draft ID"]].parsed["To"]), name


def draft_ids_written(server: FakeGoogle, sid: str) -> list[dict[int, str]]:
    """Per values write (one per sync), the Draft ID written in each Contacts row: rows sent
    through their anchors (found by the Row ID each anchor is derived from), or by range."""
    rows = server.sheet_rows(sid, "Contacts")
    column, id_col = rows[0].index("Draft ID"), rows[0].index("Row ID")
    tab = TEMPLATE.tab("Contacts")
    by_anchor = {
        anchor_for(tab, str(row[id_col])).metadata_id: index
        for index, row in enumerate(rows)
        if index and len(row) > id_col and row[id_col]
    }
    titles = [tab.name for tab in TEMPLATE.tabs]
    out = []
    for request in server.requests("sheets"):
        if request.method_id != "sheets.spreadsheets.values.batchUpdateByDataFilter":
            continue
        written: dict[int, str] = {}
        for entry in request.body["data"]:
            lookup = entry["dataFilter"].get("developerMetadataLookup")
            if lookup is not None:
                index = by_anchor.get(lookup["metadataId"])
                (values,) = entry["values"]
                if index is not None and column < len(values) and values[column] is not None:
                    written[index] = values[column]
                continue
            where = parse(entry["dataFilter"]["a1Range"], titles)
            if where.title != "Contacts" or where.box is None:
                continue
            for r, row in enumerate(entry["values"]):
                offset = column - where.box.col0
                if 0 <= offset < len(row):
                    written[where.box.row0 + r] = row[offset]
        out.append(written)
    return out


def test_two_overlapping_syncs_keep_one_draft_each_and_both_record_it():
    """Two syncs of one Sheet at once (the schedule and "Sync now", in two function instances:
    here two processes) both create every intro and both clean up, and still keep exactly one
    draft per Message-ID, the earliest made, which is the id both syncs write to the Sheet."""
    with FakeGoogle(seed=9) as server:
        sid = template_sheet(server)
        fill_rows(server, sid, intro_network(N))
        server.reset_log()

        def count(method: str) -> int:
            return server.count("gmail", method_id=method)

        # Both look up before either creates: both find nothing, both create every draft.
        server.hold("drafts.create", lambda: count("drafts.list") >= 2 * N, timeout=90)
        # Neither cleans up before every copy of both exists: each sees both copies. (The
        # lists after both look-ups are the clean-ups' searches; a list is logged before its
        # hooks run, so it counts itself.)
        server.hold(
            lambda i: i.method_id == "gmail.users.drafts.list" and count("drafts.list") > 2 * N,
            lambda: count("drafts.create") >= 2 * N,
            timeout=90,
        )
        # Neither deletes before the other has read its copies back and chosen.
        server.hold("drafts.delete", lambda: count("drafts.delete") >= 2, timeout=90)

        # The second sync re-reads the Sheet to write only after the first has written.
        def batch_gets() -> int:
            return server.count("sheets", method_id="values.batchGet")

        server.hold(
            lambda i: i.method_id == "sheets.spreadsheets.values.batchGet" and batch_gets() >= 4,
            lambda: server.count("sheets", method_id="values.batchUpdate") >= 1,
            timeout=90,
        )
        before_deletes: dict[str, Any] = {}
        server.before_next("drafts.delete", lambda i: before_deletes.update(server.gmail_drafts()))

        env = {k: v for k, v in os.environ.items() if not k.startswith("SHEETSYNC_")}
        command = [sys.executable, "-m", "sheetsync", "--api-endpoint", server.url]
        command += ["sync", "--sheet", sid]
        syncs = [
            subprocess.Popen(
                command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE
            )
            for _ in range(2)
        ]
        results = [s.communicate(timeout=180) for s in syncs]
        assert [s.returncode for s in syncs] == [0, 0], [err[-2000:] for _, err in results]

        # Exactly one draft per Message-ID, and it is the earliest of its copies.
        by_mid: dict[str, list[tuple[int, str]]] = {}
        for draft_id, msg in before_deletes.items():
            by_mid.setdefault(msg.message_id, []).append((msg.internal_date, draft_id))
        assert len(by_mid) == N and all(len(c) == 2 for c in by_mid.values())
        expected = {min(copies)[1] for copies in by_mid.values()}
        assert set(server.gmail_drafts()) == expected
        # Both cleaned up: 2 x N deletes, N took effect, N found the draft already gone.
        statuses = Counter(
            r.status for r in server.requests("gmail") if r.method_id == "gmail.users.drafts.delete"
        )
        assert statuses == Counter({204: N, 404: N})
        # Both syncs wrote the kept draft's id into every row.
        writes = draft_ids_written(server, sid)
        assert len(writes) == 2
        assert [sorted(w.values()) for w in writes] == [sorted(expected)] * 2
        assert {row["Draft ID"] for row in contacts(server, sid).values()} == expected
