"""The pieces of Card v1 JSON the add-on's cards are made of: widgets and response envelopes.

Plain functions returning dicts. Text fields accept a small HTML subset (``<b>``, ``<i>``,
``<a>``, ``<br>``...), so every value from the spreadsheet passes through :func:`esc` before it
reaches a widget; the widget functions take text that is already escaped.

A button calls the add-on endpoint itself (``action.function`` is its URL, exactly the URL the
platform uses as the ``systemIdToken`` audience) and says what it wants in the action's
parameters: ``{"action": <an AddonAction>}``.

Response envelopes (Google Workspace add-ons, HTTP runtime):

* a trigger (homepage, file scope granted) answers with a ``RenderActions`` object:
  ``{"action": {"navigations": [{"pushCard": card}]}}`` (:func:`trigger_response`);
* a card action (a button press) answers with ``{"renderActions": {...}}`` wrapping the same
  shape (:func:`action_response`), with ``updateCard`` to replace the card on screen or
  ``pushCard`` to stack one the user can go back from;
* asking Sheets for the per-file ``drive.file`` grant is the editor host action
  ``{"renderActions": {"hostAppAction": {"editorAction": {"requestFileScopeForActiveDocument":
  {}}}}}`` (:func:`request_file_scope_response`).
"""

from __future__ import annotations

import html
from collections.abc import Iterable
from typing import Any, Literal

from sheetsync.entrypoints.addon_event import AddonAction

Json = dict[str, Any]


def esc(value: object) -> str:
    """Text safe to put in a card's HTML-capable text field."""
    return html.escape(str(value), quote=True)


# --- widgets ------------------------------------------------------------------------------------


def paragraph(text: str) -> Json:
    """A text paragraph; ``text`` must already be escaped."""
    return {"textParagraph": {"text": text}}


def decorated(text: str, top: str = "", bottom: str = "") -> Json:
    """A labelled line; arguments must already be escaped."""
    body: Json = {"text": text, "wrapText": True}
    if top:
        body["topLabel"] = top
    if bottom:
        body["bottomLabel"] = bottom
    return {"decoratedText": body}


def _button(text: str, endpoint: str, action: AddonAction) -> Json:
    return {
        "text": text,
        "onClick": {
            "action": {
                "function": endpoint,
                "parameters": [{"key": "action", "value": action}],
            }
        },
    }


def buttons(endpoint: str, *choices: tuple[str, AddonAction]) -> Json:
    """A row of buttons, each ``(label, action)``, calling ``endpoint``."""
    return {"buttonList": {"buttons": [_button(text, endpoint, act) for text, act in choices]}}


def section(widgets: Iterable[Json], header: str = "") -> Json:
    """A card section; ``header`` must already be escaped."""
    body: Json = {"widgets": list(widgets)}
    if header:
        body["header"] = header
    return body


def card(title: str, subtitle: str, sections: Iterable[Json]) -> Json:
    """A card with a header; ``title`` and ``subtitle`` must already be escaped."""
    header: Json = {"title": title}
    if subtitle:
        header["subtitle"] = subtitle
    return {"header": header, "sections": list(sections)}


def more(total: int, shown: int) -> list[Json]:
    """A "... and N more" line when a list was cut short."""
    if total <= shown:
        return []
    return [paragraph(f"<i>... and {total - shown} more on the Summary tab</i>")]


def counts(counter: dict[str, int], order: tuple[str, ...]) -> str:
    """``"2 created, 1 moved"`` in ``order``, leaving out zeros; ``"none"`` for nothing."""
    parts = [f"{counter[k]} {k}" for k in order if counter.get(k)]
    return ", ".join(parts) if parts else "none"


# --- response envelopes -------------------------------------------------------------------------


def trigger_response(shown: Json) -> Json:
    """Answer to a trigger (homepage, file scope granted): show ``shown``."""
    return {"action": {"navigations": [{"pushCard": shown}]}}


def action_response(shown: Json, navigation: Literal["updateCard", "pushCard"]) -> Json:
    """Answer to a button press: replace the card on screen, or stack ``shown`` on it."""
    return {"renderActions": {"action": {"navigations": [{navigation: shown}]}}}


def request_file_scope_response() -> Json:
    """Answer to "Grant access": Sheets shows its per-file permission dialog."""
    return {
        "renderActions": {
            "hostAppAction": {"editorAction": {"requestFileScopeForActiveDocument": {}}}
        }
    }
