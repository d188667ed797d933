"""The pure core: what a sync decides, with no I/O and no clock.

Modules here import only the standard library, pydantic, ``sheet_template``,
``sheetsync.errors`` and each other: cells and models, validation, ids and letters, the plan's
shapes, the planner, the Summary and the write-back. A test enforces it (see ARCHITECTURE.md).
"""
