"""Entry points: thin shells over the service layer.

* The Cloud Functions (``main.py`` calls them): ``scheduled`` (``sync_http``, ``sync_pubsub``)
  and ``addon``; what they share: ``web`` (settings per request, POST only, JSON answers),
  ``bodies`` and ``payloads`` (request bodies, read and parsed), ``addon_event``, ``failures``
  (the one mapping of failures to answers), ``backends`` (which backend they sync),
  ``idtokens`` and ``idtoken_certs`` (who is calling), ``cards`` and ``card_parts`` (the
  add-on's Card v1 JSON).
* The command line: ``cli``, with ``report`` (the terminal output) and ``demo`` (over
  ``sample_network``).

Nothing here is imported by the layers below.
"""
