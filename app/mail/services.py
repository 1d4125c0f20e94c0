"""Email: is it configured, members' preferences, one-click unsubscribe, and `queue` (the outbox).

Nothing here touches the network: `delivery.py` (run by the worker) sends what committed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import select, update

from app.accounts.models import User
from app.core import clock
from app.core.db import db, insert_ignoring_conflict, use_case
from app.core.errors import Invalid, NotFound
from app.core.permissions import is_signed_in, policy, require

from .compose import Composed, mail_domain, read_unsubscribe_token
from .models import CATEGORIES, LANGUAGES, MailMessage, MailPreference


@policy("mail.preferences")
def _can_edit_preferences(actor: Any, _target: Any) -> bool:
    return is_signed_in(actor)


def is_enabled() -> bool:
    """Whether this site sends email at all (MAIL_SERVER set); unset means nothing is queued."""
    return bool(current_app.config.get("MAIL_SERVER"))


@dataclass(frozen=True)
class Preferences:
    """What a member chose (or the defaults when they never did)."""

    user_id: int
    replies: bool = True
    moderation: bool = True
    badges: bool = True
    orders: bool = True
    digest: bool = True
    language: str = "zh"
    saved: bool = False

    def allows(self, category: str) -> bool:
        return category in CATEGORIES and bool(getattr(self, category))


def _from_row(row: MailPreference) -> Preferences:
    return Preferences(
        user_id=row.user_id,
        replies=row.replies,
        moderation=row.moderation,
        badges=row.badges,
        orders=row.orders,
        digest=row.digest,
        language=row.language if row.language in LANGUAGES else "zh",
        saved=True,
    )


def get_preferences(user_id: int) -> Preferences:
    """A member's email choices: everything on, in Chinese, until they choose otherwise."""
    row = db.session.get(MailPreference, user_id)
    return _from_row(row) if row is not None else Preferences(user_id=user_id)


def _ensure_row(user_id: int) -> None:
    # Concurrent first saves (two tabs, a one-click unsubscribe) must not collide.
    values = {"user_id": user_id, "updated_at": clock.now()}
    values.update({category: True for category in CATEGORIES})
    values["language"] = "zh"
    insert_ignoring_conflict(MailPreference, values, ("user_id",))


@use_case
def update_preferences(actor: Any, *, categories: dict[str, bool], language: str) -> Preferences:
    """Save which categories the actor gets by email, and in which language."""
    require(actor, "mail.preferences")
    if language not in LANGUAGES:
        raise Invalid(fields={"language": _l("Choose Chinese or English.")})
    unknown = set(categories) - set(CATEGORIES)
    if unknown:
        raise ValueError(f"unknown email categories {sorted(unknown)}")
    _ensure_row(actor.id)
    values: dict[str, Any] = {name: bool(categories.get(name, False)) for name in CATEGORIES}
    db.session.execute(
        update(MailPreference)
        .where(MailPreference.user_id == actor.id)
        .values(**values, language=language, updated_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return _load_fresh(actor.id)


def _load_fresh(user_id: int) -> Preferences:
    row = db.session.scalar(
        select(MailPreference)
        .where(MailPreference.user_id == user_id)
        .execution_options(populate_existing=True)
    )
    return _from_row(row) if row is not None else Preferences(user_id=user_id)


@dataclass(frozen=True)
class Unsubscription:
    user_id: int
    category: str
    email: str


def check_unsubscribe(token: str) -> Unsubscription:
    """Who and what a one-click unsubscribe link is for; NotFound for a bad or stale link."""
    found = read_unsubscribe_token(token)
    if found is None:
        raise NotFound()
    user = db.session.get(User, found[0])
    if user is None:
        raise NotFound()
    return Unsubscription(user_id=user.id, category=found[1], email=user.email)


@use_case
def unsubscribe(token: str) -> Unsubscription:
    """Turn the link's category off for its member (idempotent; no login: the link is signed)."""
    found = check_unsubscribe(token)
    _ensure_row(found.user_id)
    db.session.execute(
        update(MailPreference)
        .where(MailPreference.user_id == found.user_id)
        .values({found.category: False, "updated_at": clock.now()})
        .execution_options(synchronize_session=False)
    )
    return found


# --- The outbox ----------------------------------------------------------------------------


@use_case
def queue(user: Any, category: str, message: Composed) -> MailMessage | None:
    """Queue an email to `user` in the caller's transaction; the worker sends it after commit.

    Nothing is queued when email is not configured, the member has no address, or the
    member turned the category off. A rollback of the caller drops the message.
    """
    if not is_enabled() or not getattr(user, "email", "") or getattr(user, "is_banned", False):
        return None
    if not get_preferences(user.id).allows(category):
        return None
    uid = str(uuid.uuid4())
    now = clock.now()
    row = MailMessage(
        uid=uid,
        user_id=user.id,
        category=category,
        to_address=user.email,
        subject=message.subject,
        text_body=message.text,
        html_body=message.html,
        headers={**message.headers, "Message-ID": f"<{uid}@{mail_domain()}>"},
        status="pending",
        attempts=0,
        next_attempt_at=now,
        last_error="",
        created_at=now,
    )
    db.session.add(row)
    return row
