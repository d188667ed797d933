"""Reliability of the sync on the Google backend: faults, crashes and people editing mid-sync.

Every sync here runs the production ``google_backend`` with the real gspread and
googleapiclient clients against the fake Google server (``tests/fakegoogle``):

* ``test_fault_*``: 20% of requests fail transiently (429, 500, 503, rate-limit 403s, dropped
  connections before the request takes effect and after it did, i.e. lost responses). Syncs
  are repeated until one gets through without a fault-caused problem, then a clean sync runs;
  the end state must equal a reference run with no faults on an identical fresh Sheet.
* ``test_crash_*``: the sync "dies" right after its k-th API call, for every k of a clean first
  sync (with the k-th call's response delivered, and lost); a clean sync then runs and the end
  state must again equal the reference.
* ``test_concurrent_edits_soak``: a person sorts, inserts and deletes rows at every request
  boundary after the sync's read (while events are made, while drafts are, just before the
  write-back's ``spreadsheets.batchUpdate`` that anchors rows, just before its
  ``values.batchUpdateByDataFilter``), under every setting of the fake's switch for what a
  sort does to row metadata and whether a filter that matches nothing is an error; every row
  keeps its own sync-owned cells, no user cell changes, and a clean sync converges to the
  reference for every row still there.

Sheets requests are counted too: at most 3 per sync whenever no fault is injected and nobody
edits the Sheet mid-sync. An edit between the read and the anchoring batchUpdate (which
anchors rows where the read saw them) costs one more request to put the anchors right
(``WriteReport.retakes``), never a write into a wrong row.

Reference and test servers are made with the same id seed, so the spreadsheet gets the same
id on both and so do the deterministic event ids and Message-IDs derived from it. Draft ids
are the fake's own, so Draft ID cells are compared through the Message-ID they point to.

Once a gap (``test_an_edit_just_before_the_values_write_shifts_no_write``): the write-back
used to re-read the Sheet and then send one ``values.batchUpdate`` addressed by A1 position,
so a row deleted, inserted or sorted in that one round trip shifted the writes into
neighbouring rows. Writes now go through row anchors (developer metadata on each row, and
``values.batchUpdateByDataFilter``), which Google moves with the row.

``make test`` runs a few seeds; ``SHEETSYNC_SOAK=1`` (``make soak``) runs many, and the crash
test on the full sample network.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from email.message import Message
from pathlib import Path
from typing import Any

import pytest
from fakegoogle import DEFAULT_KINDS, DROP_AFTER, FakeGoogle, RequestInfo
from google.api_core.retry import Retry
from googlekit import FAST, NOW, fill_rows, template_sheet

from sheet_template import TEMPLATE
from sheet_template import tabs as t
from sheetsync.adapters.google.credentials import GoogleCredentials
from sheetsync.adapters.google.http import is_transient, retry_policy
from sheetsync.bootstrap import google_backend
from sheetsync.core.cells import Cell
from sheetsync.entrypoints.demo import FLYER_PDF, sample_rows
from sheetsync.errors import BackendError
from sheetsync.ports import Backend
from sheetsync.service import SyncReport, run_sync

SOAK = os.environ.get("SHEETSYNC_SOAK", "") == "1"
#: The fake's id seed for every server: the spreadsheet (and so every derived id) is the same.
ID_SEED = 11
FAULT_RATE = 0.2
ALL_FAULTS = (*DEFAULT_KINDS, DROP_AFTER)
MAX_SYNCS = 8
FAULT_SEEDS = range(50) if SOAK else range(4)
EDIT_SEEDS = range(50) if SOAK else range(6)
#: Retries that give up within a tenth of a second, so that under faults some calls
#: exhaust them and some syncs fail or leave work for the next one.
IMPATIENT = retry_policy(initial=0.001, maximum=0.004, deadline=0.1)

SUMMARY = "Summary"
SETTINGS = "Settings"
NETWORK_TABS = ("Contacts", "Groups", "Log", "Referrals")
#: The demo's deliberately invalid contacts, and the column each one's status must name.
INVALID = {"Pat Jones": "Email", "Robin Hale": "Category", "Casey Doyle": "Last contact"}

#: A small network for the crash test: intro prospects, a drop-in GP practice with a practice
#: manager, a contacted therapist due a follow-up, a nurturing contact, invalid rows, and a
#: joined group (plus an invalid one).
SMALL_CONTACTS = (
    "Priya Raman",
    "Grace Kim",
    "Amelia Chen",
    "Noah Williams",
    "Dr Sarah Hughes",
    "Dr Aaron Fox",
    "Pat Jones",
    "Robin Hale",
)
SMALL_GROUPS = ("Counselling Association: Newtown peer group", "Supervision circle")
#: Contacts that no other row refers to (Log, Referrals, Groups, a shared practice): deleting
#: one mid-sync changes nothing about any other row.
DELETABLE = (
    "Marcus Lee",
    "Amelia Chen",
    "Isla Patel",
    "Ethan Wright",
    "Sofia Rossi",
    "Ben Carter",
    "Lucy Nguyen",
    "Dr Liam Murphy",
    "Dr Fatima Haddad",
    "Chloe Martin",
    "Jack Wilson",
    "Ryan Scott",
    "Pat Jones",
    "Robin Hale",
    "Casey Doyle",
)

Rows = list[list[Any]]
Network = dict[str, list[list[Cell]]]


# -- the network and the Sheet ----------------------------------------------------------------


def _index(tab: str, key: str) -> int:
    return [c.key for c in TEMPLATE.tab(tab).columns].index(key)


def network(full: bool) -> Network:
    """The demo's sample network, or the small subset the crash test uses by default."""
    rows = sample_rows(NOW.date())
    if full:
        return rows
    name, group = _index("Contacts", "name"), _index("Groups", "name")
    log, referral = _index("Log", "contact"), _index("Referrals", "contact")
    return {
        "Contacts": [r for r in rows["Contacts"] if r[name] in SMALL_CONTACTS],
        "Groups": [r for r in rows["Groups"] if r[group] in SMALL_GROUPS],
        "Log": [r for r in rows["Log"] if r[log] in (*SMALL_CONTACTS, "Someone Unknown")],
        "Referrals": [r for r in rows["Referrals"] if r[referral] in SMALL_CONTACTS],
    }


@dataclass
class World:
    """A fake Google with a filled template Sheet, and what the Sheet held after setup."""

    server: FakeGoogle
    sid: str
    flyers: Path
    setup: dict[str, Rows]

    def backend(self, retry: Retry = FAST) -> Backend:
        return google_backend(
            self.sid,
            endpoint=self.server.url,
            credentials=GoogleCredentials.anonymous(),
            attachments_dir=self.flyers,
            retry=retry,
            clock=lambda: NOW,
        )

    def sync(self, retry: Retry = FAST) -> SyncReport:
        return run_sync(self.backend(retry), NOW)


def all_tabs(server: FakeGoogle, sid: str) -> dict[str, Rows]:
    return {tab.name: server.sheet_rows(sid, tab.name) for tab in TEMPLATE.tabs}


@contextmanager
def world(flyers: Path, full: bool) -> Iterator[World]:
    """A started server (id seed ``ID_SEED``) with the network typed into a new Sheet."""
    with FakeGoogle(seed=ID_SEED) as server:
        sid = template_sheet(server)
        fill_rows(server, sid, network(full))
        server.reset_log()
        yield World(server, sid, flyers, all_tabs(server, sid))


@pytest.fixture(scope="module")
def flyers(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("flyers")
    (folder / "flyer.pdf").write_bytes(FLYER_PDF)
    return folder


# -- the end state ----------------------------------------------------------------------------


def _pad(row: list[Any], width: int) -> list[Any]:
    return list(row) + [""] * (width - len(row))


def split_cells(rows: Rows, tab: str) -> tuple[Rows, Rows]:
    """(sync-owned cells, user cells) of every row below the header, by position."""
    owned_headers = TEMPLATE.tab(tab).sync_owned_headers
    header = rows[0] if rows else []
    width = max((len(r) for r in rows), default=0)
    header = _pad(header, width)
    owned_cols = [i for i, h in enumerate(header) if h in owned_headers]
    user_cols = [i for i, h in enumerate(header) if h not in owned_headers]
    owned, user = [], []
    for row in rows[1:]:
        padded = _pad(row, width)
        owned.append([padded[i] for i in owned_cols])
        user.append([padded[i] for i in user_cols])
    return owned, [[header[i] for i in user_cols], *user]


#: Settings rows whose value the sync keeps (Row IDs given): not the person's cells.
SYNC_OWNED_SETTINGS = {s.label for s in TEMPLATE.settings if s.sync_owned}


def user_cells(tabs: dict[str, Rows]) -> dict[str, Rows]:
    """Every user-entered cell of every tab but Summary, by position (with the header)."""
    out = {name: split_cells(rows, name)[1] for name, rows in tabs.items() if name != SUMMARY}
    if SETTINGS in out:
        out[SETTINGS] = [
            [row[0], "(kept by the sync)", *row[2:]]
            if row and row[0] in SYNC_OWNED_SETTINGS
            else row
            for row in out[SETTINGS]
        ]
    return out


def kept_settings(tabs: dict[str, Rows]) -> Rows:
    """The values of the Settings rows the sync keeps, by label."""
    return [row[:2] for row in tabs.get(SETTINGS, []) if row and row[0] in SYNC_OWNED_SETTINGS]


def event_key(event: dict[str, Any]) -> tuple[Any, ...]:
    private = (event.get("extendedProperties") or {}).get("private") or {}
    return (
        event.get("summary", ""),
        event.get("description", ""),
        (event.get("start") or {}).get("date"),
        (event.get("end") or {}).get("date"),
        event.get("status", "confirmed"),
        event.get("transparency", "opaque"),
        tuple(sorted(private.items())),
    )


def draft_key(message: Message) -> tuple[Any, ...]:
    """A draft's headers (but the multipart boundary) and its parts' decoded contents."""
    headers = tuple((k, str(v)) for k, v in message.items() if k.lower() != "content-type")
    parts = tuple(
        (p.get_content_type(), p.get_filename(), p.get_payload(decode=True))
        for p in message.walk()
        if not p.is_multipart()
    )
    return headers, parts


@dataclass
class State:
    """What a sync leaves behind, in terms that compare across two servers."""

    #: (calendar, event id) -> what the event holds.
    events: dict[tuple[str, str], tuple[Any, ...]]
    #: Message-ID -> what the draft holds.
    drafts: dict[str, tuple[Any, ...]]
    #: Per network tab, each row's sync-owned cells (each draft's cell as its Message-ID).
    owned: dict[str, Rows]
    #: Every user-entered cell, by position.
    user: dict[str, Rows]
    #: The Summary tab but its "Last sync" line.
    summary: Rows
    #: Events with the same id, and drafts with the same Message-ID (must both be empty).
    duplicate_events: list[tuple[str, str]]
    duplicate_drafts: list[str]
    sent: int


def capture(server: FakeGoogle, sid: str) -> State:
    events: dict[tuple[str, str], tuple[Any, ...]] = {}
    ids: Counter[tuple[str, str]] = Counter()
    for calendar in list(server.calendar.calendars):
        for event in server.calendar_events(calendar, include_deleted=True):
            ids[(calendar, event["id"])] += 1
            events[(calendar, event["id"])] = event_key(event)
    drafts: dict[str, tuple[Any, ...]] = {}
    by_draft: dict[str, str] = {}
    copies: Counter[str] = Counter()
    for draft_id, message in server.gmail_drafts().items():
        mid = message.header("Message-ID")
        copies[mid] += 1
        by_draft[draft_id] = mid
        by_draft[message.thread_id] = mid  # a Thread ID cell names the draft's thread
        drafts[mid] = draft_key(message.parsed)
    tabs = all_tabs(server, sid)
    owned: dict[str, Rows] = {}
    for name in NETWORK_TABS:
        rows, _ = split_cells(tabs[name], name)
        header = [h for h in tabs[name][0] if h in TEMPLATE.tab(name).sync_owned_headers]
        for recorded in ("Draft ID", "Doctors' letter ID", "Thanks draft ID", "Thread ID"):
            if recorded not in header:
                continue
            column = header.index(recorded)
            for row in rows:
                value = str(row[column])
                if value and value != "sent":
                    row[column] = by_draft.get(value, f"(no such draft: {value})")
        owned[name] = rows
    owned[SETTINGS] = kept_settings(tabs)
    summary = [row for row in tabs[SUMMARY] if not (row and row[0] == "Last sync")]
    return State(
        events=events,
        drafts=drafts,
        owned=owned,
        user=user_cells(tabs),
        summary=summary,
        duplicate_events=[k for k, n in ids.items() if n > 1],
        duplicate_drafts=[k for k, n in copies.items() if n > 1],
        sent=len(server.gmail_messages("SENT")),
    )


def assert_same_end_state(got: State, want: State, setup: dict[str, Rows]) -> None:
    assert got.duplicate_events == [], "an event was created twice"
    assert got.duplicate_drafts == [], "a draft was created twice"
    assert got.sent == 0, "something was sent"
    assert sorted(got.events) == sorted(want.events), "events missing or extra"
    assert got.events == want.events
    assert sorted(got.drafts) == sorted(want.drafts), "drafts missing or extra"
    assert got.drafts == want.drafts
    for tab in (*NETWORK_TABS, SETTINGS):
        assert got.owned[tab] == want.owned[tab], f"sync-owned cells of {tab} differ"
    assert got.user == user_cells(setup), "a user-entered cell changed"
    assert got.summary == want.summary


@dataclass
class Reference:
    """An uninterrupted, fault-free first sync on a fresh Sheet, and what it left."""

    state: State
    problems: list[tuple[str, int | None, str]]
    #: API calls (standalone or inside a batch) the first sync made.
    calls: int
    report: SyncReport


_REFERENCES: dict[bool, Reference] = {}


def reference(flyers: Path, full: bool) -> Reference:
    if full not in _REFERENCES:
        with world(flyers, full) as w:
            report = w.sync()
            calls = sum(1 for r in w.server.requests() if not r.envelope)
            state = capture(w.server, w.sid)
            assert w.server.injected_faults == []
        assert report.events["created"] > 0 and report.drafts["created"] > 0
        assert report.requests["sheets"] <= 3
        assert state.user == user_cells(w.setup)
        _REFERENCES[full] = Reference(state, problem_keys(report), calls, report)
    return _REFERENCES[full]


def problem_keys(report: SyncReport) -> list[tuple[str, int | None, str]]:
    return sorted(((p.tab, p.row_number, p.message) for p in report.problems), key=str)


# -- (a) transient faults -----------------------------------------------------------------------


@pytest.mark.parametrize("seed", FAULT_SEEDS)
def test_fault_injection_converges_to_the_reference(flyers: Path, seed: int) -> None:
    """20% transient faults: repeated syncs converge, with nothing created twice or lost."""
    want = reference(flyers, full=True)
    with world(flyers, full=True) as w:
        w.server.set_fault_rate(FAULT_RATE, seed=1000 + seed, kinds=ALL_FAULTS)
        for _attempt in range(MAX_SYNCS):
            try:
                report = w.sync(IMPATIENT)
            except BackendError:
                continue  # retries exhausted on the Sheet: a crashed sync, the next one runs
            assert report.write_report is not None
            if problem_keys(report) == want.problems and report.write_report.rows_not_found == 0:
                break
        else:
            pytest.fail(f"no sync got through the faults in {MAX_SYNCS} tries")
        injected = Counter(f.fault for f in w.server.injected_faults)
        assert sum(injected.values()) > 0

        w.server.clear_faults()
        w.server.reset_log()
        final = w.sync()
        assert final.created == 0, "the sync that got through left work undone"
        assert final.writes == []
        assert final.requests["sheets"] <= 3
        assert w.server.http_round_trips("sheets") <= 3
        assert_same_end_state(capture(w.server, w.sid), want.state, w.setup)


# -- (b) crash after the k-th call ------------------------------------------------------------


class ProcessCrash(BaseException):
    """The sync's process dying: nothing in the sync may catch it."""


def dies_when_crashed(server: FakeGoogle) -> Retry:
    """A retry policy under which the first failed call after the fake's crash kills the sync."""

    def predicate(exc: Exception) -> bool:
        if server.crashed:
            raise ProcessCrash
        return is_transient(exc)

    return Retry(predicate=predicate, initial=0.001, maximum=0.01, multiplier=2.0, timeout=5.0)


CRASH_FULL = SOAK


@pytest.mark.parametrize("lose_response", [False, True], ids=["reply-heard", "reply-lost"])
def test_crash_after_every_call_then_a_clean_sync_recovers(
    flyers: Path, lose_response: bool
) -> None:
    """Kill the first sync after its k-th API call, for every k; a clean sync then finishes
    the job as if nothing had happened: no duplicates, nothing lost, every cell in place."""
    want = reference(flyers, full=CRASH_FULL)
    assert want.calls > 10
    for k in range(1, want.calls + 1):
        with world(flyers, full=CRASH_FULL) as w:
            w.server.crash_after(k, lose_last_response=lose_response)
            try:
                w.sync(dies_when_crashed(w.server))
                died = False
            except ProcessCrash:
                died = True
            assert died == (k < want.calls or lose_response), k
            assert w.server.crashed == died, k

            w.server.clear_faults()
            w.server.reset_log()
            after = w.sync()
            assert after.requests["sheets"] <= 3
            assert problem_keys(after) == want.problems, k
            try:
                assert_same_end_state(capture(w.server, w.sid), want.state, w.setup)
            except AssertionError as exc:
                raise AssertionError(f"crash after call {k}: {exc}") from exc


# -- (c) people editing the Sheet mid-sync ------------------------------------------------------

#: Where a person's edits land, as (matcher, nth) for ``FakeGoogle.before_next``: at every
#: request boundary after the read: while the events are being created, while the drafts are,
#: just before the write-back's anchoring batchUpdate, and just before its values write.
WINDOWS: dict[str, tuple[str, int]] = {
    "calendar": ("calendar", 1),
    "gmail": ("gmail", 1),
    "anchor": ("spreadsheets.batchUpdate", 1),
    "write": ("values.batchUpdateByDataFilter", 1),
}
#: Every setting of the fake's switch that a person's sort, insert and delete meet: what a sort
#: does to row metadata, and whether a write filter that matches nothing is an error.
POLICIES: list[dict[str, str]] = [
    {"sort": sort, "unmatched_write": unmatched}
    for sort in ("MOVES", "STAYS")
    for unmatched in ("SKIP", "ERROR")
]
#: Per tab, the rows a person may delete mid-sync: rows no other row refers to.
EDITED_TABS: dict[str, tuple[str, ...]] = {"Contacts": DELETABLE, "Groups": SMALL_GROUPS}
CONTACT_OWNED = [
    h for h in TEMPLATE.tab("Contacts").headers if h in TEMPLATE.tab("Contacts").sync_owned_headers
]


def by_name(owned: Rows, user: Rows) -> dict[str, list[Any]]:
    """Each row's sync-owned cells, keyed by the row's Name."""
    name = user[0].index("Name")
    out: dict[str, list[Any]] = {}
    for own, cells in zip(owned, user[1:], strict=True):
        if cells[name]:
            assert cells[name] not in out, f"two rows named {cells[name]!r}"
            out[str(cells[name])] = own
    return out


def check_invalid_rows(state: State, left_blank: bool = False) -> None:
    """The demo's invalid contacts say which column is wrong (unless they were deleted, or,
    with ``left_blank``, left unwritten for the next sync)."""
    user = state.user["Contacts"]
    name = user[0].index("Name")
    status = CONTACT_OWNED.index("Sync status")
    for own, cells in zip(state.owned["Contacts"], user[1:], strict=True):
        if left_blank and all(v == "" for v in own):
            continue
        if cells[name] in INVALID:
            assert str(own[status]).startswith("Error: "), cells[name]
            assert INVALID[cells[name]] in str(own[status]), cells[name]


@dataclass
class Person:
    """Sorts, inserts and deletes rows at random, inside the fake (under its lock)."""

    server: FakeGoogle
    sid: str
    rng: random.Random
    inserted: dict[str, list[str]]
    deleted: dict[str, list[str]]
    #: The user cells just after the last edit: what the Sheet must still hold at the end.
    user_after: dict[str, Rows] | None = None

    def edit(self, _info: RequestInfo) -> None:
        for tab, deletable in EDITED_TABS.items():
            kinds = [k for k in ("sort", "insert", "delete") if self.rng.random() < 0.6]
            self.rng.shuffle(kinds)
            for kind in kinds:
                if kind == "sort":
                    self.sort(tab)
                elif kind == "insert":
                    self.insert(tab)
                else:
                    self.delete(tab, deletable)
        self.user_after = user_cells(all_tabs(self.server, self.sid))

    def sort(self, tab: str) -> None:
        header = self.server.sheet_rows(self.sid, tab)[0]
        owned = TEMPLATE.tab(tab).sync_owned_headers
        column = self.rng.choice([i for i, h in enumerate(header) if h not in owned])
        self.server.sort_rows(self.sid, tab, key=column, reverse=self.rng.random() < 0.5)

    def insert(self, tab: str) -> None:
        number = sum(len(names) for names in self.inserted.values()) + 1
        values = (
            {
                "Name": f"New Therapist {number}",
                "Email": f"new{number}@practice.example",
                "Category": t.THERAPIST_OTHER,
                "Stage": t.PROSPECT,
            }
            if tab == "Contacts"
            else {"Name": f"New Group {number}", "Type": t.GROUP_PEER_ONLINE}
        )
        rows = self.server.sheet_rows(self.sid, tab)
        row = [values.get(h, "") for h in rows[0]]
        self.server.insert_row(self.sid, tab, self.rng.randint(1, len(rows)), row)
        self.inserted.setdefault(tab, []).append(values["Name"])

    def delete(self, tab: str, deletable: tuple[str, ...]) -> None:
        rows = self.server.sheet_rows(self.sid, tab)
        name = rows[0].index("Name")
        present = [i for i, r in enumerate(rows) if i and len(r) > name and r[name] in deletable]
        if present:
            index = self.rng.choice(present)
            self.deleted.setdefault(tab, []).append(rows[index][name])
            self.server.delete_row(self.sid, tab, index)


@pytest.mark.parametrize("seed", EDIT_SEEDS)
def test_concurrent_edits_soak(flyers: Path, seed: int) -> None:
    """Rows sorted, inserted and deleted mid-sync: each row gets its own cells, and only them;
    a clean sync then converges to the reference for every row that is still there."""
    want = reference(flyers, full=True)
    want_by_name = {
        tab: by_name(want.state.owned[tab], want.state.user[tab]) for tab in EDITED_TABS
    }
    rng = random.Random(seed)
    windows = [w for w in WINDOWS if rng.random() < 0.5] or [rng.choice(list(WINDOWS))]
    policy = POLICIES[seed % len(POLICIES)]
    with world(flyers, full=True) as w:
        w.server.set_metadata_policy(**policy)
        person = Person(w.server, w.sid, rng, {}, {})
        hooks = [
            w.server.before_next(WINDOWS[window][0], person.edit, nth=WINDOWS[window][1])
            for window in windows
        ]
        first = w.sync()
        assert [h.fired for h in hooks] == [1] * len(hooks), windows
        assert person.user_after is not None and first.write_report is not None
        # Read, anchoring batchUpdate, values write; plus what the edits cost to put right
        # (one batchUpdate for anchors placed by a stale read, a read and a write again for
        # a write refused because a row it named was deleted).
        assert first.requests["sheets"] == 3 + first.write_report.retakes
        assert first.write_report.retakes <= 3
        # Every original row gets writes; the ones deleted meanwhile are not found again.
        # Where a sort left the anchors in place just before the values write, the rows whose
        # anchor went to another row are not written now (put back, and left to the next
        # sync): each is blank, never another row's cells.
        deleted = sum(len(names) for names in person.deleted.values())
        assert first.write_report.rows_not_found >= deleted
        if policy["sort"] == "MOVES":
            assert first.write_report.rows_not_found == deleted
        state = capture(w.server, w.sid)
        assert state.user == person.user_after, "a user-entered cell changed"
        left: dict[str, set[str]] = {tab: set() for tab in EDITED_TABS}
        for tab in EDITED_TABS:
            got = by_name(state.owned[tab], state.user[tab])
            for name, cells in got.items():
                if name in person.inserted.get(tab, []):
                    assert all(v == "" for v in cells), (tab, name, "a new row was written")
                elif all(v == "" for v in cells):
                    left[tab].add(name)
                else:
                    assert cells == want_by_name[tab][name], (tab, name, windows)
        left_count = sum(len(names) for names in left.values())
        assert left_count == first.write_report.rows_not_found - deleted
        check_invalid_rows(state, left_blank=left_count > 0)

        # A clean sync: the surviving rows are as in the reference, the new rows are synced.
        second = w.sync()
        assert second.requests["sheets"] <= 3
        state = capture(w.server, w.sid)
        assert state.user == person.user_after, "a user-entered cell changed"
        assert state.duplicate_events == [] and state.duplicate_drafts == []
        for tab in EDITED_TABS:
            got = by_name(state.owned[tab], state.user[tab])
            inserted = person.inserted.get(tab, [])
            survivors = set(want_by_name[tab]) - set(person.deleted.get(tab, []))
            assert set(got) == survivors | set(inserted)
            owned_header = [
                h for h in TEMPLATE.tab(tab).headers if h in TEMPLATE.tab(tab).sync_owned_headers
            ]
            row_id, status = owned_header.index("Row ID"), owned_header.index("Sync status")
            for name in survivors - left[tab]:
                assert got[name] == want_by_name[tab][name], (tab, name)
            for name in left[tab]:
                # Left by the first sync: synced now, under a Row ID of this sync's choosing.
                assert got[name][row_id] and got[name][status], (tab, name)
            for name in inserted:
                assert got[name][row_id] and not str(got[name][status]).startswith("Error")
            ids = [cells[row_id] for cells in state.owned[tab] if cells[row_id]]
            assert len(ids) == len(set(ids)), f"{tab}: a Row ID is used twice"
        for tab in ("Log", "Referrals"):
            assert state.owned[tab] == want.state.owned[tab]
        # The reference's events and drafts are all there as they were (the deleted rows'
        # too: a row deleted mid-sync keeps what was made for it), nothing twice.
        assert {k: state.events[k] for k in want.state.events} == want.state.events
        assert {k: state.drafts[k] for k in want.state.drafts} == want.state.drafts
        check_invalid_rows(state)
        third = w.sync()
        assert third.created == 0 and third.writes == []
        assert third.requests["sheets"] <= 3


@pytest.mark.parametrize(
    "policy", POLICIES, ids=lambda p: f"sort-{p['sort']}-{p['unmatched_write']}"
)
@pytest.mark.parametrize("edit", ["delete", "sort", "insert"])
def test_an_edit_just_before_the_values_write_shifts_no_write(
    flyers: Path, edit: str, policy: dict[str, str]
) -> None:
    """A row deleted, rows sorted or a row inserted in the last round trip before the values
    write (once a known gap: positional writes shifted into neighbouring rows)."""
    want = reference(flyers, full=True)
    want_by_name = by_name(want.state.owned["Contacts"], want.state.user["Contacts"])
    with world(flyers, full=True) as w:
        w.server.set_metadata_policy(**policy)
        person = Person(w.server, w.sid, random.Random(0), {}, {})

        def edits(_info: RequestInfo) -> None:
            if edit == "delete":
                person.delete("Contacts", ("Priya Raman",))
            elif edit == "sort":
                person.sort("Contacts")
            else:
                person.insert("Contacts")

        hook = w.server.before_next("values.batchUpdateByDataFilter", edits)
        report = w.sync()
        assert hook.fired == 1
        if edit == "delete":
            assert person.deleted == {"Contacts": ["Priya Raman"]}
        assert report.write_report is not None
        assert report.write_report.rows_not_found == (1 if edit == "delete" else 0)
        state = capture(w.server, w.sid)
        got = by_name(state.owned["Contacts"], state.user["Contacts"])
        inserted = person.inserted.get("Contacts", [])
        wrong = [
            name
            for name, cells in got.items()
            if name not in inserted and cells != want_by_name[name]
        ]
        assert wrong == [], f"{len(wrong)} rows got another row's cells"
        assert all(v == "" for name in inserted for v in got[name]), "a new row was written"
