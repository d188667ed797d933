"""Run the tests' fake Google server in its own process, for the benchmark.

``python -m bench.fake_server`` starts ``tests/fakegoogle`` on 127.0.0.1 (random port), prints
its URL as one line on stdout, and serves until its stdin closes (the parent process exits or
closes the pipe). Running it apart from the sync keeps the sync's peak RSS its own, and its CPU
on another core.

:class:`FakeProcess` is the parent's side: a context manager that starts it and stops it.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from types import TracebackType
from typing import IO, Self

ROOT = Path(__file__).resolve().parent.parent
TESTS = ROOT / "tests"


def serve() -> None:
    """Serve until stdin reaches EOF."""
    sys.path.insert(0, str(TESTS))
    from fakegoogle import FakeGoogle  # type: ignore[import-not-found]

    with FakeGoogle(seed=1) as server:
        print(server.url, flush=True)
        sys.stdin.read()


class FakeProcess:
    """The fake Google server in a child process; ``url`` once started."""

    def __init__(self, launcher: list[str] | None = None) -> None:
        #: Put before ``-m bench.fake_server`` (e.g. ``["-m", "pyinstrument"]`` to profile it).
        self.launcher = launcher or []
        self.url = ""
        self._proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> Self:
        self._proc = subprocess.Popen(
            [sys.executable, *self.launcher, "-m", "bench.fake_server"],
            cwd=ROOT,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=child_env(),
        )
        stdout: IO[str] | None = self._proc.stdout
        line = stdout.readline().strip() if stdout is not None else ""
        if not line.startswith("http://"):
            self.__exit__(None, None, None)
            raise RuntimeError("the fake Google server did not start")
        self.url = line
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.stdin is not None:
            proc.stdin.close()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if proc.stdout is not None:
            proc.stdout.close()


def child_env(**extra: str) -> dict[str, str]:
    """The environment for bench child processes: no proxy for loopback, no SHEETSYNC_*."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("SHEETSYNC_")}
    env["NO_PROXY"] = env["no_proxy"] = "127.0.0.1,localhost"
    env["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), env.get("PYTHONPATH", "")) if p)
    env.update(extra)
    return env


if __name__ == "__main__":
    serve()
