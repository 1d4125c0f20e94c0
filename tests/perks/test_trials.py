"""Tier trial cards (体验卡): the admin form, redeeming, extending, lapsing across a clock change."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.circles import services as circles
from app.core import clock
from app.core.db import db
from app.core.errors import Conflict, Forbidden
from app.points import ledger
from app.points.models import PointsEntry, TierTrial
from app.points.tiers import get_effective_tier, get_tier_status
from app.store import services as store
from app.store.models import Order, StoreItem
from tests.circles.factories import make_circle
from tests.helpers import make_user
from tests.store.factories import make_item

from .factories import at, member_with_points, trial_card

DAY = date(2026, 12, 4)


def fresh(user_id: int) -> User:
    db.session.expire_all()
    user = db.session.get(User, user_id)
    assert user is not None
    return user


def redeem(user_id: int, item_id: int, request_id: str) -> store.RedeemResult:
    return store.redeem(fresh(user_id), item_id, request_id=request_id)


# --- The admin form ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "error_field"),
    [
        ({"trial_days": "7"}, "trial_tier"),
        ({"trial_tier": "gold", "trial_days": "7"}, "trial_tier"),
        ({"trial_tier": "advanced", "trial_days": "0"}, "trial_days"),
        ({"trial_tier": "advanced"}, "trial_days"),
    ],
)
def test_admin_new_trial_item_validates_tier_and_days(admin, admin_client, fields, error_field):
    data = {"title": "高级会员 7 天体验卡", "kind": "tier_trial", "points_cost": "50", "stock": "5", **fields}
    response = admin_client.form("/admin/store/new", data)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "高级会员 7 天体验卡" in html  # the text typed is kept
    assert f'id="{error_field}-error"' in html
    assert db.session.scalar(select(func.count()).select_from(StoreItem)) == 0


def test_admin_creates_a_trial_item(admin, admin_client):
    data = {
        "title": "尊享会员 3 天体验卡",
        "kind": "tier_trial",
        "points_cost": "80",
        "stock": "5",
        "trial_tier": "premium",
        "trial_days": "3",
    }
    response = admin_client.form("/admin/store/new", data)
    item = db.session.scalars(select(StoreItem)).one()
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/store/{item.id}")
    assert item.kind == "tier_trial" and item.trial_days == 3 and item.trial_tier.slug == "premium"


# --- Redeeming, the effective tier and lapsing ---------------------------------------------


def test_trial_is_effective_during_and_lapses_after_without_touching_growth(admin):
    buyer_id = member_with_points("trier", 300).id
    card_id = trial_card(admin, "advanced", days=7, cost=50).id
    with clock.freeze(at(DAY)):
        redeem(buyer_id, card_id, "req-trial-01")
        user = fresh(buyer_id)
        assert (user.points, user.growth) == (250, 300)  # the cost only; growth untouched
        status = get_tier_status(user)
        assert status.tier.slug == "advanced" and status.earned.slug == "normal"
        assert status.trial is not None and status.trial.last_day == date(2026, 12, 11)
        during = ledger.award_points(buyer_id, rule="post", idempotency_key="post:during")
        assert during is not None and during.delta == 12  # 10 × 1.2
    with clock.freeze(at(date(2026, 12, 11), 23, 59)):
        assert get_effective_tier(fresh(buyer_id)).slug == "advanced"  # still the last day
    with clock.freeze(at(date(2026, 12, 12), 0, 1)):
        user = fresh(buyer_id)
        assert get_effective_tier(user).slug == "normal" and get_tier_status(user).trial is None
        after = ledger.award_points(buyer_id, rule="post", idempotency_key="post:after")
        assert after is not None and after.delta == 10  # back to ×1.0, no cron needed
    kinds = db.session.scalars(
        select(PointsEntry.kind).where(PointsEntry.user_id == buyer_id).order_by(PointsEntry.id)
    ).all()
    assert kinds == ["adjust", "spend", "earn", "earn"]  # the trial itself wrote nothing
    user = fresh(buyer_id)
    assert user.growth == 300 + 12 + 10 and ledger.find_discrepancies() == []


def test_a_second_card_of_the_same_tier_extends_the_trial(admin):
    buyer_id = member_with_points("extender", 300).id
    card_id = trial_card(admin, "advanced", days=7).id
    with clock.freeze(at(DAY)):
        redeem(buyer_id, card_id, "req-ext-001")
    with clock.freeze(at(DAY + timedelta(days=2))):
        redeem(buyer_id, card_id, "req-ext-002")
        status = get_tier_status(fresh(buyer_id))
    assert status.trial is not None and status.trial.last_day == date(2026, 12, 18)  # 11th + 7
    assert db.session.scalar(select(func.count()).select_from(TierTrial)) == 1
    assert fresh(buyer_id).points == 200


def test_a_lower_card_during_a_higher_trial_is_refused_before_spending(admin):
    buyer_id = member_with_points("careful", 300).id
    premium_id = trial_card(admin, "premium", days=3, cost=80).id
    advanced_id = trial_card(admin, "advanced", days=7, cost=50).id
    with clock.freeze(at(DAY)):
        redeem(buyer_id, premium_id, "req-low-001")
        with pytest.raises(Conflict):
            redeem(buyer_id, advanced_id, "req-low-002")
    db.session.rollback()
    assert fresh(buyer_id).points == 220  # only the first card was paid for
    assert db.session.scalar(select(func.count()).select_from(Order)) == 1
    assert db.session.get(StoreItem, advanced_id).stock == 10
    # Once the premium trial is over, the advanced card works again.
    with clock.freeze(at(DAY + timedelta(days=5))):
        redeem(buyer_id, advanced_id, "req-low-003")
        assert get_effective_tier(fresh(buyer_id)).slug == "advanced"


def test_a_card_of_a_tier_already_earned_is_refused(admin):
    rich_id = member_with_points("already", 1200).id  # growth 1200: 高级会员 earned
    card_id = trial_card(admin, "advanced").id
    with pytest.raises(Conflict):
        redeem(rich_id, card_id, "req-earned-1")
    db.session.rollback()
    assert fresh(rich_id).points == 1200


def test_redeem_view_refusal_is_409_with_the_reason(admin, member, member_client):
    ledger.adjust_balance(member.id, delta=1500, reason="test", actor_id=None)
    card = trial_card(admin, "advanced")
    response = member_client.form(f"/store/{card.id}/redeem", {"request_id": "req-view-0001"})
    assert response.status_code == 409
    assert "无需再体验" in response.get_data(as_text=True)


# --- What the effective tier opens -----------------------------------------------------------


def test_a_trial_opens_tier_items_and_tier_circles(admin, host):
    buyer_id = member_with_points("opener", 300).id
    gated_id = make_item(admin, title="高级会员专享", min_tier="advanced", points_cost=10).id
    vip = make_circle(host, "vip", join_policy="tier", min_tier="advanced")
    card_id = trial_card(admin, "advanced", days=7).id
    with clock.freeze(at(DAY)):
        with pytest.raises(Forbidden):
            redeem(buyer_id, gated_id, "req-gate-001")
        db.session.rollback()
        with pytest.raises(Forbidden):
            circles.join_circle(fresh(buyer_id), vip)
        db.session.rollback()
        redeem(buyer_id, card_id, "req-gate-002")
        assert redeem(buyer_id, gated_id, "req-gate-003").created
        circles.join_circle(fresh(buyer_id), vip)
    assert db.session.scalar(select(func.count()).select_from(Order).where(Order.item_id == gated_id)) == 1


# --- Pages -----------------------------------------------------------------------------------


def test_tiers_page_and_me_chip_show_the_trial(admin, member, member_client):
    ledger.adjust_balance(member.id, delta=100, reason="test", actor_id=None)
    card = trial_card(admin, "advanced", days=7)
    with clock.freeze(at(DAY)):
        before = member_client.get("/me").get_data(as_text=True)
        assert 'data-tier-chip="normal"' in before and 'data-trial="y"' not in before
        response = member_client.form(f"/store/{card.id}/redeem", {"request_id": "req-page-0001"})
        assert response.status_code == 303
        tiers_page = member_client.get("/tiers").get_data(as_text=True)
        me_page = member_client.get("/me").get_data(as_text=True)
    assert "正在体验 高级会员，至 12月11日" in tiers_page
    assert 'data-tier="advanced"' in tiers_page and "回到普通会员" in tiers_page
    assert 'data-tier-chip="advanced"' in me_page and 'data-trial="y"' in me_page
    assert "体验至 12月11日" in me_page
    with clock.freeze(at(DAY)):
        english = member_client.get("/tiers", headers={"Accept-Language": "en"}).get_data(as_text=True)
    assert "Trying Advanced member until Dec 11" in english
    with clock.freeze(at(date(2026, 12, 12), 9)):
        lapsed = member_client.get("/tiers").get_data(as_text=True)
    assert "正在体验" not in lapsed and 'data-tier="normal"' in lapsed


def test_nobody_else_is_touched(admin):
    other = make_user("bystander")
    buyer_id = member_with_points("solo", 300).id
    card_id = trial_card(admin, "advanced").id
    redeem(buyer_id, card_id, "req-solo-001")
    assert get_tier_status(fresh(other.id)).trial is None
