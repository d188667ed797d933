"""The demo's sample network is data: every field it names is a column of its tab; and what
its sync puts in the calendar starts no earlier than the day it runs."""

from __future__ import annotations

from datetime import date, timedelta

from sheet_template import TEMPLATE
from sheetsync.entrypoints import sample_network
from sheetsync.entrypoints.demo import sample_rows


def test_every_sample_field_is_a_column_of_its_tab() -> None:
    # sample_rows lays records out by the template's columns: a misspelt key would be lost.
    for tab, records in sample_network.records(date(2026, 1, 1)).items():
        columns = {col.key for col in TEMPLATE.tab(tab).columns}
        for record in records:
            assert set(record) <= columns, (tab, set(record) - columns)


def test_dates_are_days_from_today() -> None:
    today = date(2026, 1, 1)
    (priya,) = [r for r in sample_network.records(today)["Contacts"] if r["name"] == "Priya Raman"]
    assert priya["last_contact"] == today - timedelta(days=40)
    rows = sample_rows(today)
    assert list(rows) == ["Contacts", "Groups", "Log", "Referrals"]
    assert len(rows["Contacts"]) == len(sample_network.CONTACTS) > 25


def test_the_demo_schedules_nothing_before_the_day_it_runs(tmp_path) -> None:
    """Issue "Record each thing once": overdue follow-ups are placed on today, not in the past."""
    from datetime import UTC, date, datetime

    from icalendar import Calendar

    from sheetsync.bootstrap import local_backend
    from sheetsync.entrypoints.demo import create_demo_workbook
    from sheetsync.service import run_sync

    today = date(2026, 12, 1)
    now = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
    path = tmp_path / "referral-network.xlsx"
    create_demo_workbook(path, today)
    report = run_sync(local_backend(path, lambda: now), now)
    assert report.plan.overdue, "the sample has overdue follow-ups"
    calendar = Calendar.from_ical((tmp_path / "calendar.ics").read_bytes())
    starts = [e["dtstart"].dt for e in calendar.walk("VEVENT")]
    assert starts and min(starts) == today
    overdue = [e for e in calendar.walk("VEVENT") if "(overdue since" in str(e["summary"])]
    assert overdue and all(e["dtstart"].dt == today for e in overdue)
