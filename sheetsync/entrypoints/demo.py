"""The demo: a realistic sample referral network, written into a fresh template workbook.

The network itself (about 30 made-up contacts, groups, log entries and referrals, a few rows
deliberately invalid) is data in ``sheetsync.entrypoints.sample_network``; this module lays it
out in the template's columns and writes the workbook, its Settings and the flyer.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path

from sheet_template import TEMPLATE
from sheetsync.adapters.local.workbook_template import write_template
from sheetsync.core.cells import Cell
from sheetsync.core.plan import DraftSpec
from sheetsync.entrypoints.sample_network import SETTINGS_VALUES, records

# SETTINGS_VALUES is the demo's (the benchmark and the tests fill Sheets with it).
__all__ = ["FLYER_PDF", "SETTINGS_VALUES", "create_demo_workbook", "draft_guide", "sample_rows"]

#: Each kind of letter as the demo's guide to the drafts names it.
LETTER_NAMES = {
    "intro": "Intro: therapist in another specialty",
    "intro_busy": "Intro: busy therapist in your specialty",
    "intro_health": "Intro: health professional by email",
    "gp_cover": "GP kit: cover note for the Practice Manager",
    "gp_doctors": "GP kit: letter for the doctors",
    "thanks": "Thank-you for a referral",
}


def sample_rows(today: date) -> dict[str, list[list[Cell]]]:
    """The sample network as rows per tab, in the template's column order."""
    rows: dict[str, list[list[Cell]]] = {}
    for tab_name, tab_records in records(today).items():
        keys = [col.key for col in TEMPLATE.tab(tab_name).columns]
        rows[tab_name] = [[record.get(key) for key in keys] for record in tab_records]
    return rows


def _settings_overrides(path: Path) -> None:
    """Fill in the demo practice's Settings."""
    import openpyxl

    from sheetsync.adapters.local.xlsx_store import save_atomically, set_cell

    wb = openpyxl.load_workbook(path)
    ws = wb["Settings"]
    for row in range(2, ws.max_row + 1):
        label = ws.cell(row=row, column=1).value
        if label in SETTINGS_VALUES:
            set_cell(ws, row, 2, SETTINGS_VALUES[label])
    save_atomically(wb, path)


# A one-page PDF flyer, small enough to write out here (text: "Brightside flyer").
FLYER_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 44>>stream\nBT /F1 18 Tf 20 70 Td (Brightside flyer) Tj ET\nendstream\n"
    b"endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def draft_guide(drafts: Sequence[DraftSpec], folder: Path) -> list[str]:
    """Where to find each draft this run made, by kind of letter: one line per draft."""
    from email.parser import BytesHeaderParser

    files: dict[str, Path] = {}
    parser = BytesHeaderParser()
    for path in sorted(folder.glob("*.eml")) if folder.is_dir() else ():
        with path.open("rb") as handle:
            files[str(parser.parse(handle).get("Message-ID", "")).strip()] = path
    lines = []
    order = list(LETTER_NAMES)
    for draft in sorted(drafts, key=lambda d: (order.index(d.kind), d.label)):
        found = files.get(draft.message_id)
        if found is None:
            continue
        to = "to print" if draft.to_print else "to " + ", ".join(a for _, a in draft.to)
        who = draft.label.partition(" - ")[2]
        lines.append(f"  {LETTER_NAMES[draft.kind]:<44} {who:<28} {to:<36} {found}")
    return lines


def create_demo_workbook(path: Path, today: date) -> None:
    """Write the sample network into a new workbook at ``path``, with its flyer beside it."""
    write_template(path, sample_rows(today))
    _settings_overrides(path)
    (path.parent / "flyer.pdf").write_bytes(FLYER_PDF)
