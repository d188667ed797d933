"""``make render``'s own parts that need no LibreOffice: one workbook per tab, and clear errors.

The rendering itself (LibreOffice and poppler) runs only with ``make render``.
"""

from __future__ import annotations

import io
import zipfile
from datetime import date

import openpyxl
import pytest

from render import run
from render.tabs import WORKBOOK_PART, only_tab, tab_names
from sheet_template import TEMPLATE

TODAY = date(2026, 11, 29)


@pytest.fixture(scope="module")
def synced(tmp_path_factory) -> bytes:
    """The demo workbook after a sync: every tab filled, and the Summary's chart."""
    return run.make_demo(tmp_path_factory.mktemp("render") / "demo", TODAY).read_bytes()


def parts(xlsx: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        return {name: book.read(name) for name in book.namelist()}


def test_each_copy_shows_one_tab_and_keeps_everything_else(synced):
    names = tab_names(synced)
    assert names == [tab.name for tab in TEMPLATE.tabs]
    assert any(name.startswith("xl/charts/") for name in parts(synced))
    for index, keep in enumerate(names):
        copy = only_tab(synced, keep)
        before, after = parts(synced), parts(copy)
        assert after.keys() == before.keys()
        assert {n for n in before if before[n] != after[n]} <= {WORKBOOK_PART}
        wb = openpyxl.load_workbook(io.BytesIO(copy))
        states = {ws.title: ws.sheet_state for ws in wb.worksheets}
        assert states == {name: "visible" if name == keep else "hidden" for name in names}
        assert wb.active.title == keep and wb.active.sheet_state == "visible"
        assert index == wb.index(wb.active)
        # LibreOffice prints a hidden tab's print area: only the kept tab's may stay.
        assert not any(ws.print_area for ws in wb.worksheets if ws.title != keep)
    assert openpyxl.load_workbook(io.BytesIO(synced))["Summary"].print_area


def test_a_tab_that_is_not_there_is_an_error(synced):
    with pytest.raises(ValueError, match="no tab 'Nope'"):
        only_tab(synced, "Nope")


def test_without_libreoffice_it_says_how_to_install_it(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(run.shutil, "which", lambda name: None)
    assert run.main(["--out", str(tmp_path), "--date", TODAY.isoformat()]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: soffice is not installed")
    assert "apt-get install libreoffice-calc poppler-utils" in err
    assert (tmp_path / "tabs" / "01-Summary.xlsx").exists()  # everything up to the printing
