"""Finding rows again at write time (``sheetsync.core.table.locate``)."""

from sheet_template import TEMPLATE
from sheetsync.core.table import Table, column_map, locate, row_refs

LOG = TEMPLATE.tab("Log")


def _log(rows: list[tuple[object, ...]]) -> Table:
    return Table("Log", tuple(LOG.headers), tuple(rows))


def test_identical_rows_without_ids_each_get_their_own_cells():
    # Two touches typed twice alike (same day, person and kind): each row is still its own.
    same = (None, "2026-11-01", "Ana Lee", "Coffee", None, None)
    table = _log([same, ("L0002", "2026-11-02", "Ben Ng", "Email", None, None), same])
    refs = [r for r in row_refs(table, LOG, column_map(table, LOG)) if r is not None]
    first, _, last = refs
    # One ref per cell written: the Row ID and the Sync status of each row.
    found = locate([first, first, last, last], table, LOG)
    assert found == {first: 2, last: 4}
