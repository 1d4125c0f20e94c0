"""The dashboard's rollups: kept right by real actions (in any order), and rebuilt alike by the
migration's backfill."""

from __future__ import annotations

import importlib.util
import random
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, select, text

from app.admin import analytics, lapsing
from app.admin.models import ACTIVE_KINDS, KINDS, ActivityDay, ActivityEvent, ActivityLastDay
from app.admin.tracking import Fact, record_activity
from app.checkins import services as checkins
from app.core import clock
from app.core.db import db, use_case
from app.points.ledger import award_points, find_day_mismatches, spend_points
from app.points.models import PointsDay
from app.points.signin import sign_in
from app.posts import services as posts
from tests.checkins.factories import at, make_campaign
from tests.circles.factories import join, make_circle, make_post
from tests.helpers import make_user

DAY_ONE = date(2026, 11, 18)
DAY_TWO = date(2026, 11, 20)
MIGRATION = (
    Path(__file__).resolve().parents[2] / "migrations/versions/20261205_415b51d64deb_dashboard_rollups.py"
)
COUNTERS = ("active", "actions", "posts", "checkins", "registers", "latest")


def _scopes(kind: str, circle_id: int | None, ref_id: int | None) -> list[tuple[str, int]]:
    scopes = []
    if kind in ACTIVE_KINDS:
        scopes.append(("site", 0))
        if circle_id is not None:
            scopes.append(("circle", circle_id))
    if ref_id is not None and kind in ("checkin", "campaign"):
        scopes.append(("checkin" if kind == "checkin" else "done", ref_id))
    return scopes


def brute_force() -> tuple[dict[tuple[str, int, date], dict[str, int]], dict[tuple[str, int, int], date]]:
    """The rollups as they should be, counted from every `activity_event` row."""
    e = ActivityEvent
    events = db.session.execute(select(e.user_id, e.kind, e.circle_id, e.ref_id, e.day)).all()
    last: dict[tuple[str, int, int], date] = {}
    active: dict[date, set[int]] = defaultdict(set)
    days: dict[tuple[str, int, date], Counter[str]] = defaultdict(Counter)
    for uid, kind, circle_id, ref_id, day in events:
        for scope, scope_id in _scopes(kind, circle_id, ref_id):
            last[(scope, scope_id, uid)] = max(day, last.get((scope, scope_id, uid), day))
        if kind in ACTIVE_KINDS:
            active[day].add(uid)
            if circle_id is not None:
                days[("circle", circle_id, day)]["actions"] += 1
        column = {"post": "posts", "checkin": "checkins", "register": "registers"}.get(kind)
        if column:
            days[("site", 0, day)][column] += 1
    for day, members in active.items():
        days[("site", 0, day)]["active"] = len(members)
    for (scope, scope_id, _uid), day in last.items():
        days[(scope, scope_id, day)]["latest"] += 1
    return {k: {c: n[c] for c in COUNTERS} for k, n in days.items()}, last


def kept() -> tuple[dict[tuple[str, int, date], dict[str, int]], dict[tuple[str, int, int], date]]:
    """The rollups as the tables hold them (rows of nothing but zeros left out)."""
    days = {
        (r.scope, r.scope_id, r.day): {c: getattr(r, c) for c in COUNTERS}
        for r in db.session.scalars(select(ActivityDay))
    }
    days = {k: v for k, v in days.items() if any(v.values())}
    last = {(r.scope, r.scope_id, r.user_id): r.day for r in db.session.scalars(select(ActivityLastDay))}
    return days, last


def _noon(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) + timedelta(hours=4)


def _real_actions(member: Any, host: Any) -> Any:
    circle = make_circle(host, "reading")
    join(member, circle)
    campaign = make_campaign(host, circle, DAY_TWO, days=1, completion_points=30)
    with clock.freeze(_noon(DAY_ONE)):
        sign_in(member)
        post = make_post(member, circle, "第一篇")
        posts.create_comment(host, post, body="欢迎！")
        posts.set_like(host, "post", post, True)
        # A second post the same day: counted as a post, not as a second active member.
        make_post(member, circle, "第二篇")
    with clock.freeze(at(DAY_TWO, 7)):
        sign_in(member)
        result = checkins.record_checkin(member, campaign, body="今天六点起床，跑了五公里")
        assert result.completed
    return circle, campaign


def test_real_actions_keep_rollups_and_figures(app: Any, member: Any, host: Any, admin: Any) -> None:
    circle, campaign = _real_actions(member, host)
    assert kept() == brute_force()
    assert find_day_mismatches() == []
    with clock.freeze(at(DAY_TWO, 20)):
        win = analytics.window(7)
        active = dict(analytics.daily_active(win))
        assert (active[DAY_ONE], active[DAY_ONE + timedelta(days=1)], active[DAY_TWO]) == (2, 0, 1)
        content = dict(analytics.posts_and_checkins(win))
        assert content[DAY_ONE] == (2, 0) and content[DAY_TWO] == (0, 1)
        totals = analytics.totals(win)
        assert (totals.active, totals.posts, totals.checkins) == (2, 2, 1)
        [rate] = analytics.campaign_completion(win)
        assert (rate.campaign_id, rate.title, rate.participants, rate.completed) == (
            campaign.id,
            campaign.title,
            1,
            1,
        )
        [(busiest, actions, members)] = analytics.top_circles(win)
        # Day one: sign-in (no circle), two posts, a comment, a like; day two: the check-in.
        assert (busiest.id, actions, members) == (circle.id, 5, 2)
        flow = dict(analytics.points_flow(win))
        issued = db.session.scalar(select(PointsDay.issued).where(PointsDay.day == DAY_TWO))
        assert flow[DAY_TWO] == (issued, 0) and issued > 0
    # The host was last active on day one: lapsing a week later, the member (day two) not yet.
    with clock.freeze(at(DAY_ONE + timedelta(days=8), 9)):
        assert [r.user.id for r in lapsing.list_lapsing(admin, silent_days=7)] == [host.id]
        assert lapsing.count_lapsing(admin, silent_days=7) == 1


@use_case
def _record(fact: Fact, day: date) -> None:
    record_activity(fact, day=day)


def _random_history(seed: int) -> None:
    """Facts recorded out of order (as demo data does), some twice: the rollups must not care."""
    rng = random.Random(seed)
    users = [make_user(f"r{n:02d}") for n in range(8)]
    today = clock.today()
    for n in range(300):
        kind = rng.choice(KINDS)
        circle_id = rng.choice([1, 2, 3]) if kind not in ("order", "register", "signin") else None
        ref_id = rng.randrange(1, 4) if kind in ("checkin", "campaign") else None
        day = today - timedelta(days=rng.randrange(0, 40))
        fact = Fact(rng.choice(users).id, kind, f"r:{n}", circle_id, ref_id)
        _record(fact, day)
        if n % 10 == 0:
            # A repeated event: recorded once, counted once.
            _record(fact, day)


def test_rollups_are_exact_whatever_the_order_facts_arrive_in(app: Any) -> None:
    _random_history(11)
    assert kept() == brute_force()


def test_points_day_follows_the_ledger(app: Any, member: Any) -> None:
    with clock.freeze(_noon(DAY_ONE)):
        award_points(member.id, rule="comment", idempotency_key="a", points=40)
        spend_points(member.id, points=15, idempotency_key="s")
        # A repeated key pays nothing and counts nothing.
        award_points(member.id, rule="comment", idempotency_key="a", points=40)
    row = db.session.get(PointsDay, DAY_ONE)
    assert row is not None and (row.issued, row.redeemed) == (40, 15)
    assert find_day_mismatches() == []


def _backfill_statements() -> tuple[str, ...]:
    spec = importlib.util.spec_from_file_location("dashboard_rollups_migration", MIGRATION)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return tuple(module.BACKFILL)


def test_migration_backfill_rebuilds_the_same_rollups(app: Any, member: Any, host: Any) -> None:
    _real_actions(member, host)
    _random_history(5)
    live = kept()
    points = {r.day: (r.issued, r.redeemed) for r in db.session.scalars(select(PointsDay))}
    for model in (ActivityDay, ActivityLastDay, PointsDay):
        db.session.execute(delete(model))
    for statement in _backfill_statements():
        db.session.execute(text(statement))
    db.session.commit()
    assert kept() == live
    assert {r.day: (r.issued, r.redeemed) for r in db.session.scalars(select(PointsDay))} == points
