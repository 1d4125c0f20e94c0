"""Site settings: name, tagline and logo set by admins show up everywhere the site names itself."""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import select

from app.badges import services as badges
from app.core.audit import AuditEntry
from app.core.db import db
from app.core.errors import Forbidden, Invalid
from app.core.uploads import Upload
from app.site import services as site
from app.site.models import SiteSetting
from tests.helpers import image_bytes


def _save(admin_client: Any, **fields: Any) -> Any:
    data = {"site_name": "", "tagline": "", **fields}
    return admin_client.form("/admin/settings", data, content_type="multipart/form-data")


def test_defaults_until_an_admin_sets_a_name(client: Any) -> None:
    home = client.get("/").get_data(as_text=True)
    assert "<title>圈子</title>" in home and "icons/logo.svg" in home
    manifest = json.loads(client.get("/manifest.webmanifest").get_data(as_text=True))
    assert manifest["name"] == "圈子" and manifest["icons"][0]["src"].startswith("/static/icons/icon-192.png")


def test_name_tagline_and_logo_show_on_home_login_manifest(admin_client: Any, client: Any) -> None:
    logo = io.BytesIO(image_bytes(size=(640, 640), color=(20, 120, 200)))
    response = _save(
        admin_client, site_name=" 书友  会 ", tagline="每周一起读一本书", logo=(logo, "logo.png")
    )
    assert response.status_code == 303 and response.headers["Location"] == "/admin/settings"
    home = client.get("/").get_data(as_text=True)
    assert "<title>书友 会</title>" in home and "<span>书友 会</span>" in home
    assert "每周一起读一本书" in home and 'content="每周一起读一本书"' in home
    key = db.session.scalar(select(SiteSetting.value).where(SiteSetting.key == "logo"))
    assert f'src="/media/{key}/s192"' in home
    login = client.get("/auth/login").get_data(as_text=True)
    assert f"/media/{key}/s192" in login and "每周一起读一本书" in login
    assert "加入书友 会" in client.get("/auth/register").get_data(as_text=True)
    manifest = json.loads(client.get("/manifest.webmanifest").get_data(as_text=True))
    assert manifest["name"] == manifest["short_name"] == "书友 会"
    assert manifest["description"] == "每周一起读一本书"
    assert [i["src"] for i in manifest["icons"]] == [f"/media/{key}/s192", f"/media/{key}/s512"]
    # The logo went through the image pipeline: re-encoded, square variants, served to anyone.
    upload = db.session.scalar(select(Upload).where(Upload.key == key))
    assert upload.variants == ["s192", "s512"] and upload.content_type == "image/jpeg"
    served = client.get(f"/media/{key}/s512")
    assert served.status_code == 200 and Image.open(io.BytesIO(served.get_data())).size == (512, 512)
    issuer = client.get("/issuer.json").get_json()
    assert issuer["name"] == "书友 会" and issuer["image"].endswith(f"/media/{key}/s512")


def test_changes_are_audited_with_before_and_after(admin_client: Any) -> None:
    assert _save(admin_client, site_name="书友会").status_code == 303
    assert _save(admin_client, site_name="读书会", tagline="慢慢读").status_code == 303
    assert _save(admin_client, site_name="读书会", tagline="慢慢读").status_code == 303  # no change
    rows = list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == "site.settings").order_by(AuditEntry.id)
        )
    )
    assert [(r.data["before"], r.data["after"]) for r in rows] == [
        ({"site_name": ""}, {"site_name": "书友会"}),
        ({"site_name": "书友会", "tagline": ""}, {"site_name": "读书会", "tagline": "慢慢读"}),
    ]
    audit = admin_client.get("/admin/audit?action=site.").get_data(as_text=True)
    assert "<del>书友会</del> → <ins>读书会</ins>" in audit


def test_removing_the_logo_and_clearing_the_name_restore_the_defaults(admin_client: Any, client: Any) -> None:
    _save(admin_client, site_name="书友会", logo=(io.BytesIO(image_bytes()), "l.png"))
    assert "/media/" in client.get("/").get_data(as_text=True)
    assert _save(admin_client, site_name="", remove_logo="y").status_code == 303
    home = client.get("/").get_data(as_text=True)
    assert "<title>圈子</title>" in home and "icons/logo.svg" in home and "/media/" not in home


def test_bad_input_rerenders_with_422_and_the_typed_text(admin_client: Any) -> None:
    long_name = "很长的名字" * 10
    response = _save(admin_client, site_name=long_name, tagline="留着")
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert f'value="{long_name}"' in html and 'value="留着"' in html and 'id="site_name-error"' in html
    not_a_picture = _save(admin_client, site_name="书友会", logo=(io.BytesIO(b"<svg></svg>"), "x.svg"))
    assert not_a_picture.status_code == 422 and 'id="logo-error"' in not_a_picture.get_data(as_text=True)
    assert site.get_settings().site_name == ""
    assert db.session.scalar(select(SiteSetting).where(SiteSetting.key == "site_name")) is None


def test_only_admins_may_change_settings(member: Any, host: Any, admin: Any) -> None:
    for who in (member, host):
        with pytest.raises(Forbidden):
            site.save_settings(who, site.SettingsInput(site_name="x", tagline=""))
    with pytest.raises(Invalid) as caught:
        site.save_settings(admin, site.SettingsInput(site_name="x" * 41, tagline=""))
    assert "site_name" in caught.value.fields
    site.save_settings(admin, site.SettingsInput(site_name="书友会", tagline=""))
    assert site.get_settings().name == "书友会"


def test_settings_page_links_the_policy_pages(admin_client: Any) -> None:
    html = admin_client.get("/admin/settings").get_data(as_text=True)
    assert 'href="/admin/pages/privacy"' in html and 'href="/admin/pages/terms"' in html
    assert "data-settings-form" in html and 'name="site_name"' in html and 'name="logo"' in html


def test_settings_are_read_once_per_request(admin_client: Any, client: Any, count_queries: Any) -> None:
    _save(admin_client, site_name="书友会", tagline="慢慢读")
    with count_queries() as q:
        html = client.get("/auth/register").get_data(as_text=True)
    assert "书友会" in html
    assert sum("FROM site_setting" in s for s in q.statements) == 1


def test_certificates_carry_the_site_name(admin: Any, member: Any, admin_client: Any, client: Any) -> None:
    badge = badges.define_badge(admin, name="早起达人", description="早起", criteria="连续 21 天")
    code = badges.grant_badge(badge, member, actor=admin, reason="全勤", certificate=True).certificate.code
    assert "由圈子颁发给" in client.get(f"/certificates/{code}").get_data(as_text=True)
    default_png = client.get(f"/certificates/{code}.png").get_data()
    _save(admin_client, site_name="书友会")
    page = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert "由书友会颁发给" in page and 'property="og:site_name" content="书友会"' in page
    # The PNG is drawn again with the new issuer name (its cache key includes the name).
    assert client.get(f"/certificates/{code}.png").get_data() != default_png
