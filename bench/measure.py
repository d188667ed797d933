"""One sync, measured: the benchmark's unit of work.

``setup_local`` and ``setup_google`` put a generated network where a sync can read it (an
``.xlsx`` workbook; a Sheet created through the API on the fake Google server), outside of any
measurement. ``measure_sync`` runs one sync on it and returns its figures. ``run.py`` calls
``measure_sync`` in a fresh child process per run (``python -m bench.measure ...``), so the
peak RSS reported is that run's own; the smoke test calls it in-process.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

from sheet_template import TEMPLATE
from sheetsync.core.cells import Cell
from sheetsync.entrypoints.demo import FLYER_PDF

from .generate import Network

BackendKind = Literal["local", "google"]
RunKind = Literal["first", "steady"]

#: The benchmark's "now": fixed, so every run plans the same work.
NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
SEED = 2026
#: Rows of a Sheet the template creates; more need an appendDimension first.
GOOGLE_PREPARED_ROWS = 1000
#: Rows per values.batchUpdate when filling a Sheet (setup only, not measured).
FILL_CHUNK = 2000


@dataclass
class RunResult:
    """The figures of one sync run."""

    backend: str
    size: int
    run: str
    sheets_requests: int = 0
    calendar_round_trips: int = 0
    calendar_writes: int = 0
    gmail_round_trips: int = 0
    gmail_writes: int = 0
    created: int = 0
    events_created: int = 0
    drafts_created: int = 0
    event_items: int = 0
    draft_items: int = 0
    cells_written: int = 0
    #: Developer metadata characters (row anchors) on the fullest tab after the write-back,
    #: of the 30,000 Google allows per tab (0 on the local backend).
    metadata_chars: int = 0
    problems: int = 0
    read_s: float = 0.0
    plan_s: float = 0.0
    apply_s: float = 0.0
    write_s: float = 0.0
    total_s: float = 0.0
    peak_rss_mb: float = 0.0
    baseline_rss_mb: float = 0.0
    events: dict[str, int] = field(default_factory=dict)
    drafts: dict[str, int] = field(default_factory=dict)


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (ru_maxrss is KiB on Linux)."""
    divisor = 1024 * 1024 if sys.platform == "darwin" else 1024  # macOS reports bytes
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / divisor


# --- setup (not measured) -----------------------------------------------------------------------


def _settings_rows() -> dict[str, int]:
    """Settings label -> sheet row number, as the template lays them out."""
    return {setting.label: row for row, setting in enumerate(TEMPLATE.settings, 2)}


def setup_local(network: Network, folder: Path) -> Path:
    """Write the network into a new template workbook in ``folder``, with the flyer beside it."""
    from openpyxl import load_workbook

    from sheetsync.adapters.local.workbook_template import write_template
    from sheetsync.adapters.local.xlsx_store import save_atomically, set_cell

    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "referral-network.xlsx"
    write_template(path, network.rows)
    wb = load_workbook(path)
    rows = _settings_rows()
    for label, value in network.settings.items():
        set_cell(wb["Settings"], rows[label], 2, value)
    save_atomically(wb, path)
    (folder / "flyer.pdf").write_bytes(FLYER_PDF)
    return path


def setup_google(network: Network, url: str, folder: Path) -> str:
    """Create the template Sheet on the fake through the API and type the network in.

    Values go in as a person would type them (USER_ENTERED: dates as ISO text become dates).
    The flyer is written to ``folder`` (the Gmail adapter's attachments folder).
    """
    from sheetsync.adapters.google.clients import build_clients
    from sheetsync.adapters.google.credentials import GoogleCredentials
    from sheetsync.adapters.google.http import retry_policy
    from sheetsync.adapters.google.init import create_spreadsheet
    from sheetsync.adapters.google.sheets import quote_title, raw_value
    from sheetsync.adapters.google.template_requests import sheet_ids

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "flyer.pdf").write_bytes(FLYER_PDF)
    gc, _, _ = build_clients(url, GoogleCredentials.anonymous())
    retry = retry_policy(initial=0.01, maximum=0.1, deadline=30.0)
    sid = create_spreadsheet(gc, "Benchmark network", retry)
    http = gc.http_client
    grow = [
        {
            "appendDimension": {
                "sheetId": sheet_ids()[tab],
                "dimension": "ROWS",
                "length": len(rows) + 1 - GOOGLE_PREPARED_ROWS,
            }
        }
        for tab, rows in network.rows.items()
        if len(rows) + 1 > GOOGLE_PREPARED_ROWS
    ]
    if grow:
        http.batch_update(sid, {"requests": grow})
    data: list[dict[str, Any]] = []
    for tab, rows in network.rows.items():
        for start in range(0, len(rows), FILL_CHUNK):
            chunk = rows[start : start + FILL_CHUNK]
            values: list[list[Cell]] = [[raw_value(v) for v in row] for row in chunk]
            data.append({"range": f"{quote_title(tab)}!A{start + 2}", "values": values})
    settings = _settings_rows()
    for label, value in network.settings.items():
        data.append({"range": f"Settings!B{settings[label]}", "values": [[value]]})
    for start in range(0, len(data), 4):
        http.values_batch_update(
            sid, body={"valueInputOption": "USER_ENTERED", "data": data[start : start + 4]}
        )
    return sid


# --- the measurement ----------------------------------------------------------------------------


def measure_sync(
    backend: BackendKind,
    size: int,
    run: RunKind,
    *,
    workbook: Path | None = None,
    url: str | None = None,
    spreadsheet_id: str | None = None,
    attachments_dir: Path | None = None,
) -> RunResult:
    """Run one sync (``run`` names it: the first, or a steady-state one) and measure it."""
    from sheetsync.ports import Backend
    from sheetsync.service import run_sync

    sync_backend: Backend
    if backend == "local":
        from sheetsync.bootstrap import local_backend

        if workbook is None:
            raise ValueError("the local backend needs a workbook")
        sync_backend = local_backend(workbook, lambda: NOW)
    else:
        from sheetsync.adapters.google.credentials import GoogleCredentials
        from sheetsync.bootstrap import google_backend

        if url is None or spreadsheet_id is None:
            raise ValueError("the google backend needs the fake's url and a spreadsheet id")
        sync_backend = google_backend(
            spreadsheet_id,
            endpoint=url,
            credentials=GoogleCredentials.anonymous(),
            attachments_dir=attachments_dir,
            clock=lambda: NOW,
        )
    baseline = peak_rss_mb()  # imports and the backend's clients, before any work
    started = time.perf_counter()
    report = run_sync(sync_backend, NOW)
    total = time.perf_counter() - started
    requests = report.requests
    timings = report.timings
    return RunResult(
        backend=backend,
        size=size,
        run=run,
        sheets_requests=requests.get("sheets", 0),
        calendar_round_trips=requests.get("calendar", 0),
        calendar_writes=requests.get("calendar_writes", 0),
        gmail_round_trips=requests.get("gmail", 0),
        gmail_writes=requests.get("gmail_writes", 0),
        created=report.created,
        events_created=report.events["created"],
        drafts_created=report.drafts["created"],
        event_items=len(report.plan.pending_events),
        draft_items=len(report.plan.drafts),
        cells_written=report.write_report.cells_written if report.write_report else 0,
        metadata_chars=max(
            (report.write_report.metadata_chars.values() if report.write_report else ()),
            default=0,
        ),
        problems=len(report.problems),
        read_s=timings.get("read", 0.0),
        plan_s=timings.get("plan", 0.0),
        apply_s=timings.get("apply", 0.0),
        write_s=timings.get("write", 0.0),
        total_s=total,
        peak_rss_mb=peak_rss_mb(),
        baseline_rss_mb=baseline,
        events=dict(report.events),
        drafts=dict(report.drafts),
    )


def main(argv: list[str] | None = None) -> int:
    """Child-process entry: measure one run and print its RunResult as JSON."""
    parser = argparse.ArgumentParser(prog="python -m bench.measure")
    parser.add_argument("--backend", choices=["local", "google"], required=True)
    parser.add_argument("--size", type=int, required=True)
    parser.add_argument("--run", choices=["first", "steady"], required=True)
    parser.add_argument("--workbook", type=Path)
    parser.add_argument("--url")
    parser.add_argument("--spreadsheet-id")
    parser.add_argument("--attachments-dir", type=Path)
    args = parser.parse_args(argv)
    result = measure_sync(
        args.backend,
        args.size,
        args.run,
        workbook=args.workbook,
        url=args.url,
        spreadsheet_id=args.spreadsheet_id,
        attachments_dir=args.attachments_dir,
    )
    print(json.dumps(asdict(result)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
