"""CSV exports: BOM, headers, formula escaping, placeholders, and bounded memory at 100k rows."""

from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import date
from typing import Any

import sqlalchemy as sa

from app.admin import exports
from app.core.db import db
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


def test_placeholder_exports_answer_headers_until_a_feature_registers(app: Any) -> None:
    assert "".join(exports.stream_csv(exports.get_exporter("checkins"))).count("\n") == 1
    original = exports._exporters.pop("checkins", None)
    try:
        exports.register_exporter("checkins", exports.Exporter(["id"], lambda: iter([(1,), (2,)])))
        assert "".join(exports.stream_csv(exports.get_exporter("checkins"))) == "\ufeffid\r\n1\r\n2\r\n"
    finally:
        exports._exporters.pop("checkins", None)
        if original is not None:
            exports._exporters["checkins"] = original
    assert set(exports.export_names()) >= {"members", "points", "orders", "checkins", "campaigns"}
