"""The composition root: the one place where real backends are built and wired together."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from .adapters.eml_mailbox import EmlMailbox
from .adapters.ics_calendar import IcsCalendar
from .adapters.xlsx_store import XlsxStore
from .sync import Backend


def utc_now() -> datetime:
    return datetime.now(UTC)


def local_paths(workbook: Path) -> dict[str, Path]:
    """Where the local backend keeps its files: all beside the workbook."""
    folder = workbook.parent
    return {"workbook": workbook, "calendar": folder / "calendar.ics", "drafts": folder / "drafts"}


def local_backend(workbook: Path, clock: Callable[[], datetime] = utc_now) -> Backend:
    """The no-Google backend: an .xlsx workbook, an .ics calendar and .eml drafts."""
    paths = local_paths(workbook)
    return Backend(
        sheet=XlsxStore(workbook),
        calendar=IcsCalendar(paths["calendar"], clock),
        mailbox=EmlMailbox(paths["drafts"], workbook.parent, clock),
    )
