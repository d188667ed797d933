"""Validation of whole tabs: messages name the column, bad rows never stop the others."""

import pytest
from builders import snapshot, table

from sheet_template import TEMPLATE
from sheet_template import tabs as t
from sheetsync.core.models import Contact, Group, LogEntry, Referral, Settings
from sheetsync.core.table import Snapshot, Table
from sheetsync.core.validation import validate
from sheetsync.errors import TemplateError

GOOD = {"name": "Ana Silva", "email": "ana@example.org", "category": t.THERAPIST_OTHER}


def test_model_fields_are_the_template_columns():
    for model, tab in (
        (Contact, "Contacts"),
        (Group, "Groups"),
        (LogEntry, "Log"),
        (Referral, "Referrals"),
    ):
        user_keys = {c.key for c in TEMPLATE.tab(tab).columns if not c.sync_owned}
        assert user_keys | {"row_id"} == set(model.model_fields)
    assert {s.key for s in TEMPLATE.settings} == set(Settings.model_fields)


def test_a_bad_row_names_the_column_and_the_others_still_validate():
    v = validate(
        snapshot(
            contacts=[
                {**GOOD, "email": "ana@@example.org"},
                {**GOOD, "name": "Ben"},
                {**GOOD, "category": "Astrologer"},
                {**GOOD, "last_contact": "31/02/2026"},
            ]
        )
    )
    assert [r.model is not None for r in v.contacts] == [False, True, False, False]
    assert v.contacts[0].errors == ("Email: is not a valid email address",)
    assert v.contacts[2].errors[0].startswith("Category: is not one of: Therapist: other specialty")
    assert v.contacts[3].errors == ("Last contact: is not a real calendar date",)


def test_several_errors_in_one_row_are_all_reported():
    v = validate(snapshot(contacts=[{"name": "", "email": "x", "category": ""}]))
    errors = v.contacts[0].errors
    assert any(e.startswith("Name: is empty") for e in errors)
    assert any(e.startswith("Email:") for e in errors)
    assert any(e.startswith("Category: is empty") for e in errors)


def test_hostile_text_is_kept_as_text():
    v = validate(
        snapshot(
            contacts=[
                {**GOOD, "name": '=HYPERLINK("http://x")', "notes": "+SUM(A1)"},
                {**GOOD, "name": "Zoë\nÅngström", "email": " zoe@example.org\n"},
                {**GOOD, "name": "x" * 201},
                {**GOOD, "notes": "n" * 49_000},
                {**GOOD, "email": "a@example.org\nBcc: b@example.org"},
            ]
        )
    )
    first, second, long_name, long_notes, injected = v.contacts
    assert first.model and first.model.name.startswith("=HYPERLINK")
    assert second.model and second.model.name == "Zoë Ångström"
    assert second.model.email == "zoe@example.org"
    assert long_name.errors == ("Name: is longer than 200 characters",)
    assert long_notes.model is not None
    assert injected.errors[0].startswith("Email: is not a valid email address")


def test_empty_rows_are_skipped_and_keep_their_place():
    v = validate(snapshot(contacts=[GOOD, {}, {"notes": "   "}, {**GOOD, "name": "Ben"}]))
    assert [r.ref.row_number for r in v.contacts] == [2, 5]


def test_duplicate_ids_keep_the_first_and_blank_the_copy():
    v = validate(
        snapshot(
            contacts=[
                {**GOOD, "row_id": "C0001", "event_id": "abc", "draft_id": "d1"},
                {**GOOD, "name": "Copy", "row_id": "C0001", "event_id": "abc", "draft_id": "d1"},
            ]
        )
    )
    first, copy = v.contacts
    assert first.row_id == "C0001" and first.synced["draft_id"] == "d1"
    assert copy.row_id == "" and copy.synced["draft_id"] is None
    assert not first.ref.unique_id and not copy.ref.unique_id


def test_blank_stage_is_prospect_and_yes_no_variants_parse():
    v = validate(snapshot(contacts=[{**GOOD, "case_study_member": "✓", "cadence_days": "30"}]))
    c = v.contacts[0].model
    assert c and c.stage == t.PROSPECT and c.case_study_member is True and c.cadence_days == 30


def test_dates_follow_the_settings_date_order():
    rows = [{**GOOD, "last_contact": "03/04/2026"}]
    dmy = validate(snapshot(contacts=rows)).contacts[0].model
    mdy = validate(snapshot(contacts=rows, settings={"Date order": "MDY"})).contacts[0].model
    assert dmy and mdy and (dmy.last_contact.month, mdy.last_contact.month) == (4, 3)


def test_a_bad_setting_falls_back_to_its_default_and_is_reported():
    v = validate(snapshot(settings={"Default cadence (days)": "often", "Time zone": "Mars/Base"}))
    assert v.settings.default_cadence_days == 60 and v.settings.time_zone == "UTC"
    messages = [p.message for p in v.sheet_problems]
    assert any(m.startswith("Default cadence (days): is not a whole number") for m in messages)
    assert any(m.startswith("Time zone:") for m in messages)


def test_missing_or_renamed_header_names_tab_and_header():
    snap = snapshot(contacts=[GOOD])
    contacts = snap.tables["Contacts"]
    renamed = tuple("E-mail" if h == "Email" else h for h in contacts.header)
    broken = Snapshot({**snap.tables, "Contacts": Table("Contacts", renamed, contacts.rows)})
    with pytest.raises(TemplateError, match="Tab 'Contacts' has no column 'Email'"):
        validate(broken)


def test_missing_tab_is_named():
    snap = snapshot()
    tables = dict(snap.tables)
    del tables["Log"]
    with pytest.raises(TemplateError, match="no tab named 'Log'"):
        validate(Snapshot(tables))


def test_headers_match_loosely_and_extra_columns_are_allowed():
    snap = snapshot(contacts=[GOOD])
    contacts = snap.tables["Contacts"]
    header = (*(f"  {h.upper()} " for h in contacts.header), "My own column")
    rows = tuple((*row, "mine") for row in contacts.rows)
    v = validate(Snapshot({**snap.tables, "Contacts": Table("Contacts", header, rows)}))
    assert v.contacts[0].model is not None


def test_columns_in_another_order():
    base = table("Contacts", [GOOD])
    order = list(reversed(range(len(base.header))))
    shuffled = Table(
        "Contacts",
        tuple(base.header[i] for i in order),
        tuple(tuple(r[i] for i in order) for r in base.rows),
    )
    snap = snapshot()
    v = validate(Snapshot({**snap.tables, "Contacts": shuffled}))
    assert v.contacts[0].model and v.contacts[0].model.email == "ana@example.org"
