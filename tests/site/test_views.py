"""The shell: health, languages, headers, policy pages, manifest."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROME_ZH = "zh-CN,zh;q=0.9,en;q=0.8"


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.get_json() == {"status": "ok", "db": "ok"}


@pytest.mark.parametrize(
    ("accept", "expected", "absent"),
    [
        (CHROME_ZH, "找到你的圈子", "Find your circle"),
        ("zh-CN", "找到你的圈子", "Find your circle"),
        ("", "找到你的圈子", "Find your circle"),
        ("en-US,en;q=0.9", "Find your circle", "找到你的圈子"),
        ("fr-FR,fr;q=0.9", "找到你的圈子", "Find your circle"),
    ],
)
def test_language_from_accept_language(client, accept, expected, absent):
    html = client.get("/", headers={"Accept-Language": accept}).get_data(as_text=True)
    assert expected in html
    assert absent not in html


def test_language_switch_is_remembered(client):
    response = client.form("/lang", {"lang": "en"}, headers={"Referer": "http://localhost/privacy"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/privacy"
    html = client.get("/", headers={"Accept-Language": CHROME_ZH}).get_data(as_text=True)
    assert "Find your circle" in html
    client.form("/lang", {"lang": "zh"})
    assert "找到你的圈子" in client.get("/", headers={"Accept-Language": "en"}).get_data(as_text=True)


def test_tab_bar_and_security_headers(client):
    response = client.get("/")
    html = response.get_data(as_text=True)
    assert "<nav data-tabbar" in html
    for label in ("首页", "圈子", "打卡", "商城", "我的"):
        assert label in html
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "HX-Request" in response.headers.get("Vary", "")


def test_no_inline_script_or_style_in_pages(client):
    html = client.get("/").get_data(as_text=True)
    assert "<script>" not in html and "style=" not in html and "<style" not in html


def test_policy_pages_and_icp(app, client):
    assert "隐私政策" in client.get("/privacy").get_data(as_text=True)
    assert "用户协议" in client.get("/terms").get_data(as_text=True)
    assert "ICP" not in client.get("/").get_data(as_text=True)
    app.config["QUANZI_ICP"] = "京ICP备12345678号"
    # Configuration is read at start-up; a restart begins with an empty page cache.
    app.extensions["page_cache"].clear()
    html = client.get("/").get_data(as_text=True)
    assert "京ICP备12345678号" in html and "beian.miit.gov.cn" in html


def test_manifest(client):
    response = client.get("/manifest.webmanifest")
    assert response.mimetype == "application/manifest+json"
    data = response.get_json(force=True)
    assert data["display"] == "standalone"
    assert {icon["sizes"] for icon in data["icons"]} >= {"192x192", "512x512"}


def test_not_found_page_in_both_languages(client):
    response = client.get("/nope")
    assert response.status_code == 404
    assert "页面不存在" in response.get_data(as_text=True)
    response = client.get("/nope", headers={"Accept-Language": "en"})
    assert "Page not found" in response.get_data(as_text=True)


def test_stylesheet_braces_balance():
    """Feature sections are appended by several people: a lost brace silently kills the rest."""
    css = (Path(__file__).resolve().parents[2] / "static" / "css" / "app.css").read_text()
    depth = 0
    for ch in css:
        depth += {"{": 1, "}": -1}.get(ch, 0)
        assert depth >= 0
    assert depth == 0
