"""``make bench`` / ``python -m bench``: the sync and cold-start benchmark of sheetsync.

1. **Syncs.** For each size (100, 1,000 and 10,000 contacts by default) a network is generated
   (``bench/generate.py``, seeded) and put in place: a Sheet created through the API on the
   fake Google server (``tests/fakegoogle``, run in its own process), and an ``.xlsx`` workbook
   for the local backend. Then a first sync and a steady-state sync (nothing to change) run,
   each in a fresh child process (``bench/measure.py``), so each row's peak RSS is that run's
   own: the fake's memory is in another process.
2. **Cold starts** (``bench/coldstart.py``): each function of main.py started by
   ``functions-framework`` and timed to its first response, against a bare function.
3. **The fleet** (``bench/fleet.py``, in a child process): 100 and 1,000 tenants dispatched and
   synced on the fake server (the registry on the Firestore emulator), with wall time, the
   dispatcher's peak RSS and requests per tenant, and how they grow.
4. **Targets** (``bench/targets.py``): printed as pass or miss.

Figures go to stdout as tables and to ``bench/results.json`` with the machine and the date.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .coldstart import (
    first_request_scenarios,
    measure,
    rejected_scenarios,
    tests_on_path,
)
from .fake_server import ROOT, FakeProcess, child_env
from .generate import generate_network
from .measure import NOW, SEED, BackendKind, setup_google, setup_local
from .targets import Check, check_cold_starts, check_runs

RESULTS = Path(__file__).resolve().parent / "results.json"
DEFAULT_SIZES = (100, 1_000, 10_000)
#: Contacts of the Sheets the cold-start requests read.
COLD_SIZE = 100
#: Tenants of the fleet runs.
FLEET_SIZES = (100, 1_000)


def machine() -> dict[str, Any]:
    model = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "python": platform.python_version(),
        "platform": platform.platform(),
    }


# --- syncs --------------------------------------------------------------------------------------


def _measure_in_child(args: list[str]) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, "-m", "bench.measure", *args],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"bench.measure {' '.join(args)} failed:\n{out.stderr[-3000:]}")
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


def sync_runs(backend: BackendKind, size: int, work: Path) -> list[dict[str, Any]]:
    """Set up a network of ``size`` contacts, then measure a first and a steady-state sync."""
    network = generate_network(size, NOW.date(), SEED)
    folder = work / f"{backend}-{size}"
    results = []
    if backend == "local":
        workbook = setup_local(network, folder)
        for run in ("first", "steady"):
            args = ["--backend", "local", "--size", str(size), "--run", run]
            results.append(_measure_in_child([*args, "--workbook", str(workbook)]))
        return results
    with FakeProcess() as fake:
        sid = setup_google(network, fake.url, folder)
        for run in ("first", "steady"):
            args = ["--backend", "google", "--size", str(size), "--run", run]
            args += ["--url", fake.url, f"--spreadsheet-id={sid}", f"--attachments-dir={folder}"]
            results.append(_measure_in_child(args))
    return results


# --- cold starts --------------------------------------------------------------------------------


def compile_bytecode() -> None:
    """Compile sheetsync's bytecode, as a first import would in a normal environment.

    With PYTHONDONTWRITEBYTECODE set (as on the team's machines) nothing is ever cached, so
    every new function process would compile sheetsync from source while the bare function's
    libraries come precompiled by pip: the comparison would measure the compiler.
    """
    targets = [str(ROOT / name) for name in ("sheetsync", "sheet_template", "main.py")]
    subprocess.run([sys.executable, "-m", "compileall", "-q", *targets], cwd=ROOT, check=True)


def cold_starts(repeats: int, work: Path) -> list[dict[str, Any]]:
    """Rejected requests and first real requests, interleaved, against the bare function."""
    compile_bytecode()
    tests_on_path()
    import tokenkit  # type: ignore[import-not-found]

    network = generate_network(COLD_SIZE, NOW.date(), SEED)
    # The function has no folder for the flyer; without one, GP cover notes wait with a
    # Settings problem, which is not what this benchmark measures.
    network.settings.pop("Flyer file", None)
    with FakeProcess() as fake, tokenkit.CertsServer() as certs:
        homepage = setup_google(network, fake.url, work / "cold")
        syncs = [setup_google(network, fake.url, work / "cold") for _ in range(repeats)]
        scenarios = [
            *rejected_scenarios(),
            *first_request_scenarios(fake.url, certs.url, homepage, syncs),
        ]
        return [asdict(r) for r in measure(scenarios, repeats)]


# --- the fleet ----------------------------------------------------------------------------------


def fleet_runs(sizes: list[int], work: Path) -> tuple[list[dict[str, Any]], str]:
    """``bench.fleet`` for each size, in a child process: its figures and its printed lines."""
    out = work / "fleet.json"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "bench.fleet",
            "--tenants",
            ",".join(map(str, sizes)),
            "--out",
            str(out),
        ],
        cwd=ROOT,
        env=child_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"bench.fleet failed:\n{done.stdout[-2000:]}{done.stderr[-3000:]}")
    runs: list[dict[str, Any]] = json.loads(out.read_text(encoding="utf-8"))
    lines = done.stdout.split("\n\n", 1)[-1].strip()
    return runs, lines


# --- output -------------------------------------------------------------------------------------

SYNC_COLUMNS = (
    ("backend", "backend", "{}"),
    ("size", "contacts", "{:,}"),
    ("run", "run", "{}"),
    ("sheets_requests", "Sheets req", "{}"),
    ("calendar", "Calendar trips (writes)", "{}"),
    ("gmail", "Gmail trips (writes)", "{}"),
    ("created", "created", "{:,}"),
    ("read_s", "read s", "{:.2f}"),
    ("plan_s", "plan s", "{:.2f}"),
    ("apply_s", "apply s", "{:.2f}"),
    ("write_s", "write-back s", "{:.2f}"),
    ("metadata_chars", "anchor chars (fullest tab)", "{:,}"),
    ("peak_rss_mb", "peak RSS MB", "{:.0f}"),
)


#: Figures the local backend has none of.
GOOGLE_ONLY = ("calendar", "gmail", "sheets_requests", "metadata_chars")


def _sync_cells(run: dict[str, Any]) -> list[str]:
    cells = []
    for key, _title, fmt in SYNC_COLUMNS:
        if key in GOOGLE_ONLY and run["backend"] == "local":
            cells.append("-")
        elif key in ("calendar", "gmail"):
            cells.append(f"{run[key + '_round_trips']} ({run[key + '_writes']:,})")
        else:
            cells.append(fmt.format(run.get(key, 0)))
    return cells


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    lines = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    lines += [
        "| " + " | ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) + " |" for r in rows
    ]
    return "\n".join(lines)


def sync_table(runs: list[dict[str, Any]]) -> str:
    return markdown_table([t for _k, t, _f in SYNC_COLUMNS], [_sync_cells(r) for r in runs])


def cold_table(results: list[dict[str, Any]]) -> str:
    rows = [
        [
            r["name"],
            f"{r['median_s']:.2f}",
            f"{r['ratio']:.2f}x",
            "/".join(str(s) for s in sorted(set(r["statuses"]))) + ("" if r["ok"] else " (!)"),
        ]
        for r in results
    ]
    return markdown_table(["cold start to first response", "median s", "vs bare", "HTTP"], rows)


def checks_text(checks: list[Check]) -> str:
    return "\n".join(f"{c.verdict:>4}  {c.name}: {c.measured}" for c in checks)


# --- main ---------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in DEFAULT_SIZES),
        help="contacts per network, comma-separated (default: %(default)s)",
    )
    parser.add_argument("--backends", default="google,local", help="default: %(default)s")
    parser.add_argument("--repeats", type=int, default=9, help="cold starts of each kind")
    parser.add_argument("--skip-sync", action="store_true")
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument(
        "--fleet-sizes",
        default=",".join(str(s) for s in FLEET_SIZES),
        help="tenants per fleet run, comma-separated (default: %(default)s)",
    )
    parser.add_argument("--skip-fleet", action="store_true")
    parser.add_argument("--out", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",") if s.strip()]
    backends: list[BackendKind] = []
    for name in args.backends.split(","):
        if name not in ("google", "local"):
            parser.error(f"unknown backend {name!r}")
        backends.append("google" if name == "google" else "local")

    started = datetime.now(UTC)
    runs: list[dict[str, Any]] = []
    cold: list[dict[str, Any]] = []
    fleet: list[dict[str, Any]] = []
    fleet_text = ""
    with tempfile.TemporaryDirectory(prefix="sheetsync-bench-") as tmp:
        work = Path(tmp)
        if not args.skip_sync:
            for backend in backends:
                for size in sizes:
                    print(f"syncing {size:,} contacts on the {backend} backend...", flush=True)
                    runs += sync_runs(backend, size, work)
        if not args.skip_cold:
            print(f"cold starts, {args.repeats} of each, interleaved...", flush=True)
            cold = cold_starts(args.repeats, work)
        if not args.skip_fleet:
            fleet_sizes = [int(s) for s in args.fleet_sizes.split(",") if s.strip()]
            print(f"the fleet: {', '.join(f'{n:,}' for n in fleet_sizes)} tenants...", flush=True)
            fleet, fleet_text = fleet_runs(fleet_sizes, work)

    checks = check_runs(runs) if runs else []
    checks += check_cold_starts(cold) if cold else []
    info = machine()
    print()
    where = f"{info['cpu']}, {info['cores']} cores, Python {info['python']}"
    print(f"sheetsync benchmark, {started:%Y-%m-%d}: {where}")
    if runs:
        print()
        print(sync_table(runs))
    if cold:
        print()
        print(cold_table(cold))
    if fleet_text:
        print()
        print(fleet_text)
    if checks:
        print()
        print(checks_text(checks))
    report = {
        "date": started.isoformat(timespec="seconds"),
        "machine": info,
        "seed": SEED,
        "now": NOW.isoformat(),
        "syncs": runs,
        "cold_starts": cold,
        "fleet": fleet,
        "targets": [{**asdict(c), "verdict": c.verdict} for c in checks],
    }
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"\nwritten to {args.out}")
    return 0
