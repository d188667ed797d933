"""The fleet on one machine: ``make fleet-demo`` (200 tenants) and the fleet part of ``make bench``.

Starts Google's Firestore emulator (the registry), fake Cloud Tasks and Secret Manager (the
real gRPC clients talk to them) and the fake Google server (``tests/fakegoogle``: Sheets,
Calendar, Gmail, Drive and the OAuth token endpoint). Registers N tenants, each with its own
sample Sheet (``bench/generate.py``), its own Google account and refresh token, in time zones
round the world, each due in the current hour. Then, through main.py's functions as
functions-framework serves them:

1. dispatches once (``fleet_dispatch``, in a child process, so its peak RSS is its own);
2. lets the queue dispatch every task to the worker (``fleet_worker``) at the queue's rate,
   on a virtual clock: the fake Google server logs each request's time and principal, so the
   largest Sheets request rate seen per tenant and for the project is measured per minute;
3. dispatches again in the same slot: every task name is taken, nothing is created twice.

It ends (exit status 0) only if every tenant synced exactly once and the second dispatch
created nothing. ``--tenants 100,1000`` runs each size and says how the cost grows.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .coldstart import tests_on_path
from .fake_server import ROOT, child_env
from .generate import generate_network
from .measure import NOW, SEED, setup_google

#: Contacts in each tenant's sample Sheet (a small practice's network).
TENANT_CONTACTS = 20
ZONES = (
    "Europe/Paris",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Kolkata",
    "Etc/UTC",
    "America/Los_Angeles",
    "Africa/Johannesburg",
    "Pacific/Auckland",
)

DISPATCH_CHILD = """
import json, resource, sys, time
import functions_framework
app = functions_framework.create_app("fleet_dispatch", source=sys.argv[1]).test_client()
started = time.perf_counter()
response = app.post("/", json={})
took = time.perf_counter() - started
# VmHWM is this process's own peak. ru_maxrss is not: Linux carries the parent's peak across
# the exec that started this child (the parent holds the fake server's 1,000 Sheets).
try:
    with open("/proc/self/status") as status:
        hwm = next(l for l in status if l.startswith("VmHWM:"))
    rss = int(hwm.split()[1]) / 1024
except (OSError, StopIteration):
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"status": response.status_code, "body": response.get_json(),
                  "seconds": took, "peak_rss_mb": rss}))
"""


@dataclass
class FleetRun:
    """The figures of one fleet run."""

    tenants: int
    setup_s: float = 0.0
    dispatch_s: float = 0.0
    dispatcher_peak_rss_mb: float = 0.0
    dispatched: dict[str, Any] = field(default_factory=dict)
    drain_wall_s: float = 0.0
    drain_virtual_s: float = 0.0
    outcomes: dict[str, int] = field(default_factory=dict)
    synced_once: bool = False
    second_dispatch: dict[str, Any] = field(default_factory=dict)
    requests_per_tenant: dict[str, float] = field(default_factory=dict)
    max_sheets_per_min_tenant: int = 0
    max_sheets_per_min_project: int = 0
    max_dispatches_per_min: int = 0

    @property
    def ok(self) -> bool:
        again = self.second_dispatch
        return (
            self.synced_once and again.get("created") == 0 and again.get("existing") == self.tenants
        )


def _dispatch_in_child(env: dict[str, str]) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, "-c", DISPATCH_CHILD, str(ROOT / "main.py")],
        cwd=ROOT,
        env=child_env(**env),
        capture_output=True,
        text=True,
        check=False,
        timeout=600,
    )
    if done.returncode != 0:
        raise RuntimeError(f"the dispatcher failed:\n{done.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run_fleet(count: int, firestore_host: str, work: Path, show: bool = False) -> FleetRun:
    """Register ``count`` tenants, dispatch, sync them all, dispatch again."""
    import fleetkit  # type: ignore[import-not-found]

    run = FleetRun(count)
    quiet = {"SHEETSYNC_LOG_LEVEL": "WARNING"}
    with fleetkit.fleet_world(firestore_host, env=quiet) as fleet:
        started = time.perf_counter()
        network = generate_network(TENANT_CONTACTS, NOW.date(), SEED)
        network.settings.pop("Flyer file", None)
        base = setup_google(network, fleet.google.url, work / "fleet")
        tenants = []
        for i in range(count):
            sheet = fleet.google.copy_spreadsheet(base, f"Practice {i + 1}")
            zone = ZONES[i % len(ZONES)]
            tenants.append(fleet.enrol(sheet, f"therapist{i + 1}@practice.example", zone))
        run.setup_s = time.perf_counter() - started
        setup_requests = len(fleet.google.requests())

        child = _dispatch_in_child(fleet.env)
        if child["status"] != 200:
            raise RuntimeError(f"the dispatch answered {child['status']}: {child['body']}")
        run.dispatch_s = child["seconds"]
        run.dispatcher_peak_rss_mb = child["peak_rss_mb"]
        run.dispatched = child["body"]

        virtual_start = fleet.clock.now()
        started = time.perf_counter()
        fleet.drain()
        run.drain_wall_s = time.perf_counter() - started
        run.drain_virtual_s = (fleet.clock.now() - virtual_start).total_seconds()

        synced = Counter(a[0] for a in fleet.answers if a[3].get("status") == "synced")
        run.outcomes = dict(Counter(a[3].get("status", f"HTTP {a[2]}") for a in fleet.answers))
        registry = fleet.registry()
        records = {t.tenant_id: registry.get(t.tenant_id) for t in tenants}
        run.synced_once = all(synced[t.tenant_id] == 1 for t in tenants) and all(
            r is not None and r.last_run is not None and r.last_run.result == "ok"
            for r in records.values()
        )
        status, again = fleet.dispatch()
        run.second_dispatch = {**again, "status": status}

        tenant_requests = [r for r in fleet.google.requests()[setup_requests:] if r.principal]
        kinds = Counter(r.api for r in tenant_requests if not r.inner)
        run.requests_per_tenant = {k: round(v / count, 2) for k, v in sorted(kinds.items())}
        per_tenant, project = fleetkit.rates(fleet)
        run.max_sheets_per_min_tenant, run.max_sheets_per_min_project = per_tenant, project
        run.max_dispatches_per_min = fleet.tasks.max_dispatches_within(60.0)
        if show:
            _print_tenants(tenants, records, synced, fleet)
    return run


def _print_tenants(
    tenants: list[Any], records: dict[str, Any], synced: Counter[str], fleet: Any
) -> None:
    print(
        f"\n{'tenant':<14} {'time zone':<20} {'result':<7} {'syncs':>5} {'events':>6} "
        f"{'drafts':>6} {'cells':>6} {'Sheets req':>10}"
    )
    sheets = Counter(r.principal for r in fleet.google.requests("sheets") if r.principal)
    for tenant in tenants:
        record = records[tenant.tenant_id]
        last = record.last_run if record else None
        counts = last.counts if last else {}
        sub = fleet.google.oauth.sub_of(_email_of(fleet, tenant))
        print(
            f"{tenant.tenant_id[:12]:<14} {tenant.time_zone:<20} "
            f"{(last.result if last else '-'):<7} {synced[tenant.tenant_id]:>5} "
            f"{counts.get('events_created', 0):>6} {counts.get('drafts_created', 0):>6} "
            f"{counts.get('cells_written', 0):>6} {sheets[sub]:>10}"
        )


def _email_of(fleet: Any, tenant: Any) -> str:
    from sheetsync.core.fleet.tenants import user_ref

    for user in fleet.google.oauth.users.values():
        if user_ref(user.sub) == tenant.enrolled_by:
            return str(user.email)
    return ""


def summary_lines(run: FleetRun) -> list[str]:
    """The run, in a few plain lines."""
    per_sync = run.drain_wall_s / max(1, run.tenants)
    return [
        f"{run.tenants:,} tenants: set up in {run.setup_s:.1f} s",
        f"  dispatch: {run.dispatched.get('created')} tasks created in {run.dispatch_s:.2f} s, "
        f"dispatcher peak RSS {run.dispatcher_peak_rss_mb:.0f} MB",
        f"  syncs: {run.outcomes} in {run.drain_wall_s:.1f} s wall ({per_sync * 1000:.0f} ms "
        f"each here), {run.drain_virtual_s / 60:.1f} min of queue time at the queue's rate",
        f"  largest rate seen: {run.max_dispatches_per_min} dispatches/min; Sheets requests "
        f"{run.max_sheets_per_min_tenant}/min for one tenant (quota 60), "
        f"{run.max_sheets_per_min_project}/min for the project (quota 300)",
        f"  requests per tenant: {run.requests_per_tenant}",
        f"  second dispatch in the same slot: created {run.second_dispatch.get('created')}, "
        f"already queued {run.second_dispatch.get('existing')}",
        f"  every tenant synced exactly once: {'yes' if run.synced_once else 'NO'}",
    ]


def _memory_growth(small_mb: float, large_mb: float) -> str:
    """Whether the dispatcher's memory stayed flat, as measured (not as intended)."""
    if large_mb <= small_mb * 1.25:
        return "flat: the registry is read in pages of 300"
    return f"x{large_mb / max(small_mb, 1e-9):.1f}: it grows with the tenants"


def growth_lines(runs: list[FleetRun]) -> list[str]:
    """How the cost grows from the smallest run to the largest."""
    if len(runs) < 2:
        return []
    small, large = runs[0], runs[-1]
    factor = large.tenants / small.tenants
    return [
        f"from {small.tenants:,} to {large.tenants:,} tenants (x{factor:g}):",
        f"  dispatch time x{large.dispatch_s / max(small.dispatch_s, 1e-9):.1f}, dispatcher "
        f"peak RSS {small.dispatcher_peak_rss_mb:.0f} -> {large.dispatcher_peak_rss_mb:.0f} MB "
        f"({_memory_growth(small.dispatcher_peak_rss_mb, large.dispatcher_peak_rss_mb)})",
        f"  sync wall time x{large.drain_wall_s / max(small.drain_wall_s, 1e-9):.1f}, per "
        f"tenant {small.drain_wall_s / small.tenants * 1000:.0f} -> "
        f"{large.drain_wall_s / large.tenants * 1000:.0f} ms; queue time "
        f"x{large.drain_virtual_s / max(small.drain_virtual_s, 1e-9):.1f} "
        "(linear: the queue's rate is fixed)",
    ]


def start_firestore() -> Any:
    tests_on_path()
    from fakecloud.emulators import Emulator, unavailable  # type: ignore[import-not-found]

    reason = unavailable("firestore")
    if reason:
        raise SystemExit(f"the Firestore emulator cannot run here: {reason}")
    return Emulator("firestore").start()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.fleet", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--tenants", default="200", help="comma-separated sizes (default: 200)")
    parser.add_argument("--show", action="store_true", help="print each tenant's outcome")
    parser.add_argument("--out", type=Path, help="write the figures as JSON here")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.tenants.split(",") if s.strip()]
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    emulator = start_firestore()
    runs: list[FleetRun] = []
    try:
        with tempfile.TemporaryDirectory(prefix="sheetsync-fleet-") as tmp:
            for size in sizes:
                print(f"fleet of {size:,} tenants...", flush=True)
                runs.append(run_fleet(size, emulator.host, Path(tmp), show=args.show))
    finally:
        emulator.stop()
    print()
    for run in runs:
        print("\n".join(summary_lines(run)))
    print("\n".join(growth_lines(runs)))
    if args.out:
        args.out.write_text(
            json.dumps([asdict(r) for r in runs], indent=2) + "\n", encoding="utf-8"
        )
    failed = [r.tenants for r in runs if not r.ok]
    if failed:
        print(
            f"\nFAILED: not every tenant synced exactly once, or the second dispatch created "
            f"tasks ({failed})"
        )
        return 1
    print("\nevery tenant synced once; the second dispatch created nothing")
    return 0


if __name__ == "__main__":
    sys.exit(main())
