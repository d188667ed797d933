"""The default letters, in our own words, on the structure the article describes.

The intro letter: greet by first name, say who you are, what you specialise in and who you
help, ask to meet to explore working together and cross-referring, point to your website, and
close warmly. The GP cover note goes to the Practice Manager with a letter and flyers to hand on
to the doctors, and offers a training session for the doctors.
"""

from __future__ import annotations

from .model import Letter

INTRO = Letter(
    key="intro",
    subject="Would you be open to meeting? {your_name}, {practice_name}",
    body=(
        "Hi {first_name},\n"
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
        "With this note is a letter and some flyers for the doctors at {practice}. Would you be "
        "able to pass them on? They set out who I see, how to refer, and how soon I can usually "
        "offer a first appointment.\n"
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

LETTERS = (INTRO, GP_COVER)

#: Placeholders each letter may use, and where their values come from.
PLACEHOLDERS: dict[str, str] = {
    "first_name": "Contacts > Name (first word)",
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
}
