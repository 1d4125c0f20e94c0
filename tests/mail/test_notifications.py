"""Notification emails end to end: queued in the outbox with the notification, sent by the
worker to a real SMTP server on loopback, in the member's language, with a working
one-click unsubscribe link; nothing for categories turned off, rollbacks or no MAIL_SERVER."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import func, select

from app.core.db import db, use_case
from app.mail import delivery, services
from app.mail.models import MailPreference
from app.notifications.models import Notification
from app.notifications.services import notify
from app.posts import services as posts
from tests.circles.factories import join, make_circle, make_post
from tests.mail.conftest import BASE_URL, count_queued, parts, queued


@pytest.fixture
def post(host, member):
    circle = make_circle(host, slug="reading", name="读书会")
    join(member, circle)
    return make_post(member, circle, title="我的读书笔记", body="《置身事内》读后感")


def comment(author, post):
    return posts.create_comment(author, post, body="写得真好，受教了！")


def test_a_reply_is_emailed_in_chinese_with_text_and_html_parts(inbox, host, member, post):
    comment(host, post)
    [row] = queued()
    assert row.user_id == member.id and row.category == "replies" and row.status == "pending"
    assert inbox.messages == [], "nothing is sent inside the request: the worker sends"

    report = delivery.deliver_due()
    assert report.sent == 1 and report.failed == 0
    [message] = inbox.messages
    assert inbox.recipients == [["meimei@example.com"]]
    assert message["To"] == "meimei@example.com"
    assert "noreply@quanzi.example.com" in message["From"]
    assert message["Subject"] == "王圈主 评论了你的帖子「我的读书笔记」"
    text, html = parts(message)
    assert "梅梅，你好：" in text and "王圈主 评论了你的帖子「我的读书笔记」" in text
    assert f"去看看：{BASE_URL}/c/reading/p/{post.id}" in text
    assert f'href="{BASE_URL}/c/reading/p/{post.id}#comment-' in html and "去看看" in html
    assert "你收到这封邮件，是因为你在圈子开启了“回复和@提及”邮件提醒。" in text
    assert "<!doctype html>" in html.lower() and 'lang="zh-CN"' in html
    unsubscribe = message["List-Unsubscribe"]
    assert unsubscribe.startswith(f"<{BASE_URL}/email/unsubscribe/") and unsubscribe.endswith(">")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert message["Message-ID"] == f"<{row.uid}@quanzi.example.com>"
    assert unsubscribe[1:-1] in text and unsubscribe[1:-1] in html
    assert queued()[0].status == "sent" and queued()[0].sent_at is not None


def test_a_member_who_chose_english_gets_english(inbox, host, member, post):
    services.update_preferences(
        member, categories=dict.fromkeys(("replies", "moderation"), True), language="en"
    )
    comment(host, post)
    delivery.deliver_due()
    [message] = inbox.messages
    assert message["Subject"] == "王圈主 commented on your post “我的读书笔记”"
    text, html = parts(message)
    assert "Hi 梅梅," in text and "Open it on the site" in text
    assert "emails are on for your account on Quanzi" in text and "Replies and mentions" in text
    assert 'lang="en"' in html and "Unsubscribe from these emails" in html
    assert "你好" not in text


def test_the_language_follows_the_member_not_the_request(inbox, host, member, post, host_client):
    # The host browses in English; the member never chose, so their email is Chinese.
    host_client.set_cookie("lang", "en")
    response = host_client.form(f"/c/reading/p/{post.id}/comments", {"body": "Great notes, thanks!"})
    assert response.status_code == 303
    delivery.deliver_due()
    [message] = inbox.messages
    assert message["Subject"].endswith("评论了你的帖子「我的读书笔记」")
    assert message["List-Unsubscribe"].startswith(f"<{BASE_URL}/")


def test_a_category_turned_off_queues_nothing_but_the_notification_stays(inbox, host, member, post):
    services.update_preferences(
        member, categories={"replies": False, "moderation": True, "badges": True}, language="zh"
    )
    comment(host, post)
    assert count_queued() == 0
    assert (
        db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.user_id == member.id)
        )
        == 1
    )
    # Another category is still on: the featured post is emailed.
    posts.moderate_post(host, post, "feature")
    [row] = queued()
    assert row.category == "moderation" and "精华" in row.subject


def test_kinds_without_a_category_are_not_emailed(inbox, host, member, post):
    posts.set_like(host, "post", post, True)
    assert (
        db.session.scalar(
            select(func.count()).select_from(Notification).where(Notification.kind == "post.liked")
        )
        == 1
    )
    assert count_queued() == 0


def test_no_mail_server_means_nothing_is_queued(app, host, member, post, smtp_server):
    assert not app.config.get("MAIL_SERVER")
    comment(host, post)
    assert count_queued() == 0
    assert delivery.deliver_due().attempted == 0
    assert smtp_server[0].messages == []


@use_case
def notify_then_fail(user_id: int) -> None:
    notify(user_id, "order.shipped", url="/me/redemptions/1", params={"item": "帆布袋", "tracking": "SF123"})
    raise RuntimeError("the order could not be saved")


def test_a_rolled_back_change_sends_nothing(inbox, member):
    with pytest.raises(RuntimeError):
        notify_then_fail(member.id)
    assert count_queued() == 0
    assert delivery.deliver_due().attempted == 0
    assert inbox.messages == []


@use_case
def notify_order(user_id: int) -> None:
    notify(user_id, "order.shipped", url="/me/redemptions/7", params={"item": "帆布袋", "tracking": "SF123"})


def test_an_order_email_once_committed(inbox, member):
    notify_order(member.id)
    delivery.deliver_due()
    [message] = inbox.messages
    assert message["Subject"] == "「帆布袋」已发货，快递单号：SF123。"
    text, _html = parts(message)
    assert f"{BASE_URL}/me/redemptions/7" in text and "商城订单" in text


def test_one_click_unsubscribe_from_the_received_header(inbox, host, member, post, anon):
    comment(host, post)
    delivery.deliver_due()
    link = inbox.messages[0]["List-Unsubscribe"][1:-1]
    path = urlsplit(link).path

    page = anon.get(path)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "确定退订这类邮件吗？" in html and "回复和@提及" in html
    assert "m***@example.com" in html and "meimei@example.com" not in html
    assert db.session.get(MailPreference, member.id) is None, "a GET changes nothing"

    # What a mail client sends (RFC 8058): no cookie, no CSRF token.
    done = anon.post(
        path, data="List-Unsubscribe=One-Click", content_type="application/x-www-form-urlencoded"
    )
    assert done.status_code == 200 and 'data-unsubscribed="true"' in done.get_data(as_text=True)
    prefs = services.get_preferences(member.id)
    assert prefs.replies is False and prefs.moderation is True and prefs.digest is True
    assert anon.post(path).status_code == 200, "a second click is harmless"

    comment(host, post)
    assert count_queued() == 1, "no new email for the category unsubscribed from"


def test_a_forged_or_broken_unsubscribe_link_is_404(anon, member):
    from app.mail.compose import unsubscribe_token

    token = unsubscribe_token(member.id, "replies")
    assert anon.get(f"/email/unsubscribe/{token}x").status_code == 404
    assert anon.post(f"/email/unsubscribe/{token[:-2]}").status_code == 404
    assert anon.get(f"/email/unsubscribe/{token}").status_code == 200
    assert services.get_preferences(member.id).replies is True
