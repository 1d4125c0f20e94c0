"""Accounts through HTTP: register, log in/out, CSRF, rate limits, redirects, profiles."""

from __future__ import annotations

import io

import pytest
from sqlalchemy import func, select

from app.accounts import services
from app.accounts.models import User
from app.core.db import db, use_case
from tests.helpers import PASSWORD, TestClient, image_bytes, make_user


def test_register_logs_in_and_shows_the_member(client):
    response = client.form(
        "/auth/register",
        {"username": "Xiaoming", "email": "XM@Example.com", "password": "good-pass-99", "invite_code": ""},
    )
    assert response.status_code == 303
    user = db.session.scalar(select(User).where(User.username == "Xiaoming"))
    assert user is not None and user.email == "xm@example.com" and user.role == "member"
    assert user.password_hash.startswith("$argon2id$")
    html = client.get("/me").get_data(as_text=True)
    assert "@Xiaoming" in html


def test_register_errors_keep_the_text_and_answer_422(client):
    make_user("taken1")
    response = client.form(
        "/auth/register",
        {"username": "TAKEN1", "email": "not-an-email", "password": "1234", "invite_code": "NOPE"},
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "这个用户名已被占用" in html
    assert "请输入有效的邮箱地址" in html
    assert "密码至少需要 8 位" in html
    assert "邀请码不存在" in html
    assert 'value="TAKEN1"' in html and 'value="not-an-email"' in html
    assert db.session.scalar(select(func.count()).select_from(User)) == 1


def test_invite_link_prefills_the_code(client):
    inviter = make_user("inviter1")
    html = client.get(f"/auth/register?invite={inviter.invite_code}").get_data(as_text=True)
    assert f'value="{inviter.invite_code}"' in html
    client.form(
        "/auth/register",
        {
            "username": "newbie1",
            "email": "n1@example.com",
            "password": "good-pass-99",
            "invite_code": inviter.invite_code,
        },
    )
    assert services.get_by_username("newbie1").invited_by_id == inviter.id


@pytest.mark.parametrize("login", ["meimei", "MeiMei", "meimei@example.com", "MEIMEI@EXAMPLE.COM"])
def test_login_by_username_or_email(client, member, login):
    response = client.form("/auth/login", {"login": login, "password": PASSWORD})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_login_does_not_reveal_whether_an_account_exists(client, member):
    wrong_password = client.form("/auth/login", {"login": "meimei", "password": "wrong-password"})
    no_account = client.form("/auth/login", {"login": "nobody-here", "password": "wrong-password"})
    assert wrong_password.status_code == no_account.status_code == 422
    strip = lambda r: r.get_data(as_text=True).replace("meimei", "X").replace("nobody-here", "X")  # noqa: E731
    assert strip(wrong_password) == strip(no_account)
    assert "用户名/邮箱或密码不正确" in wrong_password.get_data(as_text=True)


@pytest.mark.parametrize(
    ("next_value", "expected"),
    [
        ("/me/settings", "/me/settings"),
        ("https://evil.example/x", "/"),
        ("//evil.example/x", "/"),
        ("/\\evil.example", "/"),
        ("javascript:alert(1)", "/"),
        ("", "/"),
    ],
)
def test_login_honours_only_safe_next(client, member, next_value, expected):
    response = client.form("/auth/login", {"login": "meimei", "password": PASSWORD, "next": next_value})
    assert response.status_code == 303
    assert response.headers["Location"] == expected


def test_logged_out_member_pages_redirect_to_login_with_next(client):
    response = client.get("/me/settings")
    assert response.status_code in (302, 303)
    assert response.headers["Location"] == "/auth/login?next=/me/settings"


def test_logged_out_htmx_gets_401_with_hx_redirect(client):
    response = client.get("/me", headers={"HX-Request": "true"})
    assert response.status_code == 401
    assert response.headers["HX-Redirect"].startswith("/auth/login")


def test_logout_is_a_post(member_client):
    assert member_client.get("/auth/logout").status_code == 405
    response = member_client.form("/auth/logout")
    assert response.status_code == 303
    assert member_client.get("/me").status_code == 302


def test_missing_csrf_token_is_400_changes_nothing_and_keeps_the_text(client, member):
    response = client.post(
        "/auth/register", data={"username": "sneaky1", "email": "s@example.com", "password": "good-pass-99"}
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "页面已过期" in html
    assert 'value="sneaky1"' in html, "what the user typed is offered again"
    assert "good-pass-99" not in html, "passwords are never echoed back"
    assert 'name="csrf_token"' in html
    assert services.get_by_username("sneaky1") is None


def test_htmx_post_with_csrf_header_is_accepted(client, member):
    response = client.form("/lang", {"lang": "en"}, htmx=True)
    assert response.status_code in (200, 303)
    response = client.post("/lang", data={"lang": "en"}, headers={"HX-Request": "true"})
    assert response.status_code == 400


def test_banned_member_cannot_log_in_and_is_logged_out(app, member):
    c: TestClient = app.test_client()  # type: ignore[assignment]
    c.login("meimei")

    @use_case
    def ban() -> None:
        user = db.session.get(User, member.id)
        user.is_banned = True
        user.session_version += 1

    ban()
    assert c.get("/me").status_code == 302, "existing sessions end at once"
    response = c.form("/auth/login", {"login": "meimei", "password": PASSWORD})
    assert response.status_code == 422
    assert "已被停用" in response.get_data(as_text=True)


def test_login_rate_limit_per_ip(client, member):
    for _ in range(10):
        assert client.form("/auth/login", {"login": "meimei", "password": "nope-nope"}).status_code == 422
    response = client.form("/auth/login", {"login": "meimei", "password": PASSWORD})
    assert response.status_code == 429
    assert "操作太频繁" in response.get_data(as_text=True)
    assert int(response.headers["Retry-After"]) > 0


def test_login_rate_limit_per_account_across_ips(client, member):
    for i in range(20):
        ip = f"10.0.{i // 200}.{i % 200 + 1}"
        r = client.form(
            "/auth/login", {"login": "meimei", "password": "nope-nope"}, environ_base={"REMOTE_ADDR": ip}
        )
        assert r.status_code == 422
    r = client.form(
        "/auth/login", {"login": "meimei", "password": PASSWORD}, environ_base={"REMOTE_ADDR": "10.9.9.9"}
    )
    assert r.status_code == 429


def test_session_cookie_flags(client, member):
    response = client.form("/auth/login", {"login": "meimei", "password": PASSWORD, "remember": "y"})
    cookies = response.headers.getlist("Set-Cookie")
    session = next(c for c in cookies if c.startswith("session="))
    assert "HttpOnly" in session and "SameSite=Lax" in session
    assert any(c.startswith("remember_token=") and "HttpOnly" in c for c in cookies)


def test_cookies_are_secure_over_https(client, member):
    response = client.form(
        "/auth/login",
        {"login": "meimei", "password": PASSWORD},
        base_url="https://localhost",
        headers={"Referer": "https://localhost/auth/login"},
    )
    assert response.status_code == 303
    assert all("Secure" in c for c in response.headers.getlist("Set-Cookie"))


def test_change_password_logs_out_other_devices(app, member_client):
    other: TestClient = app.test_client()  # type: ignore[assignment]
    other.login("meimei")
    bad = member_client.form("/me/password", {"current_password": "nope", "new_password": "brand-new-77"})
    assert bad.status_code == 422 and "当前密码不正确" in bad.get_data(as_text=True)
    ok = member_client.form("/me/password", {"current_password": PASSWORD, "new_password": "brand-new-77"})
    assert ok.status_code == 303
    assert member_client.get("/me").status_code == 200, "this device stays logged in"
    assert other.get("/me").status_code == 302, "other devices are logged out"
    fresh: TestClient = app.test_client()  # type: ignore[assignment]
    assert fresh.form("/auth/login", {"login": "meimei", "password": "brand-new-77"}).status_code == 303


def test_settings_update_profile_and_avatar(member_client, member):
    response = member_client.form(
        "/me/settings",
        {
            "display_name": "梅子",
            "bio": "爱读书",
            "avatar": (io.BytesIO(image_bytes("JPEG", size=(300, 200))), "me.jpg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 303
    user = db.session.get(User, member.id)
    assert user.display_name == "梅子" and user.bio == "爱读书" and user.avatar is not None
    profile = member_client.get("/u/meimei").get_data(as_text=True)
    assert "梅子" in profile and f"/media/{user.avatar.key}/" in profile


def test_settings_refuses_a_non_image_avatar_keeping_the_text(member_client, member):
    response = member_client.form(
        "/me/settings",
        {
            "display_name": "新名字",
            "bio": "我的简介",
            "avatar": (io.BytesIO(b"<svg onload=alert(1)>"), "x.svg"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "无法识别这张图片" in html and 'value="新名字"' in html and "我的简介" in html
    assert db.session.get(User, member.id).display_name == "梅梅"


def test_upload_over_the_request_limit_gets_a_friendly_413(app, member_client):
    app.config["MAX_CONTENT_LENGTH"] = 10_000
    response = member_client.form(
        "/me/settings",
        {"display_name": "x", "avatar": (io.BytesIO(b"0" * 20_000), "big.jpg")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 413
    assert "上传的文件太大了" in response.get_data(as_text=True)


def test_public_profile_and_missing_user(client, member):
    html = client.get("/u/MEIMEI").get_data(as_text=True)
    assert "梅梅" in html and "@meimei" in html
    assert client.get("/u/nobody").status_code == 404


def test_xss_in_profile_fields_is_escaped(member_client, member):
    member_client.form(
        "/me/settings",
        {"display_name": "<script>x</script>", "bio": '"><img src=x onerror=alert(1)>'},
        content_type="multipart/form-data",
    )
    html = member_client.get("/u/meimei").get_data(as_text=True)
    assert "<script>x</script>" not in html and "<img src=x" not in html
    assert "&lt;script&gt;x&lt;/script&gt;" in html
