"""The command line: ``python -m sheetsync init | sync | demo``.

Errors print one clear line and exit non-zero; never a traceback (``--debug`` shows one).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from .bootstrap import local_backend, local_paths, utc_now
from .errors import SheetsyncError
from .report import render_plan, render_report
from .sync import run_sync

EXIT_ERROR = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m sheetsync", description=__doc__)
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    sub = parser.add_subparsers(dest="command", required=True)

    init = sub.add_parser("init", help="write a new template workbook")
    init.add_argument("--workbook", type=Path, required=True, help="path of the .xlsx to create")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")

    sync = sub.add_parser("sync", help="sync a workbook")
    sync.add_argument("--workbook", type=Path, required=True, help="the .xlsx to sync")
    sync.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")

    demo = sub.add_parser("demo", help="create a sample network and sync it")
    demo.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder")
    demo.add_argument("--fresh", action="store_true", help="start again from a new sample")
    return parser


def _init(args: argparse.Namespace) -> int:
    from .workbook_template import write_template

    if args.workbook.exists() and not args.force:
        raise SheetsyncError(f"{args.workbook} exists; pass --force to overwrite it")
    write_template(args.workbook)
    print(f"Wrote {args.workbook}. Fill in the Settings tab, add contacts, then run sync.")
    return 0


def _sync(args: argparse.Namespace) -> int:
    report = run_sync(local_backend(args.workbook), utc_now(), dry_run=args.dry_run)
    print(render_plan(report) if args.dry_run else render_report(report))
    return 0


def _demo(args: argparse.Namespace) -> int:
    from .demo import create_demo_workbook

    workbook = args.out / "referral-network.xlsx"
    if args.fresh or not workbook.exists():
        create_demo_workbook(workbook, utc_now().date())
        print(f"Created a sample network in {workbook}")
    else:
        print(f"Using the sample network already in {workbook} (--fresh starts again)")
    report = run_sync(local_backend(workbook), utc_now())
    print()
    print(render_report(report))
    paths = local_paths(workbook)
    drafts = sorted(paths["drafts"].glob("*.eml")) if paths["drafts"].exists() else []
    print()
    print("Files")
    print(f"  {paths['workbook']}   the Sheet (open it in LibreOffice or Excel)")
    print(f"  {paths['calendar']}   the follow-ups (import into any calendar app)")
    print(f"  {paths['drafts']}/*.eml   {len(drafts)} drafts (open in any mail client)")
    print(f"Created this run: {report.created} (events and drafts)")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    commands = {"init": _init, "sync": _sync, "demo": _demo}
    try:
        return commands[args.command](args)
    except SheetsyncError as error:
        if args.debug:
            raise
        print(f"error: {error}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The output was piped into a command that stopped reading (e.g. `| head`).
        return 0
    except Exception as error:  # the last line of defence: one line, not a traceback
        if args.debug:
            raise
        print(
            f"error: unexpected {type(error).__name__}; run with --debug for details",
            file=sys.stderr,
        )
        return 1
