"""Birthday perks (生日福利): the birthday points of the member's tier, once a year.

Birthdays are stored as month and day in the leap year 2000 (`accounts.BIRTHDAY_YEAR`), so a
day's birthdays are one equality lookup on `ix_user_account_birthday`. Members born on
02-29 celebrate on 02-28 in other years (the date stays in their birth month).

Two paths pay, and either may run first or both at once: `flask perks daily` (cron) and the
member's first request of the day (`views.lazy_birthday`). The ledger's idempotency key
`birthday:<user>:<year>` (unique) decides, so the points and the notification come once.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date

from flask_babel import lazy_gettext as _l
from sqlalchemy import select

from app.accounts.models import User
from app.accounts.services import BIRTHDAY_YEAR
from app.core import clock
from app.core.db import db, use_case
from app.notifications.services import notify, register_kind
from app.points.ledger import award_points
from app.points.models import PointsEntry
from app.points.tiers import get_effective_tier

BATCH = 500

register_kind("birthday", _l("Happy birthday! Here are %(points)s points for you."))


def birthday_key(user_id: int, year: int) -> str:
    """The ledger key that makes the perk once a year."""
    return f"birthday:{user_id}:{year}"


def celebrated_on(day: date) -> list[date]:
    """The stored birthdays celebrated on `day` (02-29 birthdays on 02-28 of other years)."""
    days = [date(BIRTHDAY_YEAR, day.month, day.day)]
    if (day.month, day.day) == (2, 28) and not calendar.isleap(day.year):
        days.append(date(BIRTHDAY_YEAR, 2, 29))
    return days


def is_birthday(birthday: date | None, day: date) -> bool:
    return birthday is not None and birthday in celebrated_on(day)


def is_paid(user_id: int, year: int) -> bool:
    """Has this year's perk been paid (one lookup on the ledger's unique key)?"""
    key = birthday_key(user_id, year)
    return db.session.scalar(select(PointsEntry.id).where(PointsEntry.idempotency_key == key)) is not None


@use_case
def pay_birthday(user_id: int) -> PointsEntry | None:
    """Pay today's birthday perk to one member if today is their birthday (idempotent).

    Returns the ledger row, or None when it is not their birthday, it was paid already, or
    their tier gives no birthday points.
    """
    today = clock.today()
    user = db.session.get(User, user_id)
    if user is None or user.is_banned or not is_birthday(user.birthday, today):
        return None
    base = get_effective_tier(user).birthday_points
    if base <= 0:
        return None
    entry = award_points(
        user_id,
        rule="birthday",
        idempotency_key=birthday_key(user_id, today.year),
        points=base,
        reference=f"birthday:{today.year}",
        announce=False,
    )
    if entry is not None:
        notify(user_id, "birthday", url="/me/points", params={"points": entry.delta})
    return entry


def birthday_member_ids(day: date) -> Iterator[int]:
    """Members whose birthday is celebrated on `day`, by id, in keyset batches."""
    after = 0
    while True:
        ids = list(
            db.session.scalars(
                select(User.id)
                .where(User.birthday.in_(celebrated_on(day)), User.id > after, User.is_banned.is_(False))
                .order_by(User.id)
                .limit(BATCH)
            )
        )
        yield from ids
        if len(ids) < BATCH:
            return
        after = ids[-1]


def pay_todays_birthdays() -> tuple[int, int]:
    """The daily job: (members whose birthday it is, members paid now). One commit each."""
    candidates = list(birthday_member_ids(clock.today()))
    db.session.rollback()  # end the read so each payment is its own short transaction
    paid = sum(1 for user_id in candidates if pay_birthday(user_id) is not None)
    return len(candidates), paid
