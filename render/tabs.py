"""One workbook per tab: the same file with every other tab hidden, for a PDF of that tab alone.

A PDF export of a workbook prints every visible tab one after another, with nothing that says
where one ends. LibreOffice does not print hidden tabs, so the workbook is copied once per tab
with the others marked hidden. Only ``xl/workbook.xml`` changes, and only the ``state`` of each
``<sheet>``, the active tab, and the print areas of the hidden tabs (LibreOffice prints a
hidden tab's print area: the Summary's would come first in every tab's PDF). Every other part
is copied byte for byte, so what is printed is exactly what the sync wrote, chart included (a
round trip through openpyxl would drop it).
"""

from __future__ import annotations

import io
import re
import zipfile

WORKBOOK_PART = "xl/workbook.xml"
_SHEET = re.compile(r"<sheet\b[^>]*?/>")
_NAME = re.compile(r'\bname="([^"]*)"')
_STATE = re.compile(r'\s+state="[^"]*"')
_PRINT_AREA = re.compile(
    r'<definedName\b[^>]*\bname="_xlnm\.Print_Area"[^>]*\blocalSheetId="(\d+)"[^>]*>'
    r".*?</definedName>"
)
_VIEW_INDEX = re.compile(r'\b(activeTab|firstSheet)="\d+"')


def tab_names(xlsx: bytes) -> list[str]:
    """The workbook's tab names, in order (as XML text: ``&amp;`` stays escaped)."""
    with zipfile.ZipFile(io.BytesIO(xlsx)) as book:
        text = book.read(WORKBOOK_PART).decode("utf-8")
    return [_name(tag) for tag in _SHEET.findall(text)]


def only_tab(xlsx: bytes, keep: str) -> bytes:
    """``xlsx`` with every tab but ``keep`` hidden, and ``keep`` the active one.

    ``ValueError`` if the workbook has no tab of that name.
    """
    names = tab_names(xlsx)
    if keep not in names:
        raise ValueError(f"the workbook has no tab {keep!r}")
    index = names.index(keep)
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(xlsx)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as copy,
    ):
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == WORKBOOK_PART:
                data = _hide_all_but(data.decode("utf-8"), keep, index).encode("utf-8")
            copy.writestr(item, data)
    return out.getvalue()


def _name(tag: str) -> str:
    found = _NAME.search(tag)
    return found[1] if found else ""


def _hide_all_but(text: str, keep: str, index: int) -> str:
    def state(match: re.Match[str]) -> str:
        tag = _STATE.sub("", match[0])
        visibility = "visible" if _name(tag) == keep else "hidden"
        return tag.replace("<sheet ", f'<sheet state="{visibility}" ', 1)

    text = _SHEET.sub(state, text)
    text = _PRINT_AREA.sub(lambda m: m[0] if int(m[1]) == index else "", text)
    # The active tab must be a visible one, or the apps pick (or refuse) on their own.
    return _VIEW_INDEX.sub(lambda m: f'{m[1]}="{index}"', text)
