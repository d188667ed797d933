"""The fleet's pure logic: slots and due days (across daylight saving), task names, the queue's
rate from the quota, the consent's state and PKCE, and what a run does to a tenant's record."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from fleetkit import local_hour

from sheetsync.core.fleet import consent
from sheetsync.core.fleet.failures import failure_kind, revoked_reason, run_message
from sheetsync.core.fleet.rates import (
    SheetsQuota,
    ceiling_syncs_per_minute,
    queue_limits,
    tenant_syncs_per_minute,
)
from sheetsync.core.fleet.schedule import (
    due_day,
    due_runs,
    manual_run_key,
    scheduled_run_key,
    slot_start,
    task_id,
)
from sheetsync.core.fleet.tenants import (
    MAX_CONSECUTIVE_FAILURES,
    CredentialsRef,
    after_failure,
    after_success,
    fleet_notice,
    new_tenant,
    paused,
    tenant_id,
    user_ref,
)
from sheetsync.errors import (
    AuthError,
    BackendError,
    BadRequestError,
    SyncInProgressError,
    TemplateError,
)

NOW = datetime(2026, 11, 29, 6, 15, tzinfo=UTC)
KEY = b"s" * 32


def tenant(sheet: str = "sheet-1", zone: str = "Europe/Paris", hour: int = 7):
    return new_tenant(sheet, CredentialsRef("delegation", "a@example.org"), "u1", NOW, zone, hour)


# --- slots and due days ---------------------------------------------------------------------------


def slots_of_day(day: date) -> list[datetime]:
    start = datetime(day.year, day.month, day.day, tzinfo=UTC) - timedelta(hours=14)
    return [start + timedelta(hours=h) for h in range(24 + 28)]


@pytest.mark.parametrize(
    ("zone", "day"),
    [
        ("Europe/Paris", date(2026, 3, 29)),  # clocks go forward at 02:00
        ("Europe/Paris", date(2026, 10, 25)),  # clocks go back at 03:00
        ("America/New_York", date(2026, 3, 8)),
        ("Australia/Sydney", date(2026, 4, 5)),
        ("Asia/Kolkata", date(2026, 6, 1)),  # a half-hour offset
        ("Etc/UTC", date(2026, 6, 1)),
    ],
)
@pytest.mark.parametrize("hour", [0, 2, 7, 23])
def test_each_local_day_has_exactly_one_due_slot(zone: str, day: date, hour: int) -> None:
    due = [s for s in slots_of_day(day) if due_day(zone, hour, s) == day]
    assert len(due) == 1


def test_the_run_in_a_skipped_hour_falls_just_after_the_gap() -> None:
    # 2026-03-29 Paris: 02:00 does not exist; 02:00 local is taken as 03:00 CEST = 01:00 UTC.
    assert due_day("Europe/Paris", 2, datetime(2026, 3, 29, 1, tzinfo=UTC)) == date(2026, 3, 29)


def test_a_repeated_hour_is_due_once_the_first_time() -> None:
    # 2026-10-25 Paris: 02:00-03:00 happens twice (00:00 UTC and 01:00 UTC).
    assert due_day("Europe/Paris", 2, datetime(2026, 10, 25, 0, tzinfo=UTC)) == date(2026, 10, 25)
    assert due_day("Europe/Paris", 2, datetime(2026, 10, 25, 1, tzinfo=UTC)) is None


def test_due_runs_skip_paused_tenants_and_name_the_local_day() -> None:
    slot = slot_start(NOW)  # 06:00 UTC is 07:00 in Paris
    active, other_hour = tenant("a"), tenant("b", hour=9)
    stopped = paused(tenant("c"), "revoked")
    found = list(due_runs([active, other_hour, stopped], slot))
    assert [(t.spreadsheet_id, key) for t, key in found] == [("a", "daily-2026-11-29")]


def test_a_tenant_with_an_unknown_time_zone_runs_on_utc() -> None:
    odd = dataclasses.replace(tenant("z", hour=6), time_zone="Mars/Olympus")
    assert [t.spreadsheet_id for t, _ in due_runs([odd], slot_start(NOW))] == ["z"]


@pytest.mark.parametrize("zone", ["Asia/Kolkata", "Asia/Kathmandu", "Europe/Paris"])
def test_a_zone_off_the_hour_has_its_run_in_the_slot_where_the_local_hour_begins(
    zone: str,
) -> None:
    # The fleet kit enrols a tenant "due now" with this hour (bench/fleet.py's zones).
    for hours in range(24):
        slot = slot_start(NOW + timedelta(hours=hours))
        hour = local_hour(zone, slot)
        due = list(due_runs([dataclasses.replace(tenant("z", hour=hour), time_zone=zone)], slot))
        assert len(due) == 1, (zone, slot)


def test_slot_start_needs_an_aware_time() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        slot_start(datetime(2026, 1, 1))


# --- ids and names --------------------------------------------------------------------------------


def test_task_ids_are_stable_per_run_and_distinct_between_runs() -> None:
    first = task_id(tenant_id("s1"), scheduled_run_key(date(2026, 11, 29)))
    assert first == task_id(tenant_id("s1"), "daily-2026-11-29")
    others = {
        task_id(tenant_id("s2"), "daily-2026-11-29"),
        task_id(tenant_id("s1"), "daily-2026-11-30"),
        task_id(tenant_id("s1"), manual_run_key(NOW)),
    }
    assert first not in others and len(others) == 3
    assert first.isalnum() and len(first) == 40


def test_sync_now_presses_share_a_run_key_within_ten_minutes() -> None:
    start = datetime(2026, 11, 29, 6, 10, tzinfo=UTC)
    assert manual_run_key(start) == manual_run_key(start + timedelta(minutes=9, seconds=59))
    assert manual_run_key(start) != manual_run_key(start + timedelta(minutes=10))


def test_ids_carry_nothing_readable() -> None:
    sheet = "1AbCdEfGhIjKlMnOp"
    for value in (tenant_id(sheet), user_ref("123456789"), task_id(tenant_id(sheet), "now-1")):
        assert sheet not in value and "123456789" not in value


# --- rates --------------------------------------------------------------------------------------


def test_the_queue_rate_follows_from_the_sheets_quota() -> None:
    assert ceiling_syncs_per_minute() == 100  # 300 requests a minute / 3 per first sync
    assert ceiling_syncs_per_minute(steady=True) == 150
    assert tenant_syncs_per_minute() == 20  # the per-user limit, for one tenant
    limits = queue_limits()
    assert limits.max_dispatches_per_second == 1.33
    assert limits.syncs_per_minute <= 0.8 * ceiling_syncs_per_minute()
    assert limits.max_concurrent_dispatches == 20


def test_a_bigger_quota_or_fewer_requests_allow_a_faster_queue() -> None:
    doubled = queue_limits(SheetsQuota(project_per_minute=600))
    assert doubled.max_dispatches_per_second == pytest.approx(2.66)
    lean = queue_limits(SheetsQuota(first_sync_requests=2), headroom=1.0)
    assert lean.max_dispatches_per_second == 2.5
    with pytest.raises(ValueError):
        queue_limits(headroom=0)


# --- the consent's state and PKCE -------------------------------------------------------------


def state(expires: int = 2_000) -> consent.ConsentState:
    return consent.ConsentState("nonce-1", "t1", "u1", expires)


def test_a_signed_state_reads_back() -> None:
    assert consent.read_state(consent.sign_state(state(), KEY), KEY, 1_000) == state()


@pytest.mark.parametrize(
    "tamper",
    [
        lambda t: t[:-2] + ("AA" if not t.endswith("AA") else "BB"),  # another signature
        lambda t: "eyJuIjoibm9uY2UtMiJ9" + t[t.index(".") :],  # another payload
    ],
)
def test_an_altered_state_is_refused(tamper) -> None:
    with pytest.raises(AuthError) as caught:
        consent.read_state(tamper(consent.sign_state(state(), KEY)), KEY, 1_000)
    assert caught.value.http_status == 403


def test_a_state_signed_with_another_key_or_expired_is_refused() -> None:
    token = consent.sign_state(state(), KEY)
    with pytest.raises(AuthError):
        consent.read_state(token, b"x" * 32, 1_000)
    with pytest.raises(AuthError):
        consent.read_state(token, KEY, 2_000)


@pytest.mark.parametrize("junk", ["", "no-dot", "a.b.c", "x" * 2000, "ä.b", "a b.c"])
def test_junk_is_not_a_state(junk: str) -> None:
    with pytest.raises(BadRequestError):
        consent.read_state(junk, KEY, 1_000)


def test_a_short_key_is_refused() -> None:
    with pytest.raises(ValueError):
        consent.sign_state(state(), b"short")


def test_pkce_follows_rfc_7636() -> None:
    # RFC 7636, appendix B.
    verifier = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
    assert consent.pkce_challenge(verifier) == "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    made = consent.pkce_verifier(bytes(range(48)))
    assert 43 <= len(made) <= 128
    with pytest.raises(ValueError):
        consent.pkce_verifier(b"too short")
    with pytest.raises(ValueError):
        consent.pkce_challenge("short")


def test_a_consent_is_kept_under_a_hash_of_its_nonce() -> None:
    assert "nonce-1" not in consent.nonce_key("nonce-1")
    assert consent.nonce_key("nonce-1") != consent.nonce_key("nonce-2")


# --- runs and the record ------------------------------------------------------------------------


def test_a_success_ends_the_failure_streak() -> None:
    failing = after_failure(tenant(), "daily-2026-11-28", NOW, "HTTP 503")
    assert failing.consecutive_failures == 1
    ok = after_success(failing, "daily-2026-11-29", NOW, {"events_created": 2})
    assert ok.consecutive_failures == 0 and ok.last_run is not None
    assert ok.last_run.result == "ok" and ok.last_run.counts == {"events_created": 2}


def test_a_run_recorded_as_failed_twice_counts_once() -> None:
    once = after_failure(tenant(), "daily-2026-11-29", NOW, "x")
    again = after_failure(once, "daily-2026-11-29", NOW, "x")
    assert again.consecutive_failures == 1


def test_a_week_of_failures_pauses_the_tenant() -> None:
    record = tenant()
    for day in range(MAX_CONSECUTIVE_FAILURES):
        assert record.active
        record = after_failure(record, f"daily-2026-11-{day + 1:02d}", NOW, "404")
    assert not record.active and "7 times in a row" in record.paused_reason


def test_a_revoked_token_pauses_at_once() -> None:
    record = after_failure(tenant(), "daily-2026-11-29", NOW, "refused", "permission withdrawn")
    assert not record.active and record.paused_reason == "permission withdrawn"


def test_the_summary_notice_says_paused_or_failing() -> None:
    assert fleet_notice(None) == "" and fleet_notice(tenant()) == ""
    failing = after_failure(tenant(), "daily-2026-11-29", NOW, "Reading the Sheet failed")
    assert "failed once" in fleet_notice(failing) and "Reading the Sheet" in fleet_notice(failing)
    stopped = paused(tenant(), "Google no longer accepts the permission")
    assert fleet_notice(stopped).startswith("Daily sync is paused: Google no longer")


REVOKED = BackendError(
    "Reading the Sheet failed: token refresh refused (invalid_grant) (not signed in)", code=401
)


@pytest.mark.parametrize(
    ("exc", "kind"),
    [
        (REVOKED, "revoked"),
        (
            BackendError("x failed: token refresh refused (unauthorized_client)", code=401),
            "revoked",
        ),
        (BackendError("x failed: HTTP 401 authError (not signed in)", code=401), "permanent"),
        (BackendError("x failed: HTTP 503 backendError", code=503), "transient"),
        (BackendError("x failed: HTTP 429 rateLimitExceeded", code=429), "transient"),
        (
            BackendError("x failed: HTTP 403 userRateLimitExceeded (permission denied)", code=403),
            "transient",
        ),
        (BackendError("x failed: HTTP 403 forbidden (permission denied)", code=403), "permanent"),
        (BackendError("x failed: connection failed (ConnectionError)"), "transient"),
        (
            BackendError("x failed: HTTP 404 notFound (not found or not shared)", code=404),
            "permanent",
        ),
        (SyncInProgressError("another sync"), "transient"),
        (TemplateError("the Contacts tab is missing"), "permanent"),
        (KeyError("secret value"), "permanent"),
    ],
)
def test_failures_are_classified(exc: BaseException, kind: str) -> None:
    assert failure_kind(exc) == kind


def test_run_messages_keep_sheetsync_words_and_never_a_foreign_message() -> None:
    assert run_message(TemplateError("the Contacts tab is\nmissing")) == (
        "the Contacts tab is missing"
    )
    assert run_message(KeyError("alice@example.com")) == "internal error (KeyError)"
    assert "withdrawn" in revoked_reason(REVOKED)
