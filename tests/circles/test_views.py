"""Circle pages over HTTP: discover, create (host only), join requests, comment moderation."""

from __future__ import annotations

import io

from sqlalchemy import select

from app.circles.models import Circle, Membership
from app.core.db import db
from app.posts import services as posts
from app.posts.models import Comment
from tests.circles.factories import join, make_circle, make_post
from tests.helpers import image_bytes


def test_host_creates_a_circle_through_the_form(host_client, anon):
    response = host_client.form(
        "/circles/new",
        {
            "name": "早起跑步团",
            "slug": "morning-run",
            "description": "一起早起",
            "visibility": "public",
            "join_policy": "open",
            "require_approval": "y",
            "cover": (io.BytesIO(image_bytes()), "cover.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303 and response.headers["Location"] == "/c/morning-run"
    circle = db.session.scalar(select(Circle).where(Circle.slug == "morning-run"))
    assert circle.require_approval and circle.cover is not None
    html = anon.get("/circles").get_data(as_text=True)
    assert "早起跑步团" in html and f"/media/{circle.cover.key}/thumb" in html


def test_create_form_keeps_text_on_error_and_is_for_hosts(host_client, member_client):
    response = host_client.form(
        "/circles/new", {"name": "好名字", "slug": "Bad Slug!", "visibility": "public"}
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "好名字" in html and "小写字母" in html
    assert member_client.get("/circles/new").status_code == 403


def test_unknown_circle_is_404(client):
    assert client.get("/c/nope").status_code == 404


def test_join_request_approved_from_the_queue(host, member, host_client, member_client):
    make_circle(host, "club", join_policy="approval")
    member_client.form("/c/club/join", {})
    html = host_client.get("/c/club/manage").get_data(as_text=True)
    assert f'id="member-{member.username}"' in html
    response = host_client.form(
        f"/c/club/members/{member.username}/moderate", {"action": "approve"}, htmx=True
    )
    assert response.status_code == 200 and "成员" in response.get_data(as_text=True)
    circle = db.session.scalar(select(Circle).where(Circle.slug == "club"))
    assert db.session.get(Membership, (circle.id, member.id)).status == "active"
    assert circle.member_count == 2


def test_comment_moderation_over_http(host, member, host_client, member_client):
    circle = make_circle(host)
    join(member, circle)
    post = make_post(host, circle)
    comment = posts.create_comment(member, post, body="不太友善的话")
    assert (
        member_client.form(f"/c/reading/comments/{comment.id}/moderate", {"action": "hide"}).status_code
        == 403
    )
    response = member_client.form(f"/c/reading/comments/{comment.id}/report", {"reason": "不友善"}, htmx=True)
    assert response.status_code == 200 and "谢谢反馈" in response.get_data(as_text=True)
    response = host_client.form(
        f"/c/reading/comments/{comment.id}/moderate", {"action": "hide", "reason": "不友善"}
    )
    assert response.status_code == 303
    assert db.session.get(Comment, comment.id).status == "hidden"
    assert "不太友善的话" not in member_client.get(f"/c/reading/p/{post.id}").get_data(as_text=True)
    assert "不太友善的话" in host_client.get(f"/c/reading/p/{post.id}").get_data(as_text=True)
