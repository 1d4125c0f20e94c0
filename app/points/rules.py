"""Earning rules as data: what each rule key means to people, and reading the rules."""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.core.db import db, transaction_memo

from .models import PointsRule

# Ledger `rule` values -> what the member reads on /me/points. The first eleven are earning
# rules (rows of points_rule, seeded by the migrations); the rest name non-earning rows.
RULE_LABELS: dict[str, Any] = {
    "signin": _l("Daily sign-in"),
    "signin_bonus": _l("7-day streak bonus"),
    "post": _l("Post published"),
    "comment": _l("Comment"),
    "like": _l("Like received"),
    "checkin": _l("Check-in"),
    "campaign": _l("Campaign completed"),
    "featured": _l("Post featured"),
    "invite": _l("Friend's first check-in"),
    "task": _l("Newbie task"),
    "share_visit": _l("Friend opened my share link"),
    "winback": _l("Welcome-back gift"),
    "birthday": _l("Birthday gift"),
    "redeem": _l("Store redemption"),
    "refund": _l("Refund of a cancelled order"),
    "reversal": _l("Taken back after moderation"),
    "admin": _l("Adjusted by the team"),
}


# Newbie task slugs (a task row's reason) -> what the member did.
TASK_LABELS: dict[str, Any] = {
    "complete_profile": _l("Completed the profile"),
    "join_circle": _l("Joined a first circle"),
    "first_post": _l("Published a first post"),
    "first_checkin": _l("First check-in"),
}


def rule_label(key: str) -> str:
    return str(RULE_LABELS.get(key, key))


def entry_detail(entry: Any) -> str:
    """The line under a ledger row: what it was for (a newbie task's name, an order, a reason)."""
    if entry.rule == "task":
        from_tasks = TASK_LABELS.get(entry.reason)
        return str(from_tasks) if from_tasks is not None else ""
    return str(entry.reason or "")


def list_rules() -> list[PointsRule]:
    """Every earning rule, in display order."""
    return list(db.session.scalars(select(PointsRule).order_by(PointsRule.sort, PointsRule.key)))


def get_rule(key: str) -> PointsRule | None:
    """An earning rule by key (all of them read once per transaction: a write may pay several)."""
    rules = transaction_memo(
        "points_rules",
        lambda: {rule.key: rule for rule in db.session.scalars(select(PointsRule))},
        models=(PointsRule,),
    )
    return rules.get(key)
