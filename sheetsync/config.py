"""sheetsync's settings for the Cloud Functions, read once from the environment.

``Config.from_env(os.environ)`` is the only place that knows the ``SHEETSYNC_*`` variable names
(see deploy/README.md, "Environment variables"); everything else receives a ``Config``. Nothing
happens at import time: the entry points build a ``Config`` per request, so a test (or an
operator changing a revision's variables) never fights a value cached at cold start.

Reading the settings checks their form only (a known backend, a positive number, a known log
level, a spreadsheet id that cannot leave its URL path). Whether a value works (a Sheet exists,
a token is valid) is for the code that uses it.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from sheetsync.core.ids import check_spreadsheet_id
from sheetsync.errors import ConfigError

BackendName = Literal["local", "google"]

DEFAULT_WORKBOOK = Path("demo-output") / "referral-network.xlsx"
#: The Workspace add-on platform gives an endpoint about 30 seconds; leave room to answer.
DEFAULT_ADDON_TIME_BUDGET_S = 25.0
DEFAULT_LOG_LEVEL = "INFO"

_LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")


def _text(environ: Mapping[str, str], name: str) -> str | None:
    """A variable's value, stripped; unset and blank both mean "not configured"."""
    value = environ.get(name, "").strip()
    return value or None


@dataclass(frozen=True)
class Config:
    """Every setting the entry points use. Build it with :meth:`from_env`."""

    backend: BackendName = "local"
    workbook: Path = DEFAULT_WORKBOOK
    spreadsheet_id: str | None = None
    calendar_id: str | None = None
    api_endpoint: str | None = None
    #: Where the flyer named in Settings > Flyer file is read from on the Google backend. No
    #: default: the working directory of a Cloud Function is its source folder.
    flyer_dir: Path | None = None
    # Secrets and addresses stay out of repr(): a Config printed in a log or a failing
    # assertion must not leak them.
    access_token: str | None = field(default=None, repr=False)
    gmail_token_file: str | None = None
    delegate_subject: str | None = field(default=None, repr=False)
    addon_audience: str | None = None
    addon_service_account: str | None = field(default=None, repr=False)
    scheduler_audience: str | None = None
    scheduler_service_account: str | None = field(default=None, repr=False)
    addon_time_budget_s: float = DEFAULT_ADDON_TIME_BUDGET_S
    log_level: str = DEFAULT_LOG_LEVEL
    #: The variables this Config was read from, for the credentials loader (which reads its own
    #: names, e.g. SHEETSYNC_GMAIL_READ_SENT). Not part of equality or repr.
    environ: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Config:
        """Read the settings from ``environ``; raise ConfigError for a malformed value.

        Messages name the variable, never its value (it may be a token or an address).
        """
        backend = (_text(environ, "SHEETSYNC_BACKEND") or "local").lower()
        if backend not in ("local", "google"):
            raise ConfigError("SHEETSYNC_BACKEND must be 'local' or 'google'")

        budget_text = _text(environ, "SHEETSYNC_ADDON_TIME_BUDGET_S")
        budget = DEFAULT_ADDON_TIME_BUDGET_S
        if budget_text is not None:
            try:
                budget = float(budget_text)
            except ValueError:
                raise ConfigError("SHEETSYNC_ADDON_TIME_BUDGET_S must be a number") from None
            if not math.isfinite(budget) or budget <= 0:
                raise ConfigError("SHEETSYNC_ADDON_TIME_BUDGET_S must be a positive number")

        level = (_text(environ, "SHEETSYNC_LOG_LEVEL") or DEFAULT_LOG_LEVEL).upper()
        if level not in _LOG_LEVELS:
            raise ConfigError("SHEETSYNC_LOG_LEVEL must be one of " + ", ".join(_LOG_LEVELS))

        scheduler_audience = _text(environ, "SHEETSYNC_SCHEDULER_AUDIENCE")
        scheduler_account = _text(environ, "SHEETSYNC_SCHEDULER_SERVICE_ACCOUNT")
        if bool(scheduler_audience) != bool(scheduler_account):
            # Half a policy would either reject every call or silently check nothing.
            raise ConfigError(
                "Set SHEETSYNC_SCHEDULER_AUDIENCE and SHEETSYNC_SCHEDULER_SERVICE_ACCOUNT "
                "together, or neither"
            )

        spreadsheet_id = _text(environ, "SHEETSYNC_SPREADSHEET_ID")
        if spreadsheet_id is not None:
            check_spreadsheet_id(spreadsheet_id, "SHEETSYNC_SPREADSHEET_ID", ConfigError)

        workbook = _text(environ, "SHEETSYNC_WORKBOOK")
        flyer_dir = _text(environ, "SHEETSYNC_FLYER_DIR")
        return cls(
            backend="google" if backend == "google" else "local",
            workbook=Path(workbook) if workbook else DEFAULT_WORKBOOK,
            spreadsheet_id=spreadsheet_id,
            calendar_id=_text(environ, "SHEETSYNC_CALENDAR_ID"),
            api_endpoint=_text(environ, "SHEETSYNC_API_ENDPOINT"),
            flyer_dir=Path(flyer_dir) if flyer_dir else None,
            access_token=_text(environ, "SHEETSYNC_ACCESS_TOKEN"),
            gmail_token_file=_text(environ, "SHEETSYNC_GMAIL_TOKEN_FILE"),
            delegate_subject=_text(environ, "SHEETSYNC_DELEGATE_SUBJECT"),
            addon_audience=_text(environ, "SHEETSYNC_ADDON_AUDIENCE"),
            addon_service_account=_text(environ, "SHEETSYNC_ADDON_SERVICE_ACCOUNT"),
            scheduler_audience=scheduler_audience,
            scheduler_service_account=scheduler_account,
            addon_time_budget_s=budget,
            log_level=level,
            environ=dict(environ),
        )

    @property
    def log_level_number(self) -> int:
        """The ``logging`` level for ``log_level``."""
        return logging.getLevelNamesMapping()[self.log_level]

    @property
    def scheduler_check(self) -> bool:
        """Whether ``sync_http`` verifies the caller's OIDC token itself."""
        return self.scheduler_audience is not None
