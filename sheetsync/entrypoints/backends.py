"""Which backend a Cloud Function syncs, and the sync itself.

The functions ask :func:`backend_for`, which is ``sheetsync.bootstrap.backend_for`` (the one
place that builds credentials and backends) unless a caller installed its own factory with
:func:`using_backends`: the tests run the real functions, through functions-framework, on a
backend of their choosing::

    with using_backends(lambda config, spreadsheet_id=None, user_token=None: my_backend):
        client.post("/")

The sync and bootstrap load on first use, not at cold start.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Protocol

from sheetsync.config import Config

if TYPE_CHECKING:
    from sheetsync.ports import Backend
    from sheetsync.service import SyncReport


class BackendFactory(Protocol):
    """Builds the backend for a request, as ``sheetsync.bootstrap.backend_for`` does.

    ``spreadsheet_id`` is the request's (checked; None: the configured one), ``user_token``
    the add-on user's OAuth token (None: the environment's credentials).
    """

    def __call__(
        self, config: Config, spreadsheet_id: str | None = None, user_token: str | None = None
    ) -> Backend: ...


#: Factories installed by :func:`using_backends`, innermost last.
_installed: list[BackendFactory] = []


@contextmanager
def using_backends(factory: BackendFactory) -> Iterator[BackendFactory]:
    """Inside the ``with`` block, every function builds its backends with ``factory``."""
    _installed.append(factory)
    try:
        yield factory
    finally:
        _installed.remove(factory)


def backend_for(
    config: Config, spreadsheet_id: str | None = None, user_token: str | None = None
) -> Backend:
    """The backend to sync for this request: the installed factory's, else bootstrap's."""
    if _installed:
        return _installed[-1](config, spreadsheet_id, user_token)
    from sheetsync import bootstrap

    return bootstrap.backend_for(config, spreadsheet_id, user_token)


def run(backend: Backend, dry_run: bool, fleet_notice: str = "") -> SyncReport:
    """One sync of ``backend``, now (``fleet_notice``: see ``service.run_sync``)."""
    # Looked up at call time so that the sync loads on first use, not at cold start.
    from sheetsync import bootstrap, service

    return service.run_sync(
        backend, bootstrap.utc_now(), dry_run=dry_run, fleet_notice=fleet_notice
    )
