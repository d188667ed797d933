"""The command line: ``sheetsync init | sync | demo`` (or ``python -m sheetsync ...``).

Local backend: ``init --workbook PATH.xlsx`` and ``sync --workbook PATH.xlsx`` (with
``--even-if-open`` for a lock file an app's crash left beside the workbook). Google backend:
``init --google`` and ``sync --sheet ID``, with ``--api-endpoint URL`` (or
``SHEETSYNC_API_ENDPOINT``) pointing all three Google APIs at an emulator. ``--debug`` and
``--api-endpoint`` may come before or after the command. Errors print one clear line and exit
non-zero; never a traceback (``--debug`` shows one).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from sheetsync.bootstrap import local_backend, local_paths, utc_now
from sheetsync.core.ids import check_spreadsheet_id
from sheetsync.entrypoints.report import render_plan, render_report
from sheetsync.errors import ConfigError, SheetsyncError
from sheetsync.service import run_sync

EXIT_ERROR = 2


def _global_options(parser: argparse.ArgumentParser, defaults: bool) -> None:
    """``--debug`` and ``--api-endpoint``, accepted before or after the command.

    The command's copy sets nothing when the option is not given after it (SUPPRESS), so it
    does not undo the same option given before the command.
    """
    parser.add_argument(
        "--debug",
        action="store_true",
        default=False if defaults else argparse.SUPPRESS,
        help="show tracebacks",
    )
    parser.add_argument(
        "--api-endpoint",
        default=(os.environ.get("SHEETSYNC_API_ENDPOINT") or None)
        if defaults
        else argparse.SUPPRESS,
        metavar="URL",
        help="send all Google API calls to this host (an emulator); env SHEETSYNC_API_ENDPOINT",
    )


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="sheetsync", description=__doc__)
    _global_options(parser, defaults=True)
    common = argparse.ArgumentParser(add_help=False)
    _global_options(common, defaults=False)
    sub = parser.add_subparsers(dest="command", required=True)

    def command(name: str, summary: str) -> argparse.ArgumentParser:
        return sub.add_parser(name, help=summary, parents=[common])

    init = command("init", "create a new Sheet or workbook from the template")
    where = init.add_mutually_exclusive_group(required=True)
    where.add_argument("--workbook", type=Path, help="path of the .xlsx to create")
    where.add_argument("--google", action="store_true", help="create a Google Sheet")
    init.add_argument("--force", action="store_true", help="overwrite an existing file")
    init.add_argument("--title", default="Referral network", help="title of the new Sheet")

    sync = command("sync", "sync a workbook or a Google Sheet")
    source = sync.add_mutually_exclusive_group(required=True)
    source.add_argument("--workbook", type=Path, help="the .xlsx to sync (local backend)")
    source.add_argument("--sheet", metavar="ID", help="the Google spreadsheet id to sync")
    sync.add_argument("--dry-run", action="store_true", help="print the plan, change nothing")
    # No default folder: run from a checkout, "." would be the program's own source.
    flyer_env = os.environ.get("SHEETSYNC_FLYER_DIR", "").strip()
    sync.add_argument(
        "--even-if-open",
        action="store_true",
        help="sync a workbook whose LibreOffice or Excel lock file is beside it (a stale lock "
        "file after a crash: the app must really be closed)",
    )
    sync.add_argument(
        "--flyer-dir",
        type=Path,
        default=Path(flyer_env) if flyer_env else None,
        help="Google backend: the folder holding the file named in Settings > Flyer file "
        "(env SHEETSYNC_FLYER_DIR; the local backend uses the workbook's folder)",
    )

    demo = command("demo", "create a sample network and sync it")
    demo.add_argument("--out", type=Path, default=Path("demo-output"), help="output folder")
    demo.add_argument("--fresh", action="store_true", help="start again from a new sample")
    return parser


def _init(args: argparse.Namespace) -> int:
    """``init``: a new Google Sheet (``--google``) or a new workbook from the template."""
    if args.google:
        from sheetsync.adapters.google.init import create_spreadsheet
        from sheetsync.bootstrap import sheets_client_for

        spreadsheet_id = create_spreadsheet(sheets_client_for(_api_endpoint(args)), args.title)
        print(f"Created the Sheet {spreadsheet_id}. Share it (and your calendar) with the")
        print("function's service account, fill in Settings, then run:")
        print(f"  sheetsync sync --sheet {spreadsheet_id}")
        return 0

    from sheetsync.adapters.local.workbook_template import write_template

    _check_workbook_name(args.workbook)
    if args.workbook.exists() and not args.force:
        raise SheetsyncError(f"{args.workbook} exists; pass --force to overwrite it")
    write_template(args.workbook)
    print(f"Wrote {args.workbook}. Fill in the Settings tab, add contacts, then run sync.")
    return 0


def _api_endpoint(args: argparse.Namespace) -> str | None:
    """The ``--api-endpoint`` (or ``SHEETSYNC_API_ENDPOINT``) URL, checked: a clear error, not
    a ``ValueError`` from deep inside the client builder."""
    from sheetsync.adapters.google.clients import normalise_endpoint

    try:
        return normalise_endpoint(args.api_endpoint)
    except ValueError as error:
        raise ConfigError(f"--api-endpoint (or SHEETSYNC_API_ENDPOINT): {error}") from None


def _check_workbook_name(path: Path) -> None:
    # openpyxl writes .xlsx whatever the name says: a "new.csv" would be a workbook in disguise.
    if path.suffix.lower() != ".xlsx":
        raise ConfigError(f"--workbook: {path.name} is not an .xlsx file name (end it in .xlsx)")


def _sync(args: argparse.Namespace) -> int:
    if args.sheet is not None:
        from sheetsync.bootstrap import google_backend

        spreadsheet_id = check_spreadsheet_id(args.sheet, "--sheet", ConfigError)
        backend = google_backend(
            spreadsheet_id, endpoint=_api_endpoint(args), attachments_dir=args.flyer_dir
        )
    else:
        _check_workbook_name(args.workbook)
        backend = local_backend(args.workbook, even_if_open=args.even_if_open)
    report = run_sync(backend, utc_now(), dry_run=args.dry_run)
    print(render_plan(report) if args.dry_run else render_report(report))
    return 0


def _clear_demo(workbook: Path) -> None:
    """Remove the demo's calendar and drafts, so a fresh sample starts with neither.

    Only the files the demo itself writes, in its own folder: the new workbook records none
    of the old one's events or drafts, so those it no longer needs would stay as strays.
    """
    paths = local_paths(workbook)
    paths["calendar"].unlink(missing_ok=True)
    if paths["drafts"].is_dir():
        for draft in paths["drafts"].glob("*.eml"):
            draft.unlink()


def _demo(args: argparse.Namespace) -> int:
    from sheetsync.entrypoints.demo import create_demo_workbook, draft_guide

    workbook = args.out / "referral-network.xlsx"
    if args.fresh:
        _clear_demo(workbook)
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
    print(f"  {paths['drafts']}/*.eml   {len(drafts)} drafts (open them in Outlook or Thunderbird)")
    print(f"Created this run: {report.created} (events and drafts)")
    guide = draft_guide(report.plan.drafts, paths["drafts"])
    if guide:
        print()
        print("The drafts of this run, by kind of letter")
        print("\n".join(guide))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line on ``argv`` (default: the process's arguments); the exit code."""
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
