"""Check-in and campaign figures for the operators' weekly review (CSV exports, charts).

Plain rows streamed with `yield_per`; `app/wiring.py` hands them to the admin console.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

from sqlalchemy import func, select

from app.accounts.models import User
from app.circles.models import Circle
from app.core.db import db

from .models import Campaign, Checkin, Completion

BATCH = 1000

CHECKIN_HEADERS = ["id", "username", "circle", "campaign_id", "day", "recommended", "created_at"]
CAMPAIGN_HEADERS = [
    "id",
    "circle",
    "title",
    "start_date",
    "days",
    "participants",
    "completed",
    "completion_rate",
]


def checkin_rows() -> Iterator[Sequence[Any]]:
    """Every check-in, oldest first."""
    query = (
        select(
            Checkin.id,
            User.username,
            Circle.slug,
            Checkin.campaign_id,
            Checkin.day,
            Checkin.is_recommended,
            Checkin.created_at,
        )
        .join(User, User.id == Checkin.user_id)
        .join(Circle, Circle.id == Checkin.circle_id)
        .order_by(Checkin.id)
    )
    for row in db.session.execute(query.execution_options(yield_per=BATCH)):
        yield tuple(row)


def campaign_rows() -> Iterator[Sequence[Any]]:
    """One row per campaign: members who checked in, completions (all runs), the rate."""
    participants = (
        select(Checkin.campaign_id, func.count(func.distinct(Checkin.user_id)).label("n"))
        .group_by(Checkin.campaign_id)
        .subquery()
    )
    completed = (
        select(Completion.campaign_id, func.count(func.distinct(Completion.user_id)).label("n"))
        .group_by(Completion.campaign_id)
        .subquery()
    )
    query = (
        select(
            Campaign.id,
            Circle.slug,
            Campaign.title,
            Campaign.start_date,
            Campaign.days,
            func.coalesce(participants.c.n, 0),
            func.coalesce(completed.c.n, 0),
        )
        .join(Circle, Circle.id == Campaign.circle_id)
        .outerjoin(participants, participants.c.campaign_id == Campaign.id)
        .outerjoin(completed, completed.c.campaign_id == Campaign.id)
        .order_by(Campaign.id)
    )
    for row in db.session.execute(query.execution_options(yield_per=BATCH)):
        *head, joined, done = tuple(row)
        rate = f"{done / joined:.0%}" if joined else ""
        yield (*head, joined, done, rate)


def campaign_titles(ids: list[int]) -> dict[int, str]:
    """Titles of these campaigns (for charts that name them)."""
    if not ids:
        return {}
    query = select(Campaign.id, Campaign.title).where(Campaign.id.in_(ids))
    return {campaign_id: title for campaign_id, title in db.session.execute(query)}
