"""What every HTTP Cloud Function shares: its settings per request, POST only, JSON answers.

Standard library only (plus ``config`` and ``errors``): this loads at cold start.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sheetsync.config import Config
from sheetsync.errors import MethodNotAllowedError

if TYPE_CHECKING:
    import flask

#: What a Flask view may return; functions-framework passes it on as is.
HttpResponse = tuple[str, int, dict[str, str]]

_JSON_HEADERS = {"Content-Type": "application/json; charset=utf-8"}


def load_config(environ: Mapping[str, str] | None = None) -> Config:
    """Read the settings for this request and apply the log level.

    Read per request rather than at import: it costs microseconds, and tests (or a new
    revision's variables) take effect without reloading the module.
    """
    config = Config.from_env(os.environ if environ is None else environ)
    _configure_logging(config)
    return config


def _configure_logging(config: Config) -> None:
    logging.getLogger("sheetsync").setLevel(config.log_level_number)
    if not logging.getLogger().handlers:
        # Cloud Functions collects stderr; without a handler INFO lines would be dropped.
        logging.basicConfig(format="%(levelname)s %(name)s: %(message)s")


def require_post(request: flask.Request) -> None:
    """Refuse anything but POST (405): Cloud Scheduler and the add-on platform only POST."""
    if request.method != "POST":
        raise MethodNotAllowedError("only POST is accepted", allow="POST")


def json_response(status: int, body: Mapping[str, Any]) -> HttpResponse:
    """``body`` as a JSON answer with ``status``."""
    return json.dumps(body, ensure_ascii=False), status, dict(_JSON_HEADERS)
