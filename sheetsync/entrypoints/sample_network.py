"""The demo's sample referral network, as data: a made-up practice and its contacts.

About 30 contacts across every category and stage, groups, log entries and referrals, with a
few deliberately invalid rows so that the demo shows how problems are reported. Every person
and practice here is made up. A date is written ``Days(n)``, n days from the day the demo runs
(negative: in the past); :func:`records` puts the real dates in.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sheet_template import tabs as t
from sheetsync.core.cells import Cell


@dataclass(frozen=True)
class Days:
    """A date ``n`` days from the day the demo runs."""

    n: int


Value = Cell | Days
Record = dict[str, Value]

_OTHER, _SAME = t.THERAPIST_OTHER, t.THERAPIST_SAME

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

CONTACTS: list[Record] = [
    dict(
        name="Priya Raman",
        email="priya@calmcounsel.example",
        practice="Calm Counselling",
        practice_size="Solo",
        category=_OTHER,
        specialty="couples",
        area="Newtown",
        stage=t.NURTURING,
        last_contact=Days(-40),
        case_study_member="Y",
    ),
    dict(
        name="Tom Becker",
        email="tom@beckerpsych.example",
        phone="02 9555 0101",
        practice="Becker Psychology",
        practice_size="Small",
        category=_OTHER,
        specialty="trauma",
        area="Enmore",
        stage=t.NURTURING,
        last_contact=Days(-75),
    ),
    dict(
        name="Zoë Ångström",
        email="zoe@nordic.example",
        practice="Nordic Mind",
        practice_size="Solo",
        category=_OTHER,
        specialty="eating disorders",
        area="Newtown",
        stage=t.NURTURING,
        last_contact=Days(-10),
        case_study_member="✓",
    ),
    dict(
        name="Marcus Lee",
        email=" marcus@leetherapy.example ",
        practice="Lee Therapy",
        practice_size="Solo",
        category=_OTHER,
        specialty="ADHD in adults",
        stage=t.MET,
        last_contact=Days(-5),
    ),
    dict(
        name="Hannah O'Brien",
        email="hannah@obrien.example",
        practice="O'Brien Practice",
        practice_size="Small",
        category=_OTHER,
        specialty="perinatal",
        stage=t.MET,
    ),
    dict(
        name="Diego Santos",
        email="diego@santos.example",
        category=_OTHER,
        specialty="addiction",
        stage=t.MEETING_BOOKED,
        last_contact=Days(-3),
    ),
    dict(
        name="Grace Kim",
        email="grace@kimcounselling.example",
        category=_OTHER,
        specialty="grief",
        stage=t.CONTACTED,
        last_contact=Days(-20),
    ),
    dict(
        name="Oliver Brown",
        email="oliver@brownpsych.example",
        category=_OTHER,
        specialty="OCD",
        stage=t.CONTACTED,
        last_contact=Days(-4),
    ),
    dict(
        name="Amelia Chen",
        email="amelia@chenwellbeing.example",
        practice="Chen Wellbeing",
        practice_size="Solo",
        category=_OTHER,
        specialty="LGBTQIA+ affirming",
        area="Marrickville",
        stage=t.PROSPECT,
    ),
    dict(
        name="Noah Williams",
        email="noah@williams.example",
        practice_size="Small",
        category=_OTHER,
        specialty="men's mental health",
        stage=t.PROSPECT,
    ),
    dict(
        name="Isla Patel",
        category=_OTHER,
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
        category=_OTHER,
        stage=t.NOT_A_FIT,
        last_contact=Days(-90),
    ),
    dict(
        name="Sofia Rossi",
        email="sofia@rossi.example",
        category=_OTHER,
        stage=t.NURTURING,
        last_contact=Days(-50),
        paused_until=Days(30),
        notes="On leave; back next month",
    ),
    dict(
        name="Sam Patel",
        email="sam@metromind.example",
        practice="Metro Mind Group",
        practice_size="Large",
        category=_OTHER,
        specialty="workplace stress",
        stage=t.PROSPECT,
    ),
    dict(
        name="Dr Ruth Adler",
        email="ruth@adlerchild.example",
        practice="Adler Child Psych",
        practice_size="Solo",
        category=_SAME,
        specialty="child anxiety",
        stage=t.NURTURING,
        last_contact=Days(-62),
        case_study_member="yes",
    ),
    dict(
        name="Ben Carter",
        email="ben@carter.example",
        category=_SAME,
        stage=t.CONTACTED,
        last_contact="2026-01-02",
    ),
    dict(
        name="Lucy Nguyen",
        email="lucy@nguyenkids.example",
        category=_SAME,
        stage=t.PROSPECT,
        specialty="teen anxiety",
        practice_size="Small",
    ),
    dict(
        name="Dr Sarah Hughes",
        practice="Harbour Medical",
        category=t.GP,
        mh_likelihood="High",
        access_route=t.ROUTE_DROP_IN,
        practice_manager="Jo Peters",
        practice_manager_email="jo@harbourmedical.example",
        stage=t.PROSPECT,
    ),
    dict(
        name="Dr Aaron Fox",
        practice="Harbour Medical",
        category=t.GP,
        mh_likelihood="Medium",
        access_route=t.ROUTE_DROP_IN,
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
        last_contact=Days(-30),
        case_study_member="TRUE",
    ),
    dict(
        name="Dr Emma Walsh",
        practice="Enmore Health",
        category=t.GP,
        stage=t.NURTURING,
        last_contact=Days(-58),
        case_study_member="Y",
    ),
    dict(
        name="Dr Kavya Rao",
        email="kavya@kidsdocs.example",
        practice="Kids Docs",
        category=t.PAEDIATRICIAN,
        stage=t.MET,
        last_contact=Days(-14),
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
        last_contact=Days(-16),
    ),
    dict(
        name="Ava Thompson",
        email="ava@kidsnutrition.example",
        category=t.NUTRITIONIST,
        specialty="children and teens",
        stage=t.NURTURING,
        last_contact=Days(-20),
        case_study_member="Y",
    ),
    dict(name="Jack Wilson", category=t.NUTRITIONIST, stage=t.PROSPECT),
    dict(
        name="Dr Nora Bell MBBS FRACGP",
        greeting="Nora",
        practice="Marrickville Medical Centre",
        practice_size="Small",
        category=t.GP,
        mh_likelihood="High",
        access_route=t.ROUTE_DROP_IN,
        stage=t.PROSPECT,
        notes="No Practice Manager email: the GP kit is one to print",
    ),
    dict(
        name="Helen Park",
        email="helen@parkfamily.example",
        phone="02 9555 0142",
        practice="Park Family Therapy",
        practice_size="Solo",
        category=_OTHER,
        specialty="family therapy",
        area="Stanmore",
        stage=t.NURTURING,
        last_contact=Days(-120),
        notes="Referred before; gone quiet",
    ),
    dict(
        name="Ryan Scott",
        practice="Quick Physio",
        category=t.OTHER_HEALTH,
        specialty="physiotherapy",
        mh_likelihood="Low",
        access_route=t.ROUTE_DROP_IN,
        stage=t.PROSPECT,
        notes="10-minute appointments; little room for a mental-health conversation",
    ),
    dict(
        name="Nina Kowalski",
        email="nina@counsellors-assoc.example",
        category=t.PEER_GROUP_CONTACT,
        stage=t.MET,
        last_contact=Days(-25),
        notes="Runs the association's local peer group",
    ),
    # Deliberately invalid rows: the sync marks them and leaves every cell as typed.
    dict(name="Pat Jones", email="pat@@example", category=_OTHER, stage=t.PROSPECT),
    dict(name="Robin Hale", email="robin@hale.example", category="Astrologer", stage=t.PROSPECT),
    dict(
        name="Casey Doyle",
        email="casey@doyle.example",
        category=_OTHER,
        stage=t.MET,
        last_contact="31/02/2026",
    ),
]

GROUPS: list[Record] = [
    dict(
        name="Counselling Association: Newtown peer group",
        type=t.GROUP_PEER_ASSOCIATION,
        organiser="Nina Kowalski",
        meets="Monthly",
        next_meeting=Days(-20),
        status=t.GROUP_JOINED,
    ),
    dict(
        name="Regional professional development day",
        type=t.GROUP_PEER_ASSOCIATION,
        meets="Ad hoc",
        next_meeting=Days(-5),
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
        next_meeting=Days(24),
        status=t.GROUP_ORGANISING,
        members="Priya Raman, Zoë Ångström, Dr Kavya Rao, Dr James Okafor, Ava Thompson",
    ),
    dict(name="Supervision circle", type="Book club", status=t.GROUP_JOINED),
]

LOG: list[Record] = [
    dict(date=Days(-12), contact="Tom Becker", what="Coffee"),
    dict(date=Days(-30), contact="Priya Raman", what="Article shared"),
    dict(date=Days(-6), contact="Priya Raman", what="Question asked"),
    dict(date=Days(-2), contact="Dr Ruth Adler", what="Email", notes="Asked about her wait list"),
    dict(date=Days(-8), contact="Hannah O'Brien", what="Meeting", notes="First meeting: good fit"),
    dict(date=Days(-45), contact="Dr Emma Walsh", what="Drop-in visit"),
    # What happened lately, recorded once: the sync moves each contact on from it.
    dict(date=Days(-5), contact="Noah Williams", what=t.INTRO_SENT),
    dict(date=Days(-2), contact="Grace Kim", what=t.REPLY_RECEIVED, notes="Keen to meet"),
    dict(date=Days(5), contact="Diego Santos", what=t.COFFEE, notes="Booked: Newtown Cafe"),
    dict(date=Days(-1), contact="Oliver Brown", what=t.MEETING),
    dict(date=Days(-3), contact="Dr Mei Tanaka", what=t.DROP_IN_VISIT, notes="Left the kit"),
    dict(date=Days(-1), contact="Someone Unknown", what="Coffee"),
]

REFERRALS: list[Record] = [
    # Recent referrals in: each gets a thank-you (its Notes never go into it).
    dict(date=Days(-3), direction="In", contact="Dr Kavya Rao", notes="Via her clinic wait list"),
    dict(date=Days(-6), direction="In", contact="Dr James Okafor"),
    dict(date=Days(-130), direction="In", contact="Helen Park"),
    dict(date=Days(-20), direction="In", contact="Priya Raman"),
    dict(date=Days(-50), direction="Out", contact="Tom Becker", notes="Trauma focus"),
    dict(date=Days(-100), direction="In", contact="Dr Ruth Adler", notes="From her wait list"),
    dict(date=Days(-400), direction="In", contact="Zoë Ångström"),
    dict(date=Days(-9), direction="Sideways", contact="Dr Kavya Rao"),
]


def records(today: date) -> dict[str, list[dict[str, Cell]]]:
    """The sample records per tab, with each ``Days(n)`` made the date ``n`` days from ``today``."""

    def value(v: Value) -> Cell:
        return today + timedelta(days=v.n) if isinstance(v, Days) else v

    tabs = {"Contacts": CONTACTS, "Groups": GROUPS, "Log": LOG, "Referrals": REFERRALS}
    return {
        tab: [{key: value(v) for key, v in record.items()} for record in rows]
        for tab, rows in tabs.items()
    }
