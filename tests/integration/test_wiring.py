"""Cross-feature effects declared in app/wiring.py, end to end through the services."""

from __future__ import annotations

import pytest
from flask_babel import force_locale
from sqlalchemy import select

from app.accounts import services as accounts
from app.badges import services as badges
from app.badges.models import BadgeAward
from app.core.db import db
from app.notifications import services as notifications
from app.notifications.models import Notification
from app.points import ledger
from app.points import signin as points_signin
from app.points.models import Tier
from app.posts.services import moderation
from app.store import fulfilment
from app.store import services as store
from tests.circles.factories import join, make_circle, make_post
from tests.store.factories import make_item, rich_member


def kinds_for(user_id: int) -> list[str]:
    return list(
        db.session.scalars(
            select(Notification.kind).where(Notification.user_id == user_id).order_by(Notification.id)
        )
    )


def texts_for(user_id: int, lang: str) -> list[str]:
    rows = db.session.scalars(
        select(Notification).where(Notification.user_id == user_id).order_by(Notification.id)
    )
    with force_locale(lang):
        return [notifications.render(n).text for n in rows]


def test_a_new_member_is_welcomed_towards_the_newbie_tasks(app):
    user = accounts.register(username="welcome1", email="w1@example.com", password="good-pass-99")
    rows = db.session.scalars(select(Notification).where(Notification.user_id == user.id)).all()
    assert [(n.kind, n.url) for n in rows] == [("welcome", "/tasks")]


def test_tier_upgrade_is_announced_in_the_readers_language(app, member):
    advanced = db.session.scalar(select(Tier).where(Tier.slug == "advanced"))
    ledger.adjust_balance(member.id, delta=advanced.threshold, reason="test", actor_id=None)
    assert "tier.reached" in kinds_for(member.id)
    assert any(advanced.name_zh in t for t in texts_for(member.id, "zh"))
    assert any(advanced.name_en in t for t in texts_for(member.id, "en"))


def test_orders_tell_the_member_each_step(app, admin):
    buyer = rich_member("buyer01")
    item = make_item(admin, title="帆布袋", kind="physical", points_cost=100, stock=5)
    order = store.redeem(
        buyer,
        item.id,
        request_id="req-00000001",
        recipient="王小明",
        phone="13800000000",
        address="上海市徐汇区漕溪北路 88 号",
    ).order
    fulfilment.fulfil_order(admin, order.id, action="ship", tracking_no="SF123")
    kinds = kinds_for(buyer.id)
    assert kinds[-2:] == ["order.pending", "order.shipped"]
    assert any("SF123" in t for t in texts_for(buyer.id, "zh"))


def test_badge_with_certificate_links_to_the_certificate(app, admin, member):
    badge = badges.define_badge(admin, name="读书打卡七日")
    award = badges.grant_badge(badge, member, actor=admin, reason="全勤", certificate=True)
    row = db.session.scalar(select(Notification).where(Notification.kind == "badge.certificate"))
    assert row is not None and row.user_id == member.id
    assert row.url == f"/certificates/{award.certificate.code}"


@pytest.mark.parametrize(("rule", "threshold"), [("posts", 2), ("featured_posts", 1)])
def test_post_rule_badges_fire_on_their_events(app, admin, host, member, rule: str, threshold: int):
    badge = badges.define_badge(admin, name=f"{rule} star", rule=rule, threshold=threshold)
    circle = make_circle(host, "reading")
    join(member, circle)
    first = make_post(member, circle, body="第一篇读书笔记")
    if rule == "featured_posts":
        moderation.moderate_post(host, first, "feature", reason="好文")
    else:
        assert not has_badge(badge.id, member.id)
        make_post(member, circle, body="第二篇读书笔记")
    assert has_badge(badge.id, member.id)


def has_badge(badge_id: int, user_id: int) -> bool:
    query = select(BadgeAward.id).where(BadgeAward.badge_id == badge_id, BadgeAward.user_id == user_id)
    return db.session.scalar(query) is not None


def test_signin_streak_and_tier_badges(app, admin, member):
    streak = badges.define_badge(admin, name="签到达人", rule="signin_streak", threshold=1)
    tier = badges.define_badge(admin, name="高级会员", rule="tier", threshold=1)
    points_signin.sign_in(member)
    assert has_badge(streak.id, member.id) and not has_badge(tier.id, member.id)
    advanced = db.session.scalar(select(Tier).where(Tier.slug == "advanced"))
    ledger.adjust_balance(member.id, delta=advanced.threshold, reason="test", actor_id=None)
    assert has_badge(tier.id, member.id)


def test_backfill_matches_the_live_rule(app, admin, host, member):
    circle = make_circle(host, "reading")
    join(member, circle)
    make_post(member, circle, body="早起的第一天")
    badge = badges.define_badge(admin, name="初次发帖", rule="posts", threshold=1)
    assert not has_badge(badge.id, member.id), "defining a badge grants nothing by itself"
    result = app.test_cli_runner().invoke(args=["badges", "backfill"])
    assert result.exit_code == 0, result.output
    db.session.rollback()
    assert has_badge(badge.id, member.id) and not has_badge(badge.id, host.id)


def test_store_tickets_find_their_circle_by_slug(app, admin, host):
    circle = make_circle(host, "vip-lounge", join_policy="ticket")
    item = make_item(admin, title="贵宾圈门票", kind="ticket", circle="vip-lounge", points_cost=10, stock=3)
    assert item.circle_id == circle.id
