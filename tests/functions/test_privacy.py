"""Privacy at the functions' edges: no names, emails or tokens logged, no forged log lines."""

from __future__ import annotations

import json
import logging
import unicodedata
from datetime import date

import pytest
import tokenkit
from functionskit import USER_TOKEN, WRONG_EMAIL, addon_event, client, post_addon

from sheet_template import TEMPLATE
from sheetsync.entrypoints.demo import SETTINGS_VALUES, sample_rows
from sheetsync.entrypoints.failures import printable

FORGING_KEYS = [
    "dry_run\nERROR sheetsync.entrypoints.failures: sync_http failed: status=500 forged",
    "x\r\nWARNING forged",
    "a\u2028b\u2029c",
    "\x1b[31mred\x1b[0m",
    "\u202eevil",
    "\ud800lone",
    "k" * 5_000,
]


def test_echoed_body_keys_cannot_forge_or_break_log_lines(workbook, caplog):
    caplog.set_level(logging.INFO)
    body = json.dumps({key: 1 for key in FORGING_KEYS}).encode("ascii")
    response = client("sync_http").post("/", data=body, content_type="application/json")
    assert response.status_code == 400
    message = response.get_json()["error"]["message"]
    assert message.startswith("unknown field(s) in request body: ")
    records = [r for r in caplog.records if r.name == "sheetsync.entrypoints.failures"]
    assert len(records) == 1
    line = records[0].getMessage()
    for text in (message, line):
        assert not any(unicodedata.category(c) in ("Cc", "Cf", "Cs", "Zl", "Zp") for c in text)
        assert "k" * 41 not in text
    assert "'dry_runERROR sheetsync.entrypoints.fail…'" in message
    assert message.endswith(" and 2 more")
    assert message in line


@pytest.mark.parametrize(
    ("text", "limit", "expected"),
    [
        ("dry_run", 40, "dry_run"),
        ("a\tb\nc\rd\x00e\x7ff", 40, "abcdef"),
        ("zwj\u200dbidi\u202ebom\ufeff", 40, "zwjbidibom"),
        ("Zoë 日本", 40, "Zoë 日本"),
        ("x" * 41, 40, "x" * 39 + "…"),
        ("x" * 40, 40, "x" * 40),
        ("\n" * 100 + "ok", 4, "ok"),
        ("long " * 100, None, "long " * 100),
    ],
)
def test_printable(text, limit, expected):
    assert printable(text, limit) == expected


def _sample_people() -> set[str]:
    """Every name and email in the demo network, and the demo practice's own."""
    today = date.today()
    keys = [c.key for c in TEMPLATE.tab("Contacts").columns]
    wanted = {"name", "email", "practice_manager", "practice_manager_email"}
    people = {
        str(value).strip()
        for row in sample_rows(today)["Contacts"]
        for key, value in zip(keys, row, strict=True)
        if key in wanted and value
    }
    people |= {SETTINGS_VALUES["Your name"], SETTINGS_VALUES["Your email"]}
    return {p for p in people if p}


def test_logs_carry_no_names_emails_or_tokens(workbook, monkeypatch, caplog):
    monkeypatch.setenv("SHEETSYNC_LOG_LEVEL", "DEBUG")
    caplog.set_level(logging.DEBUG)
    token = tokenkit.mint_token()
    bad_token = tokenkit.mint_token(email=WRONG_EMAIL)
    bodies = [
        post_addon(addon_event(token)),
        post_addon(addon_event(token, action="preview")),
        post_addon(addon_event(token, action="sync")),
        post_addon(addon_event(bad_token, action="sync")),
        client("sync_http").post("/"),
        client("sync_http").post("/", json={"dry_run": "x"}),
    ]
    assert [b.status_code for b in bodies] == [200, 200, 200, 401, 200, 400]
    logged = caplog.text + "".join(repr(r.__dict__) for r in caplog.records)
    assert "sync finished" in logged
    people = _sample_people()
    assert len(people) > 20
    for secret in (*people, token, bad_token, USER_TOKEN):
        assert secret not in logged
    for response in bodies[3:]:
        text = response.get_data(as_text=True)
        assert all(p not in text for p in people)
        assert token not in text and bad_token not in text and USER_TOKEN not in text
