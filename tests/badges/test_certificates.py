"""Certificates: the baked PNG read by an independent parser, Chinese glyphs (not tofu), the
Open Badges 2.0 documents, revocation, sharing and the public page."""

from __future__ import annotations

import hashlib
import io
import json
from typing import Any

import pytest
from PIL import Image, ImageChops, ImageDraw
from sqlalchemy import func, select

from app.badges import render, services
from app.badges.models import Badge
from app.core.db import db
from app.posts.models import Post
from tests.badges.conftest import openbadges_itxt, png_chunks
from tests.circles.factories import join, make_circle
from tests.helpers import TestClient, make_user

REQUIRED_ASSERTION = {"@context", "type", "id", "recipient", "badge", "verification", "issuedOn"}
REQUIRED_BADGECLASS = {"@context", "type", "id", "name", "description", "image", "criteria", "issuer"}
REQUIRED_ISSUER = {"@context", "type", "id", "name", "url"}


@pytest.fixture
def holder(app: Any) -> Any:
    # Rare name characters outside GB2312 (喆 堃 玥) must still render.
    return make_user("wangzhe", display_name="王喆堃玥")


@pytest.fixture
def holder_client(app: Any, holder: Any) -> TestClient:
    app.test_client_class = TestClient
    browser: TestClient = app.test_client()  # type: ignore[assignment]
    browser.login(holder.username)
    return browser


@pytest.fixture
def code(badge: Badge, admin: Any, holder: Any) -> str:
    return services.grant_badge(
        badge, holder, actor=admin, reason="全勤完成", certificate=True
    ).certificate.code


def test_png_decodes_and_carries_the_assertion(code: str, client: Any) -> None:
    response = client.get(f"/certificates/{code}.png")
    assert response.status_code == 200 and response.mimetype == "image/png"
    kinds = [kind for kind, _ in png_chunks(response.data)]
    assert kinds[0] == b"IHDR" and b"iTXt" in kinds
    assert kinds.index(b"iTXt") < kinds.index(b"IDAT")
    baked = json.loads(openbadges_itxt(response.data))
    hosted = client.get(f"/certificates/{code}.json").get_json()
    assert baked == hosted
    with Image.open(io.BytesIO(response.data)) as image:
        image.load()
        assert image.size == (1080, 1440) and image.mode == "RGB"


def test_png_is_rendered_once_and_cached(
    code: str, client: Any, app: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = client.get(f"/certificates/{code}.png").data

    def boom(*_args: Any) -> None:
        raise AssertionError("rendered twice")

    monkeypatch.setattr(render, "_draw_certificate", boom)
    assert client.get(f"/certificates/{code}.png").data == first


@pytest.mark.parametrize("text", ["荣誉证书", "王喆堃玥", "早起达人", "颁发日期"])
def test_chinese_glyphs_are_real_not_tofu(text: str) -> None:
    def glyph(ch: str) -> Image.Image:
        canvas = Image.new("L", (80, 80), 0)
        ImageDraw.Draw(canvas).text((40, 40), ch, font=render.font("bold", 56), fill=255, anchor="mm")
        return canvas

    blank = Image.new("L", (80, 80), 0)
    tofu = glyph("\U0001f600")  # an emoji: not in the GBK subset, drawn as .notdef
    for ch in text:
        drawn = glyph(ch)
        assert ImageChops.difference(drawn, blank).getbbox() is not None, f"{ch} drew nothing"
        assert ImageChops.difference(drawn, tofu).getbbox() is not None, f"{ch} is tofu"
    assert render.drawable("王喆🎉") == "王喆"


def test_certificate_name_area_has_ink(code: str, client: Any) -> None:
    with Image.open(io.BytesIO(client.get(f"/certificates/{code}.png").data)) as image:
        name_band = image.convert("L").crop((130, 420, 950, 520))
        title_band = image.convert("L").crop((200, 140, 880, 260))
    for band in (name_band, title_band):
        dark = sum(band.histogram()[:160])
        assert dark > 2000, "expected drawn glyphs in the band"


def test_assertion_badgeclass_and_issuer_documents(code: str, client: Any, holder: Any) -> None:
    assertion = client.get(f"/certificates/{code}.json")
    assert assertion.status_code == 200 and assertion.headers["Access-Control-Allow-Origin"] == "*"
    doc = assertion.get_json()
    assert set(doc) >= REQUIRED_ASSERTION
    assert doc["@context"] == "https://w3id.org/openbadges/v2" and doc["type"] == "Assertion"
    assert doc["id"] == f"http://localhost/certificates/{code}.json"
    assert doc["verification"] == {"type": "HostedBadge"}
    recipient = doc["recipient"]
    assert recipient["type"] == "email" and recipient["hashed"] is True
    digest = hashlib.sha256((holder.email + recipient["salt"]).encode()).hexdigest()
    assert recipient["identity"] == "sha256$" + digest
    assert "T" in doc["issuedOn"] and doc["issuedOn"].endswith("+00:00")
    badge_doc = client.get(doc["badge"].removeprefix("http://localhost")).get_json()
    assert set(badge_doc) >= REQUIRED_BADGECLASS and badge_doc["type"] == "BadgeClass"
    assert badge_doc["id"] == doc["badge"] and badge_doc["name"] == "早起达人"
    assert badge_doc["criteria"]["narrative"] == "连续 21 天早起。"
    image = client.get(badge_doc["image"].removeprefix("http://localhost"))
    assert image.status_code == 200 and image.mimetype == "image/png"
    issuer = client.get(badge_doc["issuer"].removeprefix("http://localhost")).get_json()
    assert set(issuer) >= REQUIRED_ISSUER and issuer["type"] == "Issuer"
    assert issuer["id"] == badge_doc["issuer"] and issuer["url"] == "http://localhost/"


def test_base_url_setting_wins(code: str, app: Any, client: Any) -> None:
    app.config["QUANZI_BASE_URL"] = "https://quanzi.example.com"
    doc = client.get(f"/certificates/{code}.json").get_json()
    assert doc["id"] == f"https://quanzi.example.com/certificates/{code}.json"
    assert doc["badge"].startswith("https://quanzi.example.com/badges/")


def test_public_page_has_open_graph_and_status(code: str, client: Any) -> None:
    response = client.get(f"/certificates/{code}")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<meta property="og:image" content="http://localhost/certificates/{code}.png">' in html
    assert 'property="og:title"' in html and "王喆堃玥" in html
    assert 'data-certificate-status="valid"' in html
    assert client.get("/certificates/not-a-real-code").status_code == 404
    assert client.get("/certificates/not-a-real-code.json").status_code == 404


def test_revoked_certificates_verify_as_revoked(code: str, admin_client: Any, client: Any) -> None:
    before = client.get(f"/certificates/{code}.png").data
    response = admin_client.form(f"/admin/certificates/{code}/revoke", {"reason": "信息有误"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/certificates/{code}")
    gone = client.get(f"/certificates/{code}.json")
    assert gone.status_code == 410
    body = gone.get_json()
    assert body["revoked"] is True and body["revocationReason"] == "信息有误"
    page = client.get(f"/certificates/{code}").get_data(as_text=True)
    assert 'data-certificate-status="revoked"' in page and "信息有误" in page
    after = client.get(f"/certificates/{code}.png").data
    assert after != before  # re-rendered with the revoked stamp


def test_revoke_without_reason_is_422(code: str, admin_client: Any, client: Any) -> None:
    response = admin_client.form(f"/admin/certificates/{code}/revoke", {"reason": ""})
    assert response.status_code == 422
    assert client.get(f"/certificates/{code}.json").status_code == 200


def test_revoke_over_htmx_returns_the_status_fragment(code: str, admin_client: Any) -> None:
    response = admin_client.form(f"/admin/certificates/{code}/revoke", {"reason": "重复颁发"}, htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "<html" not in html and 'data-certificate-status="revoked"' in html


def test_holder_shows_off_in_a_circle(code: str, holder: Any, host: Any, holder_client: TestClient) -> None:
    circle = make_circle(host, "reading", name="读书会")
    make_circle(host, "running", name="晨跑团")
    join(holder, circle)
    page = holder_client.get(f"/certificates/{code}").get_data(as_text=True)
    assert '<option value="reading">读书会</option>' in page
    assert 'value="running"' not in page, "only the holder's own circles are offered"
    response = holder_client.form(f"/certificates/{code}/share", {"circle": "reading"})
    assert response.status_code == 303 and response.headers["Location"].endswith(f"/certificates/{code}")
    assert "晒出去啦" in holder_client.get(response.headers["Location"]).get_data(as_text=True)
    posts = db.session.scalars(select(Post).where(Post.kind == "certificate")).all()
    assert [(p.circle_id, p.author_id, p.certificate_code, p.status) for p in posts] == [
        (circle.id, holder.id, code, "published")
    ]
    feed = holder_client.get("/c/reading").get_data(as_text=True)
    assert f"/certificates/{code}.png" in feed and "读书会" in feed
    again = holder_client.form(f"/certificates/{code}/share", {"circle": "reading"})
    assert again.status_code == 303
    assert db.session.scalar(select(func.count()).select_from(Post).where(Post.kind == "certificate")) == 1
    refused = holder_client.form(f"/certificates/{code}/share", {"circle": "running"})
    assert refused.status_code == 422, "not a member of that circle"


def test_only_the_holder_may_share(code: str, member_client: Any, member: Any, host: Any) -> None:
    join(member, make_circle(host, "reading", name="读书会"))
    assert member_client.form(f"/certificates/{code}/share", {"circle": "reading"}).status_code == 403
    assert db.session.scalar(select(func.count()).select_from(Post)) == 0


def test_share_needs_a_circle(code: str, holder_client: TestClient) -> None:
    response = holder_client.form(f"/certificates/{code}/share", {"circle": ""})
    assert response.status_code == 422 and "请选择一个你已加入的圈子" in response.get_data(as_text=True)
