"""The local drafts open as drafts, and their files say who and what.

What the mail clients are known to do with an ``.eml`` file, and so what is checked here:

* Thunderbird (``MailUtils.openEMLFile`` in comm-central, covered there by
  ``mail/test/browser/composition/browser_xUnsent.js``) reads the file's headers and, when
  ``X-Unsent`` is exactly ``1``, opens it in the compose window as a draft, choosing the
  sending identity from ``From``; anything else opens as a received message. So: the header is
  there with the value ``1``, and ``From`` is the therapist's address.
* Outlook for Windows: Microsoft's MIME converter keeps a message's "unsent" state in
  ``X-Unsent`` (``IConverterSession``, ``CCSF_EMBEDDED_MESSAGE``: "Sent/unsent information is
  persisted in X-Unsent"), and Outlook opens such a file as an unsent message with Send
  active. Outlook parses files with the RFC 5322 line ending, so lines end in CRLF here.
* Apple Mail and Outlook for Mac ignore the header: the file opens as a received message, and
  Message > Send Again (Apple Mail) makes an editable copy. Nothing in the file can change it.
* Gmail drafts are drafts already: the raw message sent to Gmail carries no ``X-Unsent`` and is
  otherwise the same message.
"""

from __future__ import annotations

import os
import re
import unicodedata
from email import policy
from email.parser import BytesParser
from pathlib import Path

import pytest
from google_harness import google_mailbox
from port_harness import local_mailbox

from sheetsync.adapters.local import draft_names
from sheetsync.adapters.local.eml_mailbox import EmlMailbox
from sheetsync.adapters.mime import build_message
from sheetsync.core.plan import Attachment, DraftSpec

INTRO = "<intro.aaaaaaaaaaaaaaaaaaaaaaaa@sheetsync.invalid>"
OTHER_INTRO = "<intro.bbbbbbbbbbbbbbbbbbbbbbbb@sheetsync.invalid>"
COVER = "<gp_cover.cccccccccccccccccccccccc@sheetsync.invalid>"
SENDER = ("Alex Morgan", "alex@practice.example")


def intro(mid: str = INTRO, name: str = "Jane Smith", label: str = "") -> DraftSpec:
    to = ((name, "jane@example.org"),)
    return DraftSpec(mid, "intro", (), to, SENDER, "Coffee?", "Hi Jane,\n", label=label)


def cover(to_print: bool, label: str = "Harbour Medical") -> DraftSpec:
    to = () if to_print else (("Sam Lee", "sam@harbour.example"),)
    flyer = Attachment("flyer.pdf", b"%PDF-1.4 flyer")
    return DraftSpec(
        COVER, "gp_cover", (), to, SENDER, "For the doctors", "Dear Sam,\n", flyer, label, to_print
    )


def parse(data: bytes):
    return BytesParser(policy=policy.default).parsebytes(data)


def names(folder: Path) -> list[str]:
    return sorted(os.listdir(folder))


# -- X-Unsent, From and line endings --------------------------------------------------------


def test_a_local_draft_opens_as_a_draft_in_thunderbird_and_outlook(tmp_path):
    box = EmlMailbox(tmp_path)
    box.ensure([intro(), cover(to_print=False)])
    for name in names(tmp_path):
        data = (tmp_path / name).read_bytes()
        message = parse(data)
        # Thunderbird compares the header's value with "1", as text.
        assert message["X-Unsent"] == "1"
        assert message["From"].addresses[0].addr_spec == SENDER[1]
        assert message["Message-ID"] in (INTRO, COVER)
        # RFC 5322: every line, in the headers, the body and the attachment, ends in CRLF.
        assert b"\r\n" in data and re.search(rb"(?<!\r)\n", data) is None


def test_gmail_gets_the_same_message_without_x_unsent(tmp_path):
    local, gmail = local_mailbox(tmp_path), google_mailbox(tmp_path)
    for harness in (local, gmail):
        harness.mailbox.ensure([cover(to_print=False)])
    on_disk, in_gmail = parse(local.raw(COVER)), parse(gmail.raw(COVER))
    assert on_disk["X-Unsent"] == "1"
    assert "X-Unsent" not in in_gmail
    assert b"X-Unsent" not in gmail.raw(COVER)
    # Apart from that header, the two are one message: headers (the multipart boundary aside),
    # body and flyer.
    assert _headers(on_disk) == [*_headers(in_gmail), ("X-Unsent", "1")]
    bodies = [m.get_body().get_content().replace("\r\n", "\n") for m in (on_disk, in_gmail)]
    assert bodies == ["Dear Sam,\n"] * 2
    flyers = [[p.get_content() for p in m.iter_attachments()] for m in (on_disk, in_gmail)]
    assert flyers == [[b"%PDF-1.4 flyer"]] * 2


def _headers(message) -> list[tuple[str, str]]:
    listed = [(k, str(v)) for k, v in message.items() if k != "Content-Type"]
    return sorted(listed, key=lambda kv: kv[0] == "X-Unsent")


def test_the_gmail_raw_is_built_without_the_header():
    assert "X-Unsent" not in build_message(intro())
    assert build_message(intro(), unsent=True)["X-Unsent"] == "1"


# -- names that say who and what ------------------------------------------------------------


def test_file_names_say_who_and_what(tmp_path):
    outcomes = EmlMailbox(tmp_path).ensure([intro(), cover(to_print=True)])
    assert names(tmp_path) == [
        "intro - Jane Smith.eml",
        "to print - GP cover note - Harbour Medical.eml",
    ]
    # The Draft ID cell shows the file's name, so the user can find it.
    assert [o.draft_id for o in outcomes] == [
        "intro - Jane Smith",
        "to print - GP cover note - Harbour Medical",
    ]


def test_a_draft_with_an_address_is_not_named_to_print(tmp_path):
    EmlMailbox(tmp_path).ensure([cover(to_print=False)])
    assert names(tmp_path) == ["GP cover note - Harbour Medical.eml"]


def test_the_label_comes_first_then_the_addressee(tmp_path):
    EmlMailbox(tmp_path).ensure([intro(label="Dr Jane Smith-Ngata"), intro(OTHER_INTRO, "Ana")])
    assert names(tmp_path) == ["intro - Ana.eml", "intro - Dr Jane Smith-Ngata.eml"]


def test_two_contacts_of_one_name_get_a_suffix_that_never_changes(tmp_path):
    first, second = intro(INTRO), intro(OTHER_INTRO)
    outcomes = EmlMailbox(tmp_path / "a").ensure([first, second])
    suffix = draft_names.suffix(OTHER_INTRO, 6)
    assert set(names(tmp_path / "a")) == {
        "intro - Jane Smith.eml",
        f"intro - Jane Smith ({suffix}).eml",
    }
    assert [o.draft_id for o in outcomes] == [
        "intro - Jane Smith",
        f"intro - Jane Smith ({suffix})",
    ]
    # The next sync finds both by Message-ID and names nothing anew.
    again = EmlMailbox(tmp_path / "a").ensure([first, second])
    assert [o.state for o in again] == ["exists", "exists"]
    assert [o.draft_id for o in again] == [o.draft_id for o in outcomes]
    # A second Jane Smith added later gets the same name she would have got at once.
    EmlMailbox(tmp_path / "b").ensure([first])
    EmlMailbox(tmp_path / "b").ensure([second])
    assert names(tmp_path / "b") == names(tmp_path / "a")


def test_a_users_file_of_that_name_is_never_replaced(tmp_path):
    mine = b"From: me\r\n\r\nmy own notes\r\n"
    (tmp_path / "intro - Jane Smith.eml").write_bytes(mine)
    # A disk that ignores case would take this for the same name.
    (tmp_path / f"INTRO - JANE SMITH ({draft_names.suffix(INTRO, 6)}).eml").write_bytes(mine)
    (outcome,) = EmlMailbox(tmp_path).ensure([intro()])
    assert outcome.draft_id == f"intro - Jane Smith ({draft_names.suffix(INTRO, 12)})"
    assert (tmp_path / "intro - Jane Smith.eml").read_bytes() == mine
    assert parse((tmp_path / f"{outcome.draft_id}.eml").read_bytes())["Message-ID"] == INTRO


def test_a_file_made_after_the_folder_was_read_is_not_replaced(tmp_path, monkeypatch):
    box = EmlMailbox(tmp_path)
    listed = box._existing

    def then_a_file_appears():
        found = listed()
        (tmp_path / "intro - Jane Smith.eml").write_bytes(b"someone else's")
        return found

    monkeypatch.setattr(box, "_existing", then_a_file_appears)
    (outcome,) = box.ensure([intro()])
    assert (tmp_path / "intro - Jane Smith.eml").read_bytes() == b"someone else's"
    assert outcome.draft_id == f"intro - Jane Smith ({draft_names.suffix(INTRO, 6)})"


def test_a_disk_without_hard_links_still_never_replaces(tmp_path, monkeypatch):
    def no_links(source, target):
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_links)
    box = EmlMailbox(tmp_path)
    listed = box._existing

    def then_a_file_appears():
        found = listed()
        (tmp_path / "intro - Jane Smith.eml").write_bytes(b"someone else's")
        return found

    monkeypatch.setattr(box, "_existing", then_a_file_appears)
    box.ensure([intro()])
    assert (tmp_path / "intro - Jane Smith.eml").read_bytes() == b"someone else's"
    assert len(names(tmp_path)) == 2  # no temporary file left behind


def test_drafts_under_the_old_hash_names_are_found_not_written_again(tmp_path):
    old = [intro(), cover(to_print=True)]
    for draft in old:
        token = draft.message_id.strip("<>").split("@")[0].replace(".", "-")
        name = token[: len(draft.kind) + 13] + ".eml"
        (tmp_path / name).write_bytes(bytes(build_message(draft)))
    before = names(tmp_path)
    assert before == ["gp_cover-cccccccccccc.eml", "intro-aaaaaaaaaaaa.eml"]
    outcomes = EmlMailbox(tmp_path).ensure(old)
    assert [(o.state, o.draft_id) for o in outcomes] == [
        ("exists", "intro-aaaaaaaaaaaa"),
        ("exists", "gp_cover-cccccccccccc"),
    ]
    assert names(tmp_path) == before


# -- names made safe ------------------------------------------------------------------------

HOSTILE = [
    "../../.ssh/authorized_keys",
    "..\\..\\Windows\\System32",
    "/etc/passwd",
    ".bashrc",
    "CON",
    "nul.txt",
    "Jane\x00Smith",
    "Jane\nSmith\r",
    "Jane\u202eHTIMS",  # a right-to-left override would show the name backwards
    'a<b>c:d"e|f?g*h',
    "x" * 500,
    "é" * 300,
    "   ",
    "...",
]


@pytest.mark.parametrize("name", HOSTILE)
def test_any_name_in_a_cell_makes_a_safe_file_in_the_folder(tmp_path, name):
    (outcome,) = EmlMailbox(tmp_path).ensure([intro(name=name)])
    (made,) = names(tmp_path)
    assert made == outcome.draft_id + ".eml"
    assert (tmp_path / made).resolve().parent == tmp_path.resolve()
    assert not made.startswith(".") and made.startswith("intro")
    assert not set(made) & set('<>:"/\\|?*')
    assert all(unicodedata.category(ch)[0] != "C" for ch in made)
    assert len(made.encode("utf-8")) <= 160
    stem = made.removesuffix(".eml").split(".")[0].upper()
    assert stem not in {"CON", "NUL", "PRN", "AUX"}


def test_letters_of_every_script_are_kept(tmp_path):
    for n, name in enumerate(["Zoë Ångström", "Ωμέγα Αλφα", "山田 太郎", "مریم‌ نوری"]):
        EmlMailbox(tmp_path).ensure([intro(f"<intro.{n}@sheetsync.invalid>", name)])
    assert names(tmp_path) == sorted(
        unicodedata.normalize("NFC", f"intro - {name}.eml")
        for name in ["Zoë Ångström", "Ωμέγα Αλφα", "山田 太郎", "مریم‌ نوری"]
    )


def test_a_name_in_decomposed_form_is_written_composed(tmp_path):
    decomposed = unicodedata.normalize("NFD", "Zoë")
    EmlMailbox(tmp_path).ensure([intro(name=decomposed)])
    assert names(tmp_path) == [unicodedata.normalize("NFC", "intro - Zoë.eml")]
