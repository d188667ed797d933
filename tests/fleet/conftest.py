"""Fixtures of the fleet's tests: the real emulators (one start per session), a fleet per test.

The Firestore and Pub/Sub emulators are started once for the whole session, on free loopback
ports, and stopped after it; each test that uses the registry gets a project of its own, so
nothing leaks between tests. Where an emulator cannot run (no gcloud, no Java, no component)
its tests are skipped with the reason; on the team's machines and CI they run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import tokenkit
from fakecloud.emulators import Emulator, unavailable
from fleetkit import Fleet, addon_env, fleet_world

from sheetsync.entrypoints import idtoken_certs


def _emulator(kind: str) -> Iterator[Emulator]:
    reason = unavailable(kind)  # type: ignore[arg-type]
    if reason:
        pytest.skip(f"the {kind} emulator cannot run here: {reason}")
    with Emulator(kind) as emulator:  # type: ignore[arg-type]
        yield emulator


@pytest.fixture(scope="session")
def firestore_emulator() -> Iterator[Emulator]:
    """Google's Firestore emulator, for the whole session."""
    yield from _emulator("firestore")


@pytest.fixture(scope="session")
def pubsub_emulator() -> Iterator[Emulator]:
    """Google's Pub/Sub emulator, for the whole session."""
    yield from _emulator("pubsub")


@pytest.fixture(scope="session")
def certs() -> Iterator[tokenkit.CertsServer]:
    """The certificates the add-on's systemIdToken (and OIDC tokens) are checked against."""
    with tokenkit.CertsServer() as server:
        yield server


@pytest.fixture
def fleet(firestore_emulator: Emulator, certs: tokenkit.CertsServer) -> Iterator[Fleet]:
    """A fleet on fresh fakes, its registry a project of its own on the emulator."""
    certs.reset()
    idtoken_certs.clear_cert_cache()
    with fleet_world(firestore_emulator.host, env=addon_env(certs)) as world:
        yield world
    idtoken_certs.clear_cert_cache()


@pytest.fixture(autouse=True)
def _no_stray_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    """No SHEETSYNC_* from the developer's shell reaches a test."""
    for name in list(os.environ):
        if name.startswith("SHEETSYNC_"):
            monkeypatch.delenv(name)
