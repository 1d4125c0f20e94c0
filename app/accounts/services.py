"""Accounts: registration, authentication, passwords, profiles, roles."""

from __future__ import annotations

import re
import secrets
from datetime import date
from typing import IO, Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.core import audit, clock, events, images
from app.core.db import db, use_case
from app.core.errors import Invalid, NotFound
from app.core.permissions import policy, require

from .models import ROLES, User

# Birthdays keep month and day only, in this leap year, so 02-29 is a valid birthday.
BIRTHDAY_YEAR = 2000
USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{3,20}$")
# A believable hash to verify against when the account does not exist, so an unknown name
# costs as much time as a wrong password (no user enumeration by timing).
_DUMMY_HASH: dict[tuple[int, int], str] = {}


def _hasher() -> PasswordHasher:
    cfg = current_app.config
    return PasswordHasher(time_cost=cfg["ARGON2_TIME_COST"], memory_cost=cfg["ARGON2_MEMORY_COST"])


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def _dummy_hash() -> str:
    hasher = _hasher()
    key = (hasher.time_cost, hasher.memory_cost)
    if key not in _DUMMY_HASH:
        _DUMMY_HASH[key] = hasher.hash(secrets.token_hex(16))
    return _DUMMY_HASH[key]


# --- Policies ----------------------------------------------------------------------------


@policy("user.edit_profile")
def _can_edit_profile(actor: User | None, target: User) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False) and actor.id == target.id


@policy("user.set_role")
def _can_set_role(actor: User | None, target: User | None) -> bool:
    return actor is not None and getattr(actor, "is_authenticated", False) and actor.role == "admin"


def load_user_from_session(session_id: str) -> User | None:
    """Flask-Login's loader: "<id>:<session_version>"; banned or logged-out-everywhere -> None."""
    user_id, _, version = session_id.partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or user.is_banned or user.session_version != int(version):
        return None
    return user


# --- Queries -----------------------------------------------------------------------------


def get_by_username(username: str) -> User | None:
    return db.session.scalar(select(User).where(func.lower(User.username) == username.lower()))


def get_by_login(login: str) -> User | None:
    login = login.strip()
    if "@" in login:
        return db.session.scalar(select(User).where(User.email == login.lower()))
    return get_by_username(login)


def get_user_or_404(username: str) -> User:
    user = get_by_username(username)
    if user is None:
        raise NotFound()
    return user


def get_by_invite_code(code: str) -> User | None:
    code = (code or "").strip()
    if not code:
        return None
    return db.session.scalar(select(User).where(User.invite_code == code.upper()))


# --- Checks ------------------------------------------------------------------------------


def check_password_strength(password: str, field: str = "password") -> None:
    if len(password) < 8:
        raise Invalid(fields={field: _l("Use at least 8 characters.")})
    if len(password) > 128:
        raise Invalid(fields={field: _l("Use at most 128 characters.")})
    if password.isdigit() or len(set(password)) < 4:
        raise Invalid(fields={field: _l("This password is too easy to guess.")})


def _normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise Invalid(fields={"email": _l("Enter a valid email address.")}) from exc


def _new_invite_code() -> str:
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    return "".join(secrets.choice(alphabet) for _ in range(8))


# --- Use cases ---------------------------------------------------------------------------


@use_case
def register(
    *,
    username: str,
    email: str,
    password: str,
    invite_code: str = "",
    role: str = "member",
    display_name: str = "",
) -> User:
    """Create an account; raises Invalid with field errors (text kept by the form)."""
    username = username.strip()
    errors: dict[str, str] = {}
    if not USERNAME_RE.match(username):
        errors["username"] = _l("3–20 letters, digits or underscores.")
    elif get_by_username(username) is not None:
        errors["username"] = _l("This username is taken.")
    try:
        email = _normalise_email(email)
        if db.session.scalar(select(User.id).where(User.email == email)) is not None:
            errors["email"] = _l("An account with this email already exists.")
    except Invalid as exc:
        errors.update(exc.fields)
    try:
        check_password_strength(password)
    except Invalid as exc:
        errors.update(exc.fields)
    inviter = get_by_invite_code(invite_code) if invite_code else None
    if invite_code.strip() and inviter is None:
        errors["invite_code"] = _l("This invite code does not exist.")
    if role not in ROLES:
        errors["role"] = _l("Unknown role.")
    if errors:
        raise Invalid(fields=errors)
    user = User(
        username=username,
        email=email,
        password_hash=hash_password(password),
        role=role,
        display_name=(display_name or "").strip()[:40],
        invite_code=_new_invite_code(),
        invited_by_id=inviter.id if inviter else None,
        created_at=clock.now(),
    )
    db.session.add(user)
    db.session.flush()
    events.publish(events.UserRegistered(user_id=user.id, invited_by_id=user.invited_by_id))
    return user


def authenticate(login: str, password: str) -> User | None:
    """The user for these credentials, or None; the same cost and answer either way.

    Banned users are refused like a wrong password would be, by the caller's message.
    """
    user = get_by_login(login) if login.strip() else None
    hasher = _hasher()
    try:
        hasher.verify(user.password_hash if user else _dummy_hash(), password)
    except (VerificationError, InvalidHashError):
        return None
    if user is None:
        return None
    return user


@use_case
def record_login(user: User) -> User:
    """Note the login time and upgrade the password hash's cost if the config changed."""
    user = db.session.get(User, user.id) or user
    user.last_login_at = clock.now()
    return user


@use_case
def rehash_if_needed(user: User, password: str) -> None:
    if _hasher().check_needs_rehash(user.password_hash):
        fresh = db.session.get(User, user.id)
        if fresh is not None:
            fresh.password_hash = hash_password(password)


@use_case
def change_password(user: User, *, current_password: str, new_password: str) -> User:
    user = db.session.get(User, user.id) or user
    try:
        _hasher().verify(user.password_hash, current_password)
    except (VerificationError, InvalidHashError) as exc:
        raise Invalid(fields={"current_password": _l("Your current password is not right.")}) from exc
    check_password_strength(new_password, field="new_password")
    user.password_hash = hash_password(new_password)
    # Other devices are logged out; the caller logs this session in again.
    user.session_version += 1
    return user


def birthday_from(month: int | None, day: int | None, errors: dict[str, Any]) -> date | None:
    """Month and day -> the stored birthday (year 2000); both blank -> None; else a field error."""
    if month is None and day is None:
        return None
    if month is None or not 1 <= month <= 12:
        errors["birthday_month"] = _l("Choose the month of your birthday.")
        return None
    if day is None:
        errors["birthday_day"] = _l("Choose the day of your birthday.")
        return None
    try:
        return date(BIRTHDAY_YEAR, month, day)
    except ValueError:
        errors["birthday_day"] = _l("That month has no day %(day)d.", day=day)
        return None


# update_profile(birthday=KEEP) leaves the birthday as it is (callers that don't edit it).
KEEP: Any = object()


@use_case
def update_profile(
    actor: User,
    *,
    display_name: str,
    bio: str,
    avatar: IO[bytes] | None = None,
    avatar_filename: str | None = None,
    birthday: tuple[int | None, int | None] | None = KEEP,
) -> User:
    """Save my profile; `birthday` is (month, day), (None, None) or None to clear it."""
    user = db.session.get(User, actor.id)
    if user is None:
        raise NotFound()
    require(actor, "user.edit_profile", user)
    display_name = display_name.strip()
    errors: dict[str, Any] = {}
    if len(display_name) > 40:
        errors["display_name"] = _l("At most 40 characters.")
    if len(bio) > 500:
        errors["bio"] = _l("At most 500 characters.")
    born = user.birthday
    if birthday is not KEEP:
        born = birthday_from(*(birthday or (None, None)), errors)
    if errors:
        raise Invalid(fields=errors)
    if avatar is not None:
        try:
            upload = images.save_image(
                avatar, owner_id=user.id, variants=images.AVATAR, filename=avatar_filename
            )
        except Invalid as exc:
            raise Invalid(fields={"avatar": exc.message}) from exc
        db.session.flush()
        user.avatar_id = upload.id
    user.display_name = display_name
    user.bio = bio.strip()
    user.birthday = born
    events.publish(events.ProfileUpdated(user_id=user.id))
    return user


@use_case
def set_role(actor: User, target: User, role: str, *, reason: str = "") -> User:
    require(actor, "user.set_role", target)
    if role not in ROLES:
        raise Invalid(fields={"role": _l("Unknown role.")})
    user = db.session.get(User, target.id)
    if user is None:
        raise NotFound()
    previous = user.role
    user.role = role
    audit.record(actor, "user.set_role", user, reason=reason, data={"from": previous, "to": role})
    return user


@use_case
def create_user_cli(*, username: str, email: str, password: str, role: str) -> User:
    """`flask users create`: a registration with a chosen role, audited as the system."""
    user = register(username=username, email=email, password=password, role=role)
    audit.record(None, "user.create", user, reason="cli", data={"role": role})
    return user
