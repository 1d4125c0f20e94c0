"""Deleting one's account: the member is anonymised, their content stays as 已注销用户.

The user row stays (posts, comments, check-ins, the points ledger and orders point at it, so
`points audit` keeps balancing); what identifies the member goes: username, display name,
email, bio, avatar, birthday, invite code, the password, notifications, every file they
uploaded for themselves or their content, and their data exports. Orders waiting to be
shipped block the deletion: the team needs the address, and cancelling them is an admin's
refund decision (the store's cancel service), so the member is asked to wait or ask.
"""

from __future__ import annotations

import secrets
import shutil
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import delete, func, or_, select, update

from app.accounts import services as accounts
from app.accounts.models import DELETED_PREFIX, User
from app.checkins.models import Checkin
from app.core import audit, clock, events
from app.core.db import db, on_commit, use_case
from app.core.errors import Conflict, Invalid, NotFound
from app.core.permissions import is_signed_in, policy, require
from app.core.uploads import Upload, upload_root
from app.notifications.models import Notification
from app.posts.models import Post, PostFile
from app.store.models import PENDING, Order

from . import exports
from .models import AccountDeletion

# Shown for every deleted member, whoever reads the page (the default language's words).
DELETED_NAME = "已注销用户"
DELETED_EMAIL_DOMAIN = "deleted.invalid"  # RFC 2606: can never receive mail


@policy("account.delete")
def _can_delete_account(actor: Any, user: User) -> bool:
    return is_signed_in(actor) and actor.id == user.id


def count_pending_orders(user_id: int) -> int:
    query = select(func.count()).select_from(Order).where(Order.user_id == user_id, Order.status == PENDING)
    return int(db.session.scalar(query) or 0)


def is_last_admin(user: User) -> bool:
    if user.role != "admin":
        return False
    others = (
        select(func.count())
        .select_from(User)
        .where(User.role == "admin", User.id != user.id, User.is_banned.is_(False))
    )
    return int(db.session.scalar(others) or 0) == 0


def is_deleted(user_id: int) -> bool:
    return db.session.get(AccountDeletion, user_id) is not None


def _personal_uploads(user: User) -> Any:
    """Files that are the member's own: their avatar and the pictures of their posts and check-ins.

    Files they uploaded for shared things (a circle's cover, a badge, a store item) stay with
    those things, without an owner.
    """
    post_files = (
        select(PostFile.upload_id).join(Post, Post.id == PostFile.post_id).where(Post.author_id == user.id)
    )
    checkin_images = select(Checkin.image_id).where(Checkin.user_id == user.id, Checkin.image_id.is_not(None))
    conditions: list[Any] = [Upload.id.in_(post_files), Upload.id.in_(checkin_images)]
    if user.avatar_id is not None:
        conditions.append(Upload.id == user.avatar_id)
    return or_(*conditions)


@use_case
def delete_account(actor: Any, *, password: str, confirm_username: str) -> User:
    """Anonymise the actor's account for good (checked: password, typed username, orders, last admin)."""
    # Admin rows first, in id order, then the member's own: two admins deleting themselves at
    # once queue up instead of deadlocking, and the second one sees the first one gone.
    db.session.execute(select(User.id).where(User.role == "admin").order_by(User.id).with_for_update())
    # populate_existing: on PostgreSQL the use case carries on in the request's transaction,
    # so the row read under the lock must replace what was loaded before it.
    user = db.session.scalar(
        select(User)
        .where(User.id == actor.id)
        .with_for_update(of=User)
        .execution_options(populate_existing=True)
    )
    if user is None:
        raise NotFound()
    require(actor, "account.delete", user)
    errors: dict[str, Any] = {}
    if accounts.authenticate(user.username, password or "") is None:
        errors["password"] = _l("Your password is not right.")
    if (confirm_username or "").strip().lower() != user.username.lower():
        errors["confirm_username"] = _l("Type your username exactly as shown.")
    if errors:
        raise Invalid(fields=errors)
    if is_last_admin(user):
        raise Conflict(_l("You are the only admin. Make someone else an admin before deleting your account."))
    if count_pending_orders(user.id):
        raise Conflict(
            _l("You have orders waiting to be shipped. Once they are shipped (or cancelled), come back.")
        )

    keys = list(db.session.scalars(select(Upload.key).where(_personal_uploads(user))))
    db.session.execute(
        delete(Upload).where(Upload.key.in_(keys)).execution_options(synchronize_session=False)
    )
    db.session.execute(
        update(Upload)
        .where(Upload.owner_id == user.id)
        .values(owner_id=None)
        .execution_options(synchronize_session=False)
    )
    removed_exports = exports.remove_all_for(user.id)
    db.session.execute(delete(Notification).where(Notification.user_id == user.id))
    former = {"role": user.role}
    user.username = f"{DELETED_PREFIX}{user.id}"
    user.display_name = DELETED_NAME
    user.email = f"deleted-{user.id}@{DELETED_EMAIL_DOMAIN}"
    # Not an argon2 hash: verifying anything against it fails.
    user.password_hash = "!deleted:" + secrets.token_hex(16)
    user.bio = ""
    user.avatar = None
    user.birthday = None
    user.invite_code = None
    user.role = "member"
    user.is_banned = True
    # Every session and "remember me" cookie carries the old version: all are logged out.
    user.session_version += 1
    db.session.add(AccountDeletion(user_id=user.id, files_deleted=len(keys), created_at=clock.now()))
    audit.record(
        user, "account.delete", user, data={**former, "files": len(keys), "exports": removed_exports}
    )
    events.publish(events.AccountDeleted(user_id=user.id))
    on_commit(lambda: _remove_upload_files(keys))
    return user


def _remove_upload_files(keys: list[str]) -> None:
    root = upload_root()
    for key in keys:
        shutil.rmtree(root / key[:2] / key, ignore_errors=True)
