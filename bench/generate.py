"""A synthetic referral network of any size, built from the demo's patterns.

The demo (``sheetsync.entrypoints.demo.sample_rows``) is one hand-written practice: about 30
contacts of
every category and stage, a few groups, log entries and referrals, and some deliberately
invalid rows. ``generate_network(size)`` repeats those patterns until the Contacts tab has
``size`` rows: every copy gets a unique name, email and practice (GPs of one practice stay
together, so drop-in visits are still per practice), and dates are jittered. Groups, log
entries and referrals scale with the contacts in the demo's proportions (about one group per
8 contacts, one log entry per 4, one referral per 6), and each invalid pattern appears
``max(1, size // 1000)`` times, spread through the tab.

The same ``seed`` and ``today`` always give the same rows.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from sheet_template import TEMPLATE
from sheet_template import tabs as t
from sheetsync.core.cells import Cell
from sheetsync.entrypoints.demo import SETTINGS_VALUES, sample_rows

Rows = list[list[Cell]]

#: Rows per contact, from the demo's proportions.
GROUPS_PER_CONTACT = 1 / 8
LOG_PER_CONTACT = 1 / 4
REFERRALS_PER_CONTACT = 1 / 6


@dataclass(frozen=True)
class Network:
    """Rows per tab (template column order, no header) and the Settings to type in."""

    rows: dict[str, Rows]
    settings: dict[str, str]

    @property
    def counts(self) -> dict[str, int]:
        return {tab: len(rows) for tab, rows in self.rows.items()}


def _columns(tab: str) -> dict[str, int]:
    return {col.key: i for i, col in enumerate(TEMPLATE.tab(tab).columns)}


def _invalid_contact(row: Sequence[Cell], cols: dict[str, int]) -> bool:
    """The demo's deliberately invalid contacts: a bad email, category or date."""
    email, category = row[cols["email"]], row[cols["category"]]
    last = row[cols["last_contact"]]
    return (
        (isinstance(email, str) and "@@" in email)
        or (category is not None and category not in t.CATEGORIES)
        or (isinstance(last, str) and "/" in last)
    )


def _jitter(value: Cell, rng: random.Random, days: int, today: date) -> Cell:
    """A date moved by up to ``days`` either way, staying on its side of ``today``."""
    if not isinstance(value, date):
        return value
    moved = value + timedelta(days=rng.randint(-days, days))
    if value < today:
        return min(moved, today - timedelta(days=1))
    if value > today:
        return max(moved, today + timedelta(days=1))
    return value


def _unique_email(value: Cell, n: int) -> Cell:
    if not isinstance(value, str) or "@" not in value:
        return value
    local, _, domain = value.partition("@")
    # Keep the demo's stray spaces (" marcus@... ") around the new address.
    lead = local[: len(local) - len(local.lstrip())]
    trail = domain[len(domain.rstrip()) :]
    return f"{lead}{local.strip()}.{n}@{domain.strip()}{trail}"


def _spread(total: int, count: int) -> set[int]:
    """``count`` positions spread evenly through ``range(total)``."""
    if count <= 0 or total <= 0:
        return set()
    step = total / count
    return {min(total - 1, int(step * i + step / 2)) for i in range(count)}


def _contacts(
    patterns: Rows, size: int, rng: random.Random, today: date
) -> tuple[Rows, list[list[str]], dict[str, int]]:
    """``size`` contacts; also the generated names per demo cycle, by demo name index."""
    cols = _columns("Contacts")
    valid = [r for r in patterns if not _invalid_contact(r, cols)]
    invalid = [r for r in patterns if _invalid_contact(r, cols)]
    copies = max(1, size // 1000) if invalid else 0
    bad_at = _spread(size, min(size, copies * len(invalid)))
    names = [str(r[cols["name"]]) for r in valid]
    rows: Rows = []
    cycles: list[list[str]] = []
    good = bad = 0
    for position in range(size):
        if position in bad_at:
            template, n = invalid[bad % len(invalid)], bad
            bad += 1
            cycle = -1
        else:
            template, n = valid[good % len(valid)], good
            cycle = good // len(valid)
            good += 1
        row = list(template)
        row[cols["name"]] = f"{template[cols['name']]} {n + 1:05d}"
        row[cols["email"]] = _unique_email(template[cols["email"]], n + 1)
        row[cols["practice_manager_email"]] = _unique_email(
            template[cols["practice_manager_email"]], n + 1
        )
        practice = template[cols["practice"]]
        if isinstance(practice, str):
            # One practice per demo cycle: its GPs share it, as in the demo.
            row[cols["practice"]] = f"{practice} {max(cycle, 0) + 1}"
        row[cols["last_contact"]] = _jitter(template[cols["last_contact"]], rng, 7, today)
        rows.append(row)
        if cycle >= 0:
            if cycle == len(cycles):
                cycles.append([])
            cycles[cycle].append(str(row[cols["name"]]))
    return rows, cycles, {name: i for i, name in enumerate(names)}


def _rename(name: Cell, cycle: list[str], index: dict[str, int]) -> Cell:
    """A demo contact's name as it is in one generated cycle (unknown names stay as they are)."""
    if isinstance(name, str) and name in index and index[name] < len(cycle):
        return cycle[index[name]]
    return name


def _scaled(
    tab: str,
    patterns: Rows,
    count: int,
    invalid: Sequence[bool],
    cycles: list[list[str]],
    index: dict[str, int],
    rng: random.Random,
    today: date,
) -> Rows:
    """``count`` rows of ``tab`` from its demo ``patterns``; invalid ones appear sparsely."""
    cols = _columns(tab)
    valid = [p for p, bad in zip(patterns, invalid, strict=True) if not bad]
    wrong = [p for p, bad in zip(patterns, invalid, strict=True) if bad]
    copies = max(1, count // 1000) if wrong else 0
    bad_at = _spread(count, min(count, copies * len(wrong)))
    rows: Rows = []
    good = bad = 0
    for position in range(count):
        if position in bad_at:
            template, n = wrong[bad % len(wrong)], bad
            bad += 1
        else:
            template, n = valid[good % len(valid)], good
            good += 1
        cycle = cycles[rng.randrange(len(cycles))] if cycles else []
        row = list(template)
        for key in ("contact", "organiser"):
            if key in cols:
                row[cols[key]] = _rename(template[cols[key]], cycle, index)
        if "members" in cols and isinstance(template[cols["members"]], str):
            members = [m.strip() for m in str(template[cols["members"]]).split(",")]
            row[cols["members"]] = ", ".join(str(_rename(m, cycle, index)) for m in members)
        if "name" in cols:
            row[cols["name"]] = f"{template[cols['name']]} #{n + 1}"
        for key in ("date", "next_meeting"):
            if key in cols:
                row[cols[key]] = _jitter(template[cols[key]], rng, 5, today)
        rows.append(row)
    return rows


def generate_network(size: int, today: date, seed: int = 0) -> Network:
    """A network of ``size`` contacts, with groups, log and referrals in the demo's proportions."""
    if size < 1:
        raise ValueError("size must be at least 1")
    rng = random.Random(seed)
    demo = sample_rows(today)
    contacts, cycles, index = _contacts(demo["Contacts"], size, rng, today)
    # Log entries, referrals and groups name people of complete cycles only, so that each
    # name they use exists (a small network has one partial cycle: use it).
    complete = [c for c in cycles if len(c) == len(index)] or cycles[:1]
    known = {str(r[_columns("Contacts")["name"]]) for r in demo["Contacts"]}

    gcols, lcols, rcols = _columns("Groups"), _columns("Log"), _columns("Referrals")
    group_bad = [r[gcols["type"]] not in t.GROUP_TYPES for r in demo["Groups"]]
    log_bad = [r[lcols["contact"]] not in known for r in demo["Log"]]
    referral_bad = [r[rcols["direction"]] not in ("In", "Out") for r in demo["Referrals"]]

    def scaled(tab: str, per_contact: float, invalid: list[bool]) -> Rows:
        count = max(len(demo[tab]), round(size * per_contact)) if size >= 30 else len(demo[tab])
        return _scaled(tab, demo[tab], count, invalid, complete, index, rng, today)

    return Network(
        rows={
            "Contacts": contacts,
            "Groups": scaled("Groups", GROUPS_PER_CONTACT, group_bad),
            "Log": scaled("Log", LOG_PER_CONTACT, log_bad),
            "Referrals": scaled("Referrals", REFERRALS_PER_CONTACT, referral_bad),
        },
        settings=dict(SETTINGS_VALUES),
    )
