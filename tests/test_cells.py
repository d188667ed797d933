"""Parsing what spreadsheet cells really hold, including hostile input."""

from datetime import date, datetime

import pytest

from sheetsync.core import cells, emails


@pytest.mark.parametrize(
    ("value", "order", "expected"),
    [
        ("2026-03-04", "DMY", date(2026, 3, 4)),
        ("2026-03-04T10:00:00Z", "MDY", date(2026, 3, 4)),
        ("03/04/2026", "DMY", date(2026, 4, 3)),
        ("03/04/2026", "MDY", date(2026, 3, 4)),
        ("3.4.26", "DMY", date(2026, 4, 3)),
        ("2026/03/04", "MDY", date(2026, 3, 4)),
        ("4 March 2026", "MDY", date(2026, 3, 4)),
        ("Mar 4, 2026", "DMY", date(2026, 3, 4)),
        (46085, "DMY", date(2026, 3, 4)),
        (46085.75, "DMY", date(2026, 3, 4)),
        ("46085", "DMY", date(2026, 3, 4)),
        (date(2026, 3, 4), "DMY", date(2026, 3, 4)),
        (datetime(2026, 3, 4, 12), "DMY", date(2026, 3, 4)),
        ("  ", "DMY", None),
        (None, "DMY", None),
    ],
)
def test_dates_in_every_form(value, order, expected):
    assert cells.parse_date(value, order) == expected


@pytest.mark.parametrize(
    "value", ["31/02/2026", "next tuesday", "=TODAY()", True, 12, "2026-13-01", "4 Smarch 2026"]
)
def test_bad_dates_raise_a_reason_without_the_value(value):
    with pytest.raises(ValueError) as error:
        cells.parse_date(value, "DMY")
    assert str(value) not in str(error.value) or str(value) in ("True", "12")


@pytest.mark.parametrize("value", ["Y", "yes", "TRUE", "✓", "✔", "x", True, 1, "On"])
def test_yes(value):
    assert cells.parse_bool(value) is True


@pytest.mark.parametrize("value", ["N", "no", "FALSE", "✗", False, 0])
def test_no(value):
    assert cells.parse_bool(value) is False


def test_bool_rejects_maybe():
    with pytest.raises(ValueError, match="not yes or no"):
        cells.parse_bool("maybe")


@pytest.mark.parametrize(
    ("value", "expected"), [("60", 60), (" 60 ", 60), (60.0, 60), ("1,000", 1000), ("7.0", 7)]
)
def test_numbers_as_text(value, expected):
    assert cells.parse_int(value) == expected


@pytest.mark.parametrize("value", ["sixty", "6.5", 6.5, True, "-1"])
def test_bad_numbers(value):
    with pytest.raises(ValueError):
        cells.parse_int(value)


def test_email_with_stray_whitespace_is_trimmed():
    assert emails.parse_email("  ana@example.org \n") == "ana@example.org"


@pytest.mark.parametrize(
    "value",
    ["ana@@example.org", "ana example@x.org", "ana@exa\nmple.org", "=HYPERLINK(1)", "no-at"],
)
def test_bad_emails(value):
    with pytest.raises(ValueError, match="not a valid email"):
        emails.parse_email(value)


def test_unicode_domain_is_accepted_but_not_a_unicode_local_part():
    assert emails.parse_email("zoe@bücher.de") == "zoe@bücher.de"
    with pytest.raises(ValueError, match="non-ASCII letters before the @"):
        emails.parse_email("zoë@example.org")


def test_choice_matches_loosely_and_lists_options_when_unknown():
    choices = ("GP / PCP", "Paediatrician")
    assert cells.parse_choice(" gp/pcp ", choices) == "GP / PCP"
    with pytest.raises(ValueError, match="is not one of: GP / PCP, Paediatrician"):
        cells.parse_choice("Astrologer", choices)


def test_ranges():
    assert cells.parse_range("1–2") == (1, 2)
    with pytest.raises(ValueError):
        cells.parse_range("2-1")


def _validator_says(text: str) -> str | None:
    from email_validator import EmailNotValidError, validate_email

    try:
        return str(validate_email(text, check_deliverability=False).normalized)
    except EmailNotValidError:
        return None


@pytest.mark.parametrize(
    "text",
    [
        "Ana.B@Example.ORG",
        "o'brien+tag@clinic.example",
        "a..b@x.com",
        ".a@x.com",
        "a.@x.com",
        "a@x.test",
        "a@sub.localhost",
        "a@x.c0m",
        "a@-x.com",
        "a@x-.com",
        "a@ab--cd.com",
        "a@xn--bcher-kva.com",
        "a@x.co",
        "a@x",
        "x" * 65 + "@x.com",
        "a@" + "b" * 64 + ".com",
        "a@" + ("b" * 60 + ".") * 5 + "com",
    ],
)
def test_plain_email_fast_path_agrees_with_email_validator(text):
    # The fast path may decline (None) but never disagrees with email_validator.
    fast = emails._plain_email(text)
    if fast is not None:
        assert fast == _validator_says(text)


def test_plain_email_fast_path_agrees_on_random_addresses():
    import random
    import string

    rng = random.Random(7)
    local_chars = string.ascii_letters + string.digits + "!#$%&'*+/=?^_`{|}~-."
    domain_chars = string.ascii_letters + string.digits + "-."
    taken = 0
    for _ in range(3000):
        local = "".join(rng.choice(local_chars) for _ in range(rng.randint(1, 10)))
        domain = "".join(rng.choice(domain_chars) for _ in range(rng.randint(1, 12)))
        tld = rng.choice(["com", "ORG", "test", "local", "example", "io", "c0m", "x"])
        text = f"{local}@{domain}.{tld}"
        fast = emails._plain_email(text)
        if fast is not None:
            taken += 1
            assert fast == _validator_says(text), text
    assert taken > 500  # the fast path does take the common case
