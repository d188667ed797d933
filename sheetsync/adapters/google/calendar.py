"""The Google Calendar: follow-ups as all-day events with our own deterministic ids.

Owns how an ``EventSpec`` becomes Calendar calls, in batches of at most 50:

1. insert every wanted event with its client-supplied id (base32hex, from ``sheetsync.core.ids``),
   and patch every unwanted one to ``status=cancelled``;
2. an insert answered 409 means the id exists (created by an earlier or crashed sync, or
   deleted by a person, which leaves it cancelled): get those events;
3. patch the ones whose date, repeat rule, title, description or status differ ("moved" /
   "updated").

A repeating event (a group's meetings) carries ``recurrence: ["RRULE:..."]``. It is all-day, so
its start and end are dates with no ``timeZone``: the API requires one for a repeating event's
``dateTime`` (the zone its times repeat in), and a date repeats as a date in every zone.

Because the id is ours, re-running after a crash at any point creates nothing twice. Events are
tagged in ``extendedProperties.private`` (``sheetsync``, ``purpose``, ``sheet``: a hash of the
spreadsheet id, not the id itself) so they can be found and told apart from a person's events.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from google.api_core.retry import Retry

from sheetsync.adapters.google.batch import BatchCall, Batcher, CallResult, refused_by_store
from sheetsync.adapters.google.clients import ServiceFactory
from sheetsync.adapters.google.http import (
    DEFAULT_RETRY,
    RequestCounter,
    short_reason,
    to_backend_error,
)
from sheetsync.core.plan import EventOutcome, EventSpec
from sheetsync.core.rhythm import Rule, parse_rule
from sheetsync.ports import Calendar

#: Event id already taken (by us: the ids are derived from the Sheet).
CONFLICT = 409
#: A cancelled event that does not exist, or was deleted for good.
GONE = frozenset({404, 410})
#: Answered to every insert: about the calendar itself (see ``refused_by_store``).
STORE_REFUSALS = frozenset({401, 403, 404})


def sheet_tag(namespace: str) -> str:
    """A short, stable tag for the Sheet that does not reveal its id."""
    return hashlib.sha256(namespace.encode("utf-8")).hexdigest()[:16]


def _rule(spec: EventSpec) -> Rule | None:
    """The spec's repeat rule, None for a one-off; ``ValueError`` for one not to be sent."""
    return parse_rule(spec.recurrence) if spec.recurrence else None


def _stored_rule(event: dict[str, Any]) -> Rule | None:
    """A stored event's repeat rule, None for a one-off; ``ValueError`` for a recurrence
    sheetsync would not write (several lines, EXDATE or RDATE, parts beyond FREQ and INTERVAL).
    """
    lines = event.get("recurrence") or []
    if not lines:
        return None
    if len(lines) != 1 or not isinstance(lines[0], str):
        raise ValueError("not one RRULE")
    name, sep, value = lines[0].partition(":")
    if not sep or name.strip().upper() != "RRULE":
        raise ValueError("not an RRULE")
    return parse_rule(value)


def _differs(event: dict[str, Any], spec: EventSpec) -> tuple[bool, bool]:
    """(dates differ: first day or repeat rule, text or status differs) between a stored event
    and what is wanted (whose rule ``apply`` has checked)."""
    moved = (event.get("start") or {}).get("date") != spec.day.isoformat()
    try:
        # Compared as parsed rules: "FREQ=MONTHLY" and "FREQ=MONTHLY;INTERVAL=1" are one rule.
        moved = moved or _stored_rule(event) != _rule(spec)
    except ValueError:
        moved = True
    retitled = (
        event.get("summary", "") != spec.title
        or event.get("description", "") != spec.description
        or event.get("status", "confirmed") == "cancelled"
    )
    return moved, retitled


class GoogleCalendar(Calendar):
    """Events in a Google Calendar, through an injected googleapiclient Calendar v3 service.

    ``service`` is a factory of that service (``clients.service_factory``), called on first use.
    """

    def __init__(
        self,
        service: ServiceFactory,
        namespace: str,
        batch_uri: str,
        retry: Retry = DEFAULT_RETRY,
        calendar_id: str | None = None,
    ) -> None:
        #: Builds the service on first use: a sync with no event to write never loads
        #: googleapiclient (see ``clients``).
        self._service = service
        self.tag = sheet_tag(namespace)
        self.retry = retry
        #: Overrides the calendar id of every spec (``SHEETSYNC_CALENDAR_ID``).
        self.calendar_id = calendar_id
        self.counter = RequestCounter()
        self.batcher = Batcher(batch_uri, retry, self.counter)
        self._events: Any = None

    @property
    def events(self) -> Any:
        """The ``events`` collection, built once: googleapiclient builds a new Resource (every
        method, from the discovery document) on each ``service.events()`` call, which cost
        milliseconds and kilobytes per event when done per call."""
        if self._events is None:
            self._events = self._service().events()
        return self._events

    def _calendar(self, spec: EventSpec) -> str:
        return self.calendar_id or spec.calendar_id

    def _fields(self, spec: EventSpec) -> dict[str, Any]:
        """What we own of an event: written on insert and on every patch.

        ``recurrence`` is always there, [] for a one-off: a patch replaces a list whole, so []
        is what turns a repeating event back into a one-off.
        """
        rule = _rule(spec)
        return {
            "summary": spec.title,
            "description": spec.description,
            "start": {"date": spec.day.isoformat()},
            "end": {"date": (spec.day + timedelta(days=1)).isoformat()},
            "recurrence": [f"RRULE:{rule.text}"] if rule is not None else [],
            "status": "confirmed",
            "extendedProperties": {
                "private": {"sheetsync": "1", "purpose": spec.purpose, "sheet": self.tag}
            },
        }

    def _insert(self, spec: EventSpec) -> BatchCall:
        fields = self._fields(spec)
        if not fields["recurrence"]:
            del fields["recurrence"]  # a new one-off has nothing to clear
        body = {
            "id": spec.event_id,
            **fields,
            # A follow-up reminder should not block the day as busy.
            "transparency": "transparent",
        }
        events = self.events
        return BatchCall(
            spec.event_id,
            lambda: events.insert(calendarId=self._calendar(spec), body=body),
            write=True,
            keep_value=False,
        )

    def _patch(self, spec: EventSpec, body: dict[str, Any]) -> BatchCall:
        events = self.events
        return BatchCall(
            spec.event_id,
            lambda: events.patch(calendarId=self._calendar(spec), eventId=spec.event_id, body=body),
            write=True,
            keep_value=False,
        )

    def _get(self, spec: EventSpec) -> BatchCall:
        events = self.events
        return BatchCall(
            spec.event_id,
            lambda: events.get(calendarId=self._calendar(spec), eventId=spec.event_id),
        )

    def apply(self, events: Sequence[EventSpec]) -> list[EventOutcome]:
        specs = {spec.event_id: spec for spec in events}
        outcomes: dict[str, EventOutcome] = {}

        def failed(event_id: str, result: CallResult) -> None:
            assert result.error is not None
            outcomes[event_id] = EventOutcome(event_id, "failed", short_reason(result.error))

        for spec in specs.values():
            if spec.cancelled:
                continue
            try:
                _rule(spec)
            except ValueError as error:
                # Checked before any call, as the local calendar does: that event fails alone,
                # the way Google's 400 would fail it, without the round trip.
                reason = f"its repeat rule cannot be written: {error}"
                outcomes[spec.event_id] = EventOutcome(spec.event_id, "failed", reason)
        first = [
            self._patch(s, {"status": "cancelled"}) if s.cancelled else self._insert(s)
            for s in specs.values()
            if s.event_id not in outcomes
        ]
        existing: list[EventSpec] = []
        first_results = self.batcher.run(first)
        inserts = (r for key, r in first_results.items() if not specs[key].cancelled)
        # Every insert refused (the calendar is not there or not shared, the sync may not
        # write to it): one error for the sync, not one per row (a cancel's 404 means absent).
        if (refusal := refused_by_store(inserts, STORE_REFUSALS)) is not None:
            raise to_backend_error(refusal, "Writing to the calendar")
        for event_id, result in first_results.items():
            spec = specs[event_id]
            if spec.cancelled:
                if result.ok:
                    outcomes[event_id] = EventOutcome(event_id, "cancelled")
                elif result.status in GONE:
                    outcomes[event_id] = EventOutcome(event_id, "absent")
                else:
                    failed(event_id, result)
            elif result.ok:
                outcomes[event_id] = EventOutcome(event_id, "created")
            elif result.status == CONFLICT:
                existing.append(spec)
            else:
                failed(event_id, result)

        changes: list[BatchCall] = []
        actions: dict[str, EventOutcome] = {}
        got = self.batcher.run([self._get(s) for s in existing])
        for spec in existing:
            result = got[spec.event_id]
            if not result.ok:
                failed(spec.event_id, result)
                continue
            moved, retitled = _differs(result.value, spec)
            if not (moved or retitled):
                outcomes[spec.event_id] = EventOutcome(spec.event_id, "unchanged")
                continue
            changes.append(self._patch(spec, self._fields(spec)))
            actions[spec.event_id] = EventOutcome(spec.event_id, "moved" if moved else "updated")
        for event_id, result in self.batcher.run(changes).items():
            if result.ok:
                outcomes[event_id] = actions[event_id]
            else:
                failed(event_id, result)
        return [outcomes[event_id] for event_id in specs]

    def request_counts(self) -> dict[str, int]:
        return {"calendar": self.counter.round_trips, "calendar_writes": self.counter.writes}
