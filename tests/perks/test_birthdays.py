"""Birthday perks (生日福利): settings, the 02-29 rule, the daily command, the lazy path."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from app.accounts import services as accounts
from app.accounts.models import User
from app.core import clock
from app.core.audit import AuditEntry
from app.core.db import db
from app.notifications.models import Notification
from app.notifications.services import render
from app.perks import birthdays
from app.points import ledger
from app.points.models import PointsEntry, Tier
from app.store import services as store
from tests.helpers import make_user

from .factories import at, member_with_points, trial_card

BIRTHDAY = date(2026, 6, 15)


def set_birthday(user: User, month: int | None, day: int | None) -> User:
    return accounts.update_profile(user, display_name=user.display_name, bio=user.bio, birthday=(month, day))


def birthday_rows(user_id: int) -> list[PointsEntry]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(PointsEntry).where(PointsEntry.user_id == user_id, PointsEntry.rule == "birthday")
        )
    )


# --- Settings --------------------------------------------------------------------------------


def test_settings_store_month_and_day(member, member_client):
    page = member_client.get("/me/settings").get_data(as_text=True)
    assert 'name="birthday_month"' in page and 'name="birthday_day"' in page
    response = member_client.form(
        "/me/settings", {"display_name": "梅梅", "bio": "", "birthday_month": "2", "birthday_day": "29"}
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, member.id).birthday == date(2000, 2, 29)
    again = member_client.get("/me/settings").get_data(as_text=True)
    assert '<option selected value="2">' in again and '<option selected value="29">' in again
    cleared = member_client.form(
        "/me/settings", {"display_name": "梅梅", "birthday_month": "", "birthday_day": ""}
    )
    assert cleared.status_code == 303
    db.session.expire_all()
    assert db.session.get(User, member.id).birthday is None


@pytest.mark.parametrize(
    ("month", "day", "field"),
    [
        ("2", "30", "birthday_day"),
        ("4", "31", "birthday_day"),
        ("13", "1", "birthday_month"),
        ("", "5", "birthday_month"),
        ("5", "", "birthday_day"),
    ],
)
def test_invalid_birthdays_are_422_with_the_text_kept(member, member_client, month, day, field):
    response = member_client.form(
        "/me/settings", {"display_name": "新名字", "bio": "", "birthday_month": month, "birthday_day": day}
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "新名字" in html and f'id="{field}-error"' in html
    db.session.expire_all()
    user = db.session.get(User, member.id)
    assert user.birthday is None and user.display_name == "梅梅"


def test_other_profile_saves_keep_the_birthday(member):
    set_birthday(member, 7, 1)
    accounts.update_profile(member, display_name="梅梅", bio="爱读书")
    db.session.expire_all()
    assert db.session.get(User, member.id).birthday == date(2000, 7, 1)


# --- The rules -------------------------------------------------------------------------------


def test_leap_day_birthdays_are_celebrated_on_feb_28_in_other_years():
    leap = date(2000, 2, 29)
    assert birthdays.is_birthday(leap, date(2027, 2, 28))
    assert not birthdays.is_birthday(leap, date(2027, 3, 1))
    assert birthdays.is_birthday(leap, date(2028, 2, 29))
    assert not birthdays.is_birthday(leap, date(2028, 2, 28))
    assert birthdays.is_birthday(date(2000, 2, 28), date(2027, 2, 28))


def test_paid_on_the_birthday_once_a_year_with_a_notification(member):
    set_birthday(member, 6, 15)
    with clock.freeze(at(date(2026, 6, 14))):
        assert birthdays.pay_birthday(member.id) is None  # not the day
    with clock.freeze(at(BIRTHDAY, 0, 5)):
        entry = birthdays.pay_birthday(member.id)
        assert entry is not None and entry.delta == 20 and entry.growth_delta == 20
        assert entry.idempotency_key == f"birthday:{member.id}:2026"
        assert birthdays.pay_birthday(member.id) is None
    with clock.freeze(at(BIRTHDAY, 23, 50)):
        assert birthdays.pay_birthday(member.id) is None
    notes = db.session.scalars(select(Notification).where(Notification.user_id == member.id)).all()
    assert [n.kind for n in notes] == ["birthday"]  # no second, generic "you earned" notice
    assert render(notes[0]).text == "生日快乐！送你 20 积分"
    with clock.freeze(at(date(2027, 6, 15))):
        assert birthdays.pay_birthday(member.id).delta == 20  # next year again
    assert len(birthday_rows(member.id)) == 2 and ledger.find_discrepancies() == []


def test_the_tier_decides_the_points_and_its_multiplier_applies(admin):
    advanced = member_with_points("advancedbday", 1000)  # growth 1000: 高级会员
    trying = member_with_points("trialbday", 300)
    plain = make_user("plainbday")
    for user in (advanced, trying, plain):
        set_birthday(user, 6, 15)
    card_id = trial_card(admin, "premium", days=3, cost=100).id
    with clock.freeze(at(date(2026, 6, 14))):
        store.redeem(db.session.get(User, trying.id), card_id, request_id="req-bday-trial")
    with clock.freeze(at(BIRTHDAY)):
        assert birthdays.pay_birthday(advanced.id).delta == 60  # 50 × 1.2
        assert birthdays.pay_birthday(trying.id).delta == 150  # a premium trial: 100 × 1.5
        assert birthdays.pay_birthday(plain.id).delta == 20


def test_a_tier_with_no_birthday_points_pays_nothing(member):
    db.session.execute(Tier.__table__.update().values(birthday_points=0))
    db.session.commit()
    set_birthday(member, 6, 15)
    with clock.freeze(at(BIRTHDAY)):
        assert birthdays.pay_birthday(member.id) is None
    assert birthday_rows(member.id) == []


# --- The daily command ----------------------------------------------------------------------


def test_perks_daily_pays_todays_birthdays_and_is_idempotent(app):
    today_ids = [make_user(f"june{i}").id for i in range(3)]
    for user_id in today_ids:
        set_birthday(db.session.get(User, user_id), 6, 15)
    other = make_user("july")
    set_birthday(other, 7, 15)
    nobody = make_user("nobirthday")
    runner = app.test_cli_runner()
    with clock.freeze(at(BIRTHDAY, 0, 10)):
        first = runner.invoke(args=["perks", "daily"])
        second = runner.invoke(args=["perks", "daily"])
    assert first.exit_code == 0 and "3 paid" in first.output, first.output
    assert second.exit_code == 0 and "0 paid" in second.output and "3 already paid" in second.output
    db.session.expire_all()
    assert all(len(birthday_rows(u)) == 1 for u in today_ids)
    assert birthday_rows(other.id) == [] and birthday_rows(nobody.id) == []


def test_perks_daily_on_feb_28_of_a_common_year_includes_leap_day_birthdays(app):
    leap = make_user("leapling")
    set_birthday(leap, 2, 29)
    runner = app.test_cli_runner()
    with clock.freeze(at(date(2027, 3, 1))):
        assert "0 paid" in runner.invoke(args=["perks", "daily"]).output
    with clock.freeze(at(date(2027, 2, 28))):
        assert "1 paid" in runner.invoke(args=["perks", "daily"]).output
    assert [e.idempotency_key for e in birthday_rows(leap.id)] == [f"birthday:{leap.id}:2027"]


# --- The lazy path ---------------------------------------------------------------------------


def test_first_request_of_the_birthday_pays_when_the_command_did_not(member, member_client, count_queries):
    set_birthday(member, 6, 15)
    with clock.freeze(at(date(2026, 6, 14), 20)):
        member_client.get("/me")
    assert birthday_rows(member.id) == []
    with clock.freeze(at(BIRTHDAY, 8)):
        page = member_client.get("/notifications").get_data(as_text=True)
        assert "生日快乐！送你 20 积分" in page
        assert [e.delta for e in birthday_rows(member.id)] == [20]
        # Later requests that day never look at the ledger again (the session remembers).
        with count_queries() as q:
            member_client.get("/me")
        assert not any("points_entry" in s for s in q.statements), q.statements
    with clock.freeze(at(date(2026, 6, 16), 8)):
        member_client.get("/me")
    assert len(birthday_rows(member.id)) == 1


def test_a_birthday_set_on_the_day_is_still_celebrated(member, member_client):
    with clock.freeze(at(BIRTHDAY, 8)):
        member_client.get("/me")  # today checked: no birthday yet
        response = member_client.form(
            "/me/settings", {"display_name": "梅梅", "birthday_month": "6", "birthday_day": "15"}
        )
        assert response.status_code == 303
        member_client.get("/me")
    assert [e.delta for e in birthday_rows(member.id)] == [20]


def test_no_birthday_means_no_query_for_it(member, member_client, count_queries):
    with clock.freeze(at(BIRTHDAY, 8)), count_queries() as q:
        member_client.get("/me")
    assert not any("points_entry" in s for s in q.statements)


# --- Admin -----------------------------------------------------------------------------------


def test_admin_edits_birthday_points_audited(admin, admin_client):
    advanced = db.session.scalar(select(Tier).where(Tier.slug == "advanced"))
    assert advanced.birthday_points == 50
    page = admin_client.get("/admin/tiers").get_data(as_text=True)
    assert f'name="t{advanced.id}-birthday_points"' in page
    prefix = f"t{advanced.id}"
    response = admin_client.form(
        f"/admin/tiers/{advanced.id}",
        {
            f"{prefix}-name_zh": "高级会员",
            f"{prefix}-name_en": "Advanced member",
            f"{prefix}-threshold": "1000",
            f"{prefix}-multiplier_pct": "120",
            f"{prefix}-birthday_points": "88",
        },
    )
    assert response.status_code == 303
    db.session.expire_all()
    assert db.session.get(Tier, advanced.id).birthday_points == 88
    entry = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "tier.update")).one()
    assert entry.data["before"]["birthday_points"] == 50 and entry.data["after"]["birthday_points"] == 88
    bad = admin_client.form(
        f"/admin/tiers/{advanced.id}",
        {
            f"{prefix}-name_zh": "高级会员",
            f"{prefix}-name_en": "Advanced member",
            f"{prefix}-threshold": "1000",
            f"{prefix}-multiplier_pct": "120",
            f"{prefix}-birthday_points": "-5",
        },
    )
    assert bad.status_code == 422
    assert (
        db.session.scalar(
            select(func.count()).select_from(AuditEntry).where(AuditEntry.action == "tier.update")
        )
        == 1
    )
