"""Keeps ``make bench`` from rotting: its generator, measurement and report on a tiny network.

The benchmark itself (sizes up to 10,000 contacts, cold starts of functions-framework) runs
only with ``make bench``; this runs one 20-contact network through the same functions
in-process, on both backends, in a few seconds. The timed targets are never asserted here; the
request counts of the Sheets and Calendar (met at any size) are, and that a check can fail.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest
from fakegoogle import FakeGoogle

from bench.generate import generate_network
from bench.measure import NOW, SEED, measure_sync, setup_google, setup_local
from bench.run import cold_table, sync_table
from bench.targets import MAX_SHEETS_REQUESTS, Check, check_cold_starts, check_runs

ROOT = Path(__file__).resolve().parent.parent
SIZE = 20


def test_generator_is_deterministic_and_proportional():
    small = generate_network(SIZE, NOW.date(), SEED)
    assert small == generate_network(SIZE, NOW.date(), SEED)
    assert len(small.rows["Contacts"]) == SIZE
    big = generate_network(1000, NOW.date(), SEED)
    counts = big.counts
    assert counts["Contacts"] == 1000
    assert counts["Groups"] == 125 and counts["Log"] == 250 and counts["Referrals"] == 167
    names = [row[1] for row in big.rows["Contacts"]]
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("backend", ["local", "google"])
def test_first_and_steady_sync_are_measured(backend, tmp_path):
    network = generate_network(SIZE, NOW.date(), SEED)
    runs = []
    if backend == "local":
        workbook = setup_local(network, tmp_path)
        runs = [measure_sync("local", SIZE, run, workbook=workbook) for run in ("first", "steady")]
    else:
        with FakeGoogle(seed=1) as server:
            sid = setup_google(network, server.url, tmp_path)
            runs = [
                measure_sync(
                    "google",
                    SIZE,
                    run,
                    url=server.url,
                    spreadsheet_id=sid,
                    attachments_dir=tmp_path,
                )
                for run in ("first", "steady")
            ]
    first, steady = (asdict(r) for r in runs)
    assert first["created"] > 0 and first["problems"] > 0  # the invalid rows are there
    assert steady["created"] == 0 and steady["cells_written"] == 0
    assert first["peak_rss_mb"] > 0 and first["plan_s"] > 0
    if backend == "google":
        assert first["sheets_requests"] > 0 and first["calendar_writes"] > 0
    table = sync_table([first, steady])
    assert table.count("\n") == 3 and f"| {backend}" in table
    # Which checks apply: the request counts on Google runs, the timed ones at 10,000 only.
    found = verdicts(check_runs([first, steady]))
    applies = {"steady state: Calendar and Gmail"}
    if backend == "google":
        applies |= {"Sheets requests per sync", "steady state: Sheets"}
        applies |= {"Calendar round trips", "Gmail round trips"}
    assert {name for name, verdict in found.items() if verdict != "n/a"} == applies
    # The Sheets and Calendar counts are met at any size. (Gmail is not asserted: this network's
    # first sync makes 3 Gmail round trips for its 4 drafts, one over 2 x ceil(4/50).)
    assert all(found[name] == "pass" for name in applies - {"Gmail round trips"})
    # A run over a target is reported as missing it.
    over = {**steady, "events_created": 1, "sheets_requests": MAX_SHEETS_REQUESTS + 1}
    missed = verdicts(check_runs([first, over]))
    assert missed["steady state: Calendar and Gmail"] == "MISS"
    assert missed["Sheets requests per sync"] == ("MISS" if backend == "google" else "n/a")


def verdicts(checks: list[Check]) -> dict[str, str]:
    """{the start of a check's name: its verdict}."""
    starts = [
        "Sheets requests per sync",
        "steady state: Sheets",
        "steady state: Calendar and Gmail",
        "Calendar round trips",
        "Gmail round trips",
        "planning",
        "peak RSS",
    ]
    found = {start: [c.verdict for c in checks if c.name.startswith(start)] for start in starts}
    assert all(len(v) == 1 for v in found.values()) and len(checks) == len(starts), found
    return {start: v[0] for start, v in found.items()}


def test_cold_start_report_and_checks():
    result = {"name": "addon: x", "kind": "rejected", "target": "addon", "median_s": 0.3}
    results = [
        {**result, "name": "hello", "kind": "baseline", "ratio": 1.0, "statuses": [200], "ok": 1},
        {**result, "ratio": 1.2, "statuses": [401], "ok": True},
    ]
    assert "1.20x" in cold_table(results)
    (check,) = check_cold_starts(results)
    assert check.verdict == "pass"


def test_bench_cli_answers():
    out = subprocess.run(
        [sys.executable, "-m", "bench", "--help"], cwd=ROOT, capture_output=True, text=True
    )
    assert out.returncode == 0 and "--sizes" in out.stdout


def test_main_imports_neither_the_sync_nor_the_google_libraries():
    # What keeps a rejected request's cold start near a bare function's (make bench checks the
    # times): main.py loads sheetsync.entrypoints' function modules, config and errors only.
    code = (
        "import sys, main; "
        "heavy = [m for m in sys.modules if m.split('.')[0] in "
        "('pydantic', 'gspread', 'googleapiclient', 'openpyxl', 'icalendar', 'email_validator')"
        " or m.startswith(('google.auth', 'sheetsync.service'))]; "
        "print(heavy)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "[]"
