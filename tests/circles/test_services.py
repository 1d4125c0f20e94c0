"""Circles: creating, joining, roles and member moderation, through the services."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import select

from app import wiring
from app.circles import services
from app.circles.models import Membership
from app.core import events, permissions
from app.core.audit import AuditEntry
from app.core.db import db
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.notifications.models import Notification
from app.posts import services as posts
from tests.circles.factories import join, make_circle, make_post
from tests.helpers import image_bytes, make_user


@pytest.fixture
def captured():
    seen: list[events.Event] = []
    table = {**wiring.HANDLERS}
    for kind in (events.CircleJoined, events.PostPublished, events.PostRemoved, events.PostFeatured):
        table[kind] = [*table.get(kind, []), seen.append]
    table[events.LikeReceived] = [*wiring.HANDLERS[events.LikeReceived], seen.append]
    table[events.CommentCreated] = [*wiring.HANDLERS[events.CommentCreated], seen.append]
    events.configure(table)
    yield seen
    wiring.install()


def test_host_creates_a_circle_with_a_cover(host):
    circle = make_circle(
        host, "morning-run", description="早起跑步", cover=io.BytesIO(image_bytes()), cover_filename="c.png"
    )
    assert circle.member_count == 1
    assert circle.cover is not None and circle.cover.circle_id == circle.id
    assert set(circle.cover.variants) == {"thumb", "large"}
    owner = db.session.get(Membership, (circle.id, host.id))
    assert owner.role == "owner" and owner.status == "active"
    assert (
        db.session.scalar(select(AuditEntry.action).where(AuditEntry.circle_id == circle.id))
        == "circle.create"
    )


def test_members_cannot_create_circles_and_slugs_are_checked(host, member):
    with pytest.raises(Forbidden):
        make_circle(member, "mine")
    make_circle(host, "taken")
    for slug in ("taken", "site", "Bad Slug", "x"):
        with pytest.raises(Invalid) as info:
            make_circle(host, slug)
        assert "slug" in info.value.fields
    with pytest.raises(Invalid) as info:
        make_circle(host, "tiered", join_policy="tier")
    assert "min_tier" in info.value.fields


def test_open_join_is_idempotent_and_counts_once(host, member, captured):
    circle = make_circle(host)
    join(member, circle)
    join(member, circle)
    db.session.refresh(circle)
    assert circle.member_count == 2
    assert [e for e in captured if isinstance(e, events.CircleJoined) and e.user_id == member.id] == [
        events.CircleJoined(user_id=member.id, circle_id=circle.id)
    ]
    services.leave_circle(member, circle)
    services.leave_circle(member, circle)
    db.session.refresh(circle)
    assert circle.member_count == 1
    with pytest.raises(Conflict):
        services.leave_circle(host, circle)


def test_approval_circle_queues_requests_and_notifies_hosts(host, member, captured):
    circle = make_circle(host, join_policy="approval")
    membership = join(member, circle)
    assert membership.status == "pending"
    note = db.session.scalar(select(Notification).where(Notification.user_id == host.id))
    assert note.kind == "circle.join_request" and note.url == "/c/reading/manage"
    assert not any(
        isinstance(e, events.CircleJoined) for e in captured if getattr(e, "user_id", 0) == member.id
    )
    services.moderate_member(host, circle, member, "approve", reason="欢迎")
    assert db.session.get(Membership, (circle.id, member.id)).status == "active"
    assert events.CircleJoined(user_id=member.id, circle_id=circle.id) in captured
    with pytest.raises(Conflict):
        services.moderate_member(host, circle, member, "approve")


def test_tier_and_ticket_circles_wait_for_their_features(host, member, monkeypatch):
    tiered = make_circle(host, "vip", join_policy="tier", min_tier="premium")
    ticketed = make_circle(host, "paid", join_policy="ticket")
    for circle in (tiered, ticketed):
        with pytest.raises(Forbidden) as info:
            join(member, circle)
        assert str(info.value.message) == "这个圈子需要达到会员等级/门票才能加入"
    monkeypatch.setitem(permissions._rules, "tiers.reaches", lambda actor, slug: slug == "premium")
    monkeypatch.setitem(permissions._rules, "store.holds_ticket", lambda actor, circle_id: False)
    assert permissions.has_policy("tiers.reaches")
    assert join(member, tiered).status == "active"
    with pytest.raises(Forbidden):
        join(member, ticketed)


def test_mute_blocks_posting_until_unmuted(host, member):
    circle = make_circle(host)
    join(member, circle)
    services.moderate_member(host, circle, member, "mute", days=3, reason="刷屏")
    with pytest.raises(Forbidden) as info:
        make_post(member, circle, body="还能发吗")
    assert "禁言至" in str(info.value.message)
    services.moderate_member(host, circle, member, "unmute")
    assert make_post(member, circle, body="可以了").status == "published"
    with pytest.raises(Invalid):
        services.moderate_member(host, circle, member, "mute", days=0)
    actions = list(db.session.scalars(select(AuditEntry.action).where(AuditEntry.circle_id == circle.id)))
    assert "member.mute" in actions and "member.unmute" in actions


def test_ban_removes_access_and_blocks_rejoining(host, member):
    circle = make_circle(host, visibility="private")
    join(member, circle)
    assert permissions.can(member, "circle.view_content", circle)
    services.moderate_member(host, circle, member, "ban", reason="广告")
    db.session.refresh(circle)
    assert circle.member_count == 1
    assert not permissions.can(member, "circle.view_content", circle)
    with pytest.raises(Forbidden):
        join(member, circle)
    services.moderate_member(host, circle, member, "unban")
    assert join(member, circle).status == "active"


def test_banned_member_loses_public_circle_content_too(host, member):
    circle = make_circle(host)
    join(member, circle)
    post = make_post(host, circle)
    services.moderate_member(host, circle, member, "ban")
    with pytest.raises(NotFound):
        posts.get_post(member, circle, post.id)


def test_owners_add_cohosts_and_cohosts_moderate_members(host, member):
    circle = make_circle(host)
    helper = make_user("helper")
    join(helper, circle)
    join(member, circle)
    with pytest.raises(Forbidden):
        services.moderate_member(member, circle, helper, "mute", days=1)
    services.moderate_member(host, circle, helper, "cohost")
    assert db.session.get(Membership, (circle.id, helper.id)).role == "cohost"
    services.moderate_member(helper, circle, member, "mute", days=1)
    with pytest.raises(Forbidden):
        services.moderate_member(helper, circle, member, "cohost")
    with pytest.raises(Forbidden):
        services.moderate_member(helper, circle, host, "ban")


def test_hosts_cannot_act_outside_their_circles_but_admins_can(host, member, admin):
    circle = make_circle(host)
    other_host = make_user("otherhost", role="host")
    make_circle(other_host, "others")
    join(member, circle)
    with pytest.raises(Forbidden):
        services.moderate_member(other_host, circle, member, "ban")
    services.moderate_member(admin, circle, member, "ban", reason="违规")
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "member.ban"))
    assert entry.actor_id == admin.id and entry.reason == "违规" and entry.circle_id == circle.id


def test_private_circle_hides_its_content_from_outsiders(host, member, admin):
    circle = make_circle(host, visibility="private")
    assert not permissions.can(member, "circle.view_content", circle)
    assert not permissions.can(None, "circle.view_content", circle.id)
    assert permissions.can(admin, "circle.view_content", circle.id)
    join(member, circle)
    assert permissions.can(member, "circle.view_content", circle.id)
    assert services.is_public(circle.id) is False
