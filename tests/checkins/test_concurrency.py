"""One check-in per member per day, and completion exactly once, under concurrent requests."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from app.accounts.models import User
from app.checkins import services
from app.checkins.models import Campaign, Checkin, Completion, RunProgress
from app.core import clock
from app.core.db import db
from app.points.models import PointsEntry
from tests.circles.factories import join, make_circle
from tests.posts.test_concurrency import run_threads

from .factories import at, check_in, make_campaign
from .test_services import MONDAY


def test_double_taps_record_one_checkin(app, host, member):
    circle = make_circle(host, "morning")
    join(member, circle)
    campaign_id, user_id = make_campaign(host, circle, MONDAY).id, member.id
    results = []

    def tap(_i: int) -> None:
        actor = db.session.get(User, user_id)
        results.append(
            services.record_checkin(
                actor, db.session.get(Campaign, campaign_id), body="早上好，今天六点起"
            ).created
        )

    with clock.freeze(at(MONDAY, 7)):
        assert run_threads(app, tap, [(i,) for i in range(6)]) == []
    db.session.rollback()
    assert sorted(results) == [False] * 5 + [True]
    assert db.session.scalar(select(func.count()).select_from(Checkin)) == 1
    assert db.session.get(RunProgress, (db.session.scalar(select(Checkin.run_id)), user_id)).done == 1
    assert db.session.scalars(
        select(PointsEntry.rule).where(PointsEntry.user_id == user_id, PointsEntry.rule == "checkin")
    ).all() == ["checkin"]


def test_concurrent_last_checkins_complete_once(app, host, member):
    circle = make_circle(host, "morning")
    join(member, circle)
    campaign = make_campaign(host, circle, MONDAY, days=4, makeup_cards=2)
    campaign_id, user_id = campaign.id, member.id
    check_in(member, campaign, at(MONDAY, 7))
    last = MONDAY + timedelta(days=3)
    # Today's check-in and two make-ups race; together they finish the run.
    days = [None, MONDAY + timedelta(days=1), MONDAY + timedelta(days=2)]
    completed = []

    def go(day) -> None:
        actor = db.session.get(User, user_id)
        result = services.record_checkin(
            actor, db.session.get(Campaign, campaign_id), body="最后冲刺打卡", day=day
        )
        completed.append(result.completed)

    with clock.freeze(at(last, 7)):
        assert run_threads(app, go, [(d,) for d in days]) == []
    db.session.rollback()
    assert sorted(completed) == [False, False, True]
    assert db.session.scalar(select(func.count()).select_from(Completion)) == 1
    assert db.session.scalars(select(PointsEntry.delta).where(PointsEntry.rule == "campaign")).all() == [50]
    progress = db.session.scalars(select(RunProgress)).one()
    assert (progress.done, progress.makeups_used) == (4, 2)


def test_concurrent_makeups_never_overspend_cards(app, host, member):
    circle = make_circle(host, "morning")
    join(member, circle)
    campaign_id, user_id = make_campaign(host, circle, MONDAY, days=6, makeup_cards=1).id, member.id
    errors: list[str] = []

    def go(offset: int) -> None:
        actor = db.session.get(User, user_id)
        try:
            services.record_checkin(
                actor,
                db.session.get(Campaign, campaign_id),
                body="补卡补卡",
                day=MONDAY + timedelta(days=offset),
            )
        except Exception as exc:  # the losers get Conflict: no card left
            errors.append(type(exc).__name__)

    with clock.freeze(at(MONDAY + timedelta(days=5), 7)):
        assert run_threads(app, go, [(i,) for i in range(4)]) == []
    db.session.rollback()
    assert errors == ["Conflict"] * 3
    assert db.session.scalar(select(func.count()).select_from(Checkin)) == 1
