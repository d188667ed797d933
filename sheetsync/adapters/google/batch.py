"""Batches of Calendar and Gmail calls: multipart round trips of up to 50 calls, then retries.

Owns how a list of calls becomes as few round trips as can carry them (``Batcher``), what each
call ended with (``CallResult``), and when every call's failure is really the store's
(``refused_by_store``). A call that fails inside a batch that got through is retried on its
own when its failure is transient; a batch that fails as a whole is retried whole only when
its calls are idempotent (see ``Batcher.run``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from google.api_core.exceptions import RetryError
from google.api_core.retry import Retry

from sheetsync.adapters.google.http import (
    RequestCounter,
    google_errors,
    http_status,
    is_transient,
    unwrap,
)

T = TypeVar("T")

#: Google's documented limit for Calendar and Gmail batches is higher; 50 keeps each batch
#: inside the per-user rate limits (Gmail counts every inner call) and the payload small.
BATCH_SIZE = 50


@dataclass(frozen=True)
class BatchCall:
    """One API call to send in a batch.

    ``build`` makes a fresh ``HttpRequest`` (a request is never sent twice). ``alone`` is how to
    retry the call by itself after a transient failure; by default ``build().execute()``. Calls
    that are not safe to repeat blindly (creating a draft) pass a guarded version.
    """

    key: str
    build: Callable[[], Any]
    write: bool = False
    alone: Callable[[], Any] | None = None
    #: False when only success or failure matters (an insert, a patch): the response body is
    #: dropped on arrival, so a batch of thousands of calls does not hold every resource.
    keep_value: bool = True


@dataclass(frozen=True)
class CallResult:
    """A call's response, or the error it ended with (after any retries)."""

    value: Any = None
    error: BaseException | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def status(self) -> int | None:
        return http_status(unwrap(self.error)) if self.error is not None else None


def refused_by_store(
    results: Iterable[CallResult], statuses: frozenset[int]
) -> BaseException | None:
    """The error to raise when every call failed for good with one of ``statuses``, else None.

    Answered to every call of a sync, a 401, a 403 that is not a rate limit or a calendar's 404
    is about the store (not signed in, not shared, not there), not about one row: the caller
    raises one ``BackendError`` instead of failing each row with the same words.
    """
    errors = [result.error for result in results]
    if not errors or any(error is None for error in errors):
        return None
    causes = [unwrap(error) for error in errors if error is not None]
    if all(http_status(c) in statuses and not is_transient(c) for c in causes):
        return causes[0]
    return None


def chunks(items: Sequence[T], size: int) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Batcher:
    """Sends calls in multipart batches of at most ``size``, then retries failed items alone.

    ``batch_uri`` is given explicitly because googleapiclient's own batch builder takes it
    from the discovery document's root URL, ignoring a custom endpoint.
    """

    def __init__(
        self,
        batch_uri: str,
        retry: Retry,
        counter: RequestCounter,
        size: int = BATCH_SIZE,
    ) -> None:
        self.batch_uri = batch_uri
        self.retry = retry
        self.counter = counter
        self.size = size

    def execute(self, call: BatchCall) -> CallResult:
        """One call on its own, with the retry policy."""

        def attempt() -> Any:
            self.counter.round_trips += 1
            self.counter.writes += int(call.write)
            if call.alone is not None:
                return call.alone()
            return call.build().execute()

        try:
            value = self.retry(attempt)()
            return CallResult(value if call.keep_value else None)
        except google_errors() as exc:
            return CallResult(error=unwrap(exc))

    def run(self, calls: Sequence[BatchCall], *, idempotent: bool = True) -> dict[str, CallResult]:
        """Every call's result, by key.

        A batch whose round trip fails as a whole is retried whole when its calls are
        ``idempotent``; otherwise its calls are retried one by one through ``alone``. Calls
        that fail inside a batch that got through are retried one by one when the failure is
        transient; permanent failures (400, 404, 409, ...) are returned as they are.
        """
        results: dict[str, CallResult] = {}
        for chunk in chunks(calls, self.size):
            got = self._send(chunk, idempotent)
            for call in chunk:
                result = got[call.key]
                if result.error is not None and is_transient(result.error):
                    result = self.execute(call)
                results[call.key] = result
        return results

    def _send(self, chunk: Sequence[BatchCall], idempotent: bool) -> dict[str, CallResult]:
        from googleapiclient.http import BatchHttpRequest

        got: dict[str, CallResult] = {}

        def attempt() -> None:
            got.clear()

            def collect(request_id: str, response: Any, exception: BaseException | None) -> None:
                call = chunk[int(request_id)]
                got[call.key] = CallResult(response if call.keep_value else None, exception)

            batch = BatchHttpRequest(callback=collect, batch_uri=self.batch_uri)
            for index, call in enumerate(chunk):
                batch.add(call.build(), request_id=str(index))
            self.counter.round_trips += 1
            self.counter.writes += sum(call.write for call in chunk)
            batch.execute()

        try:
            if idempotent:
                self.retry(attempt)()
            else:
                attempt()
        except google_errors() as exc:
            error = unwrap(exc)
            if idempotent and is_transient(error):
                # Already retried whole until the deadline: do not retry each call again.
                return {call.key: CallResult(error=_Exhausted(error)) for call in chunk}
            return {call.key: CallResult(error=error) for call in chunk}
        missing = [call.key for call in chunk if call.key not in got]
        for key in missing:
            # A batch reply without a part for a call: treat the call as not done.
            got[key] = CallResult(error=ConnectionError("no reply part for this call"))
        return got


class _Exhausted(RetryError):
    """A transient error that has already used up its retries (so it is not retried again)."""

    def __init__(self, cause: BaseException) -> None:
        super().__init__("retries exhausted", cause)  # type: ignore[no-untyped-call]
