"""The fake Calendar v3 API: calendars, their events, and the ``events.*`` handlers.

Owns event storage (deleted events are kept as ``status: cancelled``, so their ids stay taken
as on Google), Calendar's client-supplied id rules (base32hex, 5-1024 characters; 400
``invalid`` otherwise, 409 ``duplicate`` on reuse), patch/update semantics with
``sequence``/``updated``/``etag`` bumps, and list filtering/paging (private and shared
extended properties, time window, showDeleted, sync tokens). Repeating events are stored with
their ``recurrence``, checked as Google checks it (``recurrence.py``).
"""

from __future__ import annotations

import base64
import copy
import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .common import (
    Call,
    Clock,
    Handler,
    Ids,
    Reply,
    decode_page_token,
    encode_page_token,
    rfc3339,
)
from .discovery import drop_nulls, parse_rfc3339
from .errors import ApiError, bad_request, duplicate, not_found
from .recurrence import check_recurrence, series_end

EVENT_ID = re.compile(r"^[a-v0-9]{5,1024}$")

# Fields Google computes; a client sending them back (e.g. a fetched event) is not an error,
# they are simply ignored.
READ_ONLY = {"kind", "etag", "htmlLink", "created", "updated", "creator", "iCalUID"}

# Query parameters a syncToken request may not combine with (Google answers 400).
_NOT_WITH_SYNC = (
    "iCalUID",
    "orderBy",
    "privateExtendedProperty",
    "q",
    "sharedExtendedProperty",
    "timeMin",
    "timeMax",
    "updatedMin",
)


@dataclass
class StoredEvent:
    """An event resource plus bookkeeping for ordering and sync tokens."""

    resource: dict[str, Any]
    order: int
    revision: int

    @property
    def cancelled(self) -> bool:
        return self.resource.get("status") == "cancelled"


class CalendarApi:
    """In-memory Calendar v3 backend."""

    def __init__(self, ids: Ids, clock: Clock, user_email: str) -> None:
        self.ids = ids
        self.clock = clock
        self.user_email = user_email
        self.calendars: dict[str, dict[str, StoredEvent]] = {user_email: {}}
        self.summaries: dict[str, str] = {user_email: user_email}
        self._order = 0
        self._revision = 0
        self._etag = 3_100_000_000_000_000

    # ---- state helpers ----------------------------------------------------------------

    def add_calendar(self, calendar_id: str, summary: str | None = None) -> None:
        self.calendars.setdefault(calendar_id, {})
        self.summaries[calendar_id] = summary or calendar_id

    def canonical(self, calendar_id: str) -> str:
        return self.user_email if calendar_id == "primary" else calendar_id

    def events(self, calendar_id: str) -> dict[str, StoredEvent]:
        cal = self.calendars.get(self.canonical(calendar_id))
        if cal is None:
            raise not_found("Not Found")
        return cal

    def _bump(self, resource: dict[str, Any]) -> int:
        self._revision += 1
        self._etag += 1
        resource["etag"] = f'"{self._etag}"'
        resource["updated"] = rfc3339(self.clock())
        return self._revision

    # ---- routing ----------------------------------------------------------------------

    def handlers(self) -> dict[str, Handler]:
        return {
            "calendar.events.insert": self.h_insert,
            "calendar.events.get": self.h_get,
            "calendar.events.patch": self.h_patch,
            "calendar.events.update": self.h_update,
            "calendar.events.delete": self.h_delete,
            "calendar.events.list": self.h_list,
            "calendar.calendars.get": self.h_calendar_get,
        }

    def h_calendar_get(self, call: Call) -> Reply:
        cal_id = self.canonical(call.params["calendarId"])
        self.events(cal_id)
        return Reply(
            {
                "kind": "calendar#calendar",
                "etag": f'"{self._etag}"',
                "id": cal_id,
                "summary": self.summaries.get(cal_id, cal_id),
                "timeZone": "UTC",
            }
        )

    # ---- events -----------------------------------------------------------------------

    def insert(self, calendar_id: str, body: dict[str, Any]) -> dict[str, Any]:
        """Create an event; the shared core of events.insert and the test helpers."""
        cal_id = self.canonical(calendar_id)
        events = self.events(cal_id)
        body = drop_nulls(body)
        event_id = body.get("id")
        if event_id is None:
            event_id = self.ids.event_id()
            while event_id in events:
                event_id = self.ids.event_id()
        elif not isinstance(event_id, str) or not EVENT_ID.match(event_id):
            raise bad_request("Invalid resource id value.")
        if event_id in events:
            # Deleted (cancelled) events keep their id, exactly like Google.
            raise duplicate()
        check_times(body)
        check_recurrence(body)
        now = rfc3339(self.clock())
        eid = base64.urlsafe_b64encode(f"{event_id} {cal_id}".encode()).decode().rstrip("=")
        resource: dict[str, Any] = {
            "kind": "calendar#event",
            "id": event_id,
            "status": "confirmed",
            "htmlLink": f"https://www.google.com/calendar/event?eid={eid}",
            "created": now,
            "creator": {"email": self.user_email, "self": True},
            "organizer": {"email": cal_id, "self": True},
            "iCalUID": f"{event_id}@google.com",
            "sequence": 0,
            "reminders": {"useDefault": True},
            "eventType": "default",
        }
        for key, value in body.items():
            if key not in READ_ONLY:
                resource[key] = copy.deepcopy(value)
        _omit_empty_recurrence(resource)
        self._order += 1
        revision = self._bump(resource)
        events[event_id] = StoredEvent(resource, self._order, revision)
        return copy.deepcopy(resource)

    def _stored(self, call: Call) -> StoredEvent:
        stored = self.events(call.params["calendarId"]).get(call.params["eventId"])
        if stored is None:
            raise not_found("Not Found")
        return stored

    def h_insert(self, call: Call) -> Reply:
        return Reply(self.insert(call.params["calendarId"], call.body or {}))

    def h_get(self, call: Call) -> Reply:
        return Reply(copy.deepcopy(self._stored(call).resource))

    def patch(self, stored: StoredEvent, body: dict[str, Any]) -> dict[str, Any]:
        """Patch semantics: nested objects merge, arrays replace, null clears a field."""
        resource = copy.deepcopy(stored.resource)
        body_id = body.get("id")
        if body_id is not None and body_id != resource["id"]:
            raise bad_request("Invalid resource id value.")
        for key, value in body.items():
            if key in READ_ONLY or key in ("id", "sequence"):
                continue
            if value is None:
                resource.pop(key, None)
            elif key in ("start", "end") or not isinstance(value, dict):
                # A new start/end replaces the old one whole: merging {"date"} into
                # {"dateTime"} would leave both set.
                resource[key] = drop_nulls(copy.deepcopy(value))
            else:
                resource[key] = _merge(resource.get(key), value)
        check_times(resource)
        check_recurrence(resource)
        _omit_empty_recurrence(resource)
        self._finish_change(stored, resource, body)
        return copy.deepcopy(resource)

    def _finish_change(
        self, stored: StoredEvent, resource: dict[str, Any], body: dict[str, Any]
    ) -> None:
        sent = body.get("sequence")
        current = int(resource.get("sequence", 0))
        resource["sequence"] = max(current + 1, int(sent) if sent is not None else 0)
        stored.revision = self._bump(resource)
        stored.resource = resource

    def h_patch(self, call: Call) -> Reply:
        return Reply(self.patch(self._stored(call), call.body or {}))

    def h_update(self, call: Call) -> Reply:
        stored = self._stored(call)
        body = drop_nulls(call.body or {})
        if body.get("id") not in (None, stored.resource["id"]):
            raise bad_request("Invalid resource id value.")
        check_times(body)
        check_recurrence(body)
        keep = {k: v for k, v in stored.resource.items() if k in READ_ONLY or k == "id"}
        resource: dict[str, Any] = {
            "status": "confirmed",
            **keep,
            "sequence": stored.resource.get("sequence", 0),
        }
        for key, value in body.items():
            if key not in READ_ONLY and key not in ("id", "sequence"):
                resource[key] = copy.deepcopy(value)
        _omit_empty_recurrence(resource)
        self._finish_change(stored, resource, body)
        return Reply(copy.deepcopy(resource))

    def delete(self, stored: StoredEvent) -> None:
        if stored.cancelled:
            raise ApiError(410, "Resource has been deleted", reason="deleted")
        resource = copy.deepcopy(stored.resource)
        resource["status"] = "cancelled"
        self._finish_change(stored, resource, {})

    def h_delete(self, call: Call) -> Reply:
        self.delete(self._stored(call))
        return Reply(None, 204)

    def h_list(self, call: Call) -> Reply:
        cal_id = self.canonical(call.params["calendarId"])
        events = self.events(cal_id)
        sync_token = call.param("syncToken")
        if sync_token is not None:
            clash = [p for p in _NOT_WITH_SYNC if call.param(p) is not None]
            if clash:
                raise bad_request(f"Parameter {clash[0]} cannot be combined with syncToken.")
            since = _decode_sync_token(sync_token)
            items = [e for e in events.values() if e.revision > since]
        else:
            items = list(events.values())
            if not call.param("showDeleted", False):
                items = [e for e in items if not e.cancelled]
            items = [e for e in items if _matches(e.resource, call)]
        order_by = call.param("orderBy")
        if order_by == "startTime":
            if not call.param("singleEvents", False):
                raise bad_request(
                    "The requested ordering is not available for the particular query."
                )
            items.sort(key=lambda e: _bounds(e.resource)[0])
        elif order_by == "updated":
            items.sort(key=lambda e: e.resource.get("updated", ""))
        else:
            items.sort(key=lambda e: e.order)
        offset = decode_page_token(call.param("pageToken"))
        size = min(int(call.param("maxResults", 250)), 2500)
        page = items[offset : offset + size]
        out: dict[str, Any] = {
            "kind": "calendar#events",
            "etag": f'"{self._etag}"',
            "summary": self.summaries.get(cal_id, cal_id),
            "updated": rfc3339(self.clock()),
            "timeZone": "UTC",
            "accessRole": "owner",
            "defaultReminders": [],
            "items": [copy.deepcopy(e.resource) for e in page],
        }
        if offset + size < len(items):
            out["nextPageToken"] = encode_page_token(offset + size)
        else:
            out["nextSyncToken"] = _encode_sync_token(self._revision)
        return Reply(out)


# ---- module helpers ---------------------------------------------------------------------


def _omit_empty_recurrence(resource: dict[str, Any]) -> None:
    """Google leaves ``recurrence`` out of a single event ([] in a patch makes one)."""
    if resource.get("recurrence") == []:
        del resource["recurrence"]


def _merge(old: Any, new: dict[str, Any]) -> dict[str, Any]:
    merged: dict[str, Any] = copy.deepcopy(old) if isinstance(old, dict) else {}
    for key, value in new.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict):
            merged[key] = _merge(merged.get(key), value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged


def _when(value: Any, which: str) -> tuple[datetime, bool]:
    """A start/end as an aware datetime, plus whether it is an all-day date."""
    if not isinstance(value, dict) or ("date" in value) == ("dateTime" in value):
        raise bad_request(f"Invalid {which} time.")
    if "date" in value:
        day = date.fromisoformat(value["date"])
        # All-day events are placed at midnight UTC: the fake has no calendar time zone.
        return datetime.combine(day, time(), UTC), True
    moment = parse_rfc3339(value["dateTime"])
    if moment is None:
        raise bad_request(f"Invalid {which} time.")
    if moment.tzinfo is None:
        zone = value.get("timeZone")
        if not zone:
            raise bad_request(f"Missing time zone definition for {which} time.")
        try:
            moment = moment.replace(tzinfo=ZoneInfo(zone))
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise bad_request(f"Invalid time zone definition for {which} time.") from exc
    return moment, False


def check_times(resource: dict[str, Any]) -> None:
    """Google's start/end rules: both present, same kind, end not before start."""
    if "start" not in resource:
        raise bad_request("Missing start time.", reason="required")
    if "end" not in resource:
        raise bad_request("Missing end time.", reason="required")
    start, start_is_date = _when(resource["start"], "start")
    end, end_is_date = _when(resource["end"], "end")
    if start_is_date != end_is_date:
        raise bad_request("Start and end times must either both be date or both be dateTime.")
    if end < start or (start_is_date and end == start):
        raise bad_request("The specified time range is empty.", reason="timeRangeEmpty")


def _bounds(resource: dict[str, Any]) -> tuple[datetime, datetime]:
    return _when(resource["start"], "start")[0], _when(resource["end"], "end")[0]


def _property_filter(values: list[str], props: dict[str, Any]) -> bool:
    for constraint in values:
        key, sep, expected = constraint.partition("=")
        if not sep or not key:
            raise bad_request(f"Invalid extended property constraint: {constraint}")
        if props.get(key) != expected:
            return False
    return True


def _matches(resource: dict[str, Any], call: Call) -> bool:
    ext = resource.get("extendedProperties") or {}
    if not _property_filter(call.param("privateExtendedProperty", []), ext.get("private") or {}):
        return False
    if not _property_filter(call.param("sharedExtendedProperty", []), ext.get("shared") or {}):
        return False
    if call.param("iCalUID") is not None and resource.get("iCalUID") != call.param("iCalUID"):
        return False
    time_min, time_max = call.param("timeMin"), call.param("timeMax")
    if time_min is not None or time_max is not None:
        start, first_end = _bounds(resource)
        end = series_end(resource, start, first_end)
        low = parse_rfc3339(time_min) if time_min else None
        high = parse_rfc3339(time_max) if time_max else None
        if low is not None and high is not None and low >= high:
            raise bad_request("The specified time range is empty.", reason="timeRangeEmpty")
        # Overlap test, as Google documents it: end > timeMin and start < timeMax (a series
        # without end reaches past every timeMin).
        if low is not None and end is not None and not end > _aware(low):
            return False
        if high is not None and not start < _aware(high):
            return False
    updated_min = call.param("updatedMin")
    if updated_min is not None:
        updated = parse_rfc3339(resource.get("updated", ""))
        bound = parse_rfc3339(updated_min)
        if updated is None or bound is None or _aware(updated) < _aware(bound):
            return False
    text = call.param("q")
    if text:
        haystack = " ".join(
            str(resource.get(k, "")) for k in ("summary", "description", "location")
        ).lower()
        if not all(word in haystack for word in text.lower().split()):
            return False
    return True


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def _encode_sync_token(revision: int) -> str:
    return base64.urlsafe_b64encode(f"fake-sync:{revision}".encode()).decode().rstrip("=")


def _decode_sync_token(token: str) -> int:
    try:
        text = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)).decode()
        prefix, _, number = text.partition(":")
        if prefix != "fake-sync":
            raise ValueError(token)
        return int(number)
    except ValueError as exc:
        raise ApiError(
            410,
            "Sync token is no longer valid, a full sync is required.",
            reason="fullSyncRequired",
        ) from exc
