"""Share links over HTTP: the sheet, Open Graph tags, the QR route, and `?ref=` attribution."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import func, select

from app.accounts.models import User
from app.core.db import db
from app.points import ledger
from app.points.models import PointsEntry
from app.share.models import ShareVisit
from tests.circles.factories import join, make_circle, make_post
from tests.helpers import PASSWORD

PHONE = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148"


def html_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def shared(host, member):
    circle = make_circle(host, description="读书圈")
    join(member, circle)
    post = make_post(member, circle, body="这周读完了《原则》，分享三点收获", title="读书笔记")
    return circle, post


def visit(app, url: str, agent: str = PHONE):
    """A brand-new browser (no cookies) opening `url`."""
    browser = app.test_client()
    return browser, browser.get(url, headers={"User-Agent": agent})


def share_points(user_id: int) -> int:
    query = select(func.coalesce(func.sum(PointsEntry.delta), 0)).where(
        PointsEntry.user_id == user_id, PointsEntry.rule == "share_visit"
    )
    return int(db.session.scalar(query) or 0)


def test_post_page_has_a_share_sheet_with_my_link_and_qr(shared, member, member_client):
    _circle, post = shared
    html = html_of(member_client.get(f"/c/reading/p/{post.id}"))
    link = f"http://localhost/c/reading/p/{post.id}?ref={member.invite_code}"
    assert "data-share-sheet" in html and f'value="{link}"' in html
    assert f'data-copy="{link}"' in html and 'data-copy-target="#share-link"' in html
    qr = re.search(r'src="(/share/qr\.png\?url=[^"]+)"', html)
    assert qr is not None
    picture = member_client.get(qr.group(1).replace("&amp;", "&"))
    assert picture.status_code == 200 and picture.mimetype == "image/png"
    assert picture.data.startswith(b"\x89PNG")
    assert "每位新朋友通过你的链接访问，你可获得 2 积分" in html


def test_guest_sheet_has_the_plain_link(shared, anon):
    _circle, post = shared
    html = html_of(anon.get(f"/c/reading/p/{post.id}"))
    assert f'value="http://localhost/c/reading/p/{post.id}"' in html
    assert "?ref=" not in html and "登录后分享你的专属链接，还能赚积分。" in html


def test_campaign_and_certificate_pages_have_the_sheet(app, host, member, member_client):
    from datetime import timedelta

    from app.core import clock
    from tests.checkins.factories import make_campaign

    circle = make_circle(host, "run")
    join(member, circle)
    campaign = make_campaign(host, circle, clock.today() - timedelta(days=1))
    html = html_of(member_client.get(f"/c/run/campaigns/{campaign.id}"))
    assert f"/c/run/campaigns/{campaign.id}?ref={member.invite_code}" in html
    assert '<meta property="og:title" content="早安打卡">' in html


def test_qr_route_only_draws_links_into_this_site(client):
    assert client.get("/share/qr.png?url=http://localhost/c/reading").status_code == 200
    for url in ("https://evil.example/x", "javascript:alert(1)", "http://localhost.evil.example/", ""):
        assert client.get("/share/qr.png", query_string={"url": url}).status_code == 404


def test_open_graph_tags_describe_public_posts_only(app, host, member, shared, member_client):
    _circle, post = shared
    html = html_of(app.test_client().get(f"/c/reading/p/{post.id}?ref={member.invite_code}"))
    assert '<meta property="og:title" content="读书笔记">' in html
    assert "这周读完了《原则》" in html.split("</head>")[0]
    assert f'<meta property="og:url" content="http://localhost/c/reading/p/{post.id}">' in html
    assert 'name="twitter:card"' in html and 'property="og:image"' in html

    secret = make_circle(host, "secret", visibility="private")
    join(member, secret)
    hidden = make_post(host, secret, body="内部资料：下周活动排期", title="内部排期")
    page = html_of(member_client.get(f"/c/secret/p/{hidden.id}"))
    og = "\n".join(re.findall(r'<meta (?:property="og:|name="twitter:)[^>]*>', page))
    assert "内部排期" not in og and "下周活动排期" not in og and f"/p/{hidden.id}" not in og
    assert '<meta property="og:title" content="圈子">' in og


def test_new_visitor_earns_the_sharer_points_once(app, shared, member):
    _circle, post = shared
    url = f"/c/reading/p/{post.id}?ref={member.invite_code}"
    browser, first = visit(app, url)
    assert first.status_code == 200
    cookie = next(c for c in first.headers.getlist("Set-Cookie") if c.startswith("qz_vid="))
    assert "HttpOnly" in cookie and "Max-Age=" in cookie
    assert share_points(member.id) == 2
    # The same browser again (its cookie is known now): nothing more.
    again = browser.get(url, headers={"User-Agent": PHONE})
    assert again.status_code == 200 and share_points(member.id) == 2
    assert db.session.scalar(select(func.count()).select_from(ShareVisit)) == 1
    # Another new browser earns again.
    visit(app, url)
    assert share_points(member.id) == 4
    entry = db.session.scalars(select(PointsEntry).where(PointsEntry.rule == "share_visit")).first()
    assert entry.kind == "earn" and entry.growth_delta == entry.delta
    assert ledger.find_discrepancies() == [] and ledger.find_rollup_mismatches() == []


def test_self_visits_bots_and_bad_refs_earn_nothing(app, shared, member, member_client):
    _circle, post = shared
    url = f"/c/reading/p/{post.id}?ref={member.invite_code}"
    # The sharer, signed in, in a fresh browser of their own.
    own = app.test_client()
    own.login(member.username)
    own.get(url, headers={"User-Agent": PHONE})
    # The sharer's own browser: it already has a visitor id from their earlier pages.
    member_client.get("/")
    member_client.get(url, headers={"User-Agent": PHONE})
    for agent in (
        "Mozilla/5.0 (compatible; Googlebot/2.1)",
        "WhatsApp/2.23",
        "TelegramBot (like TwitterBot)",
        "",
    ):
        visit(app, url, agent)
    visit(app, f"/c/reading/p/{post.id}?ref=NOSUCHCODE")
    visit(app, f"/c/reading/p/{post.id}?ref=<script>")
    assert share_points(member.id) == 0
    assert db.session.scalar(select(func.count()).select_from(ShareVisit)) == 0


def test_missing_page_does_not_count(app, shared, member):
    visit(app, f"/c/reading/p/99999?ref={member.invite_code}")
    assert share_points(member.id) == 0


def test_daily_cap_of_five_paid_visits(app, shared, member):
    _circle, post = shared
    for _ in range(7):
        visit(app, f"/c/reading/p/{post.id}?ref={member.invite_code}")
    assert share_points(member.id) == 10
    visits = db.session.scalars(select(ShareVisit).order_by(ShareVisit.id)).all()
    assert [v.points for v in visits] == [2, 2, 2, 2, 2, 0, 0]


def test_admin_rule_edit_changes_what_a_visit_pays(app, shared, member, admin_client):
    _circle, post = shared
    page = html_of(admin_client.get("/admin/rules"))
    assert 'data-rule="share_visit"' in page and "好友通过我的分享链接访问" in page
    saved = admin_client.form(
        "/admin/rules/share_visit",
        {"share_visit-points": "3", "share_visit-daily_cap": "1", "share_visit-is_active": "y"},
    )
    assert saved.status_code == 303
    visit(app, f"/c/reading/p/{post.id}?ref={member.invite_code}")
    visit(app, f"/c/reading/p/{post.id}?ref={member.invite_code}")
    assert share_points(member.id) == 3


def test_registering_through_a_share_link_records_the_inviter(app, shared, member):
    _circle, post = shared
    browser, _ = visit(app, f"/c/reading/p/{post.id}?ref={member.invite_code.lower()}")
    page = html_of(browser.get("/auth/register"))
    assert f'value="{member.invite_code}"' in page
    response = browser.form(
        "/auth/register",
        {
            "username": "xiaoyu",
            "email": "xiaoyu@example.com",
            "password": PASSWORD,
            "invite_code": member.invite_code,
        },
    )
    assert response.status_code == 303
    newcomer = db.session.scalar(select(User).where(User.username == "xiaoyu"))
    assert newcomer.invited_by_id == member.id


def test_points_page_names_the_share_rule(app, shared, member, member_client):
    _circle, post = shared
    visit(app, f"/c/reading/p/{post.id}?ref={member.invite_code}")
    html = html_of(member_client.get("/me/points"))
    assert "好友通过我的分享链接访问" in html


def test_invite_page_counts_share_visits(app, shared, member, member_client):
    _circle, post = shared
    for _ in range(2):
        visit(app, f"/c/reading/p/{post.id}?ref={member.invite_code}")
    html = html_of(member_client.get("/me/invite"))
    assert 'data-share-visits="2" data-share-points="4"' in html
    assert "你的分享链接已带来 2 位新访客，为你赢得 4 积分。" in html


def test_an_unknown_ref_is_not_prefilled_at_sign_up(app, shared):
    _circle, post = shared
    browser, _ = visit(app, f"/c/reading/p/{post.id}?ref=NOSUCH42")
    page = html_of(browser.get("/auth/register"))
    assert "NOSUCH42" not in page


def test_share_visits_earn_with_the_tier_multiplier(app, shared, member):
    _circle, post = shared
    ledger.adjust_balance(member.id, delta=5000, reason="尊享会员测试", actor_id=None)
    visit(app, f"/c/reading/p/{post.id}?ref={member.invite_code}")
    assert share_points(member.id) == 3  # 2 x 1.5 (尊享会员)
