"""Tracking, dashboard figures (against brute-force counts), tiers/rules, lapsing and win-back."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.admin import analytics, lapsing, services
from app.admin.models import ACTIVE_KINDS, CAMPAIGN, CHECKIN, KINDS, POST, ActivityEvent, WinbackRecipient
from app.admin.tracking import Fact, record_activity
from app.core import clock, events
from app.core.audit import AuditEntry
from app.core.db import db, use_case
from app.core.errors import Conflict, Forbidden, Invalid
from app.notifications.models import Notification
from app.points.ledger import award_points, spend_points
from app.points.models import PointsEntry
from app.points.signin import sign_in
from app.points.tiers import list_tiers, tier_for_growth
from app.posts import services as posts
from tests.circles.factories import join, make_circle, make_post
from tests.helpers import make_user

NOON = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


@use_case
def _record(fact: Fact, day: date) -> None:
    record_activity(fact, day=day)


def test_real_actions_are_tracked_once(app: Any, member: Any, host: Any) -> None:
    circle = make_circle(host, "reading")
    join(member, circle)
    with clock.freeze(NOON):
        sign_in(member)
        post = make_post(member, circle, "第一篇")
        posts.create_comment(host, post, body="欢迎！")
        posts.set_like(host, "post", post, True)
        posts.set_like(host, "post", post, False)
        posts.set_like(host, "post", post, True)
    rows = db.session.execute(select(ActivityEvent.user_id, ActivityEvent.kind, ActivityEvent.day)).all()
    kinds = Counter((uid, kind) for uid, kind, _day in rows)
    assert kinds[(member.id, "signin")] == 1
    assert kinds[(member.id, "post")] == 1
    assert kinds[(host.id, "comment")] == 1
    # The liker is the actor, and liking again is not a second like.
    assert kinds[(host.id, "like")] == 1
    assert {day for _u, _k, day in rows} >= {date(2026, 11, 20)}
    # A repeated event is harmless.
    with clock.freeze(NOON):
        use_case(events.publish)(events.SignedIn(user_id=member.id, day=date(2026, 11, 20), streak=1))
    assert db.session.query(ActivityEvent).filter_by(user_id=member.id, kind="signin").count() == 1


def _generated(seed: int = 7) -> tuple[list[Any], list[tuple[int, str, int | None, int | None, date]]]:
    rng = random.Random(seed)
    users = [make_user(f"gen{n:02d}") for n in range(12)]
    circles = [make_circle(make_user(f"owner{n}", role="host"), f"circle-{n}") for n in range(3)]
    today = clock.today()
    rows = []
    for n in range(600):
        user = rng.choice(users)
        kind = rng.choice(KINDS)
        day = today - timedelta(days=rng.randrange(0, 100))
        circle_id = rng.choice(circles).id if kind not in ("order", "register", "signin") else None
        ref_id = rng.randrange(1, 5) if kind in (CHECKIN, CAMPAIGN) else None
        _record(Fact(user.id, kind, f"gen:{n}", circle_id, ref_id), day)
        rows.append((user.id, kind, circle_id, ref_id, day))
    for n in range(80):
        user = rng.choice(users)
        day = today - timedelta(days=rng.randrange(0, 40))
        with clock.freeze(clock.day_start(day) + timedelta(hours=10)):
            award_points(
                user.id, rule="comment", idempotency_key=f"gen:award:{n}", points=rng.randint(1, 400)
            )
            if rng.random() < 0.4:
                spend_points(user.id, points=1, idempotency_key=f"gen:spend:{n}")
    return users, rows


@pytest.mark.parametrize("days", analytics.PERIODS)
def test_dashboard_figures_equal_brute_force(app: Any, days: int) -> None:
    _users, rows = _generated()
    win = analytics.window(days)
    inside = [r for r in rows if win.start <= r[4] <= win.end]

    active: dict[date, set[int]] = defaultdict(set)
    for uid, kind, _c, _r, day in inside:
        if kind in ACTIVE_KINDS:
            active[day].add(uid)
    assert analytics.daily_active(win) == [(d, len(active[d])) for d in win.days]

    content = analytics.posts_and_checkins(win)
    for d, (p, c) in content:
        assert p == sum(1 for r in inside if r[4] == d and r[1] == POST)
        assert c == sum(1 for r in inside if r[4] == d and r[1] == CHECKIN)

    ledger = db.session.scalars(select(PointsEntry)).all()
    for d, (issued, redeemed) in analytics.points_flow(win):
        assert issued == sum(e.delta for e in ledger if e.day == d and e.kind == "earn")
        assert redeemed == sum(-e.delta for e in ledger if e.day == d and e.kind == "spend")

    everyone = db.session.scalars(select(User).where(User.is_banned.is_(False))).all()
    expected = Counter(tier_for_growth(u.growth).slug for u in everyone)
    assert {t.slug: n for t, n in analytics.tier_distribution()} == {
        t.slug: expected[t.slug] for t in list_tiers()
    }
    assert sum(n for _t, n in analytics.tier_distribution()) == len(everyone)

    for rate in analytics.campaign_completion(win):
        checked = {r[0] for r in inside if r[1] == CHECKIN and r[3] == rate.campaign_id}
        done = {r[0] for r in inside if r[1] == CAMPAIGN and r[3] == rate.campaign_id}
        assert rate.completed == len(done)
        assert rate.participants == max(len(checked), len(done))

    per_circle = Counter(r[2] for r in inside if r[1] in ACTIVE_KINDS and r[2] is not None)
    top = analytics.top_circles(win)
    assert [(c.id, a) for c, a, _m in top] == sorted(per_circle.items(), key=lambda kv: (-kv[1], kv[0]))[:5]

    totals = analytics.totals(win)
    assert totals.active == len({r[0] for r in inside if r[1] in ACTIVE_KINDS})
    assert totals.checkins == sum(1 for r in inside if r[1] == CHECKIN)


def test_dashboard_queries_do_not_grow_with_rows(app: Any, count_queries: Any) -> None:
    _generated()
    win = analytics.window(90)
    with count_queries() as q:
        analytics.daily_active(win)
        analytics.posts_and_checkins(win)
        analytics.points_flow(win)
        analytics.tier_distribution()
        analytics.campaign_completion(win)
        analytics.top_circles(win)
        analytics.totals(win)
    # Seven aggregates of rollup rows, the tiers the tier chart counts members for, and the
    # campaign titles the completion chart names.
    q.assert_count(9)


def test_tier_and_rule_changes_apply_immediately_and_are_audited(app: Any, admin: Any, member: Any) -> None:
    services.save_rule(admin, "comment", points=7, daily_cap=None, is_active=True)
    entry = award_points(member.id, rule="comment", idempotency_key="c1")
    assert entry is not None and entry.delta == 7
    services.save_rule(admin, "comment", points=7, daily_cap=None, is_active=False)
    assert award_points(member.id, rule="comment", idempotency_key="c2") is None
    normal = list_tiers()[0]
    services.save_tier(admin, normal.id, services.TierInput("", "普通会员", "Member", 0, 200))
    services.save_rule(admin, "comment", points=7, daily_cap=None, is_active=True)
    assert award_points(member.id, rule="comment", idempotency_key="c3").delta == 14  # type: ignore[union-attr]
    audit = [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))]
    assert audit.count("points.rule_update") == 3 and "tier.update" in audit
    with pytest.raises(Invalid):
        services.save_tier(admin, normal.id, services.TierInput("", "普通会员", "Member", 10, 100))
    with pytest.raises(Invalid):
        services.save_tier(admin, None, services.TierInput("vip", "VIP", "VIP", 1000, 130))
    vip = services.save_tier(admin, None, services.TierInput("vip", "至尊会员", "VIP", 20000, 200))
    assert vip.slug == "vip"
    with pytest.raises(Forbidden):
        services.save_rule(member, "comment", points=1, daily_cap=None, is_active=True)


def _active_on(user: Any, day: date, n: int) -> None:
    _record(Fact(user.id, POST, f"lapse:{user.id}:{n}"), day)


def test_lapsing_lists_members_active_before_and_silent_now(app: Any, admin: Any) -> None:
    today = clock.today()
    gone = make_user("gone")
    _active_on(gone, today - timedelta(days=10), 1)
    still = make_user("still")
    _active_on(still, today - timedelta(days=10), 2)
    _active_on(still, today - timedelta(days=1), 3)
    ancient = make_user("ancient")
    _active_on(ancient, today - timedelta(days=80), 4)
    rows = lapsing.list_lapsing(admin, silent_days=7)
    assert [r.user.username for r in rows] == ["gone"]
    assert rows[0].last_day == today - timedelta(days=10) and rows[0].tier is not None
    assert [r.user.username for r in lapsing.list_lapsing(admin, silent_days=14)] == []
    with pytest.raises(Forbidden):
        lapsing.list_lapsing(gone)


def test_winback_is_once_per_member_per_send(app: Any, admin: Any) -> None:
    today = clock.today()
    people = [make_user(f"quiet{n}") for n in range(3)]
    for n, user in enumerate(people):
        _active_on(user, today - timedelta(days=9), n)
    result = lapsing.send_winback(
        admin,
        request_id="req-1",
        user_ids=[people[0].id, people[1].id],
        silent_days=7,
        message="好久不见",
        points=30,
    )
    assert result.created and result.sent == 2
    again = lapsing.send_winback(
        admin, request_id="req-1", user_ids=None, silent_days=7, message="好久不见", points=30
    )
    assert not again.created and again.sent == 0
    db.session.expire_all()
    assert [db.session.get(User, u.id).points for u in people] == [30, 30, 0]
    assert db.session.query(WinbackRecipient).count() == 2
    assert db.session.query(Notification).filter_by(kind="winback.gift").count() == 2
    assert db.session.query(AuditEntry).filter_by(action="winback.send").count() == 1
    with pytest.raises(Invalid):
        lapsing.send_winback(admin, request_id="req-2", user_ids=[], silent_days=7, message="好久不见")


def test_role_and_ban_guards(app: Any, admin: Any, member: Any) -> None:
    with pytest.raises(Conflict):
        services.change_role(admin, admin, "member")
    with pytest.raises(Invalid):
        services.set_banned(admin, member, True, reason="")
    version = member.session_version
    banned = services.set_banned(admin, member, True, reason="spam")
    assert banned.is_banned and banned.session_version == version + 1
    services.set_banned(admin, member, True, reason="spam")
    assert db.session.get(User, member.id).session_version == version + 1
    assert db.session.query(AuditEntry).filter_by(action="user.ban").count() == 1
