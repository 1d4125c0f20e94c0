"""Check-ins reacting to events: tell members about likes on their check-ins."""

from __future__ import annotations

from app.circles.models import Circle
from app.core import events
from app.core.db import db
from app.notifications.services import notify

from .models import Checkin
from .services.social import checkin_url


def on_like_received(event: events.LikeReceived) -> None:
    """Likes on check-ins are grouped per check-in: "张三 and 5 others liked your check-in"."""
    if event.target_kind != "checkin":
        return
    checkin = db.session.get(Checkin, event.target_id)
    circle = db.session.get(Circle, event.circle_id)
    if checkin is None or circle is None:
        return
    notify(
        event.owner_id,
        "checkin.liked",
        actor_id=event.liker_id,
        url=checkin_url(circle.slug, checkin),
        group_key=f"like:checkin:{checkin.id}",
    )
