"""What to do for a nurture touch: one of the article's ideas, and how to reach the contact.

The article nurtures a relationship every couple of months by sharing an article or research,
inviting them out for coffee, or asking their thoughts on a clinical presentation or on a
practice-management question. Each nurture event suggests one of these, so the touch is
quick to act on; which one rotates, so the same contact does not get the same idea twice in a
row: it is the contact's own starting point (a stable hash of its Row ID, so contacts do not
all get the same idea on the same day) moved on by one for every Log entry with them. Logging
the touch therefore moves the next event to the next idea.

No email draft comes with a nurture touch: a note that says "I thought of you when I read…"
is only worth sending with the article in it, which only the person can choose. The event
carries the contact's email, phone and practice instead.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass

from sheetsync.core.models import Contact
from sheetsync.core.planner.context import Context

#: The article's nurture touches, in our own words.
IDEAS = (
    "Share an article or some research they would find useful",
    "Invite them out for coffee",
    "Ask their thoughts on a clinical presentation you are working with",
    "Ask their view on a practice-management question you have",
)


@dataclass(frozen=True)
class NurtureIdea:
    """One nurture touch's suggestion, and the contact details to act on it."""

    text: str
    contact: Contact

    def description(self, cadence: int) -> str:
        """The calendar event's description: the idea, how to reach them, the rhythm."""
        c = self.contact
        reach = [
            f"Email: {c.email}" if c.email else "",
            f"Phone: {c.phone}" if c.phone else "",
            f"Practice: {c.practice}" if c.practice else "",
        ]
        lines = [f"Idea: {self.text}.", *filter(None, reach)]
        lines.append(f"Log the touch when done. Every {cadence} days.")
        return "\n".join(lines)


def _start(row_id: str) -> int:
    # A stable hash: Python's hash() of a str changes from one process to the next.
    return int.from_bytes(hashlib.sha256(row_id.encode("utf-8")).digest()[:4], "big")


def touches_by_contact(ctx: Context) -> Counter[str]:
    """How many Log entries name each contact, by contact id."""
    counts: Counter[str] = Counter()
    for row in ctx.validated.log:
        if row.model is None:
            continue
        text = row.model.contact
        if text in ctx.known_ids:
            counts[text] += 1
        elif len(found := ctx.by_name.get(text.casefold(), ())) == 1:
            counts[found[0]] += 1
    return counts


def idea_for(row_id: str, touches: int) -> str:
    """The idea for a contact with ``touches`` Log entries: the next one after each touch.

    >>> idea_for("C0001", 3) != idea_for("C0001", 4)
    True
    """
    return IDEAS[(_start(row_id) + touches) % len(IDEAS)]


def nurture_idea(ctx: Context, c: Contact, row_id: str) -> NurtureIdea:
    """The idea for contact ``c`` (its id ``row_id``) at its next nurture touch."""
    touches = ctx.touches.get(row_id, 0)
    return NurtureIdea(idea_for(row_id, touches), c)
