"""KOC applications (one open per member, approve -> host + notification) and invites."""

from __future__ import annotations

from typing import Any

import pytest

from app import wiring
from app.accounts import services as accounts
from app.accounts.models import User
from app.core import clock, events
from app.core.audit import AuditEntry
from app.core.db import db, use_case
from app.core.errors import Conflict, Forbidden, Invalid
from app.growth import services
from app.growth.models import HostApplication
from app.notifications.models import Notification
from app.webhooks.handlers import EVENT_NAMES
from tests.helpers import PASSWORD, make_user

FORM = services.ApplicationInput(
    "韩梅梅", "成都", "烘焙、摄影", "小红书 @meimei", 5000, "想开一个周末烘焙打卡圈子，带大家一起做点心。"
)


def test_one_open_application_per_member(app: Any, member: Any) -> None:
    first = services.submit_application(member, FORM)
    assert first.status == "pending"
    with pytest.raises(Conflict):
        services.submit_application(member, FORM)
    assert db.session.query(HostApplication).count() == 1


def test_open_application_is_guarded_by_the_database(app: Any, member: Any) -> None:
    db.session.add(HostApplication(user_id=member.id, real_name="a", city="b", talents="c", reason="d"))
    db.session.commit()
    db.session.add(HostApplication(user_id=member.id, real_name="a", city="b", talents="c", reason="d"))
    with pytest.raises(Exception, match=r"(?i)unique"):
        db.session.commit()
    db.session.rollback()


def test_approve_makes_a_host_and_notifies(app: Any, admin: Any, member: Any) -> None:
    application = services.submit_application(member, FORM)
    reviewed = services.review_application(admin, application.id, action="approve")
    assert reviewed.status == "approved"
    assert db.session.get(User, member.id).role == "host"
    assert (
        db.session.query(Notification).filter_by(user_id=member.id, kind="application.approved").count() == 1
    )
    actions = {a for (a,) in db.session.query(AuditEntry.action)}
    assert {"application.approve", "user.set_role"} <= actions
    with pytest.raises(Conflict):
        services.review_application(admin, application.id, action="reject", reason="late")


def test_reject_needs_a_reason_and_allows_a_new_application(app: Any, admin: Any, member: Any) -> None:
    application = services.submit_application(member, FORM)
    with pytest.raises(Invalid):
        services.review_application(admin, application.id, action="reject", reason="")
    services.review_application(admin, application.id, action="reject", reason="资料再丰富一些")
    note = db.session.query(Notification).filter_by(user_id=member.id, kind="application.rejected").one()
    assert note.params["reason"] == "资料再丰富一些"
    assert db.session.get(User, member.id).role == "member"
    again = services.submit_application(member, FORM)
    assert again.status == "pending"


def test_only_members_apply_and_only_admins_review(app: Any, host: Any, member: Any) -> None:
    with pytest.raises(Forbidden):
        services.submit_application(host, FORM)
    application = services.submit_application(member, FORM)
    with pytest.raises(Forbidden):
        services.review_application(host, application.id, action="approve")
    with pytest.raises(Invalid) as exc:
        services.submit_application(make_user("shorty"), services.ApplicationInput("", "", "", "", -1, "短"))
    assert set(exc.value.fields) == {"real_name", "city", "talents", "follower_count", "reason"}


def test_submitting_publishes_application_submitted(app: Any, member: Any) -> None:
    seen: list[Any] = []
    table = dict(wiring.HANDLERS)
    table[events.ApplicationSubmitted] = [*table[events.ApplicationSubmitted], seen.append]
    events.configure(table)
    try:
        application = services.submit_application(member, FORM)
    finally:
        wiring.install()
    assert seen == [events.ApplicationSubmitted(application_id=application.id, user_id=member.id)]
    assert EVENT_NAMES[events.ApplicationSubmitted] == "application.submitted"


@use_case
def _first_checkin(user_id: int, checkin_id: int) -> None:
    events.publish(
        events.CheckinRecorded(
            checkin_id=checkin_id, user_id=user_id, campaign_id=1, circle_id=1, day=clock.today(), points=10
        )
    )


def test_invite_reward_is_shown_once_and_only_after_a_check_in(app: Any, member: Any) -> None:
    friend = accounts.register(
        username="friend1", email="friend1@example.com", password=PASSWORD, invite_code=member.invite_code
    )
    other = accounts.register(
        username="friend2", email="friend2@example.com", password=PASSWORD, invite_code=member.invite_code
    )
    rows = services.list_invitees(member)
    assert [(r.user.username, r.checked_in, r.reward) for r in rows] == [
        ("friend2", False, 0),
        ("friend1", False, 0),
    ]
    _first_checkin(friend.id, 501)
    _first_checkin(friend.id, 502)
    rows = {r.user.username: r for r in services.list_invitees(member)}
    assert rows["friend1"].checked_in and rows["friend1"].reward == 100
    assert not rows["friend2"].checked_in
    assert db.session.get(User, member.id).points == 100
    assert other.invited_by_id == member.id


def test_invite_link_and_qr(app: Any, member: Any) -> None:
    url = services.invite_url(member, "https://quanzi.example.com/")
    assert url == f"https://quanzi.example.com/auth/register?invite={member.invite_code}"
    assert services.invite_qr_png(url).startswith(b"\x89PNG")
