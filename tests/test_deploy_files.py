"""Consistency checks of deploy/: the add-on deployment template, deploy.sh and main.py agree.

Nothing here runs deploy.sh or contacts Google: the JSON is loaded, the shell script is parsed
as text (plus ``bash -n``, which only checks syntax), and main.py's entry points are checked in
functions-framework's registry of declared signature types.
"""

from __future__ import annotations

import importlib.util
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
TEMPLATE = DEPLOY / "addon-deployment.json"
SCRIPT = DEPLOY / "deploy.sh"
README = DEPLOY / "README.md"

#: The placeholders the template may contain; deploy.sh substitutes each of them.
PLACEHOLDERS = {"ADDON_URL", "ADDON_LOGO_URL"}
RUN_FUNCTION_PLACEHOLDER = "${ADDON_URL}"
SCOPE_PREFIX = "https://www.googleapis.com/auth/"
#: Scopes broader than sheetsync needs; least privilege says they must not appear.
BROAD_SCOPES = {
    "https://mail.google.com/",
    SCOPE_PREFIX + "drive",
    SCOPE_PREFIX + "spreadsheets",
    SCOPE_PREFIX + "calendar",
    SCOPE_PREFIX + "gmail.modify",
    SCOPE_PREFIX + "gmail.readonly",
    SCOPE_PREFIX + "gmail.send",
}
#: The environment variables sheetsync's configuration reads; the README documents each.
ENV_VARS = {
    "SHEETSYNC_BACKEND",
    "SHEETSYNC_SPREADSHEET_ID",
    "SHEETSYNC_WORKBOOK",
    "SHEETSYNC_CALENDAR_ID",
    "SHEETSYNC_API_ENDPOINT",
    "SHEETSYNC_ACCESS_TOKEN",
    "SHEETSYNC_GMAIL_TOKEN_FILE",
    "SHEETSYNC_DELEGATE_SUBJECT",
    "SHEETSYNC_ADDON_AUDIENCE",
    "SHEETSYNC_ADDON_SERVICE_ACCOUNT",
    "SHEETSYNC_SCHEDULER_AUDIENCE",
    "SHEETSYNC_SCHEDULER_SERVICE_ACCOUNT",
    "SHEETSYNC_ADDON_TIME_BUDGET_S",
    "SHEETSYNC_LOG_LEVEL",
}
#: Which functions-framework signature type each gcloud trigger needs.
TRIGGER_SIGNATURE = {"http": "http", "topic": "cloudevent"}


def _template() -> dict[str, Any]:
    data = json.loads(TEMPLATE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _walk(node: object, key: str | None = None) -> list[tuple[str | None, object]]:
    """Every (key, value) pair in a JSON tree, leaves included."""
    found: list[tuple[str | None, object]] = [(key, node)]
    if isinstance(node, dict):
        for k, v in node.items():
            found += _walk(v, k)
    elif isinstance(node, list):
        for v in node:
            found += _walk(v, key)
    return found


def _script_commands() -> list[str]:
    """deploy.sh as logical lines: continuations joined, comments dropped."""
    text = SCRIPT.read_text(encoding="utf-8").replace("\\\n", " ")
    return [line.strip() for line in text.splitlines() if not line.strip().startswith("#")]


def _function_deploys() -> dict[str, str]:
    """{entry point: trigger kind} for every `gcloud ... functions deploy` in deploy.sh."""
    deploys: dict[str, str] = {}
    for line in _script_commands():
        if "functions deploy" not in line:
            continue
        entry = re.search(r"--entry-point[= ]([A-Za-z_][A-Za-z0-9_]*)", line)
        triggers = re.findall(r"--trigger-(http|topic|bucket|event)\b", line)
        assert entry, f"functions deploy without --entry-point: {line}"
        assert len(triggers) == 1, f"functions deploy needs exactly one trigger: {line}"
        assert entry.group(1) not in deploys, f"{entry.group(1)} deployed twice"
        deploys[entry.group(1)] = triggers[0]
    return deploys


# --- addon-deployment.json ---------------------------------------------------------------------


def test_template_has_the_documented_structure() -> None:
    data = _template()
    assert set(data) == {"oauthScopes", "addOns"}
    add_ons = data["addOns"]
    assert set(add_ons) == {"common", "sheets"}
    common = add_ons["common"]
    assert common["name"] == "sheetsync"
    assert common["logoUrl"]
    assert common["homepageTrigger"]["runFunction"]
    assert add_ons["sheets"]["homepageTrigger"]["runFunction"]
    assert add_ons["sheets"]["onFileScopeGrantedTrigger"]["runFunction"]


def test_every_run_function_is_the_same_endpoint_placeholder() -> None:
    # The add-on endpoint expects one audience (SHEETSYNC_ADDON_AUDIENCE); every trigger must
    # call that exact URL or its systemIdToken would be rejected.
    run_functions = [v for k, v in _walk(_template()) if k == "runFunction"]
    assert len(run_functions) == 3
    assert set(run_functions) == {RUN_FUNCTION_PLACEHOLDER}


def test_placeholders_are_known_and_substituted_by_deploy_sh() -> None:
    strings = [v for _, v in _walk(_template()) if isinstance(v, str)]
    used = {m for s in strings for m in re.findall(r"\$\{([A-Z_]+)\}", s)}
    assert used == PLACEHOLDERS
    script = SCRIPT.read_text(encoding="utf-8")
    for name in PLACEHOLDERS:
        assert f"s|\\${{{name}}}|" in script, f"deploy.sh does not substitute ${{{name}}}"
    # Nothing else looks like a URL that should have been a placeholder.
    for s in strings:
        if s.startswith("http"):
            assert s.startswith("https://"), s


def test_oauth_scopes_are_narrow_google_scopes() -> None:
    scopes = _template()["oauthScopes"]
    assert isinstance(scopes, list)
    assert scopes
    assert len(scopes) == len(set(scopes))
    for scope in scopes:
        assert isinstance(scope, str)
        assert scope.startswith(SCOPE_PREFIX), scope
    assert SCOPE_PREFIX + "drive.file" in scopes
    assert not BROAD_SCOPES & set(scopes)


# --- deploy.sh ---------------------------------------------------------------------------------


def test_deploy_sh_is_strict_bash() -> None:
    text = SCRIPT.read_text(encoding="utf-8")
    assert text.startswith("#!/usr/bin/env bash\n")
    assert "set -euo pipefail" in text


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash not installed")
def test_deploy_sh_parses() -> None:
    # `bash -n` reads the script without executing any command.
    subprocess.run(["bash", "-n", str(SCRIPT)], check=True, capture_output=True, timeout=30)


def test_deploy_sh_deploys_the_three_entry_points() -> None:
    assert _function_deploys() == {"sync_http": "http", "sync_pubsub": "topic", "addon": "http"}


def test_deploy_sh_uses_gen2_python311_and_right_access() -> None:
    text = " ".join(_script_commands())
    assert "--gen2" in text
    assert "--runtime=python311" in text
    assert "--no-allow-unauthenticated" in text
    addon = next(c for c in _script_commands() if "--entry-point=addon" in c)
    assert "--allow-unauthenticated" in addon


def test_deploy_sh_creates_both_scheduler_variants() -> None:
    text = " ".join(_script_commands())
    assert "scheduler jobs create http" in text
    assert "--oidc-service-account-email=" in text
    assert "--oidc-token-audience=" in text
    assert "scheduler jobs create pubsub" in text
    assert '{\\"spreadsheet_id\\": ' in text
    assert "workspace-add-ons deployments create" in text
    assert "workspace-add-ons deployments install" in text


def test_env_vars_in_deploy_sh_are_known_and_documented() -> None:
    script_vars = set(re.findall(r"\bSHEETSYNC_[A-Z_]+\b", SCRIPT.read_text(encoding="utf-8")))
    assert script_vars <= ENV_VARS, script_vars - ENV_VARS
    readme = README.read_text(encoding="utf-8")
    missing = {name for name in ENV_VARS if f"`{name}`" not in readme}
    assert not missing, f"deploy/README.md does not document {sorted(missing)}"


# --- main.py -----------------------------------------------------------------------------------


def test_main_declares_each_entry_point_with_the_matching_signature() -> None:
    main_py = ROOT / "main.py"
    if not main_py.exists():
        pytest.skip("main.py is not written yet")
    from functions_framework import _function_registry

    spec = importlib.util.spec_from_file_location("sheetsync_deploy_check_main", main_py)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)

    for entry_point, trigger in _function_deploys().items():
        assert callable(getattr(module, entry_point, None)), f"main.py has no {entry_point}()"
        # functions_framework.http / .cloud_event record the declared type by function name.
        declared = _function_registry.REGISTRY_MAP.get(entry_point)
        assert declared == TRIGGER_SIGNATURE[trigger], (
            f"{entry_point} is deployed with --trigger-{trigger} but declared as {declared!r}"
        )
