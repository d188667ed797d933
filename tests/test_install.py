"""Installed like a tool: ``pip install .`` gives a ``sheetsync`` command that runs anywhere.

The package is installed for real (not editable: a copy, as ``pip install .`` makes) into a
throwaway virtualenv, from a copy of just the files a user's checkout hands pip, with no
package index: the build uses this environment's setuptools, and the dependencies are this
environment's, seen through a ``.pth`` file. The command then runs from a folder outside the
checkout, where ``python -m sheetsync`` would find nothing.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
#: What ``pip install .`` needs of the checkout: the build files and the two packages.
SOURCES = ("pyproject.toml", "requirements.txt", "sheetsync", "sheet_template")


def _builds_wheels_offline() -> bool:
    try:
        import setuptools.command.bdist_wheel  # noqa: F401  (setuptools 70.1 and later)
    except ImportError:
        try:
            import wheel  # noqa: F401
        except ImportError:
            return False
    return True


pytestmark = pytest.mark.skipif(
    not _builds_wheels_offline(),
    reason="this environment's setuptools cannot build a wheel offline: install "
    "requirements-dev.txt (make test does), which pins one that can",
)


def run(argv: list[str | Path], cwd: Path) -> str:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    env["PATH"] = os.pathsep.join([str(Path(argv[0]).parent), env.get("PATH", "")])
    done = subprocess.run(
        [str(a) for a in argv], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """The ``bin`` folder of a virtualenv with sheetsync installed into it."""
    base = tmp_path_factory.mktemp("install")
    source = base / "checkout"
    for name in SOURCES:
        if (ROOT / name).is_dir():
            shutil.copytree(
                ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__")
            )
        else:
            source.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    venv = base / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", venv], check=True)
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    python = bin_dir / "python"
    purelib = run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"], base)
    Path(purelib.strip(), "this-test-environment.pth").write_text(
        "\n".join(site.getsitepackages()) + "\n"
    )
    pip = [python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index"]
    run([*pip, source], base)
    return bin_dir


def test_the_command_runs_from_any_folder(installed, tmp_path):
    out = run([installed / "sheetsync", "--help"], tmp_path)
    assert out.startswith("usage: sheetsync ")
    assert all(command in out for command in ("init", "sync", "demo"))
    # The installed copy ran, not the checkout.
    where = run(
        [installed / "python", "-c", "import sheetsync; print(sheetsync.__file__)"], tmp_path
    )
    assert Path(where.strip()).is_relative_to(installed.parent)
    assert not Path(where.strip()).is_relative_to(ROOT)


def test_the_command_makes_and_dry_runs_a_workbook(installed, tmp_path):
    sheetsync = installed / "sheetsync"
    out = run([sheetsync, "init", "--workbook", "network.xlsx"], tmp_path)
    assert "Wrote network.xlsx" in out
    made = (tmp_path / "network.xlsx").read_bytes()
    out = run([sheetsync, "sync", "--workbook", "network.xlsx", "--dry-run"], tmp_path)
    assert out.startswith("Plan (dry run, nothing changed)")
    assert (tmp_path / "network.xlsx").read_bytes() == made  # a dry run changes nothing
    assert sorted(p.name for p in tmp_path.iterdir()) == ["network.xlsx"]
