"""Daily sign-in (签到): once per site-local day (a unique row), a streak, a bonus every 7th day."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from app.core import clock, events
from app.core.db import db, use_case
from app.core.permissions import is_signed_in, policy, require

from .ledger import award_points
from .models import SignIn
from .rules import get_rule
from .tiers import get_effective_tier

STREAK_BONUS_EVERY = 7


@policy("points.sign_in")
def _can_sign_in(actor: Any, _target: Any) -> bool:
    return is_signed_in(actor)


def _row(user_id: int, day: Any) -> SignIn | None:
    return db.session.scalar(select(SignIn).where(SignIn.user_id == user_id, SignIn.day == day))


@dataclass
class SignInState:
    signed_today: bool
    streak: int
    points_today: int
    days_to_bonus: int
    base_points: int
    bonus_points: int
    multiplier_pct: int = 100

    @property
    def shown_points(self) -> int:
        """What today's sign-in pays this member (the tier multiplier included)."""
        return self.base_points * self.multiplier_pct // 100

    @property
    def shown_bonus(self) -> int:
        return self.bonus_points * self.multiplier_pct // 100


def get_signin_state(user: Any) -> SignInState:
    """Today's sign-in card: done or not, the streak that counts, days to the next bonus."""
    today = clock.today()
    row = _row(user.id, today)
    if row is not None:
        streak = row.streak
    else:
        yesterday = _row(user.id, today - timedelta(days=1))
        streak = yesterday.streak if yesterday else 0
    if row is not None:
        # Signed in: sign-ins from tomorrow on until the next bonus day (0 when today was one).
        days_to_bonus = (-streak) % STREAK_BONUS_EVERY
    else:
        # Not yet: today's sign-in counts as the first of them.
        days_to_bonus = (-(streak + 1)) % STREAK_BONUS_EVERY + 1
    base, bonus = get_rule("signin"), get_rule("signin_bonus")
    return SignInState(
        signed_today=row is not None,
        streak=streak,
        points_today=row.points if row is not None else 0,
        days_to_bonus=days_to_bonus,
        base_points=base.points if base is not None and base.is_active else 0,
        bonus_points=bonus.points if bonus is not None and bonus.is_active else 0,
        multiplier_pct=get_effective_tier(user).multiplier_pct,
    )


@dataclass
class SignInResult:
    signin: SignIn
    created: bool


@use_case
def sign_in(actor: Any) -> SignInResult:
    """Sign in for today; a repeat (also a concurrent one) changes nothing and says so."""
    require(actor, "points.sign_in")
    today = clock.today()
    existing = _row(actor.id, today)
    if existing is not None:
        return SignInResult(existing, False)
    yesterday = _row(actor.id, today - timedelta(days=1))
    streak = yesterday.streak + 1 if yesterday else 1
    row = SignIn(user_id=actor.id, day=today, streak=streak, points=0, created_at=clock.now())
    try:
        with db.session.begin_nested():
            db.session.add(row)
            db.session.flush()
    except IntegrityError:
        # Another request signed in first (double tap): its row is committed by now.
        winner = _row(actor.id, today)
        if winner is None:
            raise
        return SignInResult(winner, False)
    state = get_signin_state(actor)
    points = state.base_points + (state.bonus_points if streak % STREAK_BONUS_EVERY == 0 else 0)
    entry = award_points(
        actor.id,
        rule="signin",
        idempotency_key=f"signin:{actor.id}:{today.isoformat()}",
        points=points,
        reference=f"signin:{row.id}",
    )
    row.points = entry.delta if entry is not None else 0
    events.publish(events.SignedIn(user_id=actor.id, day=today, streak=streak))
    return SignInResult(row, True)


def current_streak(user_id: int, _circle_id: int | None = None) -> int:
    """The unbroken sign-in streak that still counts today (today's, else yesterday's)."""
    today = clock.today()
    query = (
        select(SignIn.streak)
        .where(SignIn.user_id == user_id, SignIn.day.in_([today, today - timedelta(days=1)]))
        .order_by(SignIn.day.desc())
        .limit(1)
    )
    return int(db.session.scalar(query) or 0)
