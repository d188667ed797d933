"""``make render`` / ``python -m render``: the demo workbook's tabs as PNG, as a person sees them.

1. The demo: the sample network of ``make demo``, synced once on the local backend, in
   ``OUT/demo/``.
2. One copy of the workbook per tab with the other tabs hidden (``render/tabs.py``), so each
   tab prints on its own pages.
3. LibreOffice headless prints each copy to PDF (``soffice --convert-to pdf``: the page setup
   of the tab, as File > Export as PDF would), in one run with a profile of its own.
4. ``pdftoppm -png`` turns every page into a picture: ``OUT/png/NN-Tab-P.png``.

It prints where the pictures are and how many pages each tab takes. The Makefile installs
LibreOffice Calc, poppler-utils and the Carlito font (metrically the same as Calibri, the
workbook's font, so columns come out as wide as in Excel) when they are missing.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path

from sheetsync.bootstrap import local_backend
from sheetsync.entrypoints.demo import create_demo_workbook
from sheetsync.service import run_sync

from .tabs import only_tab, tab_names

#: The pages the issue allows the Summary, printed.
SUMMARY_PAGES = 2
#: LibreOffice's first start (a new profile) takes a while; a hung one is stopped.
SOFFICE_TIMEOUT_S = 600


class RenderError(Exception):
    """A tool is missing or failed: the message says which, and what to do."""


def _tool(*names: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    raise RenderError(
        f"{names[0]} is not installed: `make render` installs it (apt-get install "
        "libreoffice-calc poppler-utils fonts-crosextra-carlito)"
    )


def _run(argv: Sequence[str], timeout: float) -> str:
    try:
        done = subprocess.run(
            list(argv), capture_output=True, text=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise RenderError(f"{Path(argv[0]).name} took more than {timeout:.0f} s") from None
    if done.returncode != 0:
        raise RenderError(f"{Path(argv[0]).name} failed: {done.stderr.strip()[-500:]}")
    return done.stdout


def make_demo(folder: Path, today: date) -> Path:
    """The demo network, synced once, in ``folder``; the workbook's path."""
    if folder.exists():
        shutil.rmtree(folder)
    workbook = folder / "referral-network.xlsx"
    now = datetime.combine(today, time(9, 0), tzinfo=UTC)
    create_demo_workbook(workbook, today)
    run_sync(local_backend(workbook, lambda: now), now)
    return workbook


def split_tabs(workbook: Path, folder: Path) -> list[Path]:
    """One workbook per tab in ``folder``, named ``NN-Tab.xlsx`` in the tabs' order."""
    folder.mkdir(parents=True, exist_ok=True)
    data = workbook.read_bytes()
    paths = []
    for number, name in enumerate(tab_names(data), 1):
        path = folder / f"{number:02d}-{name}.xlsx"
        path.write_bytes(only_tab(data, name))
        paths.append(path)
    return paths


def to_pdf(workbooks: Sequence[Path], folder: Path, profile: Path) -> list[Path]:
    """Each workbook printed to ``folder/NAME.pdf`` by one LibreOffice run."""
    soffice = _tool("soffice", "libreoffice")
    folder.mkdir(parents=True, exist_ok=True)
    _run(
        [
            soffice,
            f"-env:UserInstallation={profile.resolve().as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(folder),
            *map(str, workbooks),
        ],
        SOFFICE_TIMEOUT_S,
    )
    pdfs = [folder / f"{w.stem}.pdf" for w in workbooks]
    missing = [p.name for p in pdfs if not p.exists()]
    if missing:
        raise RenderError(f"LibreOffice wrote no {', '.join(missing)}")
    return pdfs


def to_png(pdf: Path, folder: Path, dpi: int) -> list[Path]:
    """Every page of ``pdf`` as ``folder/STEM-P.png``."""
    folder.mkdir(parents=True, exist_ok=True)
    for old in folder.glob(f"{pdf.stem}-*.png"):
        old.unlink()
    _run([_tool("pdftoppm"), "-png", "-r", str(dpi), str(pdf), str(folder / pdf.stem)], 300)
    return sorted(folder.glob(f"{pdf.stem}-*.png"))


def render(out: Path, today: date, dpi: int) -> dict[str, list[Path]]:
    """The demo's tabs rendered under ``out``: {tab: its page pictures}."""
    workbook = make_demo(out / "demo", today)
    tabs = split_tabs(workbook, out / "tabs")
    pdfs = to_pdf(tabs, out / "pdf", out / ".libreoffice-profile")
    return {pdf.stem.split("-", 1)[1]: to_png(pdf, out / "png", dpi) for pdf in pdfs}


def main(argv: Sequence[str] | None = None) -> int:
    """Render, print where the pictures are; the exit code."""
    parser = argparse.ArgumentParser(prog="python -m render", description=__doc__)
    parser.add_argument("--out", type=Path, default=Path("render-output"), help="output folder")
    parser.add_argument("--dpi", type=int, default=80, help="picture resolution (dots per inch)")
    parser.add_argument(
        "--date", type=date.fromisoformat, default=None, help="the demo's today (YYYY-MM-DD)"
    )
    args = parser.parse_args(argv)
    today = args.date or datetime.now(UTC).date()
    try:
        pages = render(args.out, today, args.dpi)
    except RenderError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"The demo workbook's tabs, as LibreOffice prints them, in {args.out / 'png'}:")
    width = max(len(tab) for tab in pages)
    for tab, pictures in pages.items():
        count = f"{len(pictures)} page{'s' if len(pictures) != 1 else ''}"
        first = pictures[0] if pictures else "(none)"
        print(f"  {tab:<{width}}  {count:>8}  {first}" + (" ..." if len(pictures) > 1 else ""))
    print(f"The workbook itself: {args.out / 'demo' / 'referral-network.xlsx'}")
    summary = len(pages.get("Summary", []))
    if summary > SUMMARY_PAGES:
        print(f"Note: the Summary prints on {summary} pages (the aim is {SUMMARY_PAGES} at most).")
    return 0
