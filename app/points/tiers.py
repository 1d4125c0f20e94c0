"""Member tiers as data: the effective tier, progress to the next, and the join-seam policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from app.accounts.models import User
from app.core import clock
from app.core.db import db
from app.core.permissions import is_signed_in, policy

from .models import Tier, TierTrial


def list_tiers() -> list[Tier]:
    """Every tier, lowest threshold first."""
    return list(db.session.scalars(select(Tier).order_by(Tier.threshold)))


def get_tier_by_slug(slug: str) -> Tier | None:
    return db.session.scalar(select(Tier).where(Tier.slug == slug))


def tier_for_growth(growth: int, tiers: list[Tier] | None = None) -> Tier:
    """The highest tier whose threshold `growth` reaches."""
    tiers = tiers if tiers is not None else list_tiers()
    reached = [tier for tier in tiers if tier.threshold <= growth]
    return reached[-1] if reached else tiers[0]


def active_trial_tier(user_id: int) -> Tier | None:
    """The highest tier of an unexpired tier trial, if any."""
    query = (
        select(Tier)
        .join(TierTrial, TierTrial.tier_id == Tier.id)
        .where(TierTrial.user_id == user_id, TierTrial.ends_at > clock.now())
        .order_by(Tier.threshold.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def get_effective_tier(user: Any) -> Tier:
    """The tier growth earns, or an active tier trial when that is higher (SPEC section 4)."""
    earned = tier_for_growth(int(user.growth or 0))
    trial = active_trial_tier(user.id)
    if trial is not None and trial.threshold > earned.threshold:
        return trial
    return earned


@dataclass
class Progress:
    tier: Tier
    next_tier: Tier | None
    growth: int
    needed: int
    percent: int


def get_progress(user: Any) -> Progress:
    """My tier, the next one and how far along the way I am (for the /tiers progress bar)."""
    tiers = list_tiers()
    tier = get_effective_tier(user)
    growth = int(user.growth or 0)
    higher = [t for t in tiers if t.threshold > max(tier.threshold, growth)]
    next_tier = higher[0] if higher else None
    if next_tier is None:
        return Progress(tier, None, growth, 0, 100)
    start = tier_for_growth(growth, tiers).threshold
    span = max(next_tier.threshold - start, 1)
    percent = max(0, min(100, (growth - start) * 100 // span))
    return Progress(tier, next_tier, growth, next_tier.threshold - growth, percent)


@policy("tiers.reaches")
def reaches(actor: Any, tier_slug: Any) -> bool:
    """May `actor` enter what needs tier `tier_slug` (circles with join_policy=tier, store items)?"""
    if not is_signed_in(actor):
        return False
    if not tier_slug:
        return True
    needed = get_tier_by_slug(str(tier_slug))
    if needed is None:
        return False
    return get_effective_tier(actor).threshold >= needed.threshold


def start_trial(user_id: int, tier_id: int, *, days: int, reference: str) -> TierTrial:
    """Give a member `tier_id` for `days` days (a redeemed `tier_trial` item)."""
    trial = TierTrial(
        user_id=user_id,
        tier_id=tier_id,
        ends_at=clock.now() + timedelta(days=days),
        reference=reference,
        created_at=clock.now(),
    )
    db.session.add(trial)
    return trial


def earned_tier_level(user_id: int, _circle_id: int | None = None) -> int:
    """0 for the lowest tier, 1 for the next…: the tier growth earned (a trial never counts)."""
    growth = db.session.scalar(select(User.growth).where(User.id == user_id)) or 0
    return sum(1 for tier in list_tiers() if tier.threshold <= growth) - 1


def report_weight_pct(user: Any) -> int:
    """What a report (举报) by `user` weighs for their tier, in hundredths.

    The tier growth earned: a tier trial bought with points does not buy moderation weight.
    """
    return tier_for_growth(int(user.growth or 0)).report_weight_pct
