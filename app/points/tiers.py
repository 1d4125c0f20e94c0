"""Member tiers as data: the effective tier, progress to the next, and the join-seam policy."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from sqlalchemy import CursorResult, select, update

from app.accounts.models import User
from app.core import clock
from app.core.db import db, transaction_memo
from app.core.errors import Conflict, NotFound
from app.core.permissions import is_signed_in, policy

from .models import Tier, TierTrial


def list_tiers() -> list[Tier]:
    """Every tier, lowest threshold first (read once per transaction: a write that pays
    points asks several times)."""
    tiers = transaction_memo(
        "tiers", lambda: list(db.session.scalars(select(Tier).order_by(Tier.threshold))), models=(Tier,)
    )
    return list(tiers)


def get_tier_by_slug(slug: str) -> Tier | None:
    return db.session.scalar(select(Tier).where(Tier.slug == slug))


def get_tier(tier_id: int | None) -> Tier | None:
    """A tier by id (None for None or a tier that no longer exists)."""
    return db.session.get(Tier, tier_id) if tier_id is not None else None


def tier_for_growth(growth: int, tiers: list[Tier] | None = None) -> Tier:
    """The highest tier whose threshold `growth` reaches."""
    tiers = tiers if tiers is not None else list_tiers()
    reached = [tier for tier in tiers if tier.threshold <= growth]
    return reached[-1] if reached else tiers[0]


def _load_trial_row(user_id: int) -> tuple[TierTrial, Tier] | None:
    # The trial of the highest tier among the unexpired ones: ix_tier_trial_user.
    row = db.session.execute(
        select(TierTrial, Tier)
        .join(Tier, TierTrial.tier_id == Tier.id)
        .where(TierTrial.user_id == user_id, TierTrial.ends_at > clock.now())
        .order_by(Tier.threshold.desc(), TierTrial.ends_at.desc())
        .limit(1)
    ).first()
    return (row[0], row[1]) if row is not None else None


def _active_trial_row(user_id: int) -> tuple[TierTrial, Tier] | None:
    """`_load_trial_row`, once per transaction (every award asks for the effective tier)."""
    found = transaction_memo(
        f"tier_trial:{user_id}", lambda: _load_trial_row(user_id), models=(TierTrial, Tier)
    )
    if found is not None and found[0].ends_at <= clock.now():  # it ended since: look again
        return _load_trial_row(user_id)
    return found


def active_trial_tier(user_id: int) -> Tier | None:
    """The highest tier of an unexpired tier trial, if any."""
    found = _active_trial_row(user_id)
    return found[1] if found is not None else None


@dataclass(frozen=True)
class Trial:
    """An active tier trial (体验卡) as members read it: which tier, until when."""

    tier: Tier
    ends_at: datetime

    @property
    def last_day(self) -> date:
        """The last site-local day the trial covers (it ends at that day's midnight)."""
        return clock.day_of(self.ends_at - timedelta(microseconds=1))


@dataclass(frozen=True)
class TierStatus:
    """What a member's tier chip shows: the effective tier and, when a trial lifts it, the trial."""

    tier: Tier
    earned: Tier
    trial: Trial | None


def get_tier_status(user: Any) -> TierStatus:
    """The tier growth earns, the active trial above it (if any) and so the effective tier."""
    earned = tier_for_growth(int(user.growth or 0))
    found = _active_trial_row(user.id)
    if found is not None and found[1].threshold > earned.threshold:
        trial = Trial(found[1], found[0].ends_at)
        return TierStatus(found[1], earned, trial)
    return TierStatus(earned, earned, None)


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


def meets_tier(actor: Any, needed: Tier | None, effective: Tier | None = None) -> bool:
    """Is `actor`'s effective tier (growth or an active trial) at least `needed` (None: anyone)?

    Pass `effective` when the caller already knows it (a list of many locked things).
    """
    if needed is None:
        return True
    if not is_signed_in(actor):
        return False
    tier = effective if effective is not None else get_effective_tier(actor)
    return tier.threshold >= needed.threshold


def trial_end(start: date, days: int) -> datetime:
    """A trial covers whole site days: started on the 4th for 7 days, it runs through the 11th."""
    return clock.day_start(start + timedelta(days=days + 1))


def start_trial(user_id: int, tier_id: int, *, days: int, reference: str) -> TierTrial:
    """Give a member `tier_id` for `days` days (a redeemed or prized `tier_trial` item).

    A second card of the tier being tried extends that trial by `days`; a card of a tier the
    member already has (earned, or tried higher) is refused with Conflict before anything is
    spent, since it would give nothing. A higher card starts its own trial over a lower one.
    Joins the caller's transaction; the member's row lock serializes their trials.
    """
    tier = db.session.get(Tier, tier_id)
    if tier is None or days < 1:
        raise NotFound()
    growth = db.session.scalar(select(User.growth).where(User.id == user_id).with_for_update())
    if growth is None:
        raise NotFound()
    if tier_for_growth(int(growth)).threshold >= tier.threshold:
        raise Conflict(_l("Your tier already includes everything this trial offers."))
    found = _load_trial_row(user_id)  # read under the lock, not from earlier in the transaction
    if found is not None and found[1].threshold > tier.threshold:
        raise Conflict(_l("You are trying a higher tier right now; this card would be wasted."))
    if found is not None and found[1].id == tier.id:
        trial = found[0]
        old_end = trial.ends_at
        new_end = trial_end(clock.day_of(old_end - timedelta(microseconds=1)), days)
        # Compare-and-set: the end moves from the value read, or the trial changed under us.
        moved = update(TierTrial).where(TierTrial.id == trial.id, TierTrial.ends_at == old_end)
        statement = moved.values(ends_at=new_end).execution_options(synchronize_session=False)
        if cast(CursorResult[Any], db.session.execute(statement)).rowcount != 1:
            raise Conflict(_l("Your trial just changed; please try again."))
        db.session.expire(trial, ["ends_at"])
        return trial
    trial = TierTrial(
        user_id=user_id,
        tier_id=tier_id,
        ends_at=trial_end(clock.today(), days),
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
