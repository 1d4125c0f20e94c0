"""Leaderboards equal a brute-force count over the raw tables, in a constant number of queries."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.accounts.models import User
from app.checkins import services as checkins
from app.checkins.models import Checkin, CheckinLike
from app.core import clock
from app.core.db import db
from app.leaderboards import services
from app.leaderboards.models import Title
from app.points.models import EARN, PointsEntry
from tests.checkins.factories import at, make_campaign
from tests.circles.factories import join, make_circle
from tests.helpers import make_user

START = clock.week_start(clock.today()) - timedelta(days=35)
_seq = itertools.count()

actions = st.lists(
    st.tuples(
        st.sampled_from(["checkin", "like"]),
        st.integers(0, 3),  # member
        st.integers(0, 3),  # other member (the liker) / unused
        st.integers(0, 40),  # day offset
    ),
    min_size=1,
    max_size=25,
)


def _brute(scope_kind: str, scope_id: int, metric: str, since, circle_ids=None) -> dict[int, int]:
    """Scores straight from the raw tables (check-ins, likes, the ledger)."""
    rows = db.session.scalars(select(Checkin)).all()
    if scope_kind == "circle":
        rows = [c for c in rows if c.circle_id == scope_id]
    elif scope_kind == "campaign":
        rows = [c for c in rows if c.campaign_id == scope_id]
    ids = {c.id: c for c in rows}
    out: Counter[int] = Counter()
    if metric == "checkins":
        for c in rows:
            if since is None or c.day >= since:
                out[c.user_id] += 1
    elif metric == "likes":
        for like in db.session.scalars(select(CheckinLike)).all():
            c = ids.get(like.checkin_id)
            if (
                c is not None
                and like.user_id != c.user_id
                and (since is None or like.created_at.date() >= since)
            ):
                out[c.user_id] += 1
    elif metric == "points":
        for entry in db.session.scalars(select(PointsEntry).where(PointsEntry.kind == EARN)).all():
            if since is not None and entry.day < since:
                continue
            key = entry.idempotency_key
            if (
                scope_kind == "site"
                or (key.startswith("checkin:") and int(key.split(":")[1]) in ids)
                or (key.startswith("like:checkin:") and int(key.split(":")[2]) in ids)
                or (
                    key.startswith("campaign:")
                    and (
                        (scope_kind == "campaign" and key.split(":")[1] == str(scope_id))
                        or (
                            scope_kind == "circle"
                            and any(c.campaign_id == int(key.split(":")[1]) for c in rows)
                        )
                    )
                )
            ):
                out[entry.user_id] += entry.delta
    return {u: s for u, s in out.items() if s > 0}


def _ranked(scores: dict[int, int]) -> list[tuple[int, int]]:
    return sorted(scores.items(), key=lambda kv: (-kv[1], kv[0]))[: services.TOP]


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(plan=actions)
def test_boards_match_brute_force(app, host, plan):
    n = next(_seq)
    circle = make_circle(host, f"pb{n}")
    members = [make_user(f"pb{n}u{i}") for i in range(4)]
    for m in members:
        join(m, circle)
    campaign = make_campaign(host, circle, START, days=41, title=f"打卡{n}")
    for kind, who, other, offset in sorted(plan, key=lambda a: a[3]):
        when = at(START + timedelta(days=offset), 8, 0)
        with clock.freeze(when):
            if kind == "checkin":
                checkins.record_checkin(members[who], campaign, body="打卡内容写在这里")
            else:
                mine = db.session.scalars(select(Checkin).where(Checkin.campaign_id == campaign.id)).all()
                if mine:
                    target = mine[(who + offset) % len(mine)]
                    checkins.set_checkin_like(members[other], circle, target, True)
    with clock.freeze(at(START + timedelta(days=41), 12)):
        for scope, kind, sid in (
            ("site", "site", 0),
            (circle.slug, "circle", circle.id),
            (f"campaign:{campaign.id}", "campaign", campaign.id),
        ):
            for metric in ("checkins", "likes", "points"):
                for period in ("week", "month", "all"):
                    since = services.period_start(period)
                    board = services.get_board(host, scope=scope, metric=metric, period=period)
                    got = [(r.user.id, r.score) for r in board.rows]
                    assert got == _ranked(_brute(kind, sid, metric, since)), (scope, metric, period)
                    assert [r.rank for r in board.rows] == list(range(1, len(got) + 1))


def test_constant_queries_and_my_rank(app, host, count_queries):
    circle = make_circle(host, "busy")
    people = [make_user(f"busy{i}") for i in range(55)]
    for p in people:
        join(p, circle)
    campaign = make_campaign(host, circle, START, days=40)
    for i, p in enumerate(people):
        for d in range(i % 3 + 1):
            with clock.freeze(at(START + timedelta(days=d), 8)):
                checkins.record_checkin(p, campaign, body="每天进步一点点")
    last = people[-1]  # one check-in and the highest id among the ones: rank 55
    with clock.freeze(at(START + timedelta(days=5), 12)):
        me = db.session.get(User, last.id)
        with count_queries() as q:
            board = services.get_board(me, scope=f"campaign:{campaign.id}", metric="checkins", period="all")
        # campaign, its circle, my membership (may I see it?), top 50 with users, tiers,
        # my score and rank: the same 6 however many rows the rollup holds
        q.assert_count(6)
        assert len(board.rows) == 50 and board.me is not None and board.me.rank > 50
        assert board.me.score == 1
        with count_queries() as q:
            services.get_board(me, scope="site", metric="checkins", period="all")
        # top 50, my score and rank; the tiers were read once already in this transaction
        q.assert_count(2)
        # Inside the top 50 the count is the same: the rank is asked for either way.
        first = db.session.get(User, people[1].id)
        with count_queries() as q:
            board = services.get_board(first, scope="site", metric="checkins", period="all")
        q.assert_count(2)
        assert board.me is None and any(row.user.id == first.id for row in board.rows)


def test_close_week_titles_idempotent(app, host, member):
    circle = make_circle(host, "week")
    join(member, circle)
    monday = clock.week_start(clock.today()) - timedelta(days=7)
    campaign = make_campaign(host, circle, monday, days=7)
    for d in range(3):
        with clock.freeze(at(monday + timedelta(days=d), 8)):
            checkins.record_checkin(member, campaign, body="上周的打卡记录")
    with clock.freeze(at(monday + timedelta(days=1), 9)):
        checkins.record_checkin(host, campaign, body="圈主也来打卡")
    first = services.close_week()
    assert services.close_week() == 0
    titles = db.session.scalars(select(Title).where(Title.kind == "checkins").order_by(Title.rank)).all()
    assert [(t.user_id, t.rank, t.week) for t in titles] == [(member.id, 1, monday), (host.id, 2, monday)]
    assert first == len(db.session.scalars(select(Title)).all())
    assert [t.kind for t in services.list_titles(member.id)] == ["checkins", "points"]


def test_private_scope_is_hidden(app, host, member):
    from app.core.errors import NotFound

    secret = make_circle(host, "hush", visibility="private")
    with pytest.raises(NotFound):
        services.get_board(member, scope="hush")
    with pytest.raises(NotFound):
        services.get_board(member, scope="site", metric="bogus")
    assert services.get_board(host, scope="hush").scope.circle.id == secret.id


def test_points_are_credited_to_the_circle_board_once_per_payment(app, member):
    """A repeated event adds nothing, in the same transaction or a later one."""
    from app.core import events
    from app.core.db import use_case
    from app.leaderboards.models import BoardTotal

    @use_case
    def publish(*published: events.Event) -> None:
        for event in published:
            events.publish(event)

    def circle_points() -> int | None:
        db.session.expire_all()
        return db.session.scalar(
            select(BoardTotal.points).where(
                BoardTotal.scope == "circle", BoardTotal.scope_id == 1, BoardTotal.user_id == member.id
            )
        )

    post = events.PostPublished(post_id=5, author_id=member.id, circle_id=1)
    publish(post, post)
    assert circle_points() == 10
    publish(post)
    assert circle_points() == 10
