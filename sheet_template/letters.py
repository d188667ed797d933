"""The default letters, in our own words, on the structure the article describes.

One letter per relationship kind, each a row of the Templates tab the person may edit:

* ``intro``: to a therapist in another specialty. Greet by first name, say who you are, what
  you specialise in and who you help, ask to meet to explore working together and
  cross-referring, point to your website, and close warmly.
* ``intro_busy``: to a busy therapist in your own specialty. They have more demand than they
  can meet: offer to be the trusted therapist they pass their wait list and overflow to.
* ``intro_health``: to a health professional reached by email (naturopath, nutritionist,
  paediatrician, gynaecologist): they see your ideal client, and a conversation about mental
  health may come up in their appointments; offers a session for their colleagues.
* ``gp_cover``: to a GP practice's Practice Manager, with the letter for the doctors and the
  flyer to hand on, and the offer of a training session.
* ``gp_doctors``: the letter for the doctors: who you see, how to refer, how soon a first
  appointment is usually possible, and the training offer.
* ``thanks``: the thank-you for a referral. It has no placeholder about the client at all.

Letters to therapists greet by the first name (``{greeting_name}``), as colleagues do; letters to
health professionals are formal (``{title_surname}``: "Dr Smith").
"""

from __future__ import annotations

from .model import Letter

INTRO = Letter(
    key="intro",
    subject="Would you be open to meeting? {your_name}, {practice_name}",
    body=(
        "Hi {greeting_name},\n"
        "\n"
        "I hope this finds you well. I'm {your_name}, a therapist at {practice_name} in "
        "{local_area}. I specialise in {specialty} and mostly work with {who_you_help}.\n"
        "\n"
        "I'm getting in touch to ask whether you'd like to meet, for a coffee or online, to talk "
        "about how we might work together and refer to each other when a client would be better "
        "served by the other's practice.\n"
        "\n"
        "There is more about my practice at {website}.\n"
        "\n"
        "I look forward to hearing from you.\n"
        "\n"
        "Warm regards,\n"
        "{your_name}\n"
        "{practice_name}\n"
    ),
    note="To therapists: asks for a first meeting to check fit.",
)

INTRO_BUSY = Letter(
    key="intro_busy",
    subject="Somewhere to refer when your wait list is full: {your_name}, {practice_name}",
    body=(
        "Hi {greeting_name},\n"
        "\n"
        "I hope you're well. I'm {your_name}, a therapist at {practice_name} in {local_area}. "
        "Like you, I specialise in {specialty}, and I work with {who_you_help}.\n"
        "\n"
        "Established practices like yours often have more enquiries than they can take on, "
        "and people end up waiting or being turned away. I have room for new clients and can "
        "usually offer a first appointment within {first_appointment}, so I'd be glad to be "
        "someone you can pass those enquiries to with confidence.\n"
        "\n"
        "Would you be open to meeting, for a coffee or online, so you can get a feel for how I "
        "work and whether the people you refer would be in good hands?\n"
        "\n"
        "There is more about my practice at {website}.\n"
        "\n"
        "I look forward to hearing from you.\n"
        "\n"
        "Warm regards,\n"
        "{your_name}\n"
        "{practice_name}\n"
    ),
    note="To busy therapists in your specialty: a trusted place for their wait list.",
)

INTRO_HEALTH = Letter(
    key="intro_health",
    subject="Working together for {who_you_help}: {your_name}, {practice_name}",
    body=(
        "Dear {title_surname},\n"
        "\n"
        "I hope this finds you well. I'm {your_name}, a therapist at {practice_name} in "
        "{local_area}. I specialise in {specialty} and work with {who_you_help}.\n"
        "\n"
        "Some of the people you see may be finding things hard emotionally, and your "
        "appointments are often where that first comes up. I would like to be someone you can "
        "recommend with confidence when it does, and I am always glad to know trusted "
        "professionals my own clients can see.\n"
        "\n"
        "Would you be open to a short meeting, in person or online, to talk about how we might "
        "work together? I usually have a first appointment free within {first_appointment}. "
        "If it would be useful, I would also be happy to run a brief session for you and your "
        "colleagues on {specialty}.\n"
        "\n"
        "You can learn more about my practice at {website}.\n"
        "\n"
        "Kind regards,\n"
        "{your_name}\n"
        "{practice_name}\n"
    ),
    note="To health professionals reached by email; offers a session for their colleagues.",
)

GP_COVER = Letter(
    key="gp_cover",
    subject="For the doctors at {practice}: {practice_name} ({specialty})",
    body=(
        "Dear {practice_manager},\n"
        "\n"
        "Thank you for taking a moment to read this. I'm {your_name}, a therapist at "
        "{practice_name} in {local_area}. I specialise in {specialty} and work with "
        "{who_you_help}.\n"
        "\n"
        "With this note you will find a letter and some flyers for the doctors at {practice}. "
        "Would you be able to pass them on? They set out who I see, how to refer, and how soon "
        "I can usually offer a first appointment.\n"
        "\n"
        "I would also be glad to run a short training session for your doctors on {specialty}, "
        "at a time that suits the practice, such as a lunchtime or a team meeting.\n"
        "\n"
        "You can find more about my practice at {website}, or reach me at {your_email}.\n"
        "\n"
        "Kind regards,\n"
        "{your_name}\n"
    ),
    note="To the Practice Manager, with a letter and flyers; offers a training session.",
)

GP_DOCTORS = Letter(
    key="gp_doctors",
    subject="Referring to {practice_name}: {specialty} in {local_area}",
    body=(
        "Dear doctors at {practice},\n"
        "\n"
        "I'm {your_name}, a therapist at {practice_name} in {local_area}. I'm writing so that "
        "you know of my practice when a patient could do with some support.\n"
        "\n"
        "Who I see: {who_you_help}. I specialise in {specialty}.\n"
        "\n"
        "How to refer: send your referral, or ask your patient to get in touch, at "
        "{your_email}. More about my practice and how I work is at {website}.\n"
        "\n"
        "How soon: I can usually offer a first appointment within {first_appointment}.\n"
        "\n"
        "I would be glad to run a short training session for your doctors on {specialty}, over "
        "a lunchtime or at a team meeting. Your Practice Manager can reach me to arrange it.\n"
        "\n"
        "Kind regards,\n"
        "{your_name}\n"
        "{practice_name}\n"
    ),
    note="For the doctors: who you see, how to refer, how soon, and the training offer.",
)

THANKS = Letter(
    key="thanks",
    subject="Thank you from {your_name}, {practice_name}",
    body=(
        "Hi {greeting_name},\n"
        "\n"
        "A short note to thank you for your recent referral, and for thinking of me. I value "
        "the trust it shows.\n"
        "\n"
        "I keep the details of the people I see private, so I won't say more here; if you'd "
        "like to catch up over a coffee, or if there is anything I can do in return, I'd love "
        "to hear from you.\n"
        "\n"
        "With thanks,\n"
        "{your_name}\n"
        "{practice_name}\n"
    ),
    note="Thanks a referrer. It never carries anything about the client.",
)

LETTERS = (INTRO, INTRO_BUSY, INTRO_HEALTH, GP_COVER, GP_DOCTORS, THANKS)

#: Placeholders each letter may use, and where their values come from. None is about a client.
PLACEHOLDERS: dict[str, str] = {
    "greeting_name": "Contacts > Greeting, or the given name from Name (Jane)",
    "title_surname": "Contacts > Greeting, or title and surname from Name (Dr Smith)",
    "first_name": "The same as {greeting_name} (kept for older letters)",
    "name": "Contacts > Name",
    "practice": "Contacts > Practice",
    "practice_manager": "Contacts > Practice manager (or 'Practice Manager')",
    "area": "Contacts > Area",
    "your_name": "Settings > Your name",
    "practice_name": "Settings > Practice name",
    "your_email": "Settings > Your email",
    "specialty": "Settings > Your specialty",
    "who_you_help": "Settings > Who you help",
    "website": "Settings > Website URL",
    "local_area": "Settings > Local area",
    "first_appointment": "Settings > First appointment within",
}
