"""Share visits racing each other: the daily cap and the once-per-browser rule hold."""

from __future__ import annotations

import secrets

from sqlalchemy import func, select

from app.core.db import db
from app.points import ledger
from app.points.models import PointsEntry
from app.share import services
from app.share.models import ShareVisit
from tests.circles.factories import join, make_circle, make_post
from tests.store.test_concurrency import run_threads

PHONE = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 Chrome/124.0 Mobile Safari/537.36"


def _paid(user_id: int) -> list[int]:
    query = select(PointsEntry.delta).where(PointsEntry.user_id == user_id, PointsEntry.rule == "share_visit")
    return list(db.session.scalars(query))


def test_twelve_new_browsers_at_once_pay_exactly_five(app, host, member):
    circle = make_circle(host)
    join(member, circle)
    post = make_post(member, circle, body="一起来读书")
    url = f"/c/reading/p/{post.id}?ref={member.invite_code}"

    def open_link() -> int:
        return app.test_client().get(url, headers={"User-Agent": PHONE}).status_code

    statuses = run_threads(app, [open_link] * 12)
    assert statuses == [200] * 12, statuses
    assert _paid(member.id) == [2] * 5
    assert db.session.scalar(select(func.count()).select_from(ShareVisit)) == 12
    assert ledger.find_discrepancies() == [] and ledger.find_rollup_mismatches() == []


def test_one_browser_racing_itself_is_paid_once(app, host, member):
    visitor = secrets.token_hex(16)
    code, sharer_id = member.invite_code, member.id

    def same_browser() -> object:
        return services.record_visit(
            code, visitor_id=visitor, new_visitor=True, viewer_id=None, user_agent=PHONE, path="/"
        )

    results = run_threads(app, [same_browser] * 8)
    assert sum(1 for r in results if isinstance(r, ShareVisit)) == 1, results
    assert all(r is None or isinstance(r, ShareVisit) for r in results), results
    assert _paid(sharer_id) == [2]
    assert ledger.find_discrepancies() == []
