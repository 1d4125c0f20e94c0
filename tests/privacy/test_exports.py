"""Data exports: the ZIP matches the database; who may download; expiry; both build paths."""

from __future__ import annotations

import csv
import io
import json
import time
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from app.accounts.models import User
from app.core import clock
from app.core.db import db
from app.points.models import PointsEntry
from app.posts.models import Post
from app.privacy import exports
from app.privacy.models import DataExport
from tests.badges.conftest import openbadges_itxt
from tests.helpers import make_user

from .conftest import open_zip


def build_for(user: Any) -> DataExport:
    requested = exports.request_export(user, lang="zh", base_url="https://quanzi.example")
    assert requested.created
    assert exports.build(requested.export.id) is True
    db.session.rollback()
    export = db.session.get(DataExport, requested.export.id)
    assert export is not None
    return export


def test_zip_contents_match_the_database(app, member, data, no_threads):
    export = build_for(member)
    assert export.status == "ready" and export.progress == 100
    assert export.expires_at - export.finished_at == timedelta(days=7)
    archive = open_zip(exports.file_path(export).read_bytes())
    names = set(archive.namelist())

    profile = json.loads(archive.read("profile.json"))
    user = db.session.get(User, member.id)
    assert profile["username"] == "meimei" and profile["email"] == "meimei@example.com"
    assert profile["points"] == user.points
    assert "profile.json" in archive.read("README.txt").decode()
    assert "压缩包里有什么" in archive.read("README.txt").decode()

    # Posts: one Markdown file per post of the member, with front matter and the body.
    post_count = db.session.scalar(
        select(func.count()).select_from(Post).where(Post.author_id == member.id, Post.status != "deleted")
    )
    markdown = sorted(n for n in names if n.startswith("posts/") and n.endswith(".md"))
    assert len(markdown) == post_count == 2
    first = data.posts[0]
    first_md = archive.read(f"posts/{first.id}-读书笔记-活着.md").decode()
    assert first_md.startswith("---\n") and f"id: {first.id}" in first_md
    assert 'circle: "读书会"' in first_md and "今天读完了**《活着》**，很受触动。" in first_md
    pictures = sorted(n for n in names if n.startswith(f"posts/{first.id}/"))
    assert pictures == [f"posts/{first.id}/1-p0.jpg", f"posts/{first.id}/2-p1.jpg"]
    assert all(archive.read(p)[:2] == b"\xff\xd8" for p in pictures)
    assert f"![]({first.id}/1-p0.jpg)" in first_md
    assert "补充一句：推荐大家读。" in archive.read("comments.md").decode()

    # Check-ins, with their picture.
    checkins = list(csv.DictReader(io.StringIO(archive.read("checkins.csv").decode("utf-8-sig"))))
    assert len(checkins) == 1 and checkins[0]["body"] == "六点起床，读了二十页"
    assert checkins[0]["image"] == f"checkins/{data.checkin.id}.jpg"
    assert archive.read(checkins[0]["image"])[:2] == b"\xff\xd8"

    # The ledger: UTF-8 with a BOM, one row per entry, summing to the balance.
    raw = archive.read("points.csv")
    assert raw.startswith(b"\xef\xbb\xbf")
    ledger = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    entries = db.session.scalar(
        select(func.count()).select_from(PointsEntry).where(PointsEntry.user_id == member.id)
    )
    assert len(ledger) == entries > 0
    assert sum(int(r["points"]) for r in ledger) == user.points
    assert sum(int(r["growth"]) for r in ledger) == user.growth
    assert any(r["kind"] == "spend" and int(r["points"]) == -5 for r in ledger)

    orders = list(csv.DictReader(io.StringIO(archive.read("orders.csv").decode("utf-8-sig"))))
    assert [(int(o["id"]), o["item"], o["status"]) for o in orders] == [(data.order.id, "帆布袋", "done")]

    # Badges: the listing, the baked certificate PNG and its Open Badges assertion.
    listing = json.loads(archive.read("badges/badges.json"))
    assert [b["name"] for b in listing] == ["读书达人"]
    code = data.certificate.code
    png = archive.read(f"badges/certificates/{code}.png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads(openbadges_itxt(png))["id"] == f"https://quanzi.example/certificates/{code}.json"
    assertion = json.loads(archive.read(f"badges/certificates/{code}.json"))
    assert assertion["type"] == "Assertion" and assertion["recipient"]["hashed"] is True


def test_readme_speaks_the_members_language(app, member, no_threads):
    requested = exports.request_export(member, lang="en")
    assert exports.build(requested.export.id)
    db.session.rollback()
    export = db.session.get(DataExport, requested.export.id)
    readme = open_zip(exports.file_path(export).read_bytes()).read("README.txt").decode()
    assert "What is inside" in readme


def test_one_job_at_a_time_and_a_new_one_after(app, member, no_threads):
    first = exports.request_export(member)
    again = exports.request_export(member)
    assert first.created and not again.created and again.export.id == first.export.id
    assert exports.build(first.export.id)
    assert exports.build(first.export.id) is False  # nothing left to claim
    assert exports.request_export(member).created


def test_a_lapsed_lease_is_taken_over_and_the_first_builder_loses(app, member, no_threads):
    export_id = exports.request_export(member).export.id
    slow = exports.claim(export_id)
    assert slow is not None and exports.claim(export_id) is None
    with clock.freeze(clock.now() + exports.LEASE + timedelta(seconds=1)):
        fast = exports.claim(export_id)
    assert fast is not None
    assert exports.report_progress(slow, 50) is False
    assert exports.finish(slow, "x.zip", 1) is False
    assert exports.finish(fast, "y.zip", 1) is True


def test_the_worker_command_builds_and_purges(app, member, no_threads):
    export_id = exports.request_export(member).export.id
    runner = app.test_cli_runner()
    result = runner.invoke(args=["exports", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert "1 built" in result.output
    db.session.rollback()
    export = db.session.get(DataExport, export_id)
    assert export.status == "ready"
    path = exports.file_path(export)
    assert path.is_file()
    with clock.freeze(clock.now() + timedelta(days=8)):
        result = runner.invoke(args=["exports", "work", "--once"])
    assert "1 expired" in result.output
    db.session.rollback()
    assert db.session.get(DataExport, export_id).status == "expired"
    assert not path.exists()


def wait_ready(client: Any, timeout: float = 30) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        html = client.get("/me/export").get_data(as_text=True)
        if 'data-export-state="idle"' in html and 'data-export-status="ready"' in html:
            return html
        time.sleep(0.1)
    raise AssertionError("the export did not become ready in time")


def test_request_in_the_page_completes_without_a_worker(app, member_client, member, data):
    response = member_client.form("/me/export")
    assert response.status_code == 303 and response.headers["Location"].endswith("/me/export")
    html = wait_ready(member_client)
    export = db.session.scalars(select(DataExport).where(DataExport.user_id == member.id)).one()
    link = f"/me/export/{export.id}.zip"
    assert f'href="{link}"' in html
    download = member_client.get(link)
    assert download.status_code == 200 and download.mimetype == "application/zip"
    assert "private" in download.headers["Cache-Control"]
    assert "profile.json" in open_zip(download.data).namelist()


def test_progress_is_polled_by_htmx_while_it_runs(app, member_client, member, no_threads):
    member_client.form("/me/export")
    page = member_client.get("/me/export").get_data(as_text=True)
    assert 'data-export-state="queued"' in page and 'hx-trigger="every 2s"' in page
    assert '<noscript><meta http-equiv="refresh"' in page
    fragment = member_client.get("/me/export", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.lstrip().startswith('<section id="export-status"') and "<html" not in fragment
    again = member_client.form("/me/export")
    assert again.status_code == 303
    follow = member_client.get("/me/export").get_data(as_text=True)
    assert "已经在准备" in follow or "already being prepared" in follow
    assert db.session.scalar(select(func.count()).select_from(DataExport)) == 1


def test_only_the_owner_downloads_and_anonymous_users_log_in(app, member, client, anon, no_threads):
    export = build_for(member)
    link = f"/me/export/{export.id}.zip"
    other = make_user("other")
    client.login(other.username)
    assert client.get(link).status_code == 404
    assert client.get("/me/export/99999.zip").status_code == 404
    for url in ("/me/export", link, "/me/delete"):
        response = anon.get(url)
        assert response.status_code in (302, 303) and "/auth/login" in response.headers["Location"]


def test_an_expired_export_answers_410_and_its_file_goes(app, member, member_client, no_threads):
    export = build_for(member)
    path = exports.file_path(export)
    assert member_client.get(f"/me/export/{export.id}.zip").status_code == 200
    with clock.freeze(clock.now() + timedelta(days=7, seconds=1)):
        response = member_client.get(f"/me/export/{export.id}.zip")
        page = member_client.get("/me/export").get_data(as_text=True)
    assert response.status_code == 410
    assert not path.exists()
    assert 'data-export-status="expired"' in page and f"/me/export/{export.id}.zip" not in page


def test_export_page_query_count(app, member, member_client, count_queries, no_threads):
    for _ in range(3):
        build_for(member)
    with count_queries() as q:
        response = member_client.get("/me/export")
    assert response.get_data(as_text=True).count("data-export-id=") == 3
    # user (session), the exports list, the layout's unread badge and the site settings.
    assert q.count == EXPECTED_EXPORT_PAGE_QUERIES, q.statements


EXPECTED_EXPORT_PAGE_QUERIES = 4


def test_a_failed_build_is_shown_and_leaves_no_file(app, member, member_client, no_threads, monkeypatch):
    def broken(*_args: Any, **_kwargs: Any) -> None:
        raise OSError("disk full")

    monkeypatch.setattr(exports, "write_archive", broken)
    export_id = exports.request_export(member).export.id
    assert exports.build(export_id) is False
    db.session.rollback()
    export = db.session.get(DataExport, export_id)
    assert export.status == "failed" and "disk full" in export.error
    assert not [p for p in exports.export_root().rglob("*") if p.is_file()]
    html = member_client.get("/me/export").get_data(as_text=True)
    assert "打包出了点问题" in html and 'data-export-state="idle"' in html
    assert exports.request_export(member).created  # a failed job does not block a new one


def test_a_job_left_queued_is_picked_up_by_the_next_request(app, member, member_client):
    # The process that queued it died before building it (no worker runs either).
    app.config["EXPORTS_IN_PROCESS"] = False
    member_client.form("/me/export")
    app.config["EXPORTS_IN_PROCESS"] = True
    assert db.session.scalars(select(DataExport)).one().status == "queued"
    member_client.form("/me/export")
    wait_ready(member_client)
    assert db.session.scalar(select(func.count()).select_from(DataExport)) == 1


def test_htmx_request_swaps_the_panel_and_english_reads_english(app, member_client, no_threads):
    response = member_client.form("/me/export", htmx=True)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and html.lstrip().startswith('<section id="export-status"')
    assert 'data-export-state="queued"' in html and 'hx-trigger="every 2s"' in html
    member_client.set_cookie("lang", "en")
    page = member_client.get("/me/export").get_data(as_text=True)
    assert "Export my data" in page and "Preparing your export" in page
