"""The name a letter greets by: a table of real-world name shapes (``core.names``)."""

from __future__ import annotations

import pytest

from sheetsync.core.names import greeting_name, title_surname

#: Name as typed -> (greeting_name, title_surname).
CASES = [
    # Titles, with and without dots, any case.
    ("Dr Jane Smith", "Jane", "Dr Smith"),
    ("Dr. Jane Smith", "Jane", "Dr Smith"),
    ("dr jane smith", "jane", "Dr smith"),
    ("DR. JANE SMITH", "JANE", "Dr SMITH"),
    ("Prof Alan Turing", "Alan", "Prof Turing"),
    ("Professor Alan Turing", "Alan", "Prof Turing"),
    ("A/Prof Kim Lee", "Kim", "A/Prof Lee"),
    ("Assoc. Prof. Kim Lee", "Kim", "Assoc Prof Lee"),
    ("Associate Professor Kim Lee", "Kim", "Assoc Prof Lee"),
    ("Mrs Ana Silva", "Ana", "Mrs Silva"),
    ("Mx Sam Taylor", "Sam", "Mx Taylor"),
    ("Sister Mary Smith", "Mary", "Sister Smith"),
    ("Prof Dr Hans Müller", "Hans", "Prof Müller"),
    # A title and one word: greeted by both, never by the title alone.
    ("Dr. Lee", "Dr Lee", "Dr Lee"),
    ("Dr Lee", "Dr Lee", "Dr Lee"),
    ("Mr. T", "Mr T", "Mr T"),
    ("Dr", "Dr", "Dr"),
    # Post-nominals, with or without a comma.
    ("Jane Smith PhD", "Jane", "Jane"),
    ("Dr Jane Smith MBBS FRACGP", "Jane", "Dr Smith"),
    ("Jane Smith, PhD, MAPS", "Jane", "Jane"),
    ("Jane Smith M.D.", "Jane", "Jane"),
    ("Ms Priya Raman MAPS", "Priya", "Ms Raman"),
    ("Tom Becker (Hons)", "Tom", "Tom"),
    # Surnames that look like post-nominals are kept.
    ("Anh Do", "Anh", "Anh"),
    ("Jack Ma", "Jack", "Jack"),
    # Hyphens and apostrophes.
    ("Mary-Jane Smith-Jones", "Mary-Jane", "Mary-Jane"),
    ("Dr Jean-Luc Picard-Smith", "Jean-Luc", "Dr Picard-Smith"),
    ("Hannah O'Brien", "Hannah", "Hannah"),
    # Particles belong to the surname.
    ("A/Prof Anna van der Berg", "Anna", "A/Prof van der Berg"),
    ("Dr van der Berg", "Dr van der Berg", "Dr van der Berg"),
    ("van der Berg", "van der Berg", "van der Berg"),
    ("Dr José de la Cruz", "José", "Dr de la Cruz"),
    ("Ludwig von Mises", "Ludwig", "Ludwig"),
    # A single name.
    ("Cher", "Cher", "Cher"),
    # Surname first, after a comma.
    ("Smith, Jane", "Jane", "Jane"),
    ("Smith, Dr Jane", "Jane", "Dr Smith"),
    ("van der Berg, Anna", "Anna", "Anna"),
    ("Smith, Jane, PhD", "Jane", "Jane"),
    # Commas that cannot be read safely, and initials: the full name.
    ("Smith, Jones, Lee", "Smith, Jones, Lee", "Smith, Jones, Lee"),
    ("Smith, J.", "Smith, J.", "Smith, J."),
    ("J. Smith", "J. Smith", "J. Smith"),
    ("J.R. Smith", "J.R. Smith", "J.R. Smith"),
    ("Dr J. Smith", "Dr Smith", "Dr Smith"),
    # A preferred name in brackets or quotes.
    ("Robert (Bob) Smith", "Bob", "Bob"),
    ('Dr Robert "Bob" Smith', "Bob", "Dr Smith"),
    ("Jane Smith (Practice Manager)", "Jane", "Jane"),
    # Accented Latin letters are read; other scripts are never split.
    ("Zoë Ångström", "Zoë", "Zoë"),
    ("Dr Łucja Wiśniewska", "Łucja", "Dr Wiśniewska"),
    ("李小龍", "李小龍", "李小龍"),
    ("Dr 李小龍", "Dr 李小龍", "Dr 李小龍"),
    ("Иван Петров", "Иван Петров", "Иван Петров"),
    ("محمد علي", "محمد علي", "محمد علي"),
    ("山田 太郎", "山田 太郎", "山田 太郎"),
    # Spacing as typed in a cell.
    ("  Dr   Jane\tSmith ", "Jane", "Dr Smith"),
]


@pytest.mark.parametrize(("name", "greeting", "formal"), CASES)
def test_name_shapes(name: str, greeting: str, formal: str) -> None:
    assert (greeting_name(name), title_surname(name)) == (greeting, formal)


@pytest.mark.parametrize("name", [case[0] for case in CASES])
def test_never_a_title_alone(name: str) -> None:
    for form in (greeting_name(name), title_surname(name)):
        assert form.casefold().rstrip(".") not in {"dr", "prof", "mr", "mrs", "ms", "a/prof"} or (
            form == name.strip()
        )
        assert form
