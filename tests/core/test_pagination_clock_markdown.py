"""Keyset pagination, the site clock, and the Markdown renderer."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import select

from app.accounts.models import User
from app.core import clock
from app.core.db import db
from app.core.errors import Invalid
from app.core.markdown import plain_excerpt, render_markdown
from app.core.pagination import decode_cursor, encode_cursor, keyset
from tests.helpers import make_user


def test_keyset_walks_every_row_once_in_order(app, count_queries):
    base = datetime(2026, 11, 1, tzinfo=UTC)
    for i in range(7):
        with clock.freeze(base + timedelta(minutes=i // 2)):  # ties on created_at
            make_user(f"page{i:02d}")
    order = [(User.created_at, True), (User.id, True)]
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        with count_queries() as q:
            page = keyset(select(User), order, cursor=cursor, limit=3)
        q.assert_count(1)
        seen += [u.username for u in page.items]
        pages += 1
        cursor = page.next_cursor
        if cursor is None:
            break
    everyone = db.session.scalars(select(User)).all()
    expected = [u.username for u in sorted(everyone, key=lambda u: (u.created_at, u.id), reverse=True)]
    assert seen == expected
    assert pages == 3


def test_bad_cursors_are_invalid_not_errors():
    for bad in ("%%%", "bm90LWpzb24", encode_cursor([1, 2, 3])):
        with pytest.raises(Invalid):
            decode_cursor(bad, [int, int])


def test_cursor_round_trip_with_dates():
    values = [datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC), date(2026, 5, 6), 42]
    assert decode_cursor(encode_cursor(values), [datetime, date, int]) == values


def test_site_day_boundaries_in_shanghai(app):
    with clock.freeze(datetime(2026, 11, 22, 15, 59, tzinfo=UTC)):  # 23:59 in Shanghai
        assert clock.today() == date(2026, 11, 22)
    with clock.freeze(datetime(2026, 11, 22, 16, 1, tzinfo=UTC)):  # 00:01 next day
        assert clock.today() == date(2026, 11, 23)
    assert clock.day_start(date(2026, 11, 23)) == datetime(2026, 11, 22, 16, 0, tzinfo=UTC)
    assert clock.week_start(date(2026, 11, 29)) == date(2026, 11, 23)  # Sunday -> Monday
    assert clock.month_start(date(2026, 11, 29)) == date(2026, 11, 1)


def test_timezone_is_configurable(app):
    app.config["QUANZI_TIMEZONE"] = "UTC"
    with app.app_context(), clock.freeze(datetime(2026, 11, 22, 16, 1, tzinfo=UTC)):
        assert clock.today() == date(2026, 11, 22)


def test_freeze_needs_aware_time():
    with pytest.raises(ValueError), clock.freeze(datetime(2026, 1, 1)):
        pass


def test_markdown_cjk_emphasis_and_sanitising():
    assert "<strong>“重点”</strong>" in render_markdown("这是**“重点”**内容")
    html = str(
        render_markdown(
            "[x](javascript:alert(1)) <script>alert(1)</script> <img src=x onerror=alert(1)> [ok](https://a.example)"
        )
    )
    assert "<script" not in html and "<img" not in html and 'href="javascript' not in html
    assert '<a href="https://a.example" rel="nofollow ugc noopener">ok</a>' in html


def test_markdown_entities_cannot_smuggle_schemes():
    html = str(render_markdown("[x](jav&#x61;script:alert(1)) [y](data:text/html,hi)"))
    assert "href" not in html


def test_plain_excerpt():
    assert plain_excerpt("# 标题\n\n**粗体** 与 <b>标签</b>", 50) == "标题 粗体 与 <b>标签</b>"
    assert plain_excerpt("字" * 200, 10) == "字" * 9 + "…"
