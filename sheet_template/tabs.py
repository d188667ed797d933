"""The tabs of the Sheet and their columns: the one definition everything else derives from."""

from __future__ import annotations

from .model import Column, Kind, Tab

# Category values. The five kinds of relationship in the article, with health professionals split
# by profession because the case-study group's recipe counts GPs, paediatricians and
# nutritionists separately.
THERAPIST_OTHER = "Therapist: other specialty"
THERAPIST_SAME = "Therapist: same specialty (busy)"
GP = "GP / PCP"
PAEDIATRICIAN = "Paediatrician"
GYNAECOLOGIST = "Gynaecologist"
NATUROPATH = "Naturopath"
NUTRITIONIST = "Nutritionist"
OTHER_HEALTH = "Other health professional"
PEER_GROUP_CONTACT = "Peer support group contact"

CATEGORIES = (
    THERAPIST_OTHER,
    THERAPIST_SAME,
    GP,
    PAEDIATRICIAN,
    GYNAECOLOGIST,
    NATUROPATH,
    NUTRITIONIST,
    OTHER_HEALTH,
    PEER_GROUP_CONTACT,
)
MENTAL_HEALTH_CATEGORIES = frozenset({THERAPIST_OTHER, THERAPIST_SAME})
HEALTH_CATEGORIES = frozenset(
    {GP, PAEDIATRICIAN, GYNAECOLOGIST, NATUROPATH, NUTRITIONIST, OTHER_HEALTH}
)

PROSPECT = "Prospect"
CONTACTED = "Contacted"
MEETING_BOOKED = "Meeting booked"
MET = "Met"
NURTURING = "Nurturing"
NOT_A_FIT = "Not a fit"
PAUSED = "Paused"
STAGES = (PROSPECT, CONTACTED, MEETING_BOOKED, MET, NURTURING, NOT_A_FIT, PAUSED)

PRACTICE_SIZES = ("Solo", "Small", "Large")
LIKELIHOODS = ("High", "Medium", "Low")

ROUTE_EMAIL = "Email"
ROUTE_DROP_IN = "Drop-in with letter and flyers"
ROUTE_TRAINING = "Training offer"
ACCESS_ROUTES = (ROUTE_EMAIL, ROUTE_DROP_IN, ROUTE_TRAINING)

GROUP_PEER_ASSOCIATION = "Peer support: association"
GROUP_PEER_ONLINE = "Peer support: online"
GROUP_CASE_STUDY = "Case study group"
GROUP_TYPES = (GROUP_PEER_ASSOCIATION, GROUP_PEER_ONLINE, GROUP_CASE_STUDY)
PEER_GROUP_TYPES = frozenset({GROUP_PEER_ASSOCIATION, GROUP_PEER_ONLINE})

GROUP_EXPLORING = "Exploring"
GROUP_JOINED = "Joined"
GROUP_ORGANISING = "Organising"
GROUP_STATUSES = (GROUP_EXPLORING, GROUP_JOINED, GROUP_ORGANISING)

MEETS = ("Weekly", "Fortnightly", "Monthly", "Every 2 months", "Quarterly", "Ad hoc")

INTRO_SENT = "Intro sent"
REPLY_RECEIVED = "Reply received"
MEETING = "Meeting"
COFFEE = "Coffee"
TRAINING = "Training session"
DROP_IN_VISIT = "Drop-in visit"
TOUCH_KINDS = (
    INTRO_SENT,
    REPLY_RECEIVED,
    "Email",
    COFFEE,
    "Article shared",
    MEETING,
    "Phone call",
    DROP_IN_VISIT,
    TRAINING,
    "Question asked",
    "Other",
)
#: Touches that are a meeting with the contact: a first one shows they met; one dated ahead is
#: a meeting booked, which goes in the calendar.
MEETING_KINDS = frozenset({MEETING, COFFEE, TRAINING})
DIRECTIONS = ("In", "Out")

# Sync-owned columns share their headers across tabs.
ROW_ID = Column(
    "Row ID",
    "row_id",
    Kind.ID,
    sync_owned=True,
    width=10,
    note="Set by the sync. Rows are found by this id, so leave it as it is.",
)
SYNC_STATUS = Column(
    "Sync status",
    "sync_status",
    sync_owned=True,
    width=48,
    note="Set by the sync: OK, or what is wrong with the row and in which column.",
)
EVENT_ID = Column(
    "Event ID",
    "event_id",
    Kind.ID,
    sync_owned=True,
    width=14,
    note="Set by the sync: the calendar event it keeps for this row.",
)

CONTACTS = Tab(
    name="Contacts",
    description="One row per professional in your referral network.",
    id_prefix="C",
    columns=(
        ROW_ID,
        Column("Name", "name", required=True, width=24),
        Column("Email", "email", Kind.EMAIL, width=28),
        Column("Phone", "phone", width=16),
        Column("Practice", "practice", width=24),
        Column(
            "Practice size",
            "practice_size",
            Kind.CHOICE,
            PRACTICE_SIZES,
            width=12,
            note="Solo or small practices refer out; large ones tend to refer internally.",
        ),
        Column("Category", "category", Kind.CHOICE, CATEGORIES, required=True, width=30),
        Column("Specialty / niche", "specialty", width=24),
        Column("Area", "area", width=16),
        Column("Stage", "stage", Kind.CHOICE, STAGES, width=16, note="Blank counts as Prospect."),
        Column(
            "Paused until",
            "paused_until",
            Kind.DATE,
            width=14,
            added_later=True,
            note="On leave or a closed wait list: nothing is planned for them until this date, "
            "and their nurture touches resume after it.",
        ),
        Column(
            "Last contact",
            "last_contact",
            Kind.DATE,
            width=14,
            note="Date of your latest touch. The Log tab counts too.",
        ),
        Column(
            "Cadence (days)",
            "cadence_days",
            Kind.INT,
            width=10,
            note="Overrides Settings > Default cadence for this contact.",
        ),
        Column(
            "MH conversation likelihood",
            "mh_likelihood",
            Kind.CHOICE,
            LIKELIHOODS,
            width=14,
            note="How likely a mental-health conversation is in their appointments.",
        ),
        Column("Access route", "access_route", Kind.CHOICE, ACCESS_ROUTES, width=26),
        Column("Practice manager", "practice_manager", width=20),
        Column("Practice manager email", "practice_manager_email", Kind.EMAIL, width=28),
        Column("Case-study member", "case_study_member", Kind.BOOL, ("Yes", "No"), width=10),
        Column("Notes", "notes", width=40),
        Column(
            "Next follow-up",
            "next_follow_up",
            Kind.DATE,
            sync_owned=True,
            width=14,
            note="Set by the sync: when the next calendar follow-up is due.",
        ),
        Column(
            "Draft ID",
            "draft_id",
            Kind.ID,
            sync_owned=True,
            width=14,
            note="Set by the sync: the draft it made for this row (in your drafts), or 'sent'.",
        ),
        # What the sync found in the mailbox about the intro it drafted, kept so that a sent
        # intro is looked for only until it is answered (added to older Sheets by the sync).
        Column(
            "Intro sent",
            "intro_sent",
            Kind.DATE,
            sync_owned=True,
            width=12,
            note="Set by the sync: the day it found your intro sent.",
            added_later=True,
        ),
        Column(
            "Replied",
            "replied",
            Kind.DATE,
            sync_owned=True,
            width=12,
            note="Set by the sync: the day it found their reply to your intro.",
            added_later=True,
        ),
        Column(
            "Thread ID",
            "thread_id",
            Kind.ID,
            sync_owned=True,
            width=14,
            note="Set by the sync: the intro's mail thread, where it looks for the sent "
            "intro and the reply.",
            added_later=True,
        ),
        EVENT_ID,
        SYNC_STATUS,
        # Columns the template gained later: the sync adds them to an older Sheet, at the end.
        Column(
            "Greeting",
            "greeting",
            width=16,
            note="The name to greet by, e.g. Jane; blank: from Name (without titles).",
            added_later=True,
        ),
        Column(
            "Doctors' letter ID",
            "doctors_letter_id",
            Kind.ID,
            sync_owned=True,
            width=14,
            note="Set by the sync: the GP kit's letter for the doctors (in your drafts), or "
            "'sent'. Draft ID holds its cover note.",
            added_later=True,
        ),
        Column(
            "Referrals in",
            "referrals_in",
            Kind.INT,
            sync_owned=True,
            width=10,
            note="Set by the sync: referrals from them over Settings > Referral window.",
            added_later=True,
        ),
        Column(
            "Referrals out",
            "referrals_out",
            Kind.INT,
            sync_owned=True,
            width=10,
            note="Set by the sync: referrals to them over Settings > Referral window.",
            added_later=True,
        ),
    ),
)

GROUPS = Tab(
    name="Groups",
    description="Peer support groups you join and case-study groups you create.",
    id_prefix="G",
    columns=(
        ROW_ID,
        Column("Name", "name", required=True, width=28),
        Column("Type", "type", Kind.CHOICE, GROUP_TYPES, required=True, width=24),
        Column("Organiser", "organiser", width=20),
        Column("Meets", "meets", Kind.CHOICE, MEETS, width=14),
        Column("Next meeting", "next_meeting", Kind.DATE, width=14),
        Column(
            "Status",
            "status",
            Kind.CHOICE,
            GROUP_STATUSES,
            width=12,
            note="Blank counts as Exploring.",
        ),
        Column("Members", "members", width=30),
        Column("Notes", "notes", width=30),
        Column(
            "Synced meeting date",
            "synced_date",
            Kind.DATE,
            sync_owned=True,
            width=14,
            note="Set by the sync: the date of the calendar event it keeps.",
        ),
        EVENT_ID,
        SYNC_STATUS,
    ),
)

LOG = Tab(
    name="Log",
    description="What happened with each contact, once: the sync moves contacts on from it.",
    id_prefix="L",
    columns=(
        ROW_ID,
        Column(
            "Date",
            "date",
            Kind.DATE,
            required=True,
            width=14,
            note="When it happened. A Meeting, Coffee or Training session may be dated ahead: "
            "it is booked, and goes in your calendar.",
        ),
        Column(
            "Contact",
            "contact",
            required=True,
            width=24,
            note="The contact's name as on the Contacts tab, or its Row ID.",
        ),
        Column(
            "What",
            "what",
            Kind.CHOICE,
            TOUCH_KINDS,
            width=16,
            note="Intro sent, a reply, a meeting, a drop-in visit... The latest touch of any "
            "kind resets the contact's cadence.",
        ),
        Column("Notes", "notes", width=40),
        SYNC_STATUS,
    ),
)

REFERRALS = Tab(
    name="Referrals",
    description="Referrals in and out. Professional contacts only: never a client's details. "
    "A referral in gets a thank-you draft to the referrer, which never carries anything about "
    "the client, nor these Notes.",
    id_prefix="R",
    columns=(
        ROW_ID,
        Column("Date", "date", Kind.DATE, required=True, width=14),
        Column("Direction", "direction", Kind.CHOICE, DIRECTIONS, required=True, width=10),
        Column(
            "Contact",
            "contact",
            required=True,
            width=24,
            note="The contact's name as on the Contacts tab, or its Row ID.",
        ),
        Column(
            "Notes",
            "notes",
            width=40,
            note="No client names or identifying details. Never copied into the thank-you.",
        ),
        SYNC_STATUS,
        Column(
            "Thanks draft ID",
            "thanks_draft_id",
            Kind.ID,
            sync_owned=True,
            width=14,
            note="Set by the sync: the thank-you it drafted for a referral in (in your drafts), "
            "or 'sent'. One per referral, for referrals dated within the last 14 days.",
            added_later=True,
        ),
    ),
)

SETTINGS = Tab(
    name="Settings",
    description="Who you are and the goals you work towards. Edit the Value column.",
    key_column="Setting",
    columns=(
        Column("Setting", "setting", required=True, width=40),
        Column("Value", "value", width=40),
        Column("Notes", "notes", width=60),
    ),
)

TEMPLATES = Tab(
    name="Templates",
    description="The letters the sync drafts. Use {placeholders}; every one must have a value.",
    key_column="Letter",
    columns=(
        Column("Letter", "letter", required=True, width=14),
        Column("Subject", "subject", required=True, width=50),
        Column("Body", "body", required=True, width=90),
        Column("Placeholders", "placeholders", width=40),
    ),
)

SUMMARY = Tab(
    name="Summary",
    description="Rewritten by every sync: goals, pipeline, overdue follow-ups and problems.",
)
#: The label of the Summary's row (near its top) that says when the sync last ran: each sync
#: writes it, and the next reads it back.
SUMMARY_LAST_SYNC = "Last sync"

TABLE_TABS = (CONTACTS, GROUPS, LOG, REFERRALS)
ALL_TABS = (SUMMARY, CONTACTS, GROUPS, LOG, REFERRALS, TEMPLATES, SETTINGS)
