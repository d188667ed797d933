"""The file names of the local drafts: who and what, safe on every common disk, and stable.

A draft is named for what it is and who it is for, as a person would look for it in a folder:
``intro - Jane Smith.eml``, ``GP cover note - Harbour Medical.eml``, and, for a draft with no
address that is meant to be printed and handed over, ``to print - GP cover note - Harbour
Medical.eml`` (the prefix sorts them together). When a name is taken (two contacts called Jane
Smith), a short suffix derived from the draft's Message-ID tells them apart: it is the same in
every sync, so a draft never changes its name. The mailbox finds drafts by their Message-ID
header, never by name, so renaming a file, or one written under an older naming, is harmless.

Names come from cells, so they are made safe here: no path separators, no control or bidi
characters (which could disguise a name), nothing Windows refuses (``<>:"/\\|?*``, ``CON``,
``NUL``, ...), no leading dot (a hidden file), a capped length, and Unicode letters kept as
they are (NFC, which is how macOS, Windows and Linux all show them).
"""

from __future__ import annotations

import base64
import hashlib
import unicodedata
from collections.abc import Iterator

from sheetsync.core.plan import DraftSpec

#: What a letter kind is called in a file name; another kind is named by its key.
KIND_TITLES = {
    "intro": "intro",
    # Every intro reads "intro" to the person opening the folder; the letter inside differs.
    "intro_busy": "intro",
    "intro_health": "intro",
    "gp_cover": "GP cover note",
    "gp_doctors": "GP letter for the doctors",
    "thanks": "thank-you",
}
#: The first words of a printable draft's name.
PRINT_PREFIX = "to print"
SEPARATOR = " - "
EXTENSION = ".eml"
#: At most this many characters of a label (a name, a practice) go into a file name.
LABEL_CHARACTERS = 60
#: And at most this many bytes in UTF-8: ext4 and most disks allow 255 bytes per name, NTFS
#: 255 UTF-16 units; this leaves room for the kind, the suffix and the extension.
LABEL_BYTES = 120
#: The clash suffix's lengths, tried in turn: the first almost always suffices.
SUFFIX_LENGTHS = (6, 12, 24)

#: Characters Windows (and for ``/``, every system) refuses in a file name.
_REFUSED = frozenset('<>:"/\\|?*')
#: Joiners that some scripts need inside words (Persian names, emoji): kept.
_JOINERS = frozenset("\u200c\u200d")
#: Device names Windows reserves, whatever the extension after them.
_WINDOWS_DEVICES = frozenset(
    {"CON", "PRN", "AUX", "NUL", "CONIN$", "CONOUT$"}
    | {f"{port}{n}" for port in ("COM", "LPT") for n in (*"0123456789", "¹", "²", "³")}
)


def safe_part(text: str, characters: int = LABEL_CHARACTERS, size: int = LABEL_BYTES) -> str:
    """``text`` as a piece of a file name: one line, nothing any common disk refuses.

    >>> safe_part("  Zoë  Ångström ")
    'Zoë Ångström'
    >>> safe_part("../../etc/passwd")
    'etc-passwd'
    >>> safe_part("Smith/Jones: <GP>")
    'Smith-Jones- -GP'
    >>> safe_part("nul"), safe_part("Com1.txt"), safe_part(".hidden")
    ('nul_', 'Com1.txt_', 'hidden')
    >>> safe_part("Eve\\u202egpj.exe\\nx")
    'Evegpj.exe x'
    """
    pieces: list[str] = []
    for ch in unicodedata.normalize("NFC", text):
        kind = unicodedata.category(ch)
        if ch in _REFUSED:
            pieces.append("-")
        elif kind[0] == "Z" or ch in "\t\n\r\v\f":
            pieces.append(" ")
        elif kind[0] == "C" and ch not in _JOINERS:
            # Controls, bidi overrides, private-use and unassigned code points: dropped.
            continue
        else:
            pieces.append(ch)
    # Runs of separators collapse, so "../.." does not become a row of dashes.
    cleaned = " ".join("".join(pieces).split())
    while "--" in cleaned:
        cleaned = cleaned.replace("--", "-")
    cleaned = cleaned[:characters]
    while len(cleaned.encode("utf-8")) > size:
        cleaned = cleaned[:-1]
    # Windows drops trailing dots and spaces; a leading dot hides a file on macOS and Linux;
    # a dash left at either end by a refused character is noise.
    cleaned = cleaned.strip(" .-")
    if cleaned.split(".")[0].rstrip(" ").upper() in _WINDOWS_DEVICES:
        cleaned += "_"
    return cleaned


def kind_title(kind: str) -> str:
    """How a letter kind reads in a file name: ``intro``, ``GP cover note``."""
    return KIND_TITLES.get(kind) or safe_part(kind.replace("_", " ")) or "draft"


def label_of(draft: DraftSpec) -> str:
    """Who the draft is for: its ``label``, or else the name it is addressed to ("" if none)."""
    if draft.label.strip():
        return draft.label
    return draft.to[0][0] if draft.to else ""


def stem(draft: DraftSpec) -> str:
    """The draft's file name without suffix or extension.

    >>> from sheetsync.core.plan import DraftSpec
    >>> intro = DraftSpec("<i@x>", "intro", (), (("Jane Smith", "j@x.org"),), None, "S", "B")
    >>> stem(intro)
    'intro - Jane Smith'
    >>> cover = DraftSpec("<g@x>", "gp_cover", (), (), None, "S", "B", None,
    ...                   "Harbour Medical", to_print=True)
    >>> stem(cover)
    'to print - GP cover note - Harbour Medical'
    """
    parts = [PRINT_PREFIX] if draft.to_print else []
    parts.append(kind_title(draft.kind))
    label = safe_part(label_of(draft))
    if label:
        parts.append(label)
    return SEPARATOR.join(parts)


def suffix(message_id: str, length: int) -> str:
    """``length`` lowercase letters and digits derived from the Message-ID: the same each sync.

    >>> suffix("<intro.abc@sheetsync.invalid>", 6) == suffix("<intro.abc@sheetsync.invalid>", 6)
    True
    """
    digest = hashlib.sha256(message_id.encode("utf-8")).digest()
    return base64.b32encode(digest).decode("ascii").lower()[:length]


def file_names(draft: DraftSpec) -> Iterator[str]:
    """The names to try for a new draft's file, in order: plain, then with longer suffixes."""
    base = stem(draft)
    yield base + EXTENSION
    for length in SUFFIX_LENGTHS:
        yield f"{base} ({suffix(draft.message_id, length)}){EXTENSION}"


def same_name_key(name: str) -> str:
    """A file name as disks that ignore case and Unicode form compare it (macOS, Windows).

    Two drafts are never given names that only such a disk would confuse, so the folder can
    be copied anywhere.
    """
    return unicodedata.normalize("NFC", name).casefold()
