"""Badge pages and the admin console pages: access rules, forms, grant reports, holders."""

from __future__ import annotations

import io
from typing import Any

import pytest
from sqlalchemy import select

from app.badges import services
from app.badges.models import Badge
from app.core.db import db
from tests.helpers import image_bytes, make_user

ADMIN_GETS = ["/admin/badges", "/admin/badges/new", "/admin/badges/{id}/grant"]
ADMIN_POSTS = ["/admin/badges/new", "/admin/badges/{id}/grant", "/admin/certificates/{code}/revoke"]


@pytest.fixture
def cert_code(badge: Badge, admin: Any, member: Any) -> str:
    return services.grant_badge(badge, member, actor=admin, reason="全勤", certificate=True).certificate.code


@pytest.mark.parametrize("path", ADMIN_GETS)
def test_admin_pages_are_for_admins_only(
    path: str, badge: Badge, client: Any, member_client: Any, host_client: Any, admin_client: Any
) -> None:
    url = path.format(id=badge.id)
    response = client.get(url)
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert member_client.get(url).status_code == 403
    assert host_client.get(url).status_code == 403
    assert admin_client.get(url).status_code == 200


@pytest.mark.parametrize("path", ADMIN_POSTS)
def test_admin_posts_are_forbidden_to_others(
    path: str, badge: Badge, cert_code: str, member_client: Any, host_client: Any
) -> None:
    url = path.format(id=badge.id, code=cert_code)
    data = {"name": "偷偷", "usernames": "meimei", "reason": "x", "rule": "manual"}
    assert member_client.form(url, data).status_code == 403
    assert host_client.form(url, data).status_code == 403
    assert db.session.scalars(select(Badge.name)).all() == ["早起达人"]


def test_admin_defines_a_badge_and_lands_on_it(admin_client: Any) -> None:
    response = admin_client.form(
        "/admin/badges/new",
        {
            "name": "读书打卡七日",
            "description": "坚持七天读书打卡",
            "criteria": "完成一期七日读书打卡活动",
            "rule": "campaign_completed",
            "threshold": "1",
            "image": (io.BytesIO(image_bytes("PNG", (200, 200))), "badge.png"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    created = db.session.scalar(select(Badge).where(Badge.name == "读书打卡七日"))
    assert created is not None and created.rule == "campaign_completed" and created.image is not None
    assert response.headers["Location"].endswith(f"/badges/{created.id}")
    page = admin_client.get(f"/badges/{created.id}").get_data(as_text=True)
    assert "读书打卡七日" in page and "完成一期七日读书打卡活动" in page


def test_invalid_badge_form_keeps_the_text(admin_client: Any) -> None:
    response = admin_client.form(
        "/admin/badges/new",
        {"name": "百帖达人", "description": "发满一百帖", "rule": "posts", "threshold": ""},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "百帖达人" in html and "发满一百帖" in html and 'aria-invalid="true"' in html
    assert db.session.scalar(select(Badge)) is None


def test_grant_form_redirects_to_its_report(badge: Badge, admin_client: Any, member: Any, host: Any) -> None:
    services.grant_badge(badge, host, actor=None, source="rule")
    response = admin_client.form(
        f"/admin/badges/{badge.id}/grant",
        {"usernames": "meimei\nhostwang, nobody", "reason": "11 月全勤", "certificate": "y"},
    )
    assert response.status_code == 303
    assert f"/admin/badges/{badge.id}/grant?report=" in response.headers["Location"]
    html = admin_client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'data-granted="1" data-already="1" data-unknown="1"' in html
    assert "@meimei" in html and "@hostwang" in html and "<code>nobody</code>" in html
    award = services.get_award(badge.id, member.id)
    assert award is not None and award.reason == "11 月全勤" and award.certificate is not None


def test_grant_by_csv_upload_over_htmx(badge: Badge, admin_client: Any, member: Any) -> None:
    csv_file = (io.BytesIO(b"username\nmeimei\nnobody\n"), "names.csv")
    response = admin_client.form(
        f"/admin/badges/{badge.id}/grant",
        {"usernames": "", "reason": "名单导入", "csv_file": csv_file},
        htmx=True,
        content_type="multipart/form-data",
    )
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "<html" not in html and 'data-granted="1"' in html and 'data-unknown="1"' in html
    award = services.get_award(badge.id, member.id)
    assert award is not None and award.certificate is None  # checkbox left out: off


def test_empty_grant_form_is_422(badge: Badge, admin_client: Any) -> None:
    response = admin_client.form(f"/admin/badges/{badge.id}/grant", {"usernames": "", "reason": "x"})
    assert response.status_code == 422
    assert "请至少填写一个用户名" in response.get_data(as_text=True)


def test_catalogue_and_badge_page_with_keyset_holders(badge: Badge, admin: Any, client: Any) -> None:
    people = [make_user(f"fan{i:02d}", display_name=f"粉丝{i:02d}") for i in range(33)]
    for person in people:
        services.grant_badge(badge, person, actor=admin, certificate=False)
    catalogue = client.get("/badges").get_data(as_text=True)
    assert "早起达人" in catalogue and f'data-badge-id="{badge.id}"' in catalogue
    first = client.get(f"/badges/{badge.id}")
    html = first.get_data(as_text=True)
    assert html.count('class="holder"') == 30 and 'data-holder-count="33"' in html
    assert 'hx-trigger="revealed"' in html
    cursor = html.split("cursor=")[1].split('"')[0]
    more = client.get(f"/badges/{badge.id}?cursor={cursor}", headers={"HX-Request": "true"})
    rest = more.get_data(as_text=True)
    assert "<html" not in rest and rest.count('class="holder"') == 3
    assert "fan00" in rest and "fan32" in html  # newest first


def test_badge_picture_is_a_png(badge: Badge, admin: Any, client: Any) -> None:
    plain = services.define_badge(admin, name="无图徽章")
    for target in (badge, plain):
        response = client.get(f"/badges/{target.id}/image.png")
        assert response.status_code == 200 and response.mimetype == "image/png"
        assert response.data[:8] == b"\x89PNG\r\n\x1a\n"


def test_profiles_list_badges_and_link_certificates(
    badge: Badge, cert_code: str, client: Any, member_client: Any
) -> None:
    public = client.get("/u/meimei").get_data(as_text=True)
    assert "早起达人" in public and f'href="/certificates/{cert_code}"' in public
    mine = member_client.get("/me").get_data(as_text=True)
    assert f'href="/certificates/{cert_code}"' in mine


def test_circle_badge_route(circles: Any, host_client: Any, member_client: Any) -> None:
    assert host_client.get("/c/nowhere/badges/new").status_code == 404
    assert member_client.get("/c/reading/badges/new").status_code == 403
    assert host_client.get("/c/running/badges/new").status_code == 403
    assert host_client.get("/c/reading/badges/new").status_code == 200
    response = host_client.form("/c/reading/badges/new", {"name": "读书会之星", "rule": "manual"})
    assert response.status_code == 303
    created = db.session.scalar(select(Badge).where(Badge.name == "读书会之星"))
    assert created is not None and created.circle_id == 7
    page = host_client.get(response.headers["Location"]).get_data(as_text=True)
    assert "读书会" in page
    assert member_client.form("/c/reading/badges/new", {"name": "x", "rule": "manual"}).status_code == 403
