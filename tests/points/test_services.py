"""Ledger arithmetic, earning rules, caps, tiers, sign-in and the event handlers."""

from __future__ import annotations

import io
import itertools
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import func, select, text
from sqlalchemy.exc import IntegrityError

from app.accounts import services as accounts
from app.accounts.models import User
from app.core import clock, events
from app.core.db import db, use_case
from app.core.errors import Conflict
from app.core.permissions import can
from app.points import ledger, signin, tasks
from app.points.models import PointsDaily, PointsEntry, RuleDayCount
from app.points.tiers import get_effective_tier, get_progress, get_tier_by_slug, start_trial
from tests.helpers import image_bytes, make_user

SHANGHAI = ZoneInfo("Asia/Shanghai")
_names = itertools.count()


def fresh(user: User) -> User:
    db.session.expire_all()
    got = db.session.get(User, user.id)
    assert got is not None
    return got


def ledger_sums(user_id: int) -> tuple[int, int]:
    row = db.session.execute(
        select(
            func.coalesce(func.sum(PointsEntry.delta), 0),
            func.coalesce(func.sum(PointsEntry.growth_delta), 0),
        ).where(PointsEntry.user_id == user_id)
    ).one()
    return int(row[0]), int(row[1])


def test_award_is_idempotent_and_moves_balance_growth_and_rollup(member):
    first = ledger.award_points(member.id, rule="post", idempotency_key="post:1", reference="post:1")
    again = ledger.award_points(member.id, rule="post", idempotency_key="post:1", reference="post:1")
    assert first is not None and first.delta == 10 and again is None
    user = fresh(member)
    assert (user.points, user.growth) == (10, 10)
    assert db.session.get(PointsDaily, (member.id, clock.today())).earned == 10
    assert ledger.find_discrepancies() == []


def test_daily_cap_counts_per_site_day(member):
    night = datetime(2026, 11, 23, 15, 59, tzinfo=UTC)  # 23:59 in Shanghai
    with clock.freeze(night):
        paid = [ledger.award_points(member.id, rule="post", idempotency_key=f"post:{i}") for i in range(5)]
    assert [e is not None for e in paid] == [True, True, True, False, False]
    with clock.freeze(datetime(2026, 11, 23, 16, 1, tzinfo=UTC)):  # 00:01 the next day
        assert ledger.award_points(member.id, rule="post", idempotency_key="post:9") is not None
    assert fresh(member).points == 40


def test_spend_never_goes_negative(member):
    ledger.award_points(member.id, rule="comment", idempotency_key="comment:1")
    with pytest.raises(Conflict):
        ledger.spend_points(member.id, points=3, idempotency_key="order:1")
    assert fresh(member).points == 2
    with pytest.raises(IntegrityError):  # the CHECK constraint backs the conditional UPDATE
        db.session.execute(text("UPDATE user_account SET points = -1 WHERE id = :id"), {"id": member.id})
    db.session.rollback()


def test_tier_multiplier_rounds_down_and_tier_reached_is_published(member, captured):
    ledger.adjust_balance(member.id, delta=1000, reason="test", actor_id=None)
    assert [type(e).__name__ for e in captured] == ["TierReached"]
    assert captured[0].tier_id == get_tier_by_slug("advanced").id
    assert get_effective_tier(fresh(member)).slug == "advanced"
    assert ledger.award_points(member.id, rule="comment", idempotency_key="comment:1").delta == 2  # 2.4
    assert ledger.award_points(member.id, rule="post", idempotency_key="post:1").delta == 12
    ledger.adjust_balance(member.id, delta=4000, reason="test", actor_id=None)
    assert ledger.award_points(member.id, rule="comment", idempotency_key="comment:2").delta == 3
    assert ledger.find_discrepancies() == []


def test_tier_trial_counts_while_it_lasts(member):
    assert not can(member, "tiers.reaches", "premium") and can(member, "tiers.reaches", "normal")
    use_case(start_trial)(member.id, get_tier_by_slug("premium").id, days=3, reference="order:1")
    assert get_effective_tier(member).slug == "premium" and can(member, "tiers.reaches", "premium")
    with clock.freeze(clock.now() + timedelta(days=4)):
        assert get_effective_tier(member).slug == "normal"


def test_progress_to_next_tier(member):
    ledger.adjust_balance(member.id, delta=250, reason="t", actor_id=None)
    progress = get_progress(fresh(member))
    got = (progress.tier.slug, progress.next_tier.slug, progress.needed, progress.percent)
    assert got == ("normal", "advanced", 750, 25)


def test_big_awards_are_announced(member, captured):
    ledger.award_points(member.id, rule="comment", idempotency_key="comment:1")
    ledger.award_points(member.id, rule="featured", idempotency_key="featured:1")
    awarded = [e for e in captured if isinstance(e, events.PointsAwarded)]
    assert [(e.delta, e.reason) for e in awarded] == [(50, "featured")]


def test_reversal_takes_back_what_the_post_earned_floored_at_zero(member):
    ledger.award_points(member.id, rule="post", idempotency_key="post:7", reference="post:7")
    ledger.award_points(member.id, rule="featured", idempotency_key="featured:7", reference="post:7")
    ledger.award_points(member.id, rule="comment", idempotency_key="comment:1", reference="comment:1")
    ledger.spend_points(member.id, points=55, idempotency_key="order:1")
    assert fresh(member).points == 7
    entry = ledger.reverse_reference(member.id, reference="post:7", reason="delete")
    assert (entry.delta, entry.growth_delta) == (-7, -60)
    assert ledger.reverse_reference(member.id, reference="post:7") is None
    user = fresh(member)
    assert (user.points, user.growth) == (0, 2)
    assert ledger_sums(member.id) == (0, 2)


def test_admin_adjustments_move_growth_both_ways_floored(member):
    ledger.adjust_balance(member.id, delta=30, reason="gift", actor_id=None)
    ledger.spend_points(member.id, points=20, idempotency_key="order:1")
    entry = ledger.adjust_balance(member.id, delta=-50, reason="oops", actor_id=None)
    assert (entry.delta, entry.growth_delta) == (-10, -30)
    user = fresh(member)
    assert (user.points, user.growth) == (0, 0)


operations = st.lists(
    st.tuples(st.sampled_from(["earn", "spend", "refund", "reverse", "adjust"]), st.integers(-300, 300)),
    max_size=25,
)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(ops=operations)
def test_any_sequence_keeps_the_books_balanced(app, ops):
    user = make_user(f"prop{next(_names)}")
    refs: list[str] = []
    for i, (op, n) in enumerate(ops):
        growth_before = fresh(user).growth
        points_before = fresh(user).points
        if op == "earn":
            ref = f"post:{i}"
            ledger.award_points(
                user.id, rule="featured", idempotency_key=f"p{i}", points=abs(n), reference=ref
            )
            refs.append(ref)
        elif op == "spend":
            try:
                ledger.spend_points(user.id, points=abs(n), idempotency_key=f"s{i}")
            except Conflict:
                assert abs(n) > points_before
        elif op == "refund":
            ledger.refund_points(user.id, points=abs(n), idempotency_key=f"r{i}")
        elif op == "reverse" and refs:
            ledger.reverse_reference(user.id, reference=refs[n % len(refs)])
        elif op == "adjust":
            ledger.adjust_balance(user.id, delta=n, reason="prop", actor_id=None)
        after = fresh(user)
        assert after.points >= 0 and after.growth >= 0
        assert (after.points, after.growth) == ledger_sums(user.id)
        if after.growth < growth_before:
            assert op == "reverse" or (op == "adjust" and n < 0)
    assert ledger.find_discrepancies() == []
    assert ledger.find_rollup_mismatches() == []
    assert ledger.find_earned_mismatches() == []
    earned = db.session.scalar(
        select(func.sum(PointsEntry.delta)).where(PointsEntry.user_id == user.id, PointsEntry.kind == "earn")
    )
    assert fresh(user).earned == (earned or 0)


def test_audit_command_reports_a_broken_balance(app, member):
    ledger.award_points(member.id, rule="post", idempotency_key="post:1")
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["points", "audit"])
    assert ok.exit_code == 0 and "OK" in ok.output
    db.session.execute(text("UPDATE user_account SET points = points + 3 WHERE id = :id"), {"id": member.id})
    db.session.commit()
    bad = runner.invoke(args=["points", "audit"])
    assert bad.exit_code == 1
    assert "meimei" in bad.output and "points 13 != ledger 10" in bad.output
    db.session.execute(
        text("UPDATE user_account SET points = points - 3, earned = 7 WHERE id = :id"), {"id": member.id}
    )
    db.session.commit()
    lifetime = runner.invoke(args=["points", "audit"])
    assert lifetime.exit_code == 1
    assert f"user {member.id}: lifetime earnings 7 != ledger earnings 10" in lifetime.output


def test_sign_in_once_a_day_with_streak_bonus_on_day_seven(member, captured):
    start = datetime(2026, 11, 1, 2, 0, tzinfo=UTC)
    for day in range(8):
        with clock.freeze(start + timedelta(days=day)):
            result = signin.sign_in(member)
            assert result.created and result.signin.streak == day + 1
            assert not signin.sign_in(member).created
    points = [e.delta for e in db.session.scalars(select(PointsEntry).order_by(PointsEntry.id))]
    assert points == [5, 5, 5, 5, 5, 5, 25, 5]
    assert [e.streak for e in captured if isinstance(e, events.SignedIn)] == [1, 2, 3, 4, 5, 6, 7, 8]
    with clock.freeze(start + timedelta(days=10)):  # a gap breaks the streak
        assert signin.sign_in(member).signin.streak == 1


def test_sign_in_day_boundary_is_midnight_in_shanghai(member):
    with clock.freeze(datetime(2026, 11, 23, 23, 59, tzinfo=SHANGHAI)):
        first = signin.sign_in(member)
    with clock.freeze(datetime(2026, 11, 24, 0, 1, tzinfo=SHANGHAI)):
        second = signin.sign_in(member)
        assert signin.get_signin_state(member).signed_today
    assert (first.signin.day, second.signin.day) == (date(2026, 11, 23), date(2026, 11, 24))
    assert second.created and second.signin.streak == 2


@use_case
def publish(event: events.Event) -> None:
    events.publish(event)


def test_post_events_pay_once_and_removal_reverses(member):
    publish(events.PostPublished(post_id=5, author_id=member.id, circle_id=1))
    publish(events.PostPublished(post_id=5, author_id=member.id, circle_id=1))
    publish(events.PostFeatured(post_id=5, author_id=member.id, circle_id=1, actor_id=1))
    assert fresh(member).points == 10 + 20 + 50  # post, first-post task, featured
    publish(events.PostRemoved(post_id=5, author_id=member.id, circle_id=1, action="delete"))
    assert (fresh(member).points, fresh(member).growth) == (0, 0)
    publish(events.PostPublished(post_id=6, author_id=member.id, circle_id=1))
    assert fresh(member).points == 10  # the newbie task never pays twice


def test_likes_cannot_be_farmed(member, host):
    like = events.LikeReceived(
        target_kind="post", target_id=3, liker_id=host.id, owner_id=member.id, circle_id=1
    )
    publish(like)
    publish(like)  # unlike, then like again
    self_like = events.LikeReceived(
        target_kind="post", target_id=3, liker_id=member.id, owner_id=member.id, circle_id=1
    )
    publish(self_like)
    assert fresh(member).points == 1


def test_like_cap_is_twenty_a_day(member):
    for liker in range(25):
        publish(
            events.LikeReceived(
                target_kind="post", target_id=1, liker_id=1000 + liker, owner_id=member.id, circle_id=1
            )
        )
    assert fresh(member).points == 20


def test_checkins_campaigns_tasks_and_invites(app, member):
    invitee = make_user("newbie1")
    db.session.execute(
        text("UPDATE user_account SET invited_by_id = :m WHERE id = :i"), {"m": member.id, "i": invitee.id}
    )
    db.session.commit()
    publish(events.UserRegistered(user_id=invitee.id, invited_by_id=member.id))
    assert fresh(member).points == 0  # a bare sign-up pays nobody
    day = clock.today()
    for checkin_id in (1, 2, 2):
        publish(
            events.CheckinRecorded(
                checkin_id=checkin_id, user_id=invitee.id, campaign_id=2, circle_id=1, day=day, points=15
            )
        )
    for _ in range(2):
        publish(events.CampaignCompleted(user_id=invitee.id, campaign_id=2, circle_id=1, points=50))
    publish(events.CircleJoined(user_id=invitee.id, circle_id=1))
    publish(events.CommentCreated(comment_id=4, post_id=1, author_id=invitee.id, circle_id=1))
    assert fresh(invitee).points == 15 + 15 + 20 + 50 + 20 + 2
    assert fresh(member).points == 100
    done = {t.key: t.complete for t in tasks.list_newbie_tasks(invitee)}
    assert done == {
        "complete_profile": False,
        "join_circle": True,
        "first_post": False,
        "first_checkin": True,
    }
    daily = {t.key: (t.done, t.target) for t in tasks.list_daily_tasks(invitee)}
    assert daily["comment"] == (1, 10) and daily["checkin"] == (1, 1) and daily["post"] == (0, 3)


def test_complete_profile_task_needs_name_bio_and_avatar(member):
    accounts.update_profile(member, display_name="梅梅", bio="")
    assert fresh(member).points == 0
    accounts.update_profile(
        member, display_name="梅梅", bio="爱读书", avatar=io.BytesIO(image_bytes()), avatar_filename="a.png"
    )
    assert fresh(member).points == 20


def test_sign_in_card_counts_days_to_the_bonus_and_shows_tier_points(member):
    start = datetime(2026, 11, 2, 8, 0, tzinfo=SHANGHAI)
    with clock.freeze(start):
        state = signin.get_signin_state(member)
        assert (state.signed_today, state.days_to_bonus, state.shown_points) == (False, 7, 5)
    for day in range(6):
        with clock.freeze(start + timedelta(days=day)):
            signin.sign_in(member)
    with clock.freeze(start + timedelta(days=5)):
        assert signin.get_signin_state(member).days_to_bonus == 1  # signed: tomorrow is day 7
    with clock.freeze(start + timedelta(days=6)):
        state = signin.get_signin_state(member)
        assert (state.streak, state.days_to_bonus) == (6, 1)  # today's sign-in is the bonus one
        signin.sign_in(member)
        assert signin.get_signin_state(member).days_to_bonus == 0
    ledger.adjust_balance(member.id, delta=1000, reason="tier", actor_id=None)
    with clock.freeze(start + timedelta(days=7)):
        state = signin.get_signin_state(fresh(member))
        assert (state.shown_points, state.shown_bonus, state.days_to_bonus) == (6, 24, 7)


def test_a_repeated_key_gives_its_daily_cap_slot_back(member):
    # post pays 3 times a day; the cap is taken before the insert finds the key used.
    paid = [
        ledger.award_points(member.id, rule="post", idempotency_key=key)
        for key in ("post:1", "post:1", "post:1", "post:2", "post:3", "post:4")
    ]
    assert [e is not None for e in paid] == [True, False, False, True, True, False]
    count = db.session.scalar(select(RuleDayCount.count).where(RuleDayCount.user_id == member.id))
    assert count == 3
    assert fresh(member).points == 30 and ledger_sums(member.id) == (30, 30)


def test_a_refused_spend_leaves_no_row_when_the_caller_carries_on(member):
    ledger.award_points(member.id, rule="comment", idempotency_key="comment:1")
    db.session.commit()

    @use_case
    def try_then_carry_on() -> str:
        try:
            ledger.spend_points(member.id, points=3, idempotency_key="order:1")
        except Conflict:
            ledger.adjust_balance(member.id, delta=5, reason="make up", actor_id=None)
            return "refused"
        return "spent"

    assert try_then_carry_on() == "refused"
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(PointsEntry.idempotency_key == "order:1")) == 0
    assert fresh(member).points == 7 and ledger_sums(member.id) == (7, 7)
    assert ledger.spend_points(member.id, points=3, idempotency_key="order:1") is not None, "key still free"
    assert fresh(member).points == 4 and ledger.find_discrepancies() == []


def test_paid_under_reads_this_transactions_own_write_else_the_ledger(member, count_queries):
    @use_case
    def pay_then_credit() -> tuple[object, int]:  # the points handler, then the boards'
        assert ledger.award_points(member.id, rule="post", idempotency_key="post:5") is not None
        with count_queries() as q:
            found = ledger.paid_under("post:5")
        return found, q.count

    assert pay_then_credit() == ((member.id, 10, clock.today()), 0), "the write just made is remembered"
    with count_queries() as q:
        assert ledger.paid_under("post:5") == (member.id, 10, clock.today())
        assert ledger.paid_under("post:404") is None
    assert q.count == 2, "after the commit: one indexed read per key"
    ledger.spend_points(member.id, points=4, idempotency_key="order:5")
    assert ledger.paid_under("order:5") is None, "only earnings count on the boards"


def test_a_trial_started_in_the_same_transaction_counts_at_once(member):
    assert get_effective_tier(member).slug == "normal"  # remembered for this transaction
    start_trial(member.id, get_tier_by_slug("premium").id, days=3, reference="order:2")
    assert get_effective_tier(member).slug == "premium"
