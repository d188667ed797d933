"""Helpers for tests of the Google backend on the fake server: clients, a template Sheet, demo data.

Everything goes through the real clients (gspread, googleapiclient) and the production
client builder (``build_clients`` with an endpoint), with anonymous credentials and a retry
policy whose delays are milliseconds.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from fakegoogle import FakeGoogle
from google.auth.credentials import AnonymousCredentials

from sheetsync.adapters.google.clients import build_clients
from sheetsync.adapters.google.credentials import GoogleCredentials
from sheetsync.adapters.google.http import retry_policy
from sheetsync.adapters.google.init import create_spreadsheet
from sheetsync.adapters.google.sheets import quote_title, raw_value
from sheetsync.bootstrap import google_backend
from sheetsync.entrypoints.demo import FLYER_PDF, SETTINGS_VALUES, sample_rows
from sheetsync.ports import Backend

NOW = datetime(2026, 11, 29, 10, 0, tzinfo=UTC)
#: Retries in milliseconds, giving up after a few seconds.
FAST = retry_policy(initial=0.001, maximum=0.01, deadline=5.0)


def clients(server: FakeGoogle) -> tuple[Any, Any, Any]:
    return build_clients(server.url, AnonymousCredentials())


def template_sheet(server: FakeGoogle, title: str = "Referral network") -> str:
    """A new spreadsheet made by ``init`` on Google, through the API."""
    gc, _, _ = clients(server)
    return create_spreadsheet(gc, title, FAST)


def fill_demo(server: FakeGoogle, spreadsheet_id: str, today: date) -> None:
    """The demo's sample network and Settings, typed in as a person would (USER_ENTERED)."""
    fill_rows(server, spreadsheet_id, sample_rows(today))


def fill_rows(server: FakeGoogle, spreadsheet_id: str, network: dict[str, Any]) -> None:
    """Rows per tab and the demo Settings, typed in as a person would (USER_ENTERED)."""
    gc, _, _ = clients(server)
    data: list[dict[str, Any]] = []
    for tab, rows in network.items():
        values = [[raw_value(v) for v in row] for row in rows]
        data.append({"range": f"{quote_title(tab)}!A2", "values": values})
    labels = [row[0] if row else "" for row in server.sheet_rows(spreadsheet_id, "Settings")]
    for number, label in enumerate(labels, 1):
        if label in SETTINGS_VALUES:
            data.append({"range": f"Settings!B{number}", "values": [[SETTINGS_VALUES[label]]]})
    gc.http_client.values_batch_update(
        spreadsheet_id, body={"valueInputOption": "USER_ENTERED", "data": data}
    )


def demo_sheet(server: FakeGoogle, today: date | None = None) -> str:
    spreadsheet_id = template_sheet(server)
    fill_demo(server, spreadsheet_id, today or NOW.date())
    return spreadsheet_id


def backend(server: FakeGoogle, spreadsheet_id: str, flyer_dir: Path | None = None) -> Backend:
    """The production Google backend, pointed at the fake."""
    if flyer_dir is not None:
        (flyer_dir / "flyer.pdf").write_bytes(FLYER_PDF)
    return google_backend(
        spreadsheet_id,
        endpoint=server.url,
        credentials=GoogleCredentials.anonymous(),
        attachments_dir=flyer_dir,
        retry=FAST,
        clock=lambda: NOW,
    )


def rows_by_name(server: FakeGoogle, spreadsheet_id: str, tab: str) -> dict[str, dict[str, Any]]:
    """Each row of a tab as {header: value}, keyed by its Name (or first user column)."""
    values = server.sheet_rows(spreadsheet_id, tab)
    header = values[0]
    key = header.index("Name") if "Name" in header else 1
    out = {}
    for row in values[1:]:
        record = {h: (row[i] if i < len(row) else "") for i, h in enumerate(header)}
        name = row[key] if key < len(row) else ""
        if name:
            out[str(name)] = record
    return out
