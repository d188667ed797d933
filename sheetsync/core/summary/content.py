"""What the Summary says, computed from the validated tabs and the plan (``build_summary``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from zoneinfo import ZoneInfo

from sheet_template import tabs as t
from sheetsync.core.cells import as_text
from sheetsync.core.models import Contact
from sheetsync.core.plan import Plan
from sheetsync.core.summary.actions import with_steps
from sheetsync.core.summary.figures import Summary
from sheetsync.core.summary.goals import (
    case_study_goal,
    case_study_slots,
    health_goal,
    peer_goal,
    therapist_goals,
)
from sheetsync.core.summary.week import this_week
from sheetsync.core.validation import Problem, Validated


def _waiting_intros(validated: Validated, plan: Plan) -> Counter[str]:
    """Prospects whose intro is in the drafts (recorded, or planned now), by category.

    Counted by row, so two contacts who share a name are still two.
    """
    drafted = {ref for d in plan.drafts if d.kind == "intro" for ref in d.refs}
    return Counter(
        row.model.category
        for row in validated.contacts
        if row.model is not None
        and plan.stages.get(row.ref, row.model.stage) == t.PROSPECT
        and (row.ref in drafted or as_text(row.synced.get("draft_id")))
    )


def _as_planned(validated: Validated, plan: Plan) -> list[Contact]:
    """The valid contacts at the stage the plan acted on: the Summary counts by the evidence,
    so a contact whose intro went out counts as Contacted before the Stage cell says so."""
    contacts = []
    for row in validated.contacts:
        if row.model is not None:
            stage = plan.stages.get(row.ref, row.model.stage)
            same = stage == row.model.stage
            contacts.append(row.model if same else row.model.model_copy(update={"stage": stage}))
    return contacts


def _pipeline(contacts: Sequence[Contact]) -> tuple[tuple[str, tuple[int, ...]], ...]:
    """Contacts by category, each with its count per stage."""
    pipeline = []
    for category in t.CATEGORIES:
        counts = Counter(c.stage for c in contacts if c.category == category)
        pipeline.append((category, tuple(counts[stage] for stage in t.STAGES)))
    return tuple(pipeline)


def _months_before(day: date, months: int) -> date:
    month_index = day.year * 12 + day.month - 1 - months
    year, month = divmod(month_index, 12)
    return date(year, month + 1, min(day.day, 28))


def _referrals(validated: Validated, today: date) -> Counter[str]:
    """Referrals in and out over the Settings' window, up to ``today``."""
    window_start = _months_before(today, validated.settings.referral_window_months)
    return Counter(
        row.model.direction
        for row in validated.referrals
        if row.model is not None and window_start < row.model.date <= today
    )


def build_summary(
    validated: Validated, plan: Plan, problems: Sequence[Problem] | None = None
) -> Summary:
    """The Summary's figures. ``problems`` defaults to the plan's."""
    s = validated.settings
    contacts = _as_planned(validated, plan)
    groups = [row.model for row in validated.groups if row.model is not None]
    slots = case_study_slots(contacts, s)
    goals = with_steps(
        (
            *therapist_goals(contacts, s, _waiting_intros(validated, plan)),
            peer_goal(groups, s),
            health_goal(contacts, s, plan),
            case_study_goal(slots, groups, plan.today),
        ),
        validated,
        plan,
    )
    directions = _referrals(validated, plan.today)
    zone = ZoneInfo(s.time_zone)
    return Summary(
        goals=goals,
        pipeline=_pipeline(contacts),
        overdue=plan.overdue,
        case_study=slots,
        referrals_in=directions["In"],
        referrals_out=directions["Out"],
        window_months=s.referral_window_months,
        problems=tuple(plan.problems if problems is None else problems),
        last_sync=plan.now.astimezone(zone).strftime("%Y-%m-%d %H:%M ") + s.time_zone,
        today=plan.today,
        previous_sync=validated.previous_sync,
        quiet_referrers=plan.quiet_referrers,
        quiet_after_days=s.quiet_after_days,
        week=this_week(validated, plan),
    )
