"""The bare function the cold starts are compared with: functions-framework and nothing else."""

from __future__ import annotations

from typing import Any

import functions_framework


@functions_framework.http
def hello(request: Any) -> str:
    return "hello"
