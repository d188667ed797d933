"""One default clock: the adapters that stamp what they write tell the composition root's time."""

from __future__ import annotations

import inspect
from datetime import UTC, datetime, timedelta

import pytest

from sheetsync import bootstrap
from sheetsync.adapters.clock import utc_now
from sheetsync.adapters.google.gmail import GmailMailbox
from sheetsync.adapters.local.eml_mailbox import EmlMailbox
from sheetsync.adapters.local.ics_calendar import IcsCalendar


def test_utc_now_is_aware_utc_and_now():
    now = utc_now()
    assert now.tzinfo is UTC
    assert abs(now - datetime.now(UTC)) < timedelta(seconds=5)


def test_the_composition_root_passes_the_one_clock():
    assert bootstrap.utc_now is utc_now
    for builder in (bootstrap.local_backend, bootstrap.google_backend):
        assert inspect.signature(builder).parameters["clock"].default is utc_now


@pytest.mark.parametrize("adapter", [IcsCalendar, EmlMailbox, GmailMailbox])
def test_an_adapter_built_without_a_clock_uses_the_same_one(adapter):
    assert inspect.signature(adapter).parameters["clock"].default is utc_now
