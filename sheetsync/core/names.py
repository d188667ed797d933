"""The name a letter greets someone by, derived from the Name cell when no Greeting is given.

People write names in many shapes: "Dr Jane Smith", "Dr. Lee", "Jane Smith PhD", "Smith,
Jane", "A/Prof Anna van der Berg", "Zoë Ångström", "李小龍". Two forms come out of one:

* ``greeting_name``, for "Hi Jane,": the given name, without titles or post-nominals;
* ``title_surname``, for "Dear Dr Smith,": the title and the surname when a title is given,
  and otherwise the greeting name (a title the person did not write is never guessed: "Ms" or
  "Mr" would be a guess about them).

Where the name cannot be read safely the answer is the full name as written, never a title
alone. That is: a name in a script other than Latin (which part is the given name differs by
culture), a name of initials only ("J. Smith"), or a comma this module cannot explain. A title
with one word left ("Dr. Lee", "Dr van der Berg") greets by title and surname.

"Smith, Jane" is read surname first: one part before the comma, the given name after it, as
lists and directories write names. A comma followed only by post-nominals ("Jane Smith, PhD")
just ends the name.

>>> greeting_name("Dr Jane Smith"), title_surname("Dr Jane Smith")
('Jane', 'Dr Smith')
>>> greeting_name("Dr. Lee"), title_surname("Dr. Lee")
('Dr Lee', 'Dr Lee')
>>> greeting_name("Smith, Jane"), title_surname("A/Prof Anna van der Berg")
('Jane', 'A/Prof van der Berg')
>>> greeting_name("李小龍")
'李小龍'
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: Titles and honorifics, by their lower-case form without dots, and how a letter writes them.
_TITLES = {
    "dr": "Dr",
    "doctor": "Dr",
    "prof": "Prof",
    "professor": "Prof",
    "a/prof": "A/Prof",
    "a/professor": "A/Prof",
    "assoc prof": "Assoc Prof",
    "associate prof": "Assoc Prof",
    "associate professor": "Assoc Prof",
    "adj prof": "Adj Prof",
    "adjunct professor": "Adj Prof",
    "emeritus professor": "Emeritus Prof",
    "em prof": "Emeritus Prof",
    "mr": "Mr",
    "mrs": "Mrs",
    "ms": "Ms",
    "miss": "Miss",
    "mx": "Mx",
    "sir": "Sir",
    "dame": "Dame",
    "lady": "Lady",
    "lord": "Lord",
    "rev": "Rev",
    "revd": "Rev",
    "reverend": "Rev",
    "fr": "Fr",
    "pastor": "Pastor",
    "sister": "Sister",
    "brother": "Brother",
    "rabbi": "Rabbi",
    "hon": "Hon",
    "the hon": "Hon",
}
#: Post-nominals: degrees, fellowships, memberships, registrations, honours, suffixes. Words that
#: are also common surnames (Do, Ma, Ao) are left out: "Anh Do" keeps its surname.
_POST_NOMINALS = frozenset(
    {
        "phd",
        "md",
        "mbbs",
        "mbchb",
        "mbbch",
        "bmbs",
        "frcp",
        "frcs",
        "frcpc",
        "fracp",
        "fracgp",
        "franzcp",
        "franzcog",
        "fracs",
        "frcog",
        "mrcp",
        "mrcgp",
        "mrcpsych",
        "facrrm",
        "facp",
        "facog",
        "faps",
        "maps",
        "mapa",
        "mpsych",
        "mpsy",
        "mclinpsych",
        "mclinpsy",
        "dpsych",
        "dclinpsy",
        "dclinpsych",
        "psyd",
        "edd",
        "dsc",
        "dphil",
        "llb",
        "llm",
        "mba",
        "mph",
        "msw",
        "bsw",
        "lcsw",
        "lpc",
        "lmft",
        "mft",
        "lmhc",
        "ncc",
        "rn",
        "rm",
        "np",
        "enrn",
        "bsc",
        "ba",
        "bed",
        "med",
        "msc",
        "mres",
        "bpsych",
        "bpsychsc",
        "bsocsc",
        "bhsc",
        "bapsych",
        "hons",
        "dip",
        "grad",
        "dipl",
        "cert",
        "iv",
        "apd",
        "ad",
        "fdaa",
        "gaicd",
        "oam",
        "obe",
        "mbe",
        "cbe",
        "kbe",
        "dbe",
        "kc",
        "qc",
        "sc",
        "esq",
        "jr",
        "sr",
        "ii",
        "iii",
        "dds",
        "dmd",
        "pharmd",
        "dpt",
        "ot",
        "otr",
        "ccc-slp",
        "slp",
        "cpsychol",
        "hcpc",
        "ahpra",
    }
)
#: Words that belong to the surname that follows them ("van der Berg", "de la Cruz").
_PARTICLES = frozenset(
    {
        "van",
        "von",
        "der",
        "den",
        "de",
        "del",
        "della",
        "di",
        "da",
        "dos",
        "das",
        "du",
        "la",
        "le",
        "st",
        "ter",
        "ten",
        "bin",
        "binti",
        "al",
        "el",
    }
)
_INITIAL = re.compile(r"^\w\.?$|^(\w\.){2,}$")
#: A preferred name in brackets or quotes: 'Robert (Bob) Smith', 'Robert "Bob" Smith'.
_NICKNAME = re.compile(r"""^[("“‘]([^\W\d_][\w'-]*)[)"”’]$""")
#: Any bracketed or quoted part, left out of the name that is read.
_ASIDE = re.compile(r"""\([^)]*\)|"[^"]*"|“[^”]*”|‘[^’]*’""")


@dataclass(frozen=True)
class _Parts:
    """A name read into its parts; ``given`` is "" when there is none to greet by."""

    title: str
    given: str
    surname: str


def _key(token: str) -> str:
    return token.casefold().replace(".", "").strip(",")


def _latin(text: str) -> bool:
    """True when every letter in ``text`` is a Latin one (accents included)."""
    return all(unicodedata.name(ch, "").startswith("LATIN") for ch in text if ch.isalpha())


def _post_nominal(token: str) -> bool:
    key = _key(token).strip("()")
    return key in _POST_NOMINALS


def _strip_titles(tokens: list[str]) -> tuple[str, list[str]]:
    """The first title (as a letter writes it) and the tokens after the leading titles."""
    title = ""
    while tokens:
        pair = " ".join(_key(t) for t in tokens[:2])
        if len(tokens) > 1 and pair in _TITLES:
            title, tokens = title or _TITLES[pair], tokens[2:]
        elif _key(tokens[0]) in _TITLES:
            title, tokens = title or _TITLES[_key(tokens[0])], tokens[1:]
        else:
            break
    return title, tokens


def _surname(tokens: list[str]) -> str:
    """The last word of ``tokens`` with the particles before it ("van der Berg")."""
    start = len(tokens) - 1
    while start > 0 and _key(tokens[start - 1]) in _PARTICLES:
        start -= 1
    return " ".join(tokens[start:])


def _read(tokens: list[str]) -> _Parts | None:
    """Titles, given name and surname of a name in the usual order; None when unsafe."""
    title, tokens = _strip_titles(tokens)
    text = " ".join(tokens)
    # A preferred name is the word in brackets right after the given name.
    found = _NICKNAME.match(" ".join(tokens[1:2])) if len(tokens) > 2 else None
    nickname = found[1] if found and not _post_nominal(found[1]) else ""
    tokens = _ASIDE.sub(" ", text).split()
    while len(tokens) > 1 and _post_nominal(tokens[-1]):
        tokens = tokens[:-1]
    if not tokens:
        return None
    if len(tokens) == 1 or _key(tokens[0]) in _PARTICLES:
        # One word left, or a surname with its particles: the surname alone.
        return _Parts(title, "", " ".join(tokens))
    if _INITIAL.match(tokens[0]):
        return _Parts(title, "", _surname(tokens)) if title else None
    return _Parts(title, nickname or tokens[0], _surname(tokens))


def _parts(name: str) -> _Parts | None:
    text = " ".join(name.split())
    if not text or not _latin(text):
        return None
    pieces = [p.strip() for p in text.split(",")]
    # A part made only of post-nominals ends the name: "Jane Smith, PhD, FRACGP".
    pieces = [p for p in pieces if p and not all(_post_nominal(t) for t in p.split())]
    if len(pieces) == 1:
        return _read(pieces[0].split())
    if len(pieces) == 2:
        # Surname first: "Smith, Jane", "van der Berg, Dr Anna".
        family = pieces[0].split()
        title, given = _strip_titles(pieces[1].split())
        head_title, family = _strip_titles(family)
        if not family or not given or _INITIAL.match(given[0]):
            return None
        return _Parts(title or head_title, given[0], " ".join(family))
    return None


def greeting_name(name: str) -> str:
    """The name to greet by in "Hi …,": the given name, else title and surname, else the
    full name as written."""
    parts = _parts(name)
    if parts is None:
        return " ".join(name.split())
    if parts.given:
        return parts.given
    return f"{parts.title} {parts.surname}" if parts.title else parts.surname


def title_surname(name: str) -> str:
    """The formal name for "Dear …,": title and surname when a title is given ("Dr Smith"),
    else the greeting name (no title is guessed)."""
    parts = _parts(name)
    if parts is None:
        return " ".join(name.split())
    if parts.title:
        return f"{parts.title} {parts.surname}"
    return greeting_name(name)
