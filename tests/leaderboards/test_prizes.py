"""Leaderboard prizes: attached by hosts/admins, paid once when the week closes, public history."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.checkins import services as checkins
from app.core import clock
from app.core.audit import AuditEntry
from app.core.db import db
from app.core.errors import Forbidden, Invalid
from app.leaderboards import prizes
from app.leaderboards.models import PrizePayout
from app.notifications.models import Notification
from app.points import ledger
from app.points.models import ADJUST, PointsEntry
from app.store.models import Order, StoreItem
from tests.checkins.factories import at, make_campaign
from tests.circles.factories import join, make_circle
from tests.helpers import make_user
from tests.store.factories import make_item
from tests.store.test_concurrency import run_threads

MONDAY = clock.week_start(clock.today()) - timedelta(days=7)


def html_of(response) -> str:
    return response.get_data(as_text=True)


@pytest.fixture
def week(app, host, admin):
    """Last week on the `reading` circle: check-in days 4, 3, 3 (a tie), 1; prizes for 1st-3rd."""
    circle = make_circle(host)
    people = [make_user(name) for name in ("yue", "zhe", "kun", "qing")]
    for person in people:
        join(person, circle)
    campaign = make_campaign(host, circle, MONDAY, days=7)
    for person, days in zip(people, (4, 3, 3, 1), strict=True):
        for d in range(days):
            with clock.freeze(at(MONDAY + timedelta(days=d), 8)):
                checkins.record_checkin(person, campaign, body="上周的读书打卡")
    item = make_item(admin, title="星光头像框", stock=5)
    with clock.freeze(at(MONDAY, 7)):
        for rank, amount in ((1, 300), (2, 200)):
            prizes.create_prize(
                host, "reading", prizes.PrizeInput("checkins", rank, None, "points", amount=amount)
            )
        prizes.create_prize(host, "reading", prizes.PrizeInput("checkins", 3, 3, "item", item_id=item.id))
    return circle, people, item


def test_close_week_pays_each_prize_once_with_a_clean_ledger(week):
    _circle, (yue, zhe, kun, qing), item = week
    growth_before = {u.id: u.growth for u in (yue, zhe, kun)}
    closed = prizes.close_week()
    assert closed.prizes == 3
    assert prizes.close_week().prizes == 0 and prizes.pay_prizes(MONDAY) == 0

    payouts = db.session.scalars(select(PrizePayout).order_by(PrizePayout.rank)).all()
    # zhe and kun tie on 3 days: the earlier account (lower id) takes 2nd place.
    assert [(p.user_id, p.rank, p.score, p.status) for p in payouts] == [
        (yue.id, 1, 4, "paid"),
        (zhe.id, 2, 3, "paid"),
        (kun.id, 3, 3, "paid"),
    ]
    prize_rows = db.session.scalars(
        select(PointsEntry).where(PointsEntry.idempotency_key.like("lbprize:%"))
    ).all()
    assert sorted((e.user_id, e.delta, e.growth_delta, e.kind) for e in prize_rows) == sorted(
        [(yue.id, 300, 300, ADJUST), (zhe.id, 200, 200, ADJUST)]
    )
    db.session.refresh(yue)
    assert yue.growth >= growth_before[yue.id] + 300
    order = db.session.scalars(select(Order).where(Order.user_id == kun.id)).one()
    assert order.is_prize and order.points_cost == 0 and order.item_id == item.id and order.status == "done"
    assert payouts[2].order_id == order.id
    db.session.refresh(item)
    assert item.stock == 4
    assert ledger.find_discrepancies() == [] and ledger.find_rollup_mismatches() == []
    told = db.session.scalars(
        select(Notification.user_id).where(Notification.kind == "leaderboards.prize")
    ).all()
    assert sorted(told) == sorted([yue.id, zhe.id, kun.id]) and qing.id not in told
    audits = db.session.scalar(
        select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "leaderboards.prize.pay")
    )
    assert audits == 3


def test_concurrent_closes_pay_once(app, week):
    results = run_threads(app, [prizes.close_week] * 4)
    assert sum(r.prizes for r in results if isinstance(r, prizes.WeekClosed)) == 3, results
    assert db.session.scalar(select(func.count()).select_from(PrizePayout)) == 3
    assert db.session.scalar(select(func.count()).select_from(Order).where(Order.is_prize.is_(True))) == 1
    assert ledger.find_discrepancies() == []


def test_a_prize_attached_after_the_week_does_not_reach_back(app, host, week):
    prizes.create_prize(host, "reading", prizes.PrizeInput("checkins", 4, 4, "points", amount=50))
    assert prizes.close_week().prizes == 3


def test_sold_out_item_prize_is_recorded_not_failed(app, week, admin):
    _circle, (_yue, _zhe, kun, _qing), item = week
    db.session.execute(StoreItem.__table__.update().where(StoreItem.id == item.id).values(stock=0))
    db.session.commit()
    assert prizes.close_week().prizes == 2
    payout = db.session.scalars(select(PrizePayout).where(PrizePayout.user_id == kun.id)).one()
    assert payout.status == "unavailable" and payout.order_id is None


def test_only_hosts_and_admins_attach_prizes(app, host, member, admin):
    circle = make_circle(host)
    join(member, circle)
    with pytest.raises(Forbidden):
        prizes.create_prize(member, "reading", prizes.PrizeInput("points", 1, 1, "points", amount=10))
    with pytest.raises(Forbidden):
        prizes.create_prize(host, "site", prizes.PrizeInput("points", 1, 1, "points", amount=10))
    assert (
        prizes.create_prize(admin, "site", prizes.PrizeInput("points", 1, 3, "points", amount=10)).rank_to
        == 3
    )
    with pytest.raises(Invalid) as bad:
        prizes.create_prize(host, "reading", prizes.PrizeInput("points", 3, 2, "points", amount=0))
    assert set(bad.value.fields) == {"rank_to", "amount"}


def test_prize_form_over_http(app, host, member, member_client, host_client, admin):
    circle = make_circle(host)
    join(member, circle)
    fields = {"scope": "reading", "metric": "checkins", "rank_from": "1", "kind": "points", "amount": "300"}
    assert member_client.form("/leaderboards/prizes", fields).status_code == 403
    page = html_of(member_client.get("/leaderboards?scope=reading"))
    assert "本周奖励" in page and "lb-prize-new" not in page

    host_page = html_of(host_client.get("/leaderboards?scope=reading"))
    assert "lb-prize-new" in host_page and 'action="/leaderboards/prizes"' in host_page
    bad = host_client.form("/leaderboards/prizes", {**fields, "amount": "999999"})
    assert bad.status_code == 422
    assert "请填写 1 到 10000 之间的积分" in html_of(bad) and 'value="999999"' in html_of(bad)
    made = host_client.form("/leaderboards/prizes", fields)
    assert made.status_code == 303
    assert made.headers["Location"].endswith("/leaderboards?scope=reading&metric=checkins&period=week#prizes")
    page = html_of(member_client.get("/leaderboards?scope=reading"))
    assert 'data-prize-kind="points"' in page and "300 积分" in page and "第 1 名" in page
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "leaderboards.prize.create")
        )
        == 1
    )

    prize_id = prizes.list_prizes(prizes.services.resolve_scope(host, "reading"))[0].id
    assert member_client.form(f"/leaderboards/prizes/{prize_id}/remove").status_code == 403
    assert host_client.form(f"/leaderboards/prizes/{prize_id}/remove").status_code == 303
    assert 'data-prize-kind="points"' not in html_of(member_client.get("/leaderboards?scope=reading"))


def test_history_is_public_and_pages_in_constant_queries(app, week, anon, count_queries):
    _circle, (yue, *_rest), _item = week
    prizes.close_week()
    with count_queries() as small:
        html = html_of(anon.get("/leaderboards?scope=reading"))
    assert f'data-winner="{yue.username}"' in html and 'data-rank="1"' in html and "+300" in html
    assert "往期获奖" in html and "星光头像框" in html
    assert html.count("data-payout-id=") == 3
    # Four more winners (a top-4 prize on another board): the same statements render them.
    host = prizes.services.resolve_scope(None, "reading").circle.owner
    with clock.freeze(at(MONDAY, 6)):
        prizes.create_prize(host, "reading", prizes.PrizeInput("likes", 1, 4, "points", amount=10))
        prizes.create_prize(host, "reading", prizes.PrizeInput("points", 1, 4, "points", amount=20))
    assert prizes.pay_prizes(MONDAY) == 4
    with count_queries() as big:
        html = html_of(anon.get("/leaderboards?scope=reading"))
    assert html.count("data-payout-id=") == 7
    big.assert_count(small.count)


def test_cli_close_week_reports_prizes(app, week):
    result = app.test_cli_runner().invoke(args=["leaderboards", "close-week"])
    assert result.exit_code == 0, result.output
    assert "paid 3 prize(s)" in result.output
    again = app.test_cli_runner().invoke(args=["leaderboards", "close-week"])
    assert "paid 0 prize(s)" in again.output


def test_history_pages_by_cursor_newest_week_first(app, week, anon, monkeypatch):
    prizes.close_week()
    monkeypatch.setattr(prizes, "HISTORY_PAGE", 2)
    first = html_of(anon.get("/leaderboards?scope=reading"))
    assert re.findall(r'data-rank="(\d)" data-week', first) == ["1", "2"]
    more = re.search(r'href="([^"]*history=[^"#]+)', first)
    assert more is not None
    second = html_of(anon.get(more.group(1).replace("&amp;", "&")))
    assert re.findall(r'data-rank="(\d)" data-week', second) == ["3"]
