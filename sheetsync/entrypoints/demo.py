"""The demo: a realistic sample referral network, written into a fresh template workbook.

About 30 contacts across every category and stage, groups, log entries and referrals, with a
few deliberately invalid rows so that the demo shows how problems are reported. Dates are
relative to the day the demo runs. Every person and practice here is made up.
"""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from sheet_template import TEMPLATE
from sheet_template import tabs as t
from sheetsync.adapters.local.workbook_template import write_template
from sheetsync.core.cells import Cell

SETTINGS_VALUES = {
    "Your name": "Alex Morgan",
    "Practice name": "Brightside Child & Teen Therapy",
    "Your email": "alex@brightside.example",
    "Your specialty": "anxiety in children and teens",
    "Who you help": "children and teenagers with anxiety, and their parents",
    "Website URL": "https://brightside.example",
    "Local area": "Newtown",
    "Time zone": "Australia/Sydney",
    "Flyer file": "flyer.pdf",
}


def _contacts(d: Any) -> list[dict[str, Cell]]:
    T, S = t.THERAPIST_OTHER, t.THERAPIST_SAME
    drop = t.ROUTE_DROP_IN
    return [
        dict(
            name="Priya Raman",
            email="priya@calmcounsel.example",
            practice="Calm Counselling",
            practice_size="Solo",
            category=T,
            specialty="couples",
            area="Newtown",
            stage=t.NURTURING,
            last_contact=d(-40),
            case_study_member="Y",
        ),
        dict(
            name="Tom Becker",
            email="tom@beckerpsych.example",
            practice="Becker Psychology",
            practice_size="Small",
            category=T,
            specialty="trauma",
            area="Enmore",
            stage=t.NURTURING,
            last_contact=d(-75),
        ),
        dict(
            name="Zoë Ångström",
            email="zoe@nordic.example",
            practice="Nordic Mind",
            practice_size="Solo",
            category=T,
            specialty="eating disorders",
            area="Newtown",
            stage=t.NURTURING,
            last_contact=d(-10),
            case_study_member="✓",
        ),
        dict(
            name="Marcus Lee",
            email=" marcus@leetherapy.example ",
            practice="Lee Therapy",
            practice_size="Solo",
            category=T,
            specialty="ADHD in adults",
            stage=t.MET,
            last_contact=d(-5),
        ),
        dict(
            name="Hannah O'Brien",
            email="hannah@obrien.example",
            practice="O'Brien Practice",
            practice_size="Small",
            category=T,
            specialty="perinatal",
            stage=t.MET,
        ),
        dict(
            name="Diego Santos",
            email="diego@santos.example",
            category=T,
            specialty="addiction",
            stage=t.MEETING_BOOKED,
            last_contact=d(-3),
        ),
        dict(
            name="Grace Kim",
            email="grace@kimcounselling.example",
            category=T,
            specialty="grief",
            stage=t.CONTACTED,
            last_contact=d(-20),
        ),
        dict(
            name="Oliver Brown",
            email="oliver@brownpsych.example",
            category=T,
            specialty="OCD",
            stage=t.CONTACTED,
            last_contact=d(-4),
        ),
        dict(
            name="Amelia Chen",
            email="amelia@chenwellbeing.example",
            practice="Chen Wellbeing",
            practice_size="Solo",
            category=T,
            specialty="LGBTQIA+ affirming",
            area="Marrickville",
            stage=t.PROSPECT,
        ),
        dict(
            name="Noah Williams",
            email="noah@williams.example",
            practice_size="Small",
            category=T,
            specialty="men's mental health",
            stage=t.PROSPECT,
        ),
        dict(
            name="Isla Patel",
            category=T,
            specialty="autism",
            practice_size="Solo",
            stage=t.PROSPECT,
            notes="Found on Psychology Today; no email listed",
        ),
        dict(
            name="Ethan Wright",
            email="ethan@bigclinic.example",
            practice="Big Clinic Group",
            practice_size="Large",
            category=T,
            stage=t.NOT_A_FIT,
            last_contact=d(-90),
        ),
        dict(name="Sofia Rossi", email="sofia@rossi.example", category=T, stage=t.PAUSED),
        dict(
            name="Dr Ruth Adler",
            email="ruth@adlerchild.example",
            practice="Adler Child Psych",
            practice_size="Solo",
            category=S,
            specialty="child anxiety",
            stage=t.NURTURING,
            last_contact=d(-62),
            case_study_member="yes",
        ),
        dict(
            name="Ben Carter",
            email="ben@carter.example",
            category=S,
            stage=t.CONTACTED,
            last_contact="2026-01-02",
        ),
        dict(
            name="Lucy Nguyen",
            email="lucy@nguyenkids.example",
            category=S,
            stage=t.PROSPECT,
            specialty="teen anxiety",
            practice_size="Small",
        ),
        dict(
            name="Dr Sarah Hughes",
            practice="Harbour Medical",
            category=t.GP,
            mh_likelihood="High",
            access_route=drop,
            practice_manager="Jo Peters",
            practice_manager_email="jo@harbourmedical.example",
            stage=t.PROSPECT,
        ),
        dict(
            name="Dr Aaron Fox",
            practice="Harbour Medical",
            category=t.GP,
            mh_likelihood="Medium",
            access_route=drop,
            stage=t.PROSPECT,
        ),
        dict(
            name="Dr Mei Tanaka",
            practice="Northside Family Practice",
            category=t.GP,
            mh_likelihood="High",
            access_route=t.ROUTE_TRAINING,
            practice_manager="Sam Ortiz",
            stage=t.PROSPECT,
        ),
        dict(
            name="Dr James Okafor",
            practice="Newtown GP Clinic",
            category=t.GP,
            stage=t.MET,
            last_contact=d(-30),
            case_study_member="TRUE",
        ),
        dict(
            name="Dr Emma Walsh",
            practice="Enmore Health",
            category=t.GP,
            stage=t.NURTURING,
            last_contact=d(-58),
            case_study_member="Y",
        ),
        dict(
            name="Dr Kavya Rao",
            email="kavya@kidsdocs.example",
            practice="Kids Docs",
            category=t.PAEDIATRICIAN,
            stage=t.MET,
            last_contact=d(-14),
            case_study_member="Y",
        ),
        dict(
            name="Dr Liam Murphy",
            practice="Westside Paediatrics",
            category=t.PAEDIATRICIAN,
            access_route=t.ROUTE_TRAINING,
            practice_manager="Kerry Lane",
            practice_manager_email="kerry@westsidepaeds.example",
            stage=t.PROSPECT,
        ),
        dict(
            name="Dr Fatima Haddad",
            email="fatima@womenshealth.example",
            category=t.GYNAECOLOGIST,
            mh_likelihood="Medium",
            access_route=t.ROUTE_EMAIL,
            stage=t.PROSPECT,
        ),
        dict(
            name="Chloe Martin",
            email="chloe@naturalpath.example",
            category=t.NATUROPATH,
            mh_likelihood="High",
            stage=t.CONTACTED,
            last_contact=d(-16),
        ),
        dict(
            name="Ava Thompson",
            email="ava@kidsnutrition.example",
            category=t.NUTRITIONIST,
            specialty="children and teens",
            stage=t.NURTURING,
            last_contact=d(-20),
            case_study_member="Y",
        ),
        dict(name="Jack Wilson", category=t.NUTRITIONIST, stage=t.PROSPECT),
        dict(
            name="Ryan Scott",
            practice="Quick Physio",
            category=t.OTHER_HEALTH,
            specialty="physiotherapy",
            mh_likelihood="Low",
            stage=t.NOT_A_FIT,
            notes="10-minute appointments; little room for a mental-health conversation",
        ),
        dict(
            name="Nina Kowalski",
            email="nina@counsellors-assoc.example",
            category=t.PEER_GROUP_CONTACT,
            stage=t.MET,
            last_contact=d(-25),
            notes="Runs the association's local peer group",
        ),
        # Deliberately invalid rows: the sync marks them and leaves every cell as typed.
        dict(name="Pat Jones", email="pat@@example", category=T, stage=t.PROSPECT),
        dict(
            name="Robin Hale", email="robin@hale.example", category="Astrologer", stage=t.PROSPECT
        ),
        dict(
            name="Casey Doyle",
            email="casey@doyle.example",
            category=T,
            stage=t.MET,
            last_contact="31/02/2026",
        ),
    ]


def sample_rows(today: date) -> dict[str, list[list[Cell]]]:
    """The sample network as rows per tab, in the template's column order."""

    def d(days: int) -> date:
        return today + timedelta(days=days)

    def ordered(tab_name: str, records: list[dict[str, Cell]]) -> list[list[Cell]]:
        keys = [col.key for col in TEMPLATE.tab(tab_name).columns]
        return [[record.get(key) for key in keys] for record in records]

    groups: list[dict[str, Cell]] = [
        dict(
            name="Counselling Association: Newtown peer group",
            type=t.GROUP_PEER_ASSOCIATION,
            organiser="Nina Kowalski",
            meets="Monthly",
            next_meeting=d(10),
            status=t.GROUP_JOINED,
        ),
        dict(
            name="Private Practice Therapists (Facebook)",
            type=t.GROUP_PEER_ONLINE,
            meets="Ad hoc",
            status=t.GROUP_EXPLORING,
        ),
        dict(
            name="Child & Teen Case Study Group",
            type=t.GROUP_CASE_STUDY,
            organiser="Alex Morgan",
            meets="Every 2 months",
            next_meeting=d(24),
            status=t.GROUP_ORGANISING,
            members="Priya Raman, Zoë Ångström, Dr Kavya Rao, Dr James Okafor, Ava Thompson",
        ),
        dict(name="Supervision circle", type="Book club", status=t.GROUP_JOINED),
    ]
    log: list[dict[str, Cell]] = [
        dict(date=d(-12), contact="Tom Becker", what="Coffee"),
        dict(date=d(-30), contact="Priya Raman", what="Article shared"),
        dict(date=d(-6), contact="Priya Raman", what="Question asked"),
        dict(date=d(-2), contact="Dr Ruth Adler", what="Email", notes="Asked about her wait list"),
        dict(date=d(-8), contact="Hannah O'Brien", what="Meeting", notes="First meeting: good fit"),
        dict(date=d(-45), contact="Dr Emma Walsh", what="Drop-in visit"),
        dict(date=d(-1), contact="Someone Unknown", what="Coffee"),
    ]
    referrals: list[dict[str, Cell]] = [
        dict(date=d(-20), direction="In", contact="Priya Raman"),
        dict(date=d(-50), direction="Out", contact="Tom Becker", notes="Trauma focus"),
        dict(date=d(-100), direction="In", contact="Dr Ruth Adler", notes="From her wait list"),
        dict(date=d(-400), direction="In", contact="Zoë Ångström"),
        dict(date=d(-9), direction="Sideways", contact="Dr Kavya Rao"),
    ]
    return {
        "Contacts": ordered("Contacts", _contacts(d)),
        "Groups": ordered("Groups", groups),
        "Log": ordered("Log", log),
        "Referrals": ordered("Referrals", referrals),
    }


def _settings_overrides(path: Path) -> None:
    """Fill in the demo practice's Settings."""
    import openpyxl

    from sheetsync.adapters.local.xlsx_store import save_atomically, set_cell

    wb = openpyxl.load_workbook(path)
    ws = wb["Settings"]
    for row in range(2, ws.max_row + 1):
        label = ws.cell(row=row, column=1).value
        if label in SETTINGS_VALUES:
            set_cell(ws, row, 2, SETTINGS_VALUES[label])
    save_atomically(wb, path)


# A one-page PDF flyer, small enough to write out here (text: "Brightside flyer").
FLYER_PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 300 144]/Contents 4 0 R"
    b"/Resources<</Font<</F1 5 0 R>>>>>>endobj\n"
    b"4 0 obj<</Length 44>>stream\nBT /F1 18 Tf 20 70 Td (Brightside flyer) Tj ET\nendstream\n"
    b"endobj\n5 0 obj<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def create_demo_workbook(path: Path, today: date) -> None:
    """Write the sample network into a new workbook at ``path``, with its flyer beside it."""
    write_template(path, sample_rows(today))
    _settings_overrides(path)
    (path.parent / "flyer.pdf").write_bytes(FLYER_PDF)
