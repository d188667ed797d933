"""Consistency checks of deploy/: the add-on deployment template, deploy.sh and main.py agree.

Nothing here contacts Google. The JSON is loaded; deploy.sh is read as text, checked by
``bash -n`` and run with ``DRY_RUN=1``, which prints every gcloud command instead of running it
(the tests read those commands back with ``shlex``); main.py's entry points are checked in
functions-framework's registry of declared signature types. The OAuth scope table in
deploy/README.md is checked against the discovery documents shipped with googleapiclient, the
add-on deployment file, the scopes the code requests, and the methods a real sync, and the
follow-up of its drafts, call on the fake Google server.
"""

from __future__ import annotations

import functools
import importlib.util
import json
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import googleapiclient
import pytest
from fakegoogle import FakeGoogle
from google.auth.credentials import AnonymousCredentials
from googlekit import FAST, NOW, backend, fill_demo, template_sheet

from sheet_template import TEMPLATE as SHEET_TEMPLATE
from sheetsync.adapters.google import credentials as sheetsync_credentials
from sheetsync.adapters.google.credentials import GoogleCredentials
from sheetsync.bootstrap import google_backend
from sheetsync.core.plan import DraftSpec, TrackedDraft
from sheetsync.ports import Backend
from sheetsync.service import run_sync

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
    "SHEETSYNC_FLYER_DIR",
    # The fleet (sheetsync/fleet_config.py).
    "SHEETSYNC_FLEET_PROJECT",
    "SHEETSYNC_FLEET_QUEUE",
    "SHEETSYNC_FLEET_WORKER_URL",
    "SHEETSYNC_FLEET_TASKS_SERVICE_ACCOUNT",
    "SHEETSYNC_FLEET_MAX_ATTEMPTS",
    "SHEETSYNC_OAUTH_CLIENT_ID",
    "SHEETSYNC_OAUTH_CLIENT_SECRET",
    "SHEETSYNC_OAUTH_REDIRECT_URI",
    "SHEETSYNC_OAUTH_STATE_KEY",
    "SHEETSYNC_DELEGATION_DOMAINS",
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


def test_deploy_sh_deploys_the_three_entry_points_and_the_fleets_three() -> None:
    assert _function_deploys() == {
        "sync_http": "http",
        "sync_pubsub": "topic",
        "addon": "http",
        "fleet_dispatch": "http",
        "fleet_worker": "http",
        "oauth_callback": "http",
    }


def test_deploy_sh_uses_gen2_python311_and_right_access() -> None:
    commands = _dry_run(SCHEDULER_MODE="both")
    for name in ALL_FUNCTIONS:
        flags = _flags(_one(commands, "functions", "deploy", name))
        assert "gen2" in flags, name
        assert flags["runtime"] == ["python311"], name
    assert "no-allow-unauthenticated" in _flags(_one(commands, "functions", "deploy", "sync-http"))
    public = _dry_run(SYNC_HTTP_AUTH="in-function")
    assert "allow-unauthenticated" in _flags(_one(public, "functions", "deploy", "sync-http"))


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


# --- deploy.sh in a dry run ----------------------------------------------------------------------

PROJECT = "demo-project"
SYNC_FUNCTIONS = ("sync-http", "sync-pubsub")
ALL_FUNCTIONS = (*SYNC_FUNCTIONS, "addon")
RUNTIME_SA = f"sheetsync-runtime@{PROJECT}.iam.gserviceaccount.com"
ADDON_RUNTIME_SA = f"sheetsync-addon@{PROJECT}.iam.gserviceaccount.com"
#: What the dry run puts in for `gcloud workspace-add-ons get-authorization`.
ADDON_CALLER_SA = "service-PROJECT_NUMBER@gcp-sa-gsuiteaddons.iam.gserviceaccount.com"
ADDON_URL = f"https://us-central1-{PROJECT}.cloudfunctions.net/addon"
FLYER_MOUNT = "/mnt/sheetsync-flyers"
#: Cloud Scheduler: an HTTP target's attempt deadline lies in [15 s, 30 min] (cloudscheduler.v1
#: discovery document, Job.attemptDeadline). Pub/Sub: an ack deadline is at most 600 s
#: (pubsub.v1, Subscription.ackDeadlineSeconds).
MAX_ATTEMPT_DEADLINE_S = 30 * 60
MAX_ACK_DEADLINE_S = 600
#: An event-driven gen2 function runs at most 9 minutes.
MAX_EVENT_TIMEOUT_S = 540
#: Memory a sync needs, from the README's Performance table: a 100-contact steady run peaks at
#: 72 MB (the imports and clients), a first sync of 10,000 contacts at 176 MB, so one such sync
#: adds 104 MB. Cloud Storage FUSE keeps up to 32 MB of stat cache and 4 MiB of type cache.
PROCESS_BASE_MB = 72
SYNC_10K_MB = 104
FUSE_CACHE_MB = 36


def _dry_run_result(settings: dict[str, str]) -> subprocess.CompletedProcess[str]:
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/")}
    if "TMPDIR" in os.environ:
        env["TMPDIR"] = os.environ["TMPDIR"]
    env.update({"PROJECT": PROJECT, "SPREADSHEET_ID": "1AbCsheet", "DRY_RUN": "1"}, **settings)
    return subprocess.run(
        ["bash", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def _dry_run(**settings: str) -> list[list[str]]:
    """The commands deploy.sh prints in a dry run with these settings, each as its argv."""
    done = _dry_run_result(settings)
    assert done.returncode == 0, done.stderr
    return [shlex.split(line[2:]) for line in done.stdout.splitlines() if line.startswith("+ ")]


def _dry_run_refused(**settings: str) -> str:
    """deploy.sh's error message for settings it must refuse before doing anything."""
    done = _dry_run_result(settings)
    assert done.returncode != 0
    assert not any(line.startswith("+ ") for line in done.stdout.splitlines())
    return done.stderr


def _positional(argv: list[str]) -> list[str]:
    # deploy.sh writes every flag as --name=value, so the rest are the command's words.
    return [a for a in argv[1:] if not a.startswith("-")]


def _find(commands: list[list[str]], *words: str) -> list[list[str]]:
    return [c for c in commands if _positional(c)[: len(words)] == list(words)]


def _one(commands: list[list[str]], *words: str) -> list[str]:
    found = _find(commands, *words)
    assert len(found) == 1, f"{' '.join(words)}: {len(found)} commands"
    return found[0]


def _flags(argv: list[str]) -> dict[str, list[str]]:
    flags: dict[str, list[str]] = {}
    for arg in argv:
        if arg.startswith("--"):
            name, _, value = arg[2:].partition("=")
            flags.setdefault(name, []).append(value)
    return flags


def _flag(argv: list[str], name: str) -> str:
    values = _flags(argv).get(name, [])
    assert len(values) == 1, f"--{name}: {values}"
    return values[0]


def _pairs(value: str) -> dict[str, str]:
    """``a=1,b=2`` (gcloud's list-of-pairs syntax) as a dict."""
    return dict(pair.split("=", 1) for pair in value.split(","))


def _env(deploy: list[str]) -> dict[str, str]:
    return _pairs(_flag(deploy, "set-env-vars"))


def _seconds(value: str) -> int:
    assert value.endswith("s"), value
    return int(value[:-1])


def _mib(value: str) -> int:
    match = re.fullmatch(r"(\d+)(Mi|Gi)", value)
    assert match, value
    return int(match.group(1)) * (1024 if match.group(2) == "Gi" else 1)


def test_every_function_reads_the_flyer_from_a_read_only_bucket_mount() -> None:
    commands = _dry_run(SCHEDULER_MODE="both", FLYER_BUCKET="practice-flyers")
    for name in ALL_FUNCTIONS:
        deploy = _one(commands, "functions", "deploy", name)
        assert _env(deploy)["SHEETSYNC_FLYER_DIR"] == FLYER_MOUNT, name
        mount = _one(commands, "run", "services", "update", name)
        # After the deploy, which need not keep a volume the Cloud Functions API cannot express.
        assert commands.index(mount) > commands.index(deploy), name
        volume = _pairs(_flag(mount, "add-volume"))
        assert volume == {
            "name": volume["name"],
            "type": "cloud-storage",
            "bucket": "practice-flyers",
            "readonly": "true",
        }
        volume_mount = _pairs(_flag(mount, "add-volume-mount"))
        assert volume_mount == {"volume": volume["name"], "mount-path": FLYER_MOUNT}
    create = _one(commands, "storage", "buckets", "create")
    assert _positional(create)[3:] == ["gs://practice-flyers"]
    assert {"uniform-bucket-level-access", "public-access-prevention"} <= set(_flags(create))
    # Each function identity may read that one bucket, and gets no other storage role.
    grants = _find(commands, "storage", "buckets", "add-iam-policy-binding")
    assert {(_positional(g)[3], _flag(g, "member"), _flag(g, "role")) for g in grants} == {
        ("gs://practice-flyers", f"serviceAccount:{RUNTIME_SA}", "roles/storage.objectViewer"),
        (
            "gs://practice-flyers",
            f"serviceAccount:{ADDON_RUNTIME_SA}",
            "roles/storage.objectViewer",
        ),
    }
    assert not _find(commands, "projects", "add-iam-policy-binding")


def test_the_flyer_bucket_defaults_to_one_named_after_the_project() -> None:
    commands = _dry_run()
    bucket = f"{PROJECT}-sheetsync-flyers"
    assert _positional(_one(commands, "storage", "buckets", "create"))[3] == f"gs://{bucket}"
    mount = _one(commands, "run", "services", "update", "sync-http")
    assert _pairs(_flag(mount, "add-volume"))["bucket"] == bucket


@pytest.mark.parametrize(
    "bucket", ["gs://flyers", "Flyers", "my.flyers", "../flyers", "ab", "goog-flyers", "a,b=c"]
)
def test_a_flyer_bucket_that_is_not_a_bare_bucket_name_is_refused(bucket: str) -> None:
    assert "FLYER_BUCKET" in _dry_run_refused(FLYER_BUCKET=bucket)


def test_readme_gives_the_flyer_its_home() -> None:
    readme = README.read_text(encoding="utf-8")
    for needed in (
        "`SHEETSYNC_FLYER_DIR`",
        "`FLYER_BUCKET`",
        FLYER_MOUNT,
        "gcloud storage cp flyer.pdf gs://",
        "Settings > Flyer file",
        "roles/storage.objectViewer",
        "/etc/secrets",
    ):
        assert needed in readme, needed


def test_calendar_id_reaches_only_the_scheduled_functions() -> None:
    commands = _dry_run(SCHEDULER_MODE="both", CALENDAR_ID="practice@example.com")
    for name in SYNC_FUNCTIONS:
        deploy = _one(commands, "functions", "deploy", name)
        assert _env(deploy)["SHEETSYNC_CALENDAR_ID"] == "practice@example.com", name
    # The add-on writes on each user's own calendar, the one named in Settings.
    assert "SHEETSYNC_CALENDAR_ID" not in _env(_one(commands, "functions", "deploy", "addon"))


def _assert_addon_checks_its_token_itself(deploy: list[str]) -> None:
    env = _env(deploy)
    assert env["SHEETSYNC_ADDON_AUDIENCE"] == ADDON_URL
    assert env["SHEETSYNC_ADDON_SERVICE_ACCOUNT"] == ADDON_CALLER_SA


def test_the_add_on_is_private_by_default_and_still_checks_its_token() -> None:
    commands = _dry_run()
    deploy = _one(commands, "functions", "deploy", "addon")
    assert "no-allow-unauthenticated" in _flags(deploy)
    assert "allow-unauthenticated" not in _flags(deploy)
    binding = _one(commands, "functions", "add-invoker-policy-binding", "addon")
    assert _flag(binding, "member") == f"serviceAccount:{ADDON_CALLER_SA}"
    assert commands.index(binding) > commands.index(deploy)
    _assert_addon_checks_its_token_itself(deploy)


def test_the_public_add_on_variant_relies_on_its_token_check() -> None:
    commands = _dry_run(ADDON_AUTH="public")
    deploy = _one(commands, "functions", "deploy", "addon")
    assert "allow-unauthenticated" in _flags(deploy)
    assert "no-allow-unauthenticated" not in _flags(deploy)
    assert not _find(commands, "functions", "add-invoker-policy-binding", "addon")
    _assert_addon_checks_its_token_itself(deploy)


def test_an_unknown_add_on_auth_mode_is_refused() -> None:
    assert "ADDON_AUTH" in _dry_run_refused(ADDON_AUTH="open")


def test_the_add_on_serves_concurrent_requests_with_room_for_each() -> None:
    deploy = _one(_dry_run(), "functions", "deploy", "addon")
    concurrency = int(_flag(deploy, "concurrency"))
    assert concurrency > 1
    # gen2 serves more than one request per instance only with at least 1 vCPU.
    assert float(_flag(deploy, "cpu")) >= 1
    # functions-framework's gunicorn serves THREADS requests at once (default 4 per CPU).
    assert _env(deploy)["THREADS"] == str(concurrency)
    memory = _mib(_flag(deploy, "memory"))
    assert memory >= PROCESS_BASE_MB + FUSE_CACHE_MB + concurrency * SYNC_10K_MB
    assert 1 <= int(_flag(deploy, "max-instances")) <= 5


def test_the_add_on_instance_cap_is_the_operators_choice() -> None:
    deploy = _one(_dry_run(ADDON_MAX_INSTANCES="2"), "functions", "deploy", "addon")
    assert _flag(deploy, "max-instances") == "2"
    for bad in ("0", "-1", "many", "1,2"):
        assert "ADDON_MAX_INSTANCES" in _dry_run_refused(ADDON_MAX_INSTANCES=bad)


def test_scheduler_gives_up_on_an_attempt_only_after_the_function_timeout() -> None:
    commands = _dry_run(SCHEDULER_MODE="http")
    deploy = _one(commands, "functions", "deploy", "sync-http")
    job = _one(commands, "scheduler", "jobs", "create", "http")
    timeout = _seconds(_flag(deploy, "timeout"))
    deadline = _seconds(_flag(job, "attempt-deadline"))
    # Cloud Run ends the request at the timeout, so the attempt is over before Scheduler gives
    # up on it; the margin is far above clock and network jitter.
    assert timeout + 30 <= deadline <= MAX_ATTEMPT_DEADLINE_S
    assert _seconds(_flag(job, "min-backoff")) >= 60
    assert int(_flag(job, "max-retry-attempts")) >= 1
    # One instance: a retry can only ever queue behind the first sync, never run beside it.
    assert _flag(deploy, "max-instances") == "1"
    assert not _find(commands, "pubsub", "subscriptions", "update")


def test_pubsub_redelivers_only_after_the_function_timeout() -> None:
    commands = _dry_run(SCHEDULER_MODE="pubsub")
    deploy = _one(commands, "functions", "deploy", "sync-pubsub")
    timeout = _seconds(_flag(deploy, "timeout"))
    assert timeout <= MAX_EVENT_TIMEOUT_S
    assert "retry" not in _flags(deploy)
    assert _flag(deploy, "max-instances") == "1"
    # The subscription is the one Eventarc made for this function's trigger, looked up by name.
    describe = _one(commands, "functions", "describe", "sync-pubsub")
    assert _flag(describe, "format") == "value(eventTrigger.trigger)"
    trigger = _one(commands, "eventarc", "triggers", "describe")
    assert _flag(trigger, "format") == "value(transport.pubsub.subscription)"
    update = _one(commands, "pubsub", "subscriptions", "update")
    assert _positional(update)[3] == f"projects/{PROJECT}/subscriptions/SUBSCRIPTION"
    ack_deadline = int(_flag(update, "ack-deadline"))
    assert timeout + 30 <= ack_deadline <= MAX_ACK_DEADLINE_S
    assert commands.index(deploy) < commands.index(update)


# --- OAuth scopes: the table in deploy/README.md ------------------------------------------------

SCOPE_TABLE_HEADER = (
    "| Identity | API | Scope | Methods it calls (discovery ids) | Why this scope |"
)
DISCOVERY = Path(googleapiclient.__file__).parent / "discovery_cache" / "documents"
DISCOVERY_FILES = {
    "sheets": "sheets.v4.json",
    "calendar": "calendar.v3.json",
    "gmail": "gmail.v1.json",
    "iamcredentials": "iamcredentials.v1.json",
}


@dataclass(frozen=True)
class ScopeRow:
    identity: str
    scope: str
    methods: tuple[str, ...]


def _scope_table() -> list[ScopeRow]:
    lines = README.read_text(encoding="utf-8").splitlines()
    assert SCOPE_TABLE_HEADER in lines, "deploy/README.md lost its scope table"
    rows: list[ScopeRow] = []
    for line in lines[lines.index(SCOPE_TABLE_HEADER) + 2 :]:
        if not line.startswith("|"):
            break
        identity, _api, scope, methods, _why = (c.strip() for c in line.strip("|").split("|"))
        (url,) = re.findall(r"`(https://[^`]+)`", scope)
        rows.append(ScopeRow(identity, url, tuple(re.findall(r"`([a-z]+(?:\.\w+)+)`", methods))))
    return rows


def _scopes_of(identity: str) -> set[str]:
    scopes = {row.scope for row in _scope_table() if row.identity == identity}
    assert scopes, identity
    return scopes


def _methods_of(identity: str) -> set[str]:
    return {m for row in _scope_table() if row.identity == identity for m in row.methods}


@functools.cache
def _accepted_scopes() -> dict[str, frozenset[str]]:
    """{discovery method id: the scopes it accepts}, for every API sheetsync calls."""

    def walk(node: dict[str, Any], out: dict[str, frozenset[str]]) -> None:
        for method in (node.get("methods") or {}).values():
            out[method["id"]] = frozenset(method.get("scopes", []))
        for resource in (node.get("resources") or {}).values():
            walk(resource, out)

    accepted: dict[str, frozenset[str]] = {}
    for name in DISCOVERY_FILES.values():
        walk(json.loads((DISCOVERY / name).read_text(encoding="utf-8")), accepted)
    return accepted


def test_every_method_in_the_scope_table_accepts_the_scope_it_is_listed_with() -> None:
    rows = _scope_table()
    assert {row.identity for row in rows} == {"scheduled sync", "add-on", "CLI init"}
    accepted = _accepted_scopes()
    for row in rows:
        assert row.methods, row
        for method in row.methods:
            assert method in accepted, f"{method} is not in the discovery documents"
            assert row.scope in accepted[method], f"{method} does not accept {row.scope}"


def test_the_add_on_deployment_asks_for_exactly_the_add_on_scopes_in_the_table() -> None:
    scopes = _template()["oauthScopes"]
    assert set(scopes) == _scopes_of("add-on")
    # The add-on writes on its user's own calendar and never reads mail.
    assert SCOPE_PREFIX + "calendar.events.owned" in scopes
    assert SCOPE_PREFIX + "calendar.events" not in scopes


def test_the_scheduled_sync_requests_exactly_the_scopes_in_the_table() -> None:
    c = sheetsync_credentials
    requested = {
        c.SHEETS_SCOPE,
        c.CALENDAR_SCOPE,
        c.GMAIL_COMPOSE_SCOPE,
        c.GMAIL_READONLY_SCOPE,
        c.IAM_SIGN_SCOPE,
    }
    assert requested == _scopes_of("scheduled sync")
    assert _scopes_of("CLI init") == {c.SHEETS_SCOPE}
    gmail = {c.GMAIL_COMPOSE_SCOPE, c.GMAIL_READONLY_SCOPE}
    # The scopes the operator grants by hand: the refresh token's consent, and delegation.
    readme = README.read_text(encoding="utf-8")
    assert set(re.findall(r"--scope (\S+)", readme)) == gmail
    delegation = re.search(r'^GMAIL_DELEGATION_SCOPES="([^"]+)"', SCRIPT.read_text(), re.M)
    assert delegation is not None
    assert set(delegation.group(1).split(",")) == gmail


def _called(server: FakeGoogle) -> set[str]:
    return {r.method_id for r in server.requests() if r.method_id}


def _methods_two_syncs_call(make_backend: Callable[[FakeGoogle, str], Backend]) -> set[str]:
    """The methods a first sync calls, and a second one after its write-back was lost.

    Between the two, the Sheet goes back to what the first sync read (as if it had crashed
    before writing back) and a person retitles an event: the second sync's inserts then meet
    existing ids, so it also gets and patches events and finds its drafts among drafts.
    """
    with FakeGoogle(seed=41) as server:
        sheet = template_sheet(server)
        fill_demo(server, sheet, NOW.date())
        before = {tab.name: server.sheet_rows(sheet, tab.name) for tab in SHEET_TEMPLATE.tabs}
        server.reset_log()
        run_sync(make_backend(server, sheet), NOW)
        for tab, rows in before.items():
            server.set_sheet_rows(sheet, tab, rows)
        event = server.calendar_events()[0]
        server.calendar_patch_event("primary", event["id"], {"summary": "Renamed by hand"})
        run_sync(make_backend(server, sheet), NOW)
        return _called(server)


def test_init_and_the_syncs_call_only_methods_the_scope_table_lists(tmp_path: Path) -> None:
    with FakeGoogle(seed=40) as server:
        template_sheet(server)
        init_calls = _called(server)
    # The scheduled sync's credentials may search sent mail (anonymous ones do, on the fake).
    scheduled_calls = _methods_two_syncs_call(
        lambda server, sheet: backend(server, sheet, tmp_path)
    )
    # The add-on's token (userOAuthToken) holds no Gmail read scope.
    no_read = GoogleCredentials.single(AnonymousCredentials(), reads_sent=False)
    addon_calls = _methods_two_syncs_call(
        lambda server, sheet: google_backend(
            sheet, endpoint=server.url, credentials=no_read, retry=FAST, clock=lambda: NOW
        )
    )
    assert init_calls <= _methods_of("CLI init"), init_calls - _methods_of("CLI init")
    assert scheduled_calls <= _methods_of("scheduled sync"), scheduled_calls - _methods_of(
        "scheduled sync"
    )
    assert addon_calls <= _methods_of("add-on"), addon_calls - _methods_of("add-on")
    # The runs reached what the table is about, so the comparisons above are not vacuous.
    assert {"sheets.spreadsheets.create", "sheets.spreadsheets.batchUpdate"} <= init_calls
    for calls in (scheduled_calls, addon_calls):
        assert {"calendar.events.insert", "calendar.events.get", "calendar.events.patch"} <= calls
        assert {"gmail.users.drafts.list", "gmail.users.drafts.create"} <= calls
        assert {
            "sheets.spreadsheets.get",
            "sheets.spreadsheets.batchUpdate",
            "sheets.spreadsheets.values.batchUpdateByDataFilter",
        } <= calls
    assert "gmail.users.messages.list" in scheduled_calls
    assert "gmail.users.messages.list" not in addon_calls


def _methods_following_drafts_up(credentials: GoogleCredentials) -> set[str]:
    """The methods ``Mailbox.track`` calls on every path: a draft still there, sent from the
    web interface and answered, discarded, known sent, with and without its ids recorded."""
    with FakeGoogle(seed=42) as server:
        mailbox = google_backend(
            "sheet", endpoint=server.url, credentials=credentials, retry=FAST, clock=lambda: NOW
        ).mailbox
        specs = [
            DraftSpec(
                f"<intro.{n}@sheetsync.invalid>",
                "intro",
                (),
                (("Zoë", "z@example.org"),),
                None,
                "Hello",
                "Hi",
            )
            for n in range(3)
        ]
        made = mailbox.ensure(specs)
        server.gmail_send_from_web(made[1].draft_id)
        server.gmail_receive_reply(made[1].thread_id, "z@example.org")
        server.gmail_discard_draft(made[2].draft_id)
        server.reset_log()
        tracked = [TrackedDraft(o.message_id, o.draft_id, o.thread_id) for o in made]
        tracked += [TrackedDraft(o.message_id, o.draft_id) for o in made]
        tracked += [TrackedDraft(o.message_id, "") for o in made]
        tracked += [TrackedDraft(o.message_id, "", "", NOW.date()) for o in made]
        mailbox.track(tracked)
        return _called(server)


def test_following_drafts_up_calls_only_methods_the_scope_table_lists() -> None:
    scheduled = _methods_following_drafts_up(GoogleCredentials.anonymous())
    no_read = GoogleCredentials.single(AnonymousCredentials(), reads_sent=False)
    addon = _methods_following_drafts_up(no_read)
    assert scheduled <= _methods_of("scheduled sync"), scheduled - _methods_of("scheduled sync")
    assert addon <= _methods_of("add-on"), addon - _methods_of("add-on")
    assert {"gmail.users.threads.get", "gmail.users.messages.list"} <= scheduled
    assert addon == {"gmail.users.drafts.get", "gmail.users.drafts.list"}


# --- fleet mode ----------------------------------------------------------------------------------

FLEET_SETTINGS = {
    "FLEET": "1",
    "SPREADSHEET_ID": "",
    "OAUTH_CLIENT_ID": "123-abc.apps.googleusercontent.com",
    "DELEGATION_DOMAINS": "clinic.example.org group.example.com",
}
FLEET_SA = f"sheetsync-fleet@{PROJECT}.iam.gserviceaccount.com"
TASKS_SA = f"sheetsync-tasks@{PROJECT}.iam.gserviceaccount.com"
INVOKER_SA = f"sheetsync-invoker@{PROJECT}.iam.gserviceaccount.com"
FUNCTIONS = f"https://us-central1-{PROJECT}.cloudfunctions.net"


def test_fleet_mode_sets_the_queue_from_the_sheets_quota() -> None:
    from sheetsync.core.fleet.rates import queue_limits

    limits = queue_limits()
    queue = _flags(_one(_dry_run(**FLEET_SETTINGS), "tasks", "queues", "create"))
    assert float(queue["max-dispatches-per-second"][0]) == limits.max_dispatches_per_second
    assert int(queue["max-concurrent-dispatches"][0]) == limits.max_concurrent_dispatches
    assert int(queue["max-attempts"][0]) == limits.max_attempts
    assert queue["min-backoff"] == [f"{limits.min_backoff_s}s"]
    assert queue["max-backoff"] == [f"{limits.max_backoff_s}s"]
    assert int(queue["max-doublings"][0]) == limits.max_doublings


def test_fleet_mode_deploys_the_fleet_instead_of_the_single_sheet() -> None:
    commands = _dry_run(**FLEET_SETTINGS)
    deployed = {_positional(c)[2] for c in _find(commands, "functions", "deploy")}
    assert deployed == {"fleet-dispatch", "fleet-worker", "oauth-callback", "addon"}
    assert not _find(commands, "scheduler", "jobs", "create", "pubsub")
    dispatch = _flags(_one(commands, "functions", "deploy", "fleet-dispatch"))
    worker = _flags(_one(commands, "functions", "deploy", "fleet-worker"))
    callback = _flags(_one(commands, "functions", "deploy", "oauth-callback"))
    assert "no-allow-unauthenticated" in dispatch and "no-allow-unauthenticated" in worker
    # A browser redirect cannot carry an ID token: the callback is public, and trusts only
    # its signed state and Google's token endpoint.
    assert "allow-unauthenticated" in callback
    assert (
        worker["max-instances"]
        == _flags(_one(commands, "tasks", "queues", "create"))["max-concurrent-dispatches"]
    )
    assert worker["concurrency"] == ["1"] and dispatch["max-instances"] == ["1"]
    for flags in (dispatch, worker, callback):
        assert flags["service-account"] == [FLEET_SA]
        assert "SHEETSYNC_FLYER_DIR" not in _pairs(flags["set-env-vars"][0])
    invokers = {
        _positional(c)[2]: _flag(c, "member")
        for c in _find(commands, "functions", "add-invoker-policy-binding")
    }
    assert invokers["fleet-dispatch"] == f"serviceAccount:{INVOKER_SA}"
    assert invokers["fleet-worker"] == f"serviceAccount:{TASKS_SA}"
    assert "oauth-callback" not in invokers


def test_the_fleets_settings_are_what_its_configuration_reads() -> None:
    from sheetsync.fleet_config import FleetConfig

    commands = _dry_run(**FLEET_SETTINGS)
    for name in ("fleet-dispatch", "fleet-worker", "oauth-callback", "addon"):
        deploy = _one(commands, "functions", "deploy", name)
        env = _env(deploy)
        secrets = _pairs(_flag(deploy, "set-secrets"))
        assert set(secrets) == {"SHEETSYNC_OAUTH_CLIENT_SECRET", "SHEETSYNC_OAUTH_STATE_KEY"}
        env.update({k: "x" * 48 for k in secrets})
        fleet = FleetConfig.from_env(env)
        assert fleet.enabled and fleet.consent_ready, name
        assert fleet.queue == f"projects/{PROJECT}/locations/us-central1/queues/sheetsync-fleet"
        assert fleet.worker_url == f"{FUNCTIONS}/fleet-worker"
        assert fleet.oauth_redirect_uri == f"{FUNCTIONS}/oauth-callback"
        assert fleet.tasks_service_account == TASKS_SA
        assert fleet.delegation_domains == {"clinic.example.org", "group.example.com"}


def test_the_dispatcher_runs_hourly_as_the_invoker() -> None:
    job = _one(_dry_run(**FLEET_SETTINGS), "scheduler", "jobs", "create", "http")
    flags = _flags(job)
    assert _positional(job)[4] == "sheetsync-fleet-dispatch"
    assert flags["schedule"] == ["5 * * * *"] and flags["time-zone"] == ["Etc/UTC"]
    assert flags["uri"] == flags["oidc-token-audience"] == [f"{FUNCTIONS}/fleet-dispatch"]
    assert flags["oidc-service-account-email"] == [INVOKER_SA]


def test_each_fleet_identity_gets_only_its_grants() -> None:
    commands = _dry_run(**FLEET_SETTINGS)
    role = _one(commands, "iam", "roles", "create")
    permissions = set(_flag(role, "permissions").split(","))
    assert all(p.startswith("secretmanager.") for p in permissions)
    assert "secretmanager.secrets.setIamPolicy" not in permissions
    project_grants = {
        (_flag(c, "member"), _flag(c, "role"))
        for c in _find(commands, "projects", "add-iam-policy-binding")
    }
    custom = f"projects/{PROJECT}/roles/sheetsyncTenantSecrets"
    addon = f"serviceAccount:sheetsync-addon@{PROJECT}.iam.gserviceaccount.com"
    assert project_grants == {
        (f"serviceAccount:{FLEET_SA}", "roles/datastore.user"),
        (f"serviceAccount:{FLEET_SA}", custom),
        (addon, "roles/datastore.user"),
        (addon, custom),
    }
    enqueuers = {
        _flag(c, "member") for c in _find(commands, "tasks", "queues", "add-iam-policy-binding")
    }
    assert enqueuers == {f"serviceAccount:{FLEET_SA}", addon}


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"OAUTH_CLIENT_ID": "", "DELEGATION_DOMAINS": ""}, "OAUTH_CLIENT_ID"),
        ({"OAUTH_CLIENT_ID": "not-a-client"}, "OAUTH_CLIENT_ID must be a client id"),
        ({"DELEGATION_DOMAINS": "clinic.example.org;rm -rf"}, "not a domain"),
        ({"FLEET": "yes"}, "FLEET: 0|1"),
    ],
)
def test_fleet_mode_refuses_bad_settings(settings: dict[str, str], message: str) -> None:
    assert message in _dry_run_refused(**{**FLEET_SETTINGS, **settings})
