"""Admin console pages: one gate for every route (anonymous, member, host, admin), and the
plain-form and htmx answers of the console's actions."""

from __future__ import annotations

from typing import Any

import pytest

from app.accounts.models import User
from app.core.audit import AuditEntry
from app.core.db import db
from app.growth import services as growth
from app.growth.models import HostApplication
from tests.circles.factories import make_circle
from tests.helpers import make_user

APPLICATION = growth.ApplicationInput(
    "李雷", "上海", "读书、写作", "小红书 @lilei", 1200, "想带大家一起读书，每周一本。"
)


@pytest.fixture
def world(app: Any, host: Any) -> dict[str, Any]:
    applicant = make_user("applicant")
    target = make_user("target")
    circle = make_circle(host, "reading")
    application = growth.submit_application(applicant, APPLICATION)
    return {"circle": circle, "application": application, "target": target}


GETS = [
    "/admin",
    "/admin?days=7",
    "/admin?days=90",
    "/admin/lapsing",
    "/admin/users",
    "/admin/users?q=target",
    "/admin/users/target",
    "/admin/applications",
    "/admin/applications?status=approved",
    "/admin/circles",
    "/admin/tiers",
    "/admin/rules",
    "/admin/audit",
    "/admin/audit?actor=opsadmin&action=user.&since=2020-01-01&until=2099-01-01",
    "/admin/pages/privacy",
    "/admin/store",
    "/admin/export/members.csv",
    "/admin/export/points.csv",
    "/admin/export/orders.csv",
    "/admin/export/checkins.csv",
    "/admin/export/campaigns.csv",
]


def _posts(world: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("/admin/users/target/role", {"role": "host", "reason": "KOC"}),
        (f"/admin/applications/{world['application'].id}", {"action": "approve", "reason": ""}),
        (f"/admin/circles/{world['circle'].id}/owner", {"username": "target", "reason": "handover"}),
        (f"/admin/circles/{world['circle'].id}/archive", {"action": "archive", "reason": "quiet"}),
        (
            "/admin/tiers/1",
            {
                "t1-name_zh": "普通会员",
                "t1-name_en": "Member",
                "t1-threshold": "0",
                "t1-multiplier_pct": "100",
            },
        ),
        ("/admin/rules/post", {"post-points": "12", "post-daily_cap": "3", "post-is_active": "y"}),
        ("/admin/pages/terms", {"body": "# 用户协议"}),
        ("/admin/users/target/ban", {"action": "ban", "reason": "spam"}),
        ("/admin/lapsing", {"request_id": "r1", "message": "回来看看吧", "points": "0", "scope": "all"}),
    ]


@pytest.mark.parametrize("url", GETS)
def test_anonymous_gets_are_sent_to_login(client: Any, world: dict[str, Any], url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert "/auth/login?next=" in response.headers["Location"]


@pytest.mark.parametrize("who", ["member_client", "host_client"])
def test_members_and_hosts_get_403_everywhere(request: Any, world: dict[str, Any], who: str) -> None:
    browser = request.getfixturevalue(who)
    for url in GETS:
        assert browser.get(url).status_code == 403, url
    for url, data in _posts(world):
        assert browser.form(url, data).status_code == 403, url
    # Nothing happened: no audit rows from them, the target is untouched.
    assert db.session.get(User, world["target"].id).role == "member"
    assert db.session.get(HostApplication, world["application"].id).status == "pending"


def test_anonymous_posts_are_sent_to_login(client: Any, world: dict[str, Any]) -> None:
    for url, data in _posts(world):
        response = client.form(url, data)
        assert response.status_code == 302, url
        assert "/auth/login" in response.headers["Location"]


@pytest.mark.parametrize("url", GETS)
def test_admin_sees_every_page(admin_client: Any, world: dict[str, Any], url: str) -> None:
    response = admin_client.get(url)
    assert response.status_code == 200
    if url.endswith(".csv"):
        assert response.get_data().startswith(b"\xef\xbb\xbf")
        assert response.mimetype == "text/csv"
    else:
        assert "adm-side" in response.get_data(as_text=True)


def test_admin_actions_redirect_back_and_are_audited(admin_client: Any, world: dict[str, Any]) -> None:
    before = db.session.query(AuditEntry).count()
    for url, data in _posts(world)[:-1]:
        response = admin_client.form(url, {**data, "next": "/admin"})
        assert response.status_code == 303, (url, response.get_data(as_text=True)[:400])
        assert response.headers["Location"] == "/admin"
    db.session.expire_all()
    target = db.session.get(User, world["target"].id)
    assert target.role == "host" and target.is_banned
    actions = {a for (a,) in db.session.query(AuditEntry.action).all()}
    assert {
        "user.set_role",
        "user.ban",
        "application.approve",
        "circle.assign_owner",
        "circle.archive",
        "tier.update",
        "points.rule_update",
        "site.edit_page",
    } <= actions
    assert db.session.query(AuditEntry).count() > before


def test_htmx_role_change_answers_the_fragment(admin_client: Any, world: dict[str, Any]) -> None:
    response = admin_client.form("/admin/users/target/role", {"role": "host"}, htmx=True)
    assert response.status_code == 200
    assert 'data-user-role="host"' in response.get_data(as_text=True)


def test_admin_cannot_demote_or_ban_themselves(admin_client: Any, admin: Any) -> None:
    assert admin_client.form("/admin/users/opsadmin/role", {"role": "member"}).status_code == 409
    assert admin_client.form("/admin/users/opsadmin/ban", {"action": "ban", "reason": "x"}).status_code == 409
    assert db.session.get(User, admin.id).role == "admin"


def test_banned_member_is_logged_out_everywhere(admin_client: Any, member_client: Any, member: Any) -> None:
    assert member_client.get("/me").status_code == 200
    assert (
        admin_client.form("/admin/users/meimei/ban", {"action": "ban", "reason": "广告"}).status_code == 303
    )
    response = member_client.get("/me")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert admin_client.form("/admin/users/meimei/ban", {"action": "unban"}).status_code == 303
    assert db.session.get(User, member.id).is_banned is False


def test_user_search_pages_by_keyset(admin_client: Any, admin: Any) -> None:
    for n in range(35):
        make_user(f"runner{n:02d}", display_name=f"跑者{n}")
    first = admin_client.get("/admin/users?q=runner").get_data(as_text=True)
    assert first.count('data-user="runner') == 30
    assert "runner34" in first and "runner04" not in first
    more = first.split('class="adm-more"><a class="btn btn-small btn-ghost" href="')[1].split('"')[0]
    rest = admin_client.get(more.replace("&amp;", "&"), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert rest.count('data-user="runner') == 5 and "runner00" in rest
    by_email = admin_client.get("/admin/users?q=runner07@example").get_data(as_text=True)
    assert by_email.count('data-user="') == 1


def test_invalid_tier_rerenders_with_422(admin_client: Any) -> None:
    response = admin_client.form(
        "/admin/tiers/2",
        {"t2-name_zh": "", "t2-name_en": "Adv", "t2-threshold": "1000", "t2-multiplier_pct": "50"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'aria-invalid="true"' in html


def test_export_streams_a_generator(admin_client: Any, member: Any) -> None:
    response = admin_client.get("/admin/export/members.csv", buffered=False)
    assert response.is_streamed
    text = b"".join(response.response).decode("utf-8-sig")
    assert text.splitlines()[0].startswith("id,username,display_name,email")
    assert "meimei,梅梅,meimei@example.com" in text
    response.close()
