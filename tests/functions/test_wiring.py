"""The seams between the functions and what they run on: the backend factory and the payloads."""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import pytest
from functionskit import Recorder

from sheetsync.adapters.local.xlsx_store import XlsxStore
from sheetsync.config import Config
from sheetsync.entrypoints import backends
from sheetsync.entrypoints.payloads import Payload
from sheetsync.errors import BadRequestError


def test_without_an_installed_factory_the_backend_is_bootstraps(tmp_path: Path) -> None:
    config = Config.from_env({"SHEETSYNC_WORKBOOK": str(tmp_path / "w.xlsx")})
    backend = backends.backend_for(config)
    assert isinstance(backend.sheet, XlsxStore) and backend.sheet.path == tmp_path / "w.xlsx"


def test_the_innermost_factory_builds_and_each_is_removed_on_the_way_out(tmp_path: Path) -> None:
    config = Config.from_env({"SHEETSYNC_WORKBOOK": str(tmp_path / "w.xlsx")})
    outer, inner = Recorder(tmp_path / "outer.xlsx"), Recorder(tmp_path / "inner.xlsx")
    with backends.using_backends(outer):
        with pytest.raises(RuntimeError), backends.using_backends(inner):
            backends.backend_for(config, "1Inner", "token")
            raise RuntimeError("the block failed")
        backends.backend_for(config, "1Outer")
    assert [(c.spreadsheet_id, c.user_token) for c in inner.calls] == [("1Inner", "token")]
    assert outer.sheet_ids == ["1Outer"]
    assert backends.backend_for(config).sheet.path == tmp_path / "w.xlsx"  # type: ignore[attr-defined]


class _Unworded(Payload):
    count: int
    name: str = ""

    wording: ClassVar[dict[str, str]] = {"count": "count must be a whole number"}


def test_a_payload_names_the_field_and_never_quotes_the_input() -> None:
    with pytest.raises(BadRequestError) as raised:
        _Unworded.parse({"count": "ya29.secret"})
    assert str(raised.value) == "count must be a whole number"
    # A field the wording forgot still gets a message naming it, and no value.
    with pytest.raises(BadRequestError) as raised:
        _Unworded.parse({"count": 1, "name": ["ya29.secret"]})
    assert str(raised.value) == "name is not valid"
    with pytest.raises(BadRequestError) as raised:
        _Unworded.parse(["ya29.secret"])
    assert str(raised.value) == "the payload is not valid"
