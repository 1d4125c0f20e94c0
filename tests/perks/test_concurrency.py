"""Real threads, each with its own connection: once-a-year birthdays and stacked trials hold."""

from __future__ import annotations

from datetime import date

from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import User
from app.core import clock
from app.core.db import db
from app.notifications.models import Notification
from app.perks import birthdays
from app.points import ledger
from app.points.models import PointsEntry, TierTrial
from app.points.tiers import get_tier_status
from app.store import services as store
from tests.helpers import TestClient, make_user
from tests.store.test_concurrency import run_threads

from .factories import at, member_with_points, trial_card

BIRTHDAY = date(2026, 6, 15)


def test_birthday_is_paid_once_when_command_and_lazy_path_race(app):
    user_ids = []
    for i in range(3):
        user = make_user(f"racer{i}")
        accounts.update_profile(user, display_name="", bio="", birthday=(6, 15))
        user_ids.append(user.id)
    clients: list[TestClient] = []
    for i in range(3):
        c: TestClient = app.test_client()  # type: ignore[assignment]
        c.login(f"racer{i}")
        clients.append(c)

    def lazy(c: TestClient) -> int:
        return c.get("/me").status_code

    jobs = [
        birthdays.pay_todays_birthdays,
        birthdays.pay_todays_birthdays,
        *[lambda c=c: lazy(c) for c in clients],
        *[lambda u=u: birthdays.pay_birthday(u) and "paid" for u in user_ids],
    ]
    with clock.freeze(at(BIRTHDAY, 7)):
        results = run_threads(app, jobs)
    assert not [r for r in results if isinstance(r, Exception)], results
    assert results[2:5] == [200, 200, 200]
    rows = db.session.execute(
        select(PointsEntry.user_id, func.count(), func.sum(PointsEntry.delta))
        .where(PointsEntry.rule == "birthday")
        .group_by(PointsEntry.user_id)
    ).all()
    assert sorted((int(u), int(n), int(s)) for u, n, s in rows) == [(u, 1, 20) for u in sorted(user_ids)]
    notes = db.session.scalar(
        select(func.count()).select_from(Notification).where(Notification.kind == "birthday")
    )
    assert notes == 3
    assert all(db.session.get(User, u).points == 20 for u in user_ids)
    assert ledger.find_discrepancies() == []


def test_two_cards_of_one_tier_at_once_both_extend(app, admin):
    buyer_id = member_with_points("stacker", 300).id
    card_id = trial_card(admin, "advanced", days=7, cost=50).id

    def buy(request_id: str) -> bool:
        return store.redeem(db.session.get(User, buyer_id), card_id, request_id=request_id).created

    with clock.freeze(at(date(2026, 12, 4))):
        results = run_threads(app, [lambda: buy("req-stack-01"), lambda: buy("req-stack-02")])
        assert results == [True, True], results
        status = get_tier_status(db.session.get(User, buyer_id))
    assert db.session.scalar(select(func.count()).select_from(TierTrial)) == 1
    assert status.trial is not None and status.trial.last_day == date(2026, 12, 18)  # 7 + 7 days
    assert db.session.get(User, buyer_id).points == 200 and ledger.find_discrepancies() == []
