"""CSV exports: BOM, headers, formula escaping, placeholders, and bounded memory at 100k rows."""

from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import date, timedelta
from typing import Any

import sqlalchemy as sa

from app.admin import exports
from app.core.db import db
from tests.checkins.factories import at, check_in, make_campaign
from tests.circles.factories import join, make_circle
from tests.helpers import make_user

ROWS = 100_000


def _fill_ledger(user_id: int) -> None:
    # Generated inside the database: 100k rows without 100k Python objects.
    db.session.execute(
        sa.text(
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :rows) "
            "INSERT INTO points_entry (user_id, kind, delta, growth_delta, rule, reason, reference, "
            "idempotency_key, day, created_at) "
            "SELECT :uid, 'earn', 1, 1, 'post', '读书笔记', '', 'bulk:' || i, :day, :at FROM n"
        ),
        {"rows": ROWS, "uid": user_id, "day": date(2026, 11, 1), "at": "2026-11-01 02:00:00"},
    )
    db.session.commit()


def test_points_export_of_100k_rows_streams_in_bounded_memory(app: Any) -> None:
    user = make_user("bulk")
    _fill_ledger(user.id)
    stream = exports.stream_csv(exports.get_exporter("points"))
    head = next(stream)
    assert head.startswith("\ufeffid,username,kind")
    tracemalloc.start()
    rows = chunks = 0
    peak = 0
    try:
        for chunk in stream:
            rows += chunk.count("\n")
            chunks += 1
            peak = max(peak, tracemalloc.get_traced_memory()[1])
    finally:
        tracemalloc.stop()
    assert rows == ROWS
    assert chunks >= ROWS // exports.BATCH
    # A list of 100k rows would take tens of MB; the stream holds one batch at a time.
    assert peak < 8 * 1024 * 1024, peak


def test_csv_cells_are_safe_for_excel(app: Any) -> None:
    make_user("formula", display_name="=HYPERLINK(1)")
    text = "".join(exports.stream_csv(exports.get_exporter("members")))
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    row = next(r for r in rows if r[1] == "formula")
    assert row[2] == "'=HYPERLINK(1)"


def test_checkin_and_campaign_exports_come_from_the_campaigns_feature(
    app: Any, host: Any, member: Any
) -> None:
    circle = make_circle(host, "morning")
    join(member, circle)
    monday = date(2026, 11, 23)
    campaign = make_campaign(host, circle, monday, days=2, title="早安打卡")
    check_in(member, campaign, at(monday, 7))
    check_in(member, campaign, at(monday + timedelta(days=1), 7))
    check_in(host, campaign, at(monday, 8))

    def rows(name: str) -> list[list[str]]:
        text = "".join(exports.stream_csv(exports.get_exporter(name)))
        assert text.startswith("\ufeff")
        return list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))

    checkins = rows("checkins")
    assert checkins[0] == ["id", "username", "circle", "campaign_id", "day", "recommended", "created_at"]
    assert [(r[1], r[2], r[4]) for r in checkins[1:]] == [
        ("meimei", "morning", "2026-11-23"),
        ("meimei", "morning", "2026-11-24"),
        ("hostwang", "morning", "2026-11-23"),
    ]
    campaigns = rows("campaigns")
    assert campaigns[1][1:] == ["morning", "早安打卡", "2026-11-23", "2", "2", "1", "50%"]
    assert set(exports.export_names()) >= {"members", "points", "orders", "checkins", "campaigns"}
