"""A small network typed into a real workbook or a fake Google Sheet, and its drafts read back.

For end-to-end tests that must run the same on both backends: the Contacts rows and Settings
go in as a person would enter them (openpyxl cells; USER_ENTERED values on the fake), the sync
runs through the production composition root, and the drafts are read back as raw bytes.
"""

from __future__ import annotations

from email import policy
from email.message import EmailMessage
from email.parser import BytesParser
from pathlib import Path
from typing import Any

import openpyxl
from builders import DEFAULT_SETTINGS
from fakegoogle import FakeGoogle
from googlekit import FAST, NOW, clients, template_sheet

from sheet_template import TEMPLATE
from sheet_template import tabs as t
from sheetsync.adapters.google.credentials import GoogleCredentials
from sheetsync.adapters.google.sheets import quote_title, raw_value
from sheetsync.adapters.local.workbook_template import write_template
from sheetsync.adapters.local.xlsx_store import set_cell
from sheetsync.bootstrap import google_backend, local_backend, local_paths
from sheetsync.ports import Backend

CONTACT_KEYS = [col.key for col in TEMPLATE.tab("Contacts").columns]
SETTING_ROWS = {setting.label: row for row, setting in enumerate(TEMPLATE.settings, 2)}

#: A GP reached by a drop-in (gets a cover note with the flyer) and a therapist Prospect
#: (gets an intro letter, which never carries the flyer).
GP = {
    "name": "Dr Rae Okafor",
    "category": t.GP,
    "access_route": t.ROUTE_DROP_IN,
    "practice": "Harbour Medical",
    "practice_manager": "Jo Peters",
    "practice_manager_email": "jo@harbour.example",
}
THERAPIST = {"name": "Ana Silva", "email": "ana@example.org", "category": t.THERAPIST_OTHER}


def contact_row(record: dict[str, Any]) -> list[Any]:
    return [record.get(key) for key in CONTACT_KEYS]


def settings_for(overrides: dict[str, Any]) -> dict[str, Any]:
    return {**DEFAULT_SETTINGS, **overrides}


def local_workbook(folder: Path, contacts: list[dict[str, Any]], settings: dict[str, Any]) -> Path:
    """A template workbook in ``folder`` with these contacts and Settings values."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "network.xlsx"
    write_template(path, {"Contacts": [contact_row(c) for c in contacts]})
    wb = openpyxl.load_workbook(path)
    for label, value in settings_for(settings).items():
        set_cell(wb["Settings"], SETTING_ROWS[label], 2, value)
    wb.save(path)
    return path


def local_sync_backend(workbook: Path) -> Backend:
    return local_backend(workbook, lambda: NOW)


def local_drafts(workbook: Path) -> list[bytes]:
    """The raw bytes of every .eml draft beside the workbook."""
    folder = local_paths(workbook)["drafts"]
    return [p.read_bytes() for p in sorted(folder.glob("*.eml"))] if folder.exists() else []


def google_sheet(
    server: FakeGoogle, contacts: list[dict[str, Any]], settings: dict[str, Any]
) -> str:
    """A template Sheet on the fake with these contacts and Settings, typed in (USER_ENTERED)."""
    sid = template_sheet(server)
    gc, _, _ = clients(server)
    data: list[dict[str, Any]] = [
        {
            "range": f"{quote_title('Contacts')}!A2",
            "values": [[raw_value(v) for v in contact_row(c)] for c in contacts],
        }
    ]
    for label, value in settings_for(settings).items():
        data.append({"range": f"Settings!B{SETTING_ROWS[label]}", "values": [[value]]})
    gc.http_client.values_batch_update(sid, body={"valueInputOption": "USER_ENTERED", "data": data})
    return sid


def google_sync_backend(server: FakeGoogle, sid: str, flyer_dir: Path | None) -> Backend:
    return google_backend(
        sid,
        endpoint=server.url,
        credentials=GoogleCredentials.anonymous(),
        attachments_dir=flyer_dir,
        retry=FAST,
        clock=lambda: NOW,
    )


def google_drafts(server: FakeGoogle) -> list[bytes]:
    """The raw bytes of every draft stored on the fake."""
    return [message.raw for message in server.gmail_drafts().values()]


def parse(raw: bytes) -> EmailMessage:
    message = BytesParser(policy=policy.default).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    return message


def letters(raws: list[bytes]) -> list[str]:
    """The kind of each draft (intro, gp_cover), from its X-Sheetsync-Letter header."""
    return sorted(str(parse(raw)["X-Sheetsync-Letter"]) for raw in raws)


def attachments(raws: list[bytes]) -> list[tuple[str, bytes]]:
    """(file name, content) of every attachment of every draft."""
    found = []
    for raw in raws:
        for part in parse(raw).iter_attachments():
            found.append((str(part.get_filename()), part.get_content()))
    return found


def contact_rows(sheet: Backend) -> dict[str, dict[str, Any]]:
    """Each Contacts row as {header: value}, by Name, as the sheet holds it now."""
    table = sheet.sheet.read().table("Contacts")
    out = {}
    for row in table.rows:
        record = dict(zip(table.header, row, strict=False))
        if record.get("Name"):
            out[str(record["Name"])] = record
    return out
