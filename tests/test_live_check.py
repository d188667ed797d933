"""deploy/check_anchors.py, the operator's live check of what Google does to row anchors, run
against the fake server under every answer its switch gives: the script must tell each one."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

import pytest
from fakegoogle import FakeGoogle
from googlekit import clients

SCRIPT = Path(__file__).resolve().parent.parent / "deploy" / "check_anchors.py"

#: Between them, every value of every setting the script reports.
POLICIES = [
    {
        "sort": "MOVES",
        "copy_paste": "STAYS",
        "cut_paste": "MOVES",
        "duplicate_sheet": "DUPLICATED",
        "unmatched_write": "SKIP",
    },
    {
        "sort": "STAYS",
        "copy_paste": "DUPLICATED",
        "cut_paste": "STAYS",
        "duplicate_sheet": "MOVES",
        "unmatched_write": "ERROR",
    },
    {
        "sort": "MOVES",
        "copy_paste": "MOVES",
        "cut_paste": "DUPLICATED",
        "duplicate_sheet": "STAYS",
        "unmatched_write": "SKIP",
    },
]


def load_script() -> ModuleType:
    spec = importlib.util.spec_from_file_location("check_anchors", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: "-".join(p.values()))
def test_the_live_check_reports_what_the_sheet_did(policy, capsys):
    script = load_script()
    with FakeGoogle(seed=3) as server:
        server.set_metadata_policy(**policy)
        sid = server.create_spreadsheet("Scratch", ["Sheet1"])
        gc, _, _ = clients(server)
        assert script.main([sid], http=gc.http_client) == 0
        # Its tabs are gone again; the scratch spreadsheet's own tab is untouched.
        assert [s.title for s in server.spreadsheet(sid).sheets] == ["Sheet1"]
        assert server.developer_metadata(sid) == []
    out = capsys.readouterr().out
    settings = ", ".join(f'{k}="{v}"' for k, v in policy.items())
    assert out.rstrip().endswith(f"set_metadata_policy({settings})")
    assert "'anchor check' row 2: holds A, anchors: A" in out


def test_keep_leaves_the_tabs_for_a_look(capsys):
    script = load_script()
    with FakeGoogle(seed=3) as server:
        sid = server.create_spreadsheet("Scratch", ["Sheet1"])
        gc, _, _ = clients(server)
        script.main([sid, "--keep"], http=gc.http_client)
        titles = [s.title for s in server.spreadsheet(sid).sheets]
        assert titles == ["Sheet1", "anchor check", "anchor check (copy)"]
