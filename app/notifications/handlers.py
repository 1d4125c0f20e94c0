"""Notifications other features' events call for (wired in app/wiring.py).

Kinds whose text depends on the language carry both names in their params; the English
template uses `%(…_en)s` and the Chinese translation `%(…_zh)s`.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.badges.models import Badge, Certificate
from app.core import events
from app.core.db import db
from app.points.models import Tier
from app.store.models import Order

from .services import notify, register_kind

register_kind("welcome", _l("Welcome aboard! Finish the newbie tasks to earn your first points."))
register_kind("tier.reached", _l("Congratulations, you are now a %(tier_en)s member!"))
register_kind("points.awarded", _l("You earned %(delta)s points: %(reason)s"))
register_kind("order.pending", _l("Your order for “%(item)s” is placed; we will ship it soon."))
register_kind("order.done", _l("Your order for “%(item)s” is ready."))
register_kind("order.shipped", _l("Your order for “%(item)s” has shipped (tracking no. %(tracking)s)."))
register_kind("order.cancelled", _l("Your order for “%(item)s” was cancelled and the points refunded."))
register_kind("badge.granted", _l("You received the badge “%(badge)s”!"))
register_kind("badge.certificate", _l("You received the badge “%(badge)s” with a certificate: show it off!"))


def on_user_registered(event: events.UserRegistered) -> None:
    """A welcome that points new members to the newbie tasks."""
    notify(event.user_id, "welcome", url="/tasks")


def on_tier_reached(event: events.TierReached) -> None:
    tier = db.session.get(Tier, event.tier_id)
    if tier is not None:
        notify(
            event.user_id,
            "tier.reached",
            url="/tiers",
            params={"tier_en": tier.name_en, "tier_zh": tier.name_zh},
        )


def on_points_awarded(event: events.PointsAwarded) -> None:
    notify(
        event.user_id,
        "points.awarded",
        url="/me/points",
        params={"delta": event.delta, "reason": event.reason},
    )


def on_order_status_changed(event: events.OrderStatusChanged) -> None:
    order = db.session.get(Order, event.order_id)
    if order is None:
        return
    notify(
        event.user_id,
        f"order.{event.status}",
        url=f"/me/redemptions/{order.id}",
        params={"item": order.item.title, "tracking": order.tracking_no},
    )


def on_badge_granted(event: events.BadgeGranted) -> None:
    badge = db.session.get(Badge, event.badge_id)
    if badge is None:
        return
    code = db.session.scalar(select(Certificate.code).where(Certificate.award_id == event.award_id))
    if code:
        notify(event.user_id, "badge.certificate", url=f"/certificates/{code}", params={"badge": badge.name})
    else:
        notify(event.user_id, "badge.granted", url=f"/badges/{badge.id}", params={"badge": badge.name})
