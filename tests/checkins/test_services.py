"""Campaign day logic in Asia/Shanghai, make-up cards, completion once, roll and remind."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from app.checkins import services
from app.checkins.models import CampaignRun, Checkin, Completion, Reminder
from app.core import clock
from app.core.db import db
from app.core.errors import Conflict, Forbidden, Invalid, NotFound
from app.notifications.models import Notification
from app.points.models import PointsEntry
from tests.circles.factories import join, make_circle
from tests.helpers import image_bytes, make_user

from .factories import at, check_in, make_campaign

MONDAY = date(2026, 11, 23)


@pytest.fixture
def circle(host, member):
    c = make_circle(host, "morning")
    join(member, c)
    return c


def test_days_are_shanghai_calendar_days_across_midnight(app, host, member, circle):
    campaign = make_campaign(host, circle, MONDAY, days=2)
    # 23:59 Sunday in Shanghai is before the start: refused.
    with pytest.raises(Conflict):
        check_in(member, campaign, at(MONDAY - timedelta(days=1), 23, 59))
    # 00:30 Monday Shanghai is still Sunday in UTC, but day 1 here.
    first = check_in(member, campaign, datetime(2026, 11, 22, 16, 30, tzinfo=UTC))
    assert first.created and first.checkin.day == MONDAY
    # 23:59 the same Shanghai day: a repeat that changes nothing.
    again = check_in(member, campaign, at(MONDAY, 23, 59))
    assert not again.created and again.checkin.id == first.checkin.id
    # A minute after midnight is day 2; the day after the last day is refused.
    assert check_in(member, campaign, at(MONDAY + timedelta(days=1), 0, 1)).checkin.day == MONDAY + timedelta(
        days=1
    )
    with pytest.raises(Conflict):
        check_in(member, campaign, at(MONDAY + timedelta(days=2), 0, 1))


def test_weekly_runs_roll_across_week_boundaries_idempotently(app, host, member, circle):
    campaign = make_campaign(host, circle, MONDAY, days=7, repeat_weekly=True)
    next_monday = MONDAY + timedelta(days=7)
    with clock.freeze(at(next_monday - timedelta(days=1), 23, 59)):
        assert services.roll_runs() == 0  # still the first week
    with clock.freeze(at(next_monday, 0, 0)):
        assert services.roll_runs() == 1
        assert services.roll_runs() == 0
    runs = db.session.scalars(select(CampaignRun).order_by(CampaignRun.start_date)).all()
    assert [(r.number, r.start_date, r.end_date) for r in runs] == [
        (1, MONDAY, MONDAY + timedelta(days=6)),
        (2, next_monday, next_monday + timedelta(days=6)),
    ]
    second = check_in(member, campaign, at(next_monday, 7))
    assert second.checkin.run_id == runs[1].id and second.checkin.day_number == 1
    assert services.weekly_run_start(campaign, next_monday + timedelta(days=3)) == next_monday


def test_completion_pays_once_with_makeup_and_grants_the_badge(app, host, member, circle, admin):
    from app.badges import services as badges

    badge = badges.define_badge(
        admin, name="早起达人", description="", criteria="", rule="manual", threshold=0
    )
    campaign = make_campaign(
        host, circle, MONDAY, days=3, makeup_cards=1, badge_id=badge.id, completion_points=50
    )
    check_in(member, campaign, at(MONDAY, 7))
    third = MONDAY + timedelta(days=2)
    done = check_in(member, campaign, at(third, 7))
    assert not done.completed
    # Day 2 made up on day 3 with the one card: that completes the run.
    made = check_in(member, campaign, at(third, 8), day=MONDAY + timedelta(days=1))
    assert made.created and made.completed and made.checkin.is_makeup
    assert db.session.scalar(select(func.count()).select_from(Completion)) == 1
    award = badges.get_award(badge.id, member.id)
    assert award is not None and award.source == "campaign" and award.certificate is not None
    # The certificate says what it was earned for.
    assert award.reason == f"完成打卡活动「{campaign.title}」"
    paid = db.session.scalars(select(PointsEntry.delta).where(PointsEntry.rule == "campaign")).all()
    assert paid == [50]
    assert services.count_completed_runs(member.id, circle.id) == 1
    assert services.count_completed_runs(member.id, None) == 1


def test_makeup_card_accounting(app, host, member, circle):
    campaign = make_campaign(host, circle, MONDAY, days=5, makeup_cards=1)
    day4 = MONDAY + timedelta(days=3)
    check_in(member, campaign, at(day4, 7), day=MONDAY)
    with pytest.raises(Conflict):
        check_in(member, campaign, at(day4, 8), day=MONDAY + timedelta(days=1))
    # Making up a day already done is a harmless repeat that spends nothing.
    assert not check_in(member, campaign, at(day4, 9), day=MONDAY).created
    with pytest.raises(Invalid) as future:
        check_in(member, campaign, at(day4, 9), day=day4 + timedelta(days=1))
    assert "day" in future.value.fields
    with pytest.raises(Invalid):
        check_in(member, campaign, at(day4, 9), day=MONDAY - timedelta(days=1))
    progress = services.get_progress(member, campaign, services.run_for_day(campaign.id, MONDAY))
    assert progress.cards_left == 0 and progress.done == 1 and progress.makeup_days == []
    assert db.session.scalar(select(func.count()).select_from(Checkin)) == 1
    # No cards at all: refused.
    bare = make_campaign(host, circle, MONDAY, title="读书笔记", days=3)
    with pytest.raises(Conflict):
        check_in(member, bare, at(MONDAY + timedelta(days=1), 7), day=MONDAY)


def test_rules_keep_text_and_name_the_field(app, host, member, circle):
    campaign = make_campaign(host, circle, MONDAY, min_length=10, photo_required=True)
    with pytest.raises(Invalid) as short:
        check_in(member, campaign, at(MONDAY, 7), body="太短")
    assert set(short.value.fields) == {"body", "image"}
    result = check_in(
        member,
        campaign,
        at(MONDAY, 7),
        body="今天读了二十页书，很开心",
        image=io.BytesIO(image_bytes()),
        image_filename="a.png",
    )
    assert result.checkin.image is not None and result.checkin.image.circle_id == circle.id


def test_permissions(app, host, member, circle):
    outsider = make_user("outsider")
    campaign = make_campaign(host, circle, MONDAY)
    with pytest.raises(Forbidden):
        check_in(outsider, campaign, at(MONDAY, 7))
    with pytest.raises(Forbidden):
        make_campaign(member, circle, MONDAY)
    secret = make_circle(host, "secret", visibility="private")
    hidden = make_campaign(host, secret, MONDAY)
    with pytest.raises(NotFound):
        check_in(outsider, hidden, at(MONDAY, 7))
    with pytest.raises(NotFound):
        services.get_campaign(outsider, secret, hidden.id)
    checkin = check_in(member, campaign, at(MONDAY, 7)).checkin
    with pytest.raises(Forbidden):
        services.set_recommended(member, circle, checkin, True)
    with pytest.raises(Forbidden):
        services.review_checkin(member, circle, checkin, body="好")


def test_recommend_review_like_notify(app, host, member, circle):
    campaign = make_campaign(host, circle, MONDAY)
    checkin = check_in(member, campaign, at(MONDAY, 7)).checkin
    with clock.freeze(at(MONDAY, 10)):
        services.set_recommended(host, circle, checkin, True)
        services.set_recommended(host, circle, checkin, True)
        services.review_checkin(host, circle, checkin, body="坚持得真好！")
        assert services.set_checkin_like(host, circle, checkin, True) == (True, 1)
        assert services.set_checkin_like(host, circle, checkin, True) == (True, 1)
        assert services.set_checkin_like(host, circle, checkin, False) == (False, 0)
        assert services.set_checkin_like(host, circle, checkin, True) == (True, 1)
    assert [c.id for c in services.list_recommended(campaign)] == [checkin.id]
    assert [r.body for r in services.reviews_for([checkin.id])[checkin.id]] == ["坚持得真好！"]
    kinds = db.session.scalars(select(Notification.kind).where(Notification.user_id == member.id)).all()
    assert sorted(kinds) == ["checkin.liked", "checkin.recommended", "checkin.reviewed"]
    # The like paid once even after unlike/like again.
    likes = db.session.scalars(select(PointsEntry.delta).where(PointsEntry.rule == "like")).all()
    assert likes == [1]


def test_remind_once_a_day_and_my_page(app, host, member, circle):
    campaign = make_campaign(host, circle, MONDAY)
    with clock.freeze(at(MONDAY, 20)):
        assert services.send_reminders() == 2  # host and member
        assert services.send_reminders() == 0
    check_in(member, campaign, at(MONDAY + timedelta(days=1), 7))
    with clock.freeze(at(MONDAY + timedelta(days=1), 20)):
        assert services.send_reminders() == 1  # only the host
        mine = services.my_checkins(member)
    assert db.session.scalar(select(func.count()).select_from(Reminder)) == 3
    assert [i.checked_today for i in mine.today] == [True] and mine.streak == 1
    assert (
        services.streak_of(
            [MONDAY, MONDAY - timedelta(days=1), MONDAY - timedelta(days=3)], MONDAY + timedelta(days=1)
        )
        == 2
    )


def test_create_validates(app, host, circle):
    with clock.freeze(at(MONDAY, 9)), pytest.raises(Invalid) as bad:
        services.create_campaign(
            host,
            circle,
            services.CampaignDraft(
                title="", start_date=MONDAY - timedelta(days=1), days=9, repeat_weekly=True, badge_id=999
            ),
        )
    assert set(bad.value.fields) == {"title", "start_date", "days", "badge_id"}
