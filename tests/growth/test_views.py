"""/apply-host and /me/invite pages, plain and as the applicant sees them."""

from __future__ import annotations

from typing import Any

from app.accounts.models import User
from app.core.db import db
from app.growth.models import HostApplication

FORM = {
    "real_name": "韩梅梅",
    "city": "成都",
    "talents": "烘焙、摄影",
    "social_accounts": "小红书 @meimei",
    "follower_count": "5000",
    "reason": "想开一个周末烘焙打卡圈子，带大家一起做点心。",
}


def test_apply_flow_shows_status_to_the_applicant(member_client: Any, admin_client: Any, member: Any) -> None:
    page = member_client.get("/apply-host").get_data(as_text=True)
    assert 'name="real_name"' in page and 'name="follower_count"' in page
    response = member_client.form("/apply-host", FORM)
    assert response.status_code == 303 and response.headers["Location"] == "/apply-host"
    page = member_client.get("/apply-host").get_data(as_text=True)
    assert 'data-application-status="pending"' in page and 'name="real_name"' not in page
    assert member_client.form("/apply-host", FORM).status_code == 409
    application = db.session.query(HostApplication).one()
    queue = admin_client.get("/admin/applications").get_data(as_text=True)
    assert f'data-application-id="{application.id}"' in queue and "韩梅梅" in queue
    response = admin_client.form(f"/admin/applications/{application.id}", {"action": "approve"}, htmx=True)
    assert response.status_code == 200 and 'data-application-status="approved"' in response.get_data(
        as_text=True
    )
    assert db.session.get(User, member.id).role == "host"
    assert 'data-application-status="approved"' in member_client.get("/apply-host").get_data(as_text=True)


def test_invalid_application_keeps_the_text(member_client: Any) -> None:
    response = member_client.form("/apply-host", {**FORM, "reason": "短", "follower_count": "-3"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "韩梅梅" in html and 'aria-invalid="true"' in html


def test_apply_host_needs_login(client: Any) -> None:
    response = client.get("/apply-host")
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_invite_page_link_code_and_qr(app: Any, member_client: Any, anon: Any, member: Any) -> None:
    html = member_client.get("/me/invite").get_data(as_text=True)
    assert f'data-invite-code="{member.invite_code}"' in html
    assert f"http://localhost/auth/register?invite={member.invite_code}" in html
    qr = member_client.get("/me/invite/qr.png")
    assert qr.status_code == 200 and qr.mimetype == "image/png" and qr.get_data().startswith(b"\x89PNG")
    app.config["QUANZI_BASE_URL"] = "https://q.example.com"
    assert f"https://q.example.com/auth/register?invite={member.invite_code}" in member_client.get(
        "/me/invite"
    ).get_data(as_text=True)
    register = anon.get(f"/auth/register?invite={member.invite_code}").get_data(as_text=True)
    assert f'value="{member.invite_code}"' in register
