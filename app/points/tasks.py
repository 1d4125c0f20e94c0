"""The task centre: today's tasks against their caps, and the newbie checklist (each paid once)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core import clock
from app.core.db import db

from .ledger import award_points
from .models import EARN, PointsEntry
from .rules import get_rule

# (slug, title, where to do it)
NEWBIE_TASKS: tuple[tuple[str, Any, str], ...] = (
    ("complete_profile", _l("Complete your profile (name, bio and avatar)"), "/me/settings"),
    ("join_circle", _l("Join a circle"), "/circles"),
    ("first_post", _l("Publish your first post"), "/circles"),
    ("first_checkin", _l("Do your first check-in"), "/checkins"),
)
# (rule, title, where to do it)
DAILY_TASKS: tuple[tuple[str, Any, str], ...] = (
    ("signin", _l("Sign in today"), "/tasks"),
    ("post", _l("Publish a post"), "/circles"),
    ("comment", _l("Comment on a post"), "/circles"),
    ("checkin", _l("Check in to a campaign"), "/checkins"),
)


def task_key(slug: str, user_id: int) -> str:
    return f"task:{slug}:{user_id}"


def complete_task(user_id: int, slug: str, *, reference: str = "") -> PointsEntry | None:
    """Pay a newbie task once (the idempotency key makes every later call a no-op)."""
    return award_points(
        user_id, rule="task", idempotency_key=task_key(slug, user_id), reason=slug, reference=reference
    )


@dataclass
class TaskRow:
    key: str
    title: Any
    href: str
    done: int
    target: int
    points: int

    @property
    def complete(self) -> bool:
        return self.done >= self.target


def list_daily_tasks(user: Any) -> list[TaskRow]:
    """Today's tasks with progress against their daily caps (a capless rule aims for one)."""
    today = clock.today()
    counts: dict[str, int] = dict(
        db.session.execute(
            select(PointsEntry.rule, func.count())
            .where(PointsEntry.user_id == user.id, PointsEntry.day == today, PointsEntry.kind == EARN)
            .group_by(PointsEntry.rule)
        )
        .tuples()
        .all()
    )
    rows = []
    for rule_key, title, href in DAILY_TASKS:
        rule = get_rule(rule_key)
        if rule is None or not rule.is_active:
            continue
        target = rule.daily_cap if rule.daily_cap else 1
        rows.append(
            TaskRow(rule_key, title, href, min(int(counts.get(rule_key, 0)), target), target, rule.points)
        )
    return rows


def list_newbie_tasks(user: Any) -> list[TaskRow]:
    """The newbie checklist, each task done once it has been paid."""
    keys = {task_key(slug, user.id): slug for slug, _title, _href in NEWBIE_TASKS}
    done = set(
        db.session.scalars(select(PointsEntry.idempotency_key).where(PointsEntry.idempotency_key.in_(keys)))
    )
    rule = get_rule("task")
    points = rule.points if rule is not None else 0
    return [
        TaskRow(slug, title, href, 1 if task_key(slug, user.id) in done else 0, 1, points)
        for slug, title, href in NEWBIE_TASKS
    ]
