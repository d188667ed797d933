"""Imports only go down the layers: a module's path says what it may import.

Every ``import`` and ``from ... import`` in ``sheetsync/`` and ``sheet_template/`` is read with
``ast`` (imports inside functions included, relative ones resolved), not run. Each module
belongs to one layer by its path, and may import only its own layer and those below it that
its layer lists. ARCHITECTURE.md draws the same table.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

#: Layer -> the module prefixes in it. A module belongs to the layer of its longest prefix.
LAYERS: dict[str, tuple[str, ...]] = {
    "template": ("sheet_template",),
    "errors": ("sheetsync.errors",),
    "core": ("sheetsync.core",),
    "ports": ("sheetsync.ports", "sheetsync.fleet_ports"),
    "service": ("sheetsync.service", "sheetsync.fleet_service"),
    "adapters (shared)": ("sheetsync.adapters",),
    "adapters.local": ("sheetsync.adapters.local",),
    "adapters.google": ("sheetsync.adapters.google",),
    "wiring": (
        "sheetsync.config",
        "sheetsync.bootstrap",
        "sheetsync.fleet_config",
        "sheetsync.fleet_bootstrap",
    ),
    "entrypoints": ("sheetsync.entrypoints", "sheetsync.__main__"),
    "package": ("sheetsync",),
}

_BELOW_ADAPTERS = frozenset({"template", "errors", "core", "ports"})
_ADAPTERS = frozenset({"adapters (shared)", "adapters.local", "adapters.google"})
#: Layer -> the other layers it may import.
ALLOWED: dict[str, frozenset[str]] = {
    "template": frozenset(),
    "errors": frozenset(),
    "core": frozenset({"template", "errors"}),
    "ports": frozenset({"template", "errors", "core"}),
    "service": frozenset({"template", "errors", "core", "ports"}),
    # The two backends share what sits in adapters/ itself, and never use each other.
    "adapters (shared)": _BELOW_ADAPTERS,
    "adapters.local": _BELOW_ADAPTERS | {"adapters (shared)"},
    "adapters.google": _BELOW_ADAPTERS | {"adapters (shared)"},
    "wiring": _BELOW_ADAPTERS | _ADAPTERS | {"service"},
    "entrypoints": _BELOW_ADAPTERS | _ADAPTERS | {"service", "wiring", "package"},
    # The package's __init__ (what ``import sheetsync`` runs) names the public API only.
    "package": frozenset({"errors", "service", "ports"}),
}


def layer_of(module: str) -> str:
    """The layer a dotted module name belongs to ("" for none)."""
    best, found = "", ""
    for layer, prefixes in LAYERS.items():
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > len(best):
                best, found = prefix, layer
    return found


def _is_module(name: str) -> bool:
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").exists() or (base / "__init__.py").exists()


def imports_in(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, imported module) for every project import in ``source`` of ``module``."""
    package = module if is_package else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            target = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - (node.level - 1)]
                target = ".".join([*parts, *([node.module] if node.module else [])])
            for alias in node.names:
                # ``from sheetsync.core import ids`` imports the module sheetsync.core.ids.
                candidate = f"{target}.{alias.name}"
                found.append((node.lineno, candidate if _is_module(candidate) else target))
    return [(n, m) for n, m in found if m.split(".")[0] in ("sheetsync", "sheet_template")]


def violations(source: str, module: str, is_package: bool = False) -> list[str]:
    """The imports of ``source`` that go up or sideways from ``module``'s layer."""
    mine = layer_of(module)
    return [
        f"line {line}: {name} ({layer_of(name) or 'no layer'})"
        for line, name in imports_in(source, module, is_package)
        if layer_of(name) != mine and layer_of(name) not in ALLOWED[mine]
    ]


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


SOURCES = sorted(p for top in ("sheetsync", "sheet_template") for p in (ROOT / top).rglob("*.py"))


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_imports_only_go_down_the_layers(path: Path):
    module = _module_name(path)
    assert layer_of(module), f"{module} belongs to no layer: add it to LAYERS"
    source = path.read_text(encoding="utf-8")
    wrong = violations(source, module, path.name == "__init__.py")
    assert not wrong, f"{module} ({layer_of(module)}) imports up or sideways: {wrong}"


@pytest.mark.parametrize(
    ("module", "source"),
    [
        ("sheetsync.core.planner.drafts", "from sheetsync.service import run_sync\n"),
        ("sheetsync.core.cells", "def f():\n    from ..ports import SheetStore\n"),
        ("sheetsync.ports", "import sheetsync.adapters.local.xlsx_store\n"),
        ("sheetsync.adapters.local.eml_mailbox", "from ..google import http\n"),
        ("sheetsync.adapters.mime", "from sheetsync.adapters.google.http import describe\n"),
        ("sheetsync.service", "from sheetsync import bootstrap\n"),
        ("sheetsync.adapters.google.sheets", "from sheetsync.entrypoints import cli\n"),
    ],
)
def test_the_check_catches_imports_that_go_up_or_sideways(module, source):
    assert violations(source, module)


def test_the_check_allows_imports_down_the_layers():
    ok = "from sheetsync.core.plan import Plan\nfrom ..errors import BackendError\n"
    assert violations(ok, "sheetsync.adapters.google.sheets") == []
    assert violations("from . import cells\n", "sheetsync.core", is_package=True) == []
