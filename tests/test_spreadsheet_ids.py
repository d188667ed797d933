"""A spreadsheet id from outside (a request, a setting, the command line) never shapes a URL.

``sheetsync.core.ids.check_spreadsheet_id`` is the one check; the entry points call it on request
fields (tested in test_entrypoints.py), the configuration on ``SHEETSYNC_SPREADSHEET_ID``, and
the Google SheetStore's constructor as the last line of defence.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fakegoogle import FakeGoogle
from googlekit import FAST, clients, template_sheet

from sheetsync.adapters.google.sheets import GoogleSheetStore
from sheetsync.config import Config
from sheetsync.core.ids import check_spreadsheet_id
from sheetsync.errors import BadRequestError, ConfigError

#: Ids that would leave ``/v4/spreadsheets/{id}``, add a query or a fragment, or are not ids.
BAD_IDS = [
    "../../x",
    "..",
    "a/b",
    "a/b?c",
    "a?fields=*",
    "a#b",
    "a%2F..",
    "a b",
    " a",
    "a\n",
    "a\x00",
    "ａｂｃ",  # full-width letters: not ASCII
    "é1",
    "",
    "x" * 129,
]
GOOD_IDS = ["1", "1AbC-d_E", "x" * 128, "1BxiMVs0XRA5nFMdKvBdBZjgmUUqptlbs74OgvE2upms"]


@pytest.mark.parametrize("value", BAD_IDS)
def test_bad_ids_are_refused_without_quoting_them(value: str) -> None:
    with pytest.raises(BadRequestError) as caught:
        check_spreadsheet_id(value, "spreadsheet_id")
    # The message names the field and the form, never the value.
    assert str(caught.value) == (
        "spreadsheet_id is not a spreadsheet id (1 to 128 letters, digits, '-' or '_')"
    )


@pytest.mark.parametrize("value", [None, 7, ["a"], {"a": 1}, b"abc"])
def test_non_strings_are_refused(value: object) -> None:
    with pytest.raises(BadRequestError):
        check_spreadsheet_id(value, "sheets.id")


@pytest.mark.parametrize("value", GOOD_IDS)
def test_good_ids_pass_unchanged(value: str) -> None:
    assert check_spreadsheet_id(value, "spreadsheet_id") == value


def test_the_error_type_is_the_callers() -> None:
    with pytest.raises(ConfigError, match=r"^SHEETSYNC_SPREADSHEET_ID is not"):
        check_spreadsheet_id("a/b", "SHEETSYNC_SPREADSHEET_ID", ConfigError)


@pytest.mark.parametrize("value", ["../../x", "a/b?c", "x" * 129])
def test_setting_is_checked_when_read(value: str) -> None:
    with pytest.raises(ConfigError, match="SHEETSYNC_SPREADSHEET_ID") as caught:
        Config.from_env({"SHEETSYNC_SPREADSHEET_ID": value})
    assert value not in str(caught.value)


def test_setting_is_stripped_like_every_other() -> None:
    assert Config.from_env({"SHEETSYNC_SPREADSHEET_ID": " 1AbC \n"}).spreadsheet_id == "1AbC"
    assert Config.from_env({"SHEETSYNC_SPREADSHEET_ID": "  "}).spreadsheet_id is None


@pytest.fixture(scope="module")
def fake() -> Iterator[FakeGoogle]:
    with FakeGoogle(seed=11) as server:
        yield server


@pytest.mark.parametrize("value", ["../../x", "a/b?c", "a#b"])
def test_google_sheet_store_refuses_a_bad_id_before_any_request(
    fake: FakeGoogle, value: str
) -> None:
    gc, _, _ = clients(fake)
    fake.reset_log()
    with pytest.raises(ConfigError, match="the spreadsheet id is not a spreadsheet id"):
        GoogleSheetStore(gc, value, FAST).read()
    assert fake.requests() == []


def test_google_sheet_store_reads_a_real_id(fake: FakeGoogle) -> None:
    sid = template_sheet(fake)
    fake.reset_log()
    gc, _, _ = clients(fake)
    assert GoogleSheetStore(gc, sid, FAST).read().table("Contacts") is not None
    assert all(r.path.startswith(f"/v4/spreadsheets/{sid}") for r in fake.requests("sheets"))
