"""seed-bench at a tiny scale keeps every invariant the app relies on; the bench's latency part runs."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import func, select, text

from app.benchseed.cli import seed
from app.benchseed.content import SCALES
from app.core import clock
from app.core.db import db
from app.points.ledger import (
    find_day_mismatches,
    find_discrepancies,
    find_earned_mismatches,
    find_rollup_mismatches,
)
from tests.admin.test_rollups import brute_force, kept

XS = SCALES["XS"]


def _scalar(sql: str) -> Any:
    return db.session.execute(text(sql)).scalar()


@pytest.fixture
def seeded(app: Flask) -> dict[str, Any]:
    report = seed(XS, rng_seed=7)
    db.session.remove()
    return report


def test_counts_are_as_requested(seeded: dict[str, Any]) -> None:
    rows = seeded["rows"]
    assert rows["user_account"] == XS.users
    assert rows["circle"] == XS.circles
    assert rows["post"] == XS.posts
    assert rows["comment"] == XS.comments
    assert rows["post_like"] == XS.likes
    assert rows["checkin"] == XS.checkins
    assert rows["badge_award"] == XS.awards
    assert rows["store_order"] == XS.orders
    # Sign-ins fill the ledger up to its target; a few unaffordable orders may fall away.
    assert XS.ledger - 10 <= rows["points_entry"] <= XS.ledger
    assert _scalar("SELECT count(*) FROM points_entry") == rows["points_entry"]
    assert _scalar("SELECT count(*) FROM user_account WHERE points > 0") > XS.users // 2


def test_balances_and_daily_rollup_match_the_ledger(seeded: dict[str, Any]) -> None:
    assert find_discrepancies() == []
    assert find_rollup_mismatches() == []
    assert find_earned_mismatches() == []
    assert _scalar("SELECT count(*) FROM user_account WHERE earned > 0") > XS.users // 2
    assert find_day_mismatches() == []
    assert _scalar("SELECT min(points) FROM user_account") >= 0
    # A cap counter never exceeds its rule's daily cap.
    over = _scalar(
        "SELECT count(*) FROM points_rule_day d JOIN points_rule r ON r.key = d.rule "
        "WHERE d.count > r.daily_cap"
    )
    assert over == 0


def test_leaderboard_rollups_match_brute_force(seeded: dict[str, Any]) -> None:
    # Check-ins: the site board counts every check-in of the member.
    mismatched = _scalar(
        "SELECT count(*) FROM (SELECT user_id, count(*) AS n FROM checkin GROUP BY user_id) c "
        "LEFT JOIN (SELECT user_id, sum(checkins) AS n FROM leaderboard_day "
        "WHERE scope = 'site' GROUP BY user_id) b "
        "ON b.user_id = c.user_id WHERE b.n IS NULL OR b.n != c.n"
    )
    assert mismatched == 0
    # Likes received (not one's own), on posts and comments.
    received = (
        "SELECT owner, count(*) AS n FROM ("
        " SELECT p.author_id AS owner, l.user_id AS liker FROM post_like l JOIN post p"
        "  ON l.target_kind = 'post' AND p.id = l.target_id"
        " UNION ALL SELECT c.author_id, l.user_id FROM post_like l JOIN comment c"
        "  ON l.target_kind = 'comment' AND c.id = l.target_id"
        ") x WHERE owner != liker GROUP BY owner"
    )
    mismatched = _scalar(
        f"SELECT count(*) FROM ({received}) r LEFT JOIN "
        "(SELECT user_id, sum(likes) AS n FROM leaderboard_day "
        "WHERE scope = 'site' GROUP BY user_id) b ON b.user_id = r.owner WHERE b.n IS NULL OR b.n != r.n"
    )
    assert mismatched == 0
    # Circle boards hold every earning except sign-ins (which belong to no circle).
    circle_points = _scalar("SELECT sum(points) FROM leaderboard_day WHERE scope = 'circle'")
    earned = _scalar("SELECT sum(delta) FROM points_entry WHERE kind = 'earn' AND rule != 'signin'")
    assert circle_points == earned > 0
    campaign_points = _scalar("SELECT sum(points) FROM leaderboard_day WHERE scope = 'campaign'")
    from_campaigns = _scalar(
        "SELECT sum(delta) FROM points_entry WHERE rule IN ('checkin', 'campaign', 'invite')"
    )
    assert campaign_points == from_campaigns > 0
    # The all-time totals are the day rows summed, row for row.
    summed = (
        "SELECT scope, scope_id, user_id, sum(points) AS p, sum(checkins) AS c, sum(likes) AS l, "
        "sum(invites) AS i FROM leaderboard_day GROUP BY scope, scope_id, user_id"
    )
    assert _scalar("SELECT count(*) FROM leaderboard_total") == _scalar(f"SELECT count(*) FROM ({summed}) s")
    off = _scalar(
        f"SELECT count(*) FROM ({summed}) s JOIN leaderboard_total t ON t.scope = s.scope "
        "AND t.scope_id = s.scope_id AND t.user_id = s.user_id "
        "WHERE t.points != s.p OR t.checkins != s.c OR t.likes != s.l OR t.invites != s.i"
    )
    assert off == 0


def test_period_rollups_are_the_days_summed(seeded: dict[str, Any]) -> None:
    expected: Counter[tuple[Any, ...]] = Counter()
    for scope, scope_id, user_id, day, *figures in db.session.execute(
        text("SELECT scope, scope_id, user_id, day, points, checkins, likes, invites FROM leaderboard_day")
    ):
        for period, start in clock.periods_of(_date(day)):
            for metric, value in zip(("points", "checkins", "likes", "invites"), figures, strict=True):
                expected[(scope, scope_id, period, start, user_id, metric)] += value
    got: Counter[tuple[Any, ...]] = Counter()
    for scope, scope_id, period, start, user_id, *figures in db.session.execute(
        text(
            "SELECT scope, scope_id, period, starts_on, user_id, points, checkins, likes, invites "
            "FROM leaderboard_period"
        )
    ):
        for metric, value in zip(("points", "checkins", "likes", "invites"), figures, strict=True):
            got[(scope, scope_id, period, _date(start), user_id, metric)] += value
    assert +got == +expected and len(expected) > 100
    earned: Counter[tuple[Any, ...]] = Counter()
    for user_id, day, amount in db.session.execute(text("SELECT user_id, day, earned FROM points_daily")):
        for period, start in clock.periods_of(_date(day)):
            earned[(user_id, period, start)] += amount
    kept = Counter(
        {
            (u, p, _date(d)): n
            for u, p, d, n in db.session.execute(
                text("SELECT user_id, period, starts_on, earned FROM points_period")
            )
        }
    )
    assert +kept == +earned and len(earned) > 100


def _date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def test_dashboard_rollups_match_the_activity_rows(seeded: dict[str, Any]) -> None:
    days, last = kept()
    assert days and (days, last) == brute_force()


def test_denormalised_counters_agree_with_rows(seeded: dict[str, Any]) -> None:
    checks = {
        "post likes": "SELECT count(*) FROM post p WHERE p.like_count != (SELECT count(*) FROM post_like l "
        "WHERE l.target_kind = 'post' AND l.target_id = p.id AND l.active)",
        "comment likes": "SELECT count(*) FROM comment c WHERE c.like_count != "
        "(SELECT count(*) FROM post_like l "
        "WHERE l.target_kind = 'comment' AND l.target_id = c.id AND l.active)",
        "comments": "SELECT count(*) FROM post p WHERE p.comment_count != (SELECT count(*) FROM comment c "
        "WHERE c.post_id = p.id AND c.status = 'visible')",
        "members": "SELECT count(*) FROM circle c WHERE c.member_count != "
        "(SELECT count(*) FROM circle_membership m WHERE m.circle_id = c.id AND m.status = 'active')",
        "posts": "SELECT count(*) FROM circle c WHERE c.post_count != (SELECT count(*) FROM post p "
        "WHERE p.circle_id = c.id AND p.status = 'published')",
        "holders": "SELECT count(*) FROM badge b WHERE b.holder_count != (SELECT count(*) FROM badge_award a "
        "WHERE a.badge_id = b.id)",
        "progress": "SELECT count(*) FROM campaign_progress g WHERE g.done != "
        "(SELECT count(*) FROM checkin k WHERE k.run_id = g.run_id AND k.user_id = g.user_id)",
    }
    assert {name: _scalar(sql) for name, sql in checks.items()} == dict.fromkeys(checks, 0)
    # The post the benchmark opens has exactly 50 visible comments.
    post_id = seeded["post"]
    assert _scalar(f"SELECT count(*) FROM comment WHERE post_id = {post_id} AND status = 'visible'") == 50


def test_refuses_a_database_with_data(seeded: dict[str, Any]) -> None:
    with pytest.raises(Exception, match="empty database"):
        seed(XS)
    assert db.session.scalar(select(func.count()).select_from(text("user_account"))) == XS.users
