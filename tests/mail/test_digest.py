"""The weekly digest: featured posts, campaign progress, rank and points of the member's circles,
queued once per member per ISO week however often `flask mail digest` runs."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.core import clock
from app.core.db import db
from app.mail import delivery, digest, services
from app.mail.models import MailDigest
from app.posts import services as posts
from tests.checkins.factories import at, check_in, make_campaign
from tests.circles.factories import join, make_circle, make_post
from tests.helpers import make_user
from tests.mail.conftest import BASE_URL, count_queued, parts, queued

WEEK = date(2026, 11, 23)  # a Monday
NEXT_MONDAY = at(WEEK + timedelta(days=7), 9)


@pytest.fixture
def busy_week(host, member):
    """A week in 读书会: the member posts (featured on Wednesday) and checks in twice."""
    with clock.freeze(at(WEEK - timedelta(days=3))):
        circle = make_circle(host, slug="reading", name="读书会")
        join(member, circle)
    with clock.freeze(at(WEEK + timedelta(days=1), 10)):
        post = make_post(member, circle, title="《置身事内》读书笔记", body="地方政府与经济发展")
        make_post(host, circle, title="本周共读书单", body="欢迎大家一起读")
    with clock.freeze(at(WEEK + timedelta(days=2), 20)):
        posts.moderate_post(host, post, "feature")
    campaign = make_campaign(host, circle, WEEK, title="早起打卡", days=7)
    check_in(member, campaign, at(WEEK, 7))
    check_in(member, campaign, at(WEEK + timedelta(days=1), 7))
    # Quiet members are not written to; a member in no circle gets nothing either.
    make_user("loner", display_name="独行侠")
    return circle, post, campaign


def digest_mail(inbox, to: str) -> list:
    """Digest emails received for `to` (the setup's featured post is emailed too)."""
    return [m for m in inbox.messages if m["To"] == to and m["X-Quanzi-Category"] == "digest"]


def digests() -> int:
    db.session.rollback()
    return int(db.session.scalar(select(func.count()).select_from(MailDigest)) or 0)


def test_the_digest_summarises_the_week_in_chinese(inbox, member, busy_week):
    _circle, post, campaign = busy_week
    with clock.freeze(NEXT_MONDAY):
        report = digest.send_digests()
        assert report.sent == 2, "the member and the host"
        delivery.deliver_due()
    [message] = digest_mail(inbox, "meimei@example.com")
    assert message["Subject"] == "你的圈子周报：11月23日 – 11月29日"
    assert message["List-Unsubscribe"].startswith(f"<{BASE_URL}/email/unsubscribe/")
    text, html = parts(message)
    db.session.refresh(member)
    assert f"你的积分：{member.points}（本周 +" in text
    assert "== 读书会 ==" in text
    assert f"《置身事内》读书笔记 {BASE_URL}/c/reading/p/{post.id}" in text
    assert f"早起打卡：已打卡 2/7 天 {BASE_URL}/c/reading/campaigns/{campaign.id}" in text
    assert "本周全站排名：第 " in text and "本周圈内排名：第 " in text
    assert "每周精选周报" in text, "the footer names the category"
    assert f'href="{BASE_URL}/c/reading/p/{post.id}"' in html and "本周精华" in html
    assert f'data-digest-points="{member.points}"' in html


def test_english_digest(inbox, member, busy_week):
    services.update_preferences(member, categories={"digest": True}, language="en")
    with clock.freeze(NEXT_MONDAY):
        digest.send_digests()
        delivery.deliver_due()
    [message] = digest_mail(inbox, "meimei@example.com")
    assert message["Subject"] == "Your week in your circles: Nov 23 – Nov 29"
    text, _html = parts(message)
    assert "Featured this week" in text and "2 of 7 days checked in" in text and "Hi 梅梅," in text


def test_once_per_week_even_if_run_twice(app, inbox, member, host, busy_week):
    runner = app.test_cli_runner()
    with clock.freeze(NEXT_MONDAY):
        first = runner.invoke(args=["mail", "digest"])
        second = runner.invoke(args=["mail", "digest"])
        third = runner.invoke(args=["mail", "digest", "--week", "2026-11-25"])
    assert first.exit_code == 0 and "digest for the week of 2026-11-23: 2 queued" in first.output
    assert "0 queued" in second.output and "0 queued" in third.output
    rows = list(db.session.scalars(select(MailDigest).order_by(MailDigest.user_id)))
    assert {r.user_id for r in rows if r.message_id is not None} == {host.id, member.id}
    assert len(queued(category="digest")) == 2


def test_a_member_who_turned_the_digest_off_gets_none(inbox, member, host, busy_week):
    services.update_preferences(member, categories={"replies": True}, language="zh")
    with clock.freeze(NEXT_MONDAY):
        assert digest.send_digests().sent == 1
    assert [row.user_id for row in queued(category="digest")] == [host.id]


def test_a_quiet_week_sends_nothing(inbox, member, busy_week):
    with clock.freeze(NEXT_MONDAY + timedelta(days=21)):
        report = digest.send_digests()
    assert report.sent == 0 and report.quiet == 2
    assert queued(category="digest") == []
    assert digests() == 2, "the quiet rows keep a rerun from looking again"


def test_no_mail_server_no_digest(app, member, busy_week):
    with clock.freeze(NEXT_MONDAY):
        result = app.test_cli_runner().invoke(args=["mail", "digest"])
    assert result.exit_code == 0 and "email is off" in result.output
    assert digests() == 0 and count_queued() == 0
