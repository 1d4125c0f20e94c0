"""/me/email: the preferences page, plain form posts, 422 on bad input, and the links to it."""

from __future__ import annotations

from app.mail import services


def checked(html: str, name: str) -> bool:
    start = html.index(f'name="{name}"')
    tag = html[html.rfind("<input", 0, start) : html.index(">", start)]
    return " checked" in tag


def test_the_page_shows_defaults_all_on(member_client, member):
    response = member_client.get("/me/email")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "邮件提醒" in html
    assert all(checked(html, name) for name in ("replies", "moderation", "badges", "orders", "digest"))
    assert "meimei@example.com" in html
    assert "data-mail-disabled" in html, "tells the member the site has no email yet"


def test_saving_turns_categories_off_and_sets_the_language(member_client, member):
    response = member_client.form("/me/email", {"replies": "y", "badges": "y", "language": "en"})
    assert response.status_code == 303 and response.headers["Location"].endswith("/me/email")
    prefs = services.get_preferences(member.id)
    assert (prefs.replies, prefs.moderation, prefs.badges, prefs.orders, prefs.digest) == (
        True,
        False,
        True,
        False,
        False,
    )
    assert prefs.language == "en"
    html = member_client.get("/me/email").get_data(as_text=True)
    assert checked(html, "replies") and not checked(html, "digest")
    assert '<option selected value="en">' in html or 'value="en" selected' in html
    assert "邮件设置已保存。" in html


def test_a_bad_language_is_422_with_the_choices_kept(member_client, member):
    response = member_client.form("/me/email", {"orders": "y", "language": "fr"})
    html = response.get_data(as_text=True)
    assert response.status_code == 422 and "请选择中文或英文。" in html
    assert checked(html, "orders") and not checked(html, "replies")
    assert services.get_preferences(member.id).saved is False


def test_the_form_proposes_the_language_the_member_browses_in(member_client):
    member_client.set_cookie("lang", "en")
    html = member_client.get("/me/email").get_data(as_text=True)
    assert "Email notifications" in html
    assert '<option selected value="en">' in html or 'value="en" selected' in html


def test_logged_out_is_sent_to_login(anon):
    response = anon.get("/me/email")
    assert response.status_code in (302, 303) and "/auth/login?next=" in response.headers["Location"]


def test_post_without_csrf_is_400(member_client, member):
    assert member_client.post("/me/email", data={"language": "en"}).status_code == 400
    assert services.get_preferences(member.id).saved is False


def test_me_and_settings_link_to_the_email_page(member_client):
    assert 'href="/me/email"' in member_client.get("/me").get_data(as_text=True)
    assert 'href="/me/email"' in member_client.get("/me/settings").get_data(as_text=True)
