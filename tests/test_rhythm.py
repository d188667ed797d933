"""Group rhythms as RRULEs, and the dates of their series (``sheetsync.core.rhythm``).

Known dates first, worked out by hand from a calendar; then the same function against
dateutil's ``rrule`` (installed with icalendar) over many start dates, as an independent
reading of RFC 5545.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from dateutil.rrule import rrulestr

from sheet_template import tabs
from sheetsync.core.rhythm import RULES, Rule, next_on_or_after, parse_rule, rule_for


def test_every_meets_choice_has_its_rule_and_no_other():
    assert tuple(RULES) == tabs.MEETS


@pytest.mark.parametrize(
    ("meets", "rule"),
    [
        ("Weekly", "FREQ=WEEKLY;INTERVAL=1"),
        ("Fortnightly", "FREQ=WEEKLY;INTERVAL=2"),
        ("Monthly", "FREQ=MONTHLY;INTERVAL=1"),
        ("Every 2 months", "FREQ=MONTHLY;INTERVAL=2"),
        ("Quarterly", "FREQ=MONTHLY;INTERVAL=3"),
        ("Ad hoc", ""),
        (None, ""),
    ],
)
def test_rule_for_each_meets_choice(meets, rule):
    assert rule_for(meets) == rule
    if rule:
        assert parse_rule(rule).text == rule


def test_rule_for_an_unknown_choice_is_an_error():
    with pytest.raises(ValueError, match="Meets choices"):
        rule_for("Whenever")


def test_parse_reads_names_without_regard_to_case_and_defaults_interval():
    assert parse_rule("freq=monthly;interval=2") == Rule("MONTHLY", 2)
    assert parse_rule("FREQ=YEARLY") == Rule("YEARLY", 1)
    assert parse_rule("INTERVAL=3;FREQ=DAILY").text == "FREQ=DAILY;INTERVAL=3"


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        ("", "NAME=VALUE"),
        ("FREQ", "NAME=VALUE"),
        ("FREQ=WEEKLY;", "NAME=VALUE"),
        ("=WEEKLY", "NAME=VALUE"),
        ("INTERVAL=2", "needs FREQ"),
        ("RRULE:FREQ=WEEKLY", "needs FREQ"),
        ("FREQ=WEEKLY\nDTSTART:20260101", "FREQ must be"),
        ("FREQ=HOURLY", "FREQ must be"),
        ("FREQ=SOMETIMES", "FREQ must be"),
        ("FREQ=WEEKLY;FREQ=DAILY", "FREQ twice"),
        ("FREQ=WEEKLY;INTERVAL=0", "INTERVAL"),
        ("FREQ=WEEKLY;INTERVAL=-1", "INTERVAL"),
        ("FREQ=WEEKLY;INTERVAL=two", "INTERVAL"),
        ("FREQ=WEEKLY;INTERVAL=", "INTERVAL"),
        ("FREQ=WEEKLY;INTERVAL=\u0663", "INTERVAL"),  # an Arabic-Indic three
        ("FREQ=WEEKLY;BYDAY=MO", "BYDAY are not supported"),
        ("FREQ=MONTHLY;COUNT=3;UNTIL=20270101", "COUNT, UNTIL are not supported"),
    ],
)
def test_parse_refuses_what_it_cannot_honour(rule, message):
    with pytest.raises(ValueError, match=message):
        parse_rule(rule)
    if rule:  # "" is a one-off to next_on_or_after, not a rule
        for day in (date(2025, 1, 1), date(2026, 6, 1)):  # before the anchor, and after it
            with pytest.raises(ValueError, match=message):
                next_on_or_after(date(2026, 1, 1), rule, day)


MONTHLY = "FREQ=MONTHLY;INTERVAL=1"


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 31), date(2026, 1, 31)),
        (date(2026, 2, 1), date(2026, 3, 31)),  # no 31 February: skipped, not moved
        (date(2026, 4, 1), date(2026, 5, 31)),  # nor 31 April
        (date(2026, 6, 15), date(2026, 7, 31)),
        (date(2026, 8, 1), date(2026, 8, 31)),
        (date(2026, 9, 1), date(2026, 10, 31)),
        (date(2026, 11, 30), date(2026, 12, 31)),
    ],
)
def test_a_monthly_series_on_the_31st_skips_the_short_months(day, expected):
    assert next_on_or_after(date(2026, 1, 31), MONTHLY, day) == expected


def test_known_dates_of_each_rhythm():
    # 5 January 2026 is a Monday.
    monday = date(2026, 1, 5)
    assert next_on_or_after(monday, RULES["Weekly"], date(2026, 1, 6)) == date(2026, 1, 12)
    assert next_on_or_after(monday, RULES["Fortnightly"], date(2026, 1, 20)) == date(2026, 2, 2)
    assert next_on_or_after(monday, RULES["Fortnightly"], date(2026, 1, 19)) == date(2026, 1, 19)
    # Quarterly from 31 January: 30 April has no 31st, so July is next.
    quarterly = RULES["Quarterly"]
    assert next_on_or_after(date(2026, 1, 31), quarterly, date(2026, 2, 1)) == date(2026, 7, 31)
    # Every 2 months from 31 December: February, April and June have no 31st.
    every_2 = RULES["Every 2 months"]
    assert next_on_or_after(date(2025, 12, 31), every_2, date(2026, 1, 1)) == date(2026, 8, 31)
    # Monthly from the 15th, a year and a half on.
    assert next_on_or_after(date(2025, 3, 15), MONTHLY, date(2026, 9, 16)) == date(2026, 10, 15)
    # Yearly from 29 February: leap years only.
    leap = date(2024, 2, 29)
    assert next_on_or_after(leap, "FREQ=YEARLY", date(2024, 3, 1)) == date(2028, 2, 29)
    assert next_on_or_after(date(2096, 2, 29), "FREQ=YEARLY", date(2097, 1, 1)) == date(
        2104, 2, 29
    )  # 2100 is not a leap year
    assert next_on_or_after(date(2026, 1, 1), "FREQ=DAILY;INTERVAL=10", date(2026, 1, 2)) == (
        date(2026, 1, 11)
    )


def test_the_anchor_is_the_first_date_whatever_the_day():
    anchor = date(2026, 5, 20)
    assert next_on_or_after(anchor, MONTHLY, date(2020, 1, 1)) == anchor
    assert next_on_or_after(anchor, "", date(2026, 5, 20)) == anchor
    assert next_on_or_after(anchor, "", date(2026, 5, 1)) == anchor


def test_a_one_off_that_has_passed_has_no_next_date():
    with pytest.raises(ValueError, match="one-off"):
        next_on_or_after(date(2026, 5, 20), "", date(2026, 5, 21))


def test_a_series_that_would_run_past_the_calendar_is_an_error():
    with pytest.raises(ValueError, match="calendar ends"):
        next_on_or_after(date(9998, 6, 1), "FREQ=YEARLY", date(9999, 7, 1))
    with pytest.raises(ValueError, match="calendar ends"):
        next_on_or_after(date(9999, 12, 1), "FREQ=WEEKLY;INTERVAL=5", date(9999, 12, 30))
    with pytest.raises(ValueError, match="calendar ends"):
        next_on_or_after(date(2026, 1, 1), "FREQ=MONTHLY;INTERVAL=999999", date(2026, 1, 2))


def test_an_old_anchor_is_computed_not_walked():
    # 1 January of year 1 was a Monday; dateutil walks 105,000 weeks to answer this.
    assert next_on_or_after(date(1, 1, 1), RULES["Weekly"], date(2026, 5, 1)) == date(2026, 5, 4)
    assert next_on_or_after(date(1, 1, 31), MONTHLY, date(2026, 4, 1)) == date(2026, 5, 31)


ORACLE_RULES = [*(r for r in RULES.values() if r), "FREQ=DAILY;INTERVAL=3", "FREQ=YEARLY"]
#: Month ends, leap days and plain days, over two years.
ORACLE_ANCHORS = [
    date(2023, 12, 31),
    date(2024, 1, 30),
    date(2024, 1, 31),
    date(2024, 2, 28),
    date(2024, 2, 29),
    date(2024, 3, 31),
    date(2024, 5, 31),
    date(2024, 8, 29),
    date(2024, 10, 31),
    date(2025, 1, 7),
]


@pytest.mark.parametrize("rule", ORACLE_RULES)
def test_agrees_with_dateutil_rrule(rule):
    checked = 0
    for anchor in ORACLE_ANCHORS:
        series = rrulestr(rule, dtstart=datetime.combine(anchor, datetime.min.time()))
        for offset in range(-3, 800, 7):
            day = anchor + timedelta(days=offset)
            expected = series.after(datetime.combine(day, datetime.min.time()), inc=True)
            assert next_on_or_after(anchor, rule, day) == expected.date(), (anchor, day)
            checked += 1
    assert checked == len(ORACLE_ANCHORS) * len(range(-3, 800, 7))
