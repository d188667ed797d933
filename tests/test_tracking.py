"""Which recorded intros the sync asks the mailbox about, and what the answers do to a row.

Plain data: the fates are what ``Mailbox.track`` would return (its own tests are in
test_draft_fates.py and the port contract).
"""

from datetime import timedelta

from builders import NOW, snapshot
from test_lifecycle import NS, TODAY, days, events, gp, status, therapist

from sheet_template import tabs as t
from sheetsync.core.plan import DraftFate
from sheetsync.core.planner import drafts_to_track, make_plan
from sheetsync.core.planner.tracking import REPLY_WINDOW_DAYS, intro_message_id
from sheetsync.core.validation import validate

MID = intro_message_id(NS, "C0001")


def tracked(**contact):
    return drafts_to_track(validate(snapshot(contacts=[contact])), NS, TODAY)


def plan(fate=None, **contact):
    fates = (fate,) if fate else ()
    return make_plan(validate(snapshot(contacts=[contact])), NS, NOW, fates=fates)


def cells(p):
    (row,) = [r for r in p.rows if r.ref.tab == "Contacts"]
    return row.target


def test_only_recorded_intros_with_something_left_to_learn_are_asked_about():
    assert tracked(**therapist()) == ()  # nothing drafted yet
    (one,) = tracked(**therapist(draft_id="r-1", thread_id="t-1"))
    assert (one.message_id, one.draft_id, one.thread_id, one.sent_on) == (MID, "r-1", "t-1", None)
    (sent,) = tracked(**therapist(draft_id="r-1", intro_sent=days(-3)))
    assert sent.sent_on == days(-3)  # known sent: only the reply is looked for
    assert tracked(**therapist(draft_id="r-1", intro_sent=days(-3), replied=days(-1))) == ()
    old = days(-REPLY_WINDOW_DAYS - 1)
    assert tracked(**therapist(draft_id="r-1", intro_sent=old)) == ()
    assert tracked(**therapist(draft_id="r-1", stage=t.MET)) == ()
    assert tracked(**gp(draft_id="r-1")) == ()  # a cover note: the visit is what counts
    (legacy,) = tracked(**therapist(draft_id="sent"))
    assert legacy.draft_id == ""  # found again by its Message-ID


def test_a_sent_intro_is_recorded_and_its_follow_up_counts_from_the_send_date():
    fate = DraftFate(MID, "sent", "t-1", sent_on=days(-2))
    p = plan(fate, **therapist(draft_id="r-1"))
    target = cells(p)
    assert (target["intro_sent"], target["thread_id"], target["replied"]) == (days(-2), "t-1", None)
    (follow_up,) = events(p, "intro-followup")
    assert follow_up.day == days(-2) + timedelta(days=14)
    assert status(p) == "OK: intro sent on 13 Jun: set Stage to Contacted when you like"
    assert p.drafts == ()


def test_a_reply_ends_the_follow_up_and_says_replied_on():
    fate = DraftFate(MID, "sent", "t-1", sent_on=days(-5), replied_on=days(-1))
    p = plan(fate, **therapist(draft_id="r-1", stage=t.CONTACTED, intro_sent=days(-5)))
    assert cells(p)["replied"] == days(-1)
    assert events(p, "intro-followup") == []
    assert status(p).startswith("OK: replied on 14 Jun: book a meeting")


def test_what_earlier_syncs_found_still_counts_when_the_mailbox_is_not_asked():
    p = plan(None, **therapist(draft_id="r-1", intro_sent=days(-5), replied=days(-1)))
    assert events(p, "intro-followup") == []
    assert cells(p)["replied"] == days(-1)  # kept, not blanked


def test_a_deleted_draft_is_not_redrafted_unless_draft_id_is_cleared():
    p = plan(DraftFate(MID, "deleted"), **therapist(draft_id="r-1"))
    assert p.drafts == ()
    assert status(p).startswith("OK: the intro draft was deleted unsent")
    assert plan(None, **therapist()).drafts != ()


def test_a_mailbox_that_cannot_tell_says_why_and_keeps_the_cells():
    fate = DraftFate(MID, "unknown", error="telling sent from deleted needs a Gmail read scope")
    p = plan(fate, **therapist(draft_id="r-1", thread_id="t-1"))
    assert cells(p)["thread_id"] == "t-1"
    assert "could not tell whether it was sent: telling sent from deleted" in status(p)
