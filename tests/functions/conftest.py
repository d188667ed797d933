"""Fixtures of the Cloud Functions' tests: a clean environment, a demo workbook, a backend.

Every test here runs offline: on the local backend (a demo workbook in tmp_path) unless it
starts the fake Google server, with ID tokens verified against certificates served on
127.0.0.1 (through ``SHEETSYNC_ID_TOKEN_CERTS_URL``, the documented seam for emulators).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
import tokenkit
from functionskit import ENDPOINT, Recorder

from sheetsync.entrypoints import backends, idtoken_certs
from sheetsync.entrypoints.demo import create_demo_workbook
from sheetsync.entrypoints.idtokens import CERTS_URL_ENV


@pytest.fixture(scope="session")
def _certs_server() -> Iterator[tokenkit.CertsServer]:
    with tokenkit.CertsServer() as server:
        yield server


@pytest.fixture(autouse=True)
def env(monkeypatch: pytest.MonkeyPatch, _certs_server: tokenkit.CertsServer) -> Iterator[None]:
    """A clean SHEETSYNC_* environment, and ID tokens verified against the local server."""
    for name in list(os.environ):
        if name.startswith("SHEETSYNC_"):
            monkeypatch.delenv(name)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    monkeypatch.setenv("no_proxy", "127.0.0.1")
    monkeypatch.setenv("SHEETSYNC_ADDON_AUDIENCE", ENDPOINT)
    monkeypatch.setenv("SHEETSYNC_ADDON_SERVICE_ACCOUNT", tokenkit.DEFAULT_EMAIL)
    _certs_server.reset()
    monkeypatch.setenv(CERTS_URL_ENV, _certs_server.url)
    idtoken_certs.clear_cert_cache()
    yield
    idtoken_certs.clear_cert_cache()


@pytest.fixture
def workbook(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A demo workbook, configured as the local backend's (SHEETSYNC_WORKBOOK)."""
    path = tmp_path / "net" / "referral-network.xlsx"
    path.parent.mkdir()
    create_demo_workbook(path, date.today())
    monkeypatch.setenv("SHEETSYNC_WORKBOOK", str(path))
    return path


@pytest.fixture
def built(workbook: Path) -> Iterator[Recorder]:
    """The backends the functions ask for, recorded; each is the local one on ``workbook``."""
    recorder = Recorder(workbook)
    with backends.using_backends(recorder):
        yield recorder
