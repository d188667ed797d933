"""The demo's sample network is data: every field it names is a column of its tab."""

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
