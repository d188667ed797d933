"""The package itself: what ``import sheetsync`` gives, and what it costs (cold start)."""

from __future__ import annotations

import subprocess
import sys
import types
from pathlib import Path

import sheetsync
from sheetsync import errors

ROOT = Path(__file__).resolve().parent.parent


def test_all_names_every_public_name_and_each_resolves() -> None:
    public = {
        name
        for name, value in vars(sheetsync).items()
        if not name.startswith("_") and not isinstance(value, types.ModuleType)
    }
    assert sheetsync.__all__ == sorted(public) == ["SheetsyncError"]
    assert sheetsync.SheetsyncError is errors.SheetsyncError


def test_importing_the_package_loads_nothing_else() -> None:
    # main.py imports sheetsync.entrypoints, so the package is part of every cold start.
    # An editable install (the Makefile's venv) adds pip's own path finder, loaded at start-up
    # by a .pth file whatever is imported: it is not the package's.
    code = (
        "import sys, sheetsync; print(sorted(m for m in sys.modules"
        " if 'sheetsync' in m and not m.startswith('__editable__')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "['sheetsync', 'sheetsync.errors']"
