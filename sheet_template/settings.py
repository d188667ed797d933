"""The Settings tab's rows, with the article's defaults."""

from __future__ import annotations

from .model import Kind, Setting

DATE_ORDERS = ("DMY", "MDY")

SETTINGS = (
    Setting("your_name", "Your name", "", note="Signs your letters."),
    Setting("practice_name", "Practice name", ""),
    Setting("your_email", "Your email", "", Kind.EMAIL, note="The From address of drafts."),
    Setting("specialty", "Your specialty", "", note="What you specialise in."),
    Setting("who_you_help", "Who you help", "", note="Your ideal clients, in a phrase."),
    Setting("website", "Website URL", "", Kind.URL),
    Setting("local_area", "Local area", "", note="Search locally first."),
    Setting("time_zone", "Time zone", "UTC", note="An IANA name, e.g. Australia/Sydney."),
    Setting(
        "date_order",
        "Date order",
        "DMY",
        Kind.CHOICE,
        choices=DATE_ORDERS,
        note="How to read dates typed as text like 03/04/2026: DMY or MDY.",
    ),
    Setting("calendar_id", "Calendar ID", "primary", note="Google Calendar to put follow-ups in."),
    Setting(
        "default_cadence_days",
        "Default cadence (days)",
        "60",
        Kind.INT,
        note="Nurture each fitting contact every 2 months.",
    ),
    Setting(
        "intro_followup_days",
        "Intro follow-up delay (days)",
        "14",
        Kind.INT,
        note="Follow up an intro that got no answer after this many days.",
    ),
    Setting(
        "drop_in_lead_days",
        "Drop-in lead time (days)",
        "7",
        Kind.INT,
        note="A new drop-in visit is planned this many days ahead.",
    ),
    Setting(
        "flyer_file",
        "Flyer file",
        "",
        note=(
            "The flyer for GP cover notes: a plain file name such as flyer.pdf (no folder), "
            "of a file beside the workbook (or in the flyer folder on Google), at most 10 MiB."
        ),
    ),
    Setting(
        "goal_other_specialty",
        "Goal: therapists in other specialties",
        "10",
        note="Long-term trusted relationships with local therapists.",
    ),
    Setting("goal_same_specialty", "Goal: busy same-specialty therapists", "1-2"),
    Setting(
        "goal_health",
        "Goal: health professionals",
        "5",
        note="Health professionals who see your ideal client.",
    ),
    Setting("goal_peer_groups", "Goal: peer support groups joined", "1"),
    Setting("recipe_solo_therapists", "Case study: solo therapists", "2"),
    Setting("recipe_paediatricians", "Case study: paediatricians", "1-2"),
    Setting("recipe_gps", "Case study: GPs from different practices", "2"),
    Setting("recipe_nutritionists", "Case study: nutritionists", "1"),
    Setting("referral_window_months", "Referral window (months)", "12", Kind.INT),
    Setting(
        "first_appointment",
        "First appointment within",
        "two weeks",
        note="How soon you can usually see a new client, in words: {first_appointment} in "
        "the letters.",
    ),
    Setting(
        "quiet_after_days",
        "Quiet after (days)",
        "90",
        Kind.INT,
        note="A referrer with no referral and no touch for this long is named on the Summary "
        "as one to nurture.",
    ),
    Setting(
        "sheet_identity",
        "Sheet identity",
        "",
        note="Set by the first sync. Calendar events and drafts are tied to it, so a copied "
        "or renamed file keeps them. Change it only to start afresh.",
    ),
    # Last, so the settings before it keep their places (the Google store's Settings anchors
    # are numbered by place).
    Setting(
        "row_ids_given",
        "Row IDs given",
        "",
        note="Kept by the sync: the highest Row ID given on each tab, so that a deleted row's "
        "id, with its drafts and events, never goes to a new row. Leave it as it is.",
        sync_owned=True,
    ),
)
