"""Google's Firestore and Pub/Sub emulators, run as processes for the tests and the fleet demo.

``gcloud emulators firestore start`` and ``gcloud beta emulators pubsub start`` (Java; both
offline) on a free loopback port, each in its own process group so that stopping it also
stops the Java process gcloud starts. :func:`unavailable` says why an emulator cannot run on
this machine (no gcloud, no Java, the component not installed): the tests skip with that
message, and only then.

The client libraries find an emulator through ``FIRESTORE_EMULATOR_HOST`` and
``PUBSUB_EMULATOR_HOST`` (``host:port``).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Literal, Self

Kind = Literal["firestore", "pubsub"]

_COMPONENTS = {"firestore": "cloud-firestore-emulator", "pubsub": "pubsub-emulator"}
_ENV = {"firestore": "FIRESTORE_EMULATOR_HOST", "pubsub": "PUBSUB_EMULATOR_HOST"}
START_TIMEOUT_S = 90.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def unavailable(kind: Kind) -> str | None:
    """Why the ``kind`` emulator cannot run here, or None when it can."""
    gcloud = shutil.which("gcloud")
    if gcloud is None:
        return "gcloud is not installed (the Google Cloud SDK brings the emulators)"
    if shutil.which("java") is None:
        return f"the {kind} emulator needs Java, which is not installed"
    root = Path(os.path.realpath(gcloud)).parent.parent
    if not (root / "platform" / _COMPONENTS[kind]).is_dir():
        return f"the gcloud component {_COMPONENTS[kind]} is not installed"
    return None


class Emulator:
    """One emulator process on ``127.0.0.1:<free port>`` (context manager)."""

    def __init__(self, kind: Kind, project: str = "sheetsync-test") -> None:
        self.kind = kind
        self.project = project
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        # Kept open for the emulator's life: its output, for the message when it fails.
        self._log = tempfile.TemporaryFile()  # noqa: SIM115

    @property
    def host(self) -> str:
        """``127.0.0.1:PORT``: the value of FIRESTORE_EMULATOR_HOST or PUBSUB_EMULATOR_HOST."""
        return f"127.0.0.1:{self.port}"

    @property
    def env_var(self) -> str:
        return _ENV[self.kind]

    def _command(self) -> list[str]:
        where = f"--host-port={self.host}"
        if self.kind == "firestore":
            return ["gcloud", "emulators", "firestore", "start", where, "--quiet"]
        return [
            "gcloud",
            "beta",
            "emulators",
            "pubsub",
            "start",
            where,
            f"--project={self.project}",
            "--quiet",
        ]

    def start(self, timeout: float = START_TIMEOUT_S) -> Self:
        reason = unavailable(self.kind)
        if reason:
            raise RuntimeError(reason)
        self.port = free_port()
        self._process = subprocess.Popen(
            self._command(),
            stdin=subprocess.DEVNULL,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise RuntimeError(f"the {self.kind} emulator exited early:\n{self.output()}")
            if self._ready():
                return self
            time.sleep(0.25)
        self.stop()
        raise RuntimeError(f"the {self.kind} emulator did not start in {timeout:g} s")

    def _ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"http://{self.host}/", timeout=1) as answer:
                return bool(answer.status == 200)
        except OSError:
            return False

    def output(self) -> str:
        self._log.seek(0)
        return self._log.read().decode("utf-8", "replace")[-3000:]

    def reset(self) -> None:
        """Forget every document (Firestore): the emulator's own reset endpoint."""
        if self.kind != "firestore":
            return
        request = urllib.request.Request(
            f"http://{self.host}/emulator/v1/projects/{self.project}/databases/(default)/documents",
            method="DELETE",
        )
        with urllib.request.urlopen(request, timeout=10):
            pass

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None:
            return
        # The whole group: gcloud's Java child would outlive gcloud itself.
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=5)
        self._log.close()

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
