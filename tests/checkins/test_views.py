"""Campaign pages and forms: plain and htmx, 422 with text kept, 403/404, the 打卡 tab."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.checkins.models import Campaign, Checkin
from app.core import clock
from app.core.db import db
from tests.circles.factories import join, make_circle
from tests.helpers import TestClient, make_user

from .factories import make_campaign


@pytest.fixture
def setup(app, host, member):
    circle = make_circle(host, "morning")
    join(member, circle)
    campaign = make_campaign(host, circle, clock.today(), days=7, makeup_cards=1, min_length=5)
    return circle, campaign


def _progress(html: str) -> tuple[int, int]:
    match = re.search(r'data-progress-done="(\d+)" data-progress-total="(\d+)"', html)
    assert match, "no progress hook"
    return int(match.group(1)), int(match.group(2))


def test_host_creates_a_campaign(app, host_client, host):
    make_circle(host, "reading")
    page = host_client.get("/c/reading/campaigns/new")
    assert page.status_code == 200 and 'name="start_date"' in page.get_data(as_text=True)
    bad = host_client.form(
        "/c/reading/campaigns/new", {"title": "读书笔记", "start_date": "2000-01-01", "days": "7"}
    )
    assert bad.status_code == 422 and "读书笔记" in bad.get_data(as_text=True)
    ok = host_client.form(
        "/c/reading/campaigns/new",
        {"title": "读书笔记", "start_date": clock.today().isoformat(), "days": "5", "repeat_weekly": "y"},
    )
    campaign = db.session.scalars(select(Campaign)).one()
    assert ok.status_code == 303 and ok.headers["Location"].endswith(f"/c/reading/campaigns/{campaign.id}")
    assert campaign.repeat_weekly and campaign.days == 5 and campaign.points_per_checkin == 10


def test_check_in_plain_and_htmx(app, setup, member_client):
    _circle, campaign = setup
    url = f"/c/morning/campaigns/{campaign.id}"
    page = member_client.get(url).get_data(as_text=True)
    assert _progress(page) == (0, 7) and "0/7" in page
    short = member_client.form(url + "/checkin", {"body": "短"})
    assert short.status_code == 422 and "短" in short.get_data(as_text=True)
    done = member_client.form(url + "/checkin", {"body": "今天六点起床啦"}, htmx=True)
    html = done.get_data(as_text=True)
    assert done.status_code == 200 and _progress(html) == (1, 7) and "1/7" in html
    assert 'hx-swap-oob="afterbegin:#checkin-feed"' in html and "points-changed" in done.headers["HX-Trigger"]
    again = member_client.form(url + "/checkin", {"body": "再来一次打卡"})
    assert again.status_code == 303 and again.headers["Location"].endswith(url)
    assert db.session.scalar(select(func.count()).select_from(Checkin)) == 1
    assert "今天六点起床啦" in member_client.get("/c/morning?tab=checkins").get_data(as_text=True)
    mine = member_client.get("/checkins").get_data(as_text=True)
    assert 'data-streak="1"' in mine and campaign.title in mine


def test_permissions_on_pages(app, setup, host, member):
    _circle, campaign = setup
    outsider = make_user("outsider")
    client = app.test_client()
    assert isinstance(client, TestClient)
    client.login(outsider.username)
    url = f"/c/morning/campaigns/{campaign.id}"
    assert client.get(url).status_code == 200
    assert client.form(url + "/checkin", {"body": "我不是成员哦"}).status_code == 403
    assert client.get("/c/morning/campaigns/new").status_code == 403
    secret = make_circle(host, "secret", visibility="private")
    hidden = make_campaign(host, secret, clock.today())
    assert client.get(f"/c/secret/campaigns/{hidden.id}").status_code == 404
    assert client.get(f"/leaderboards?scope=campaign:{hidden.id}").status_code == 404
    assert client.get("/leaderboards?scope=secret").status_code == 404
    member_client = app.test_client()
    member_client.login(member.username)
    member_client.form(url + "/checkin", {"body": "今天六点起床啦"})
    checkin_id = db.session.scalar(select(Checkin.id))
    assert (
        member_client.form(f"/c/morning/checkins/{checkin_id}/recommend", {"state": "on"}).status_code == 403
    )
    assert member_client.form(f"/c/morning/checkins/{checkin_id}/review", {"body": "好"}).status_code == 403
    anon = app.test_client()
    assert anon.get("/checkins").status_code in (302, 303)


def test_host_recommends_and_reviews(app, setup, host_client, member_client):
    _circle, campaign = setup
    url = f"/c/morning/campaigns/{campaign.id}"
    member_client.form(url + "/checkin", {"body": "今天六点起床啦"})
    checkin_id = db.session.scalar(select(Checkin.id))
    rec = host_client.form(f"/c/morning/checkins/{checkin_id}/recommend", {"state": "on"}, htmx=True)
    assert rec.status_code == 200 and 'data-recommended="y"' in rec.get_data(as_text=True)
    review = host_client.form(f"/c/morning/checkins/{checkin_id}/review", {"body": "坚持得真好"})
    assert review.status_code == 303
    page = host_client.get(url).get_data(as_text=True)
    assert "坚持得真好" in page and "recommended-item" in page
    like = host_client.form(f"/c/morning/checkins/{checkin_id}/like", {"state": "on"}, htmx=True)
    assert 'data-like-count="1"' in like.get_data(as_text=True)


def test_leaderboard_page(app, setup, member_client):
    _circle, campaign = setup
    member_client.form(f"/c/morning/campaigns/{campaign.id}/checkin", {"body": "今天六点起床啦"})
    page = member_client.get("/leaderboards?scope=morning&metric=checkins&period=week").get_data(as_text=True)
    assert 'data-rank="1" data-score="1"' in page
    fragment = member_client.get(
        f"/leaderboards?scope=campaign:{campaign.id}&metric=checkins&period=all",
        headers={"HX-Request": "true"},
    ).get_data(as_text=True)
    assert (
        fragment.lstrip().startswith("{#") is False and 'id="board"' in fragment and "<html" not in fragment
    )
