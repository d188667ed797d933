"""Build raw Snapshots from plain dicts, for tests of the pure core."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sheet_template import TEMPLATE
from sheetsync.core.table import Snapshot, Table

NOW = datetime(2026, 6, 15, 9, 30, tzinfo=UTC)

DEFAULT_SETTINGS = {
    "Your name": "Alex Morgan",
    "Practice name": "Brightside Therapy",
    "Your email": "alex@brightside.example",
    "Your specialty": "anxiety in teens",
    "Who you help": "teenagers with anxiety",
    "Website URL": "https://brightside.example",
    "Local area": "Newtown",
}


def table(tab_name: str, records: list[dict[str, Any]]) -> Table:
    tab = TEMPLATE.tab(tab_name)
    header = tuple(col.header for col in tab.columns)
    rows = tuple(tuple(record.get(col.key) for col in tab.columns) for record in records)
    return Table(tab_name, header, rows)


def snapshot(
    contacts: list[dict[str, Any]] | None = None,
    groups: list[dict[str, Any]] | None = None,
    log: list[dict[str, Any]] | None = None,
    referrals: list[dict[str, Any]] | None = None,
    settings: dict[str, Any] | None = None,
    letters: list[dict[str, Any]] | None = None,
) -> Snapshot:
    values = {s.label: s.default for s in TEMPLATE.settings}
    values.update(DEFAULT_SETTINGS)
    values.update(settings or {})
    settings_rows = [{"setting": k, "value": v} for k, v in values.items()]
    if letters is None:
        letters = [
            {"letter": letter.key, "subject": letter.subject, "body": letter.body}
            for letter in TEMPLATE.letters
        ]
    return Snapshot(
        {
            "Contacts": table("Contacts", contacts or []),
            "Groups": table("Groups", groups or []),
            "Log": table("Log", log or []),
            "Referrals": table("Referrals", referrals or []),
            "Settings": table("Settings", settings_rows),
            "Templates": table("Templates", letters),
            "Summary": Table("Summary", (), ()),
        }
    )
