"""Pausing Python's cyclic garbage collector while a sync builds its data, as a pure speed-up.

Validation and planning allocate a few objects per cell (models, dicts, tuples) and free none
of them until the sync ends. Each allocation burst makes the collector walk every tracked
object, and with a 10,000-contact Sheet in memory that was a quarter of the planning time,
for nothing: these structures hold no reference cycles, so reference counting frees them.
Pausing the collector for the duration (and turning it back on after, only if it was on) is
the standard remedy; the first collection afterwards catches any cycle made meanwhile.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def paused_gc() -> Iterator[None]:
    """No cyclic garbage collection inside the block; the previous state is restored after."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
