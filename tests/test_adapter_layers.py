"""Imports go down the layers, in the ports and the adapters (read from the source, not run).

The ports import only the core (and the errors, the template, the standard library); the
adapters never import the service or the wiring above them; the local and the Google adapters
never import each other, and what they share imports neither, so that neither backend loads
the other's code, even through a shared module.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "sheetsync"
ADAPTERS = PACKAGE / "adapters"
ABOVE_THE_ADAPTERS = ("sheetsync.service", "sheetsync.bootstrap", "sheetsync.config")


def imported(path: Path) -> set[str]:
    """Every sheetsync module ``path`` imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return {name for name in names if name.split(".")[0] == "sheetsync"}


def _under(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def _modules(folder: Path) -> list[Path]:
    return sorted(folder.rglob("*.py"))


def test_the_ports_import_only_the_core_and_the_errors():
    found = imported(PACKAGE / "ports.py")
    assert found and all(_under(n, "sheetsync.core", "sheetsync.errors") for n in found), found


@pytest.mark.parametrize("path", _modules(ADAPTERS), ids=lambda p: str(p.relative_to(ADAPTERS)))
def test_an_adapter_imports_nothing_above_it_nor_the_other_backend(path: Path):
    found = imported(path)
    assert not [n for n in found if _under(n, *ABOVE_THE_ADAPTERS, "sheetsync.entrypoints")]
    relative = path.relative_to(ADAPTERS).parts
    if relative[0] == "local":
        forbidden: tuple[str, ...] = ("sheetsync.adapters.google",)
    elif relative[0] == "google":
        forbidden = ("sheetsync.adapters.local",)
    else:  # shared by both backends
        forbidden = ("sheetsync.adapters.google", "sheetsync.adapters.local")
    assert not [n for n in found if _under(n, *forbidden)], (path.name, found)
