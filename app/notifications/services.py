"""Notifications: the one `notify()` every feature calls, a kind registry, the unread count.

A kind is registered with a lazy_gettext template using `%(actor)s`, `%(count)s` and the
notification's params; it is rendered when the list is shown, in the viewer's language.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.core import clock, events
from app.core.db import db, use_case
from app.core.pagination import Page, keyset
from app.core.permissions import is_signed_in, policy, require
from app.safety.services import has_blocked, not_blocked_by, not_blocked_by_id

from .models import Notification

_kinds: dict[str, Any] = {}


def register_kind(kind: str, text: Any) -> None:
    """Declare how a kind of notification reads (a lazy_gettext template)."""
    _kinds[kind] = text


@policy("notifications.read")
def _can_read(actor: Any, _target: Any) -> bool:
    return is_signed_in(actor)


def notify(
    user_id: int,
    kind: str,
    *,
    actor_id: int | None = None,
    url: str = "",
    params: dict[str, str | int] | None = None,
    group_key: str | None = None,
) -> None:
    """Tell `user_id` about something, in the caller's transaction (never about their own acts).

    With `group_key`, an unread notification of the same group is bumped instead of adding
    a row, so ten likes read "张三 and 9 others liked ...".
    """
    if actor_id is not None and actor_id == user_id:
        return
    if kind not in _kinds:
        raise LookupError(f"unknown notification kind {kind!r}")
    if actor_id is not None and has_blocked(user_id, actor_id):
        return  # the member blocked whoever caused it (their likes, replies, mentions)
    now = clock.now()
    if group_key is not None and _bump(user_id, group_key, actor_id, now):
        return
    row = Notification(
        user_id=user_id,
        kind=kind,
        actor_id=actor_id,
        url=url,
        params=dict(params or {}),
        group_key=group_key,
        created_at=now,
        updated_at=now,
    )
    if group_key is None:
        db.session.add(row)
    else:
        try:
            with db.session.begin_nested():
                db.session.add(row)
        except IntegrityError:
            # Another transaction created the group row first: fold into it.
            _bump(user_id, group_key, actor_id, now)
            return
    events.publish(
        events.NotificationCreated(
            user_id=user_id, kind=kind, actor_id=actor_id, url=url, params=dict(params or {})
        )
    )


def _bump(user_id: int, group_key: str, actor_id: int | None, now: Any) -> bool:
    result = db.session.execute(
        update(Notification)
        .where(
            Notification.user_id == user_id,
            Notification.group_key == group_key,
            Notification.is_read.is_(False),
        )
        .values(count=Notification.count + 1, actor_id=actor_id, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def count_unread(user_id: int) -> int:
    """How many unread notifications `user_id` has (one indexed COUNT).

    Rows caused by members they blocked since are not counted (nor listed).
    """
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Notification)
            .where(
                Notification.user_id == user_id,
                Notification.is_read.is_(False),
                not_blocked_by_id(user_id, Notification.actor_id),
            )
        )
        or 0
    )


def list_notifications(actor: Any, *, cursor: str | None = None, limit: int = 30) -> Page[Notification]:
    """The actor's notifications, most recently updated first."""
    require(actor, "notifications.read")
    query = select(Notification).where(
        Notification.user_id == actor.id, not_blocked_by(actor, Notification.actor_id)
    )
    return keyset(
        query, [(Notification.updated_at, True), (Notification.id, True)], cursor=cursor, limit=limit
    )


@use_case
def mark_all_read(actor: Any) -> int:
    """Mark every notification of the actor read; returns how many changed."""
    require(actor, "notifications.read")
    result = db.session.execute(
        update(Notification)
        .where(Notification.user_id == actor.id, Notification.is_read.is_(False))
        .values(is_read=True)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Rendered:
    text: str
    url: str
    notification: Notification


def render(notification: Notification) -> Rendered:
    """The text of a notification in the current language."""
    actor = notification.actor.name if notification.actor else None
    text = render_text(notification.kind, actor, notification.params, count=notification.count)
    return Rendered(text=text, url=notification.url, notification=notification)


def render_text(kind: str, actor_name: str | None, params: Any, *, count: int = 1) -> str:
    """A kind's text with its actor and params, in the current language (lists and emails)."""
    template = _kinds.get(kind, _l("You have a new notification."))
    actor = actor_name or _("Someone")
    others = count - 1
    if others > 0:
        actor = _("%(name)s and %(n)d others", name=actor, n=others)
    values: dict[str, Any] = {"actor": actor, "count": count}
    values.update(params or {})
    try:
        return str(template) % values
    except (KeyError, ValueError, TypeError):
        return str(template)
