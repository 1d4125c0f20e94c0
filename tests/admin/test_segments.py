"""Member segments: membership equals brute-force filters, sizes in one statement, bulk
actions once per member (also under a parallel double submit), permissions and the pages."""

from __future__ import annotations

import random
import threading
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select, update

from app.accounts.models import User
from app.admin import segments
from app.admin.models import ACTIVE_KINDS, ActivityEvent, SavedSegment, SegmentAction, SegmentRecipient
from app.admin.tracking import Fact, record_activity
from app.badges import services as badges
from app.badges.models import BadgeAward
from app.checkins.models import CampaignRun, Checkin, Completion
from app.circles.models import Membership
from app.core import clock
from app.core.audit import AuditEntry
from app.core.db import db, use_case
from app.core.errors import Conflict, Invalid
from app.notifications.models import Notification
from app.points.ledger import adjust_balance, find_discrepancies, spend_points
from app.points.models import PointsEntry, Tier, TierTrial
from app.points.tasks import complete_task
from app.store.models import Order, StoreItem
from tests.checkins.factories import make_campaign
from tests.circles.factories import join, make_circle
from tests.helpers import make_user

NOW = datetime(2026, 11, 20, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai
TODAY = date(2026, 11, 20)


# --- A generated community ------------------------------------------------------------------


@use_case
def _activity(user_id: int, day: date, n: int) -> None:
    record_activity(Fact(user_id, random.Random(n).choice(ACTIVE_KINDS), f"gen:{user_id}:{n}"), day=day)


@use_case
def _checkin_row(user: Any, campaign: Any, day: date) -> None:
    run = db.session.scalar(select(CampaignRun).where(CampaignRun.campaign_id == campaign.id))
    db.session.add(
        Checkin(
            run_id=run.id, campaign_id=campaign.id, circle_id=campaign.circle_id, user_id=user.id, day=day
        )
    )


@use_case
def _completion(user: Any, campaign: Any) -> None:
    run = db.session.scalar(select(CampaignRun).where(CampaignRun.campaign_id == campaign.id))
    db.session.add(
        Completion(run_id=run.id, campaign_id=campaign.id, circle_id=campaign.circle_id, user_id=user.id)
    )


@use_case
def _trial(user: Any, tier_slug: str, ends_at: datetime) -> None:
    tier = db.session.scalar(select(Tier).where(Tier.slug == tier_slug))
    db.session.add(TierTrial(user_id=user.id, tier_id=tier.id, ends_at=ends_at, reference="test"))


@use_case
def _joined(user: Any, when: datetime) -> None:
    db.session.execute(update(User).where(User.id == user.id).values(created_at=when))


def _community(seed: int, admin: Any, host: Any) -> dict[str, Any]:
    rng = random.Random(seed)
    circles = [make_circle(host, "reading"), make_circle(host, "running")]
    campaign = make_campaign(host, circles[0], TODAY - timedelta(days=10), title="晨读打卡")
    badge = badges.define_badge(admin, name="早起达人")
    people = []
    for n in range(24):
        user = make_user(f"m{seed}x{n}")
        people.append(user)
        _joined(user, NOW - timedelta(days=rng.randint(0, 60), hours=rng.randint(0, 20)))
        earned = rng.choice([0, 0, 40, 300, 1200, 5600])
        if earned:
            adjust_balance(user.id, delta=earned, reason="seed", actor_id=None)
            if rng.random() < 0.4:
                spend_points(user.id, points=rng.randint(1, earned), idempotency_key=f"spend:{user.id}")
        for i in range(rng.choice([0, 0, 1, 3, 6, 12])):
            _activity(user.id, TODAY - timedelta(days=rng.randint(0, 45)), n * 100 + i)
        for circle in circles:
            if rng.random() < 0.5:
                join(user, circle)
        if rng.random() < 0.3:
            _checkin_row(user, campaign, TODAY - timedelta(days=rng.randint(1, 9)))
        if rng.random() < 0.25:
            _completion(user, campaign)
        if rng.random() < 0.3:
            badges.grant_badge(badge, user, actor=admin, reason="seed")
        if rng.random() < 0.15:
            ends = NOW + timedelta(days=3) if rng.random() < 0.7 else NOW - timedelta(days=1)
            _trial(user, rng.choice(["advanced", "premium"]), ends)
        for task in ("complete_profile", "join_circle", "first_post", "first_checkin"):
            if rng.random() < 0.5:
                use_case(complete_task)(user.id, task)
    # An admin and a banned member are never in a segment.
    banned = make_user(f"banned{seed}")
    use_case(lambda: db.session.execute(update(User).where(User.id == banned.id).values(is_banned=True)))()
    return {"circles": circles, "campaign": campaign, "badge": badge, "people": people}


# --- Brute force: the same definitions, in Python over plain rows ---------------------------


def _facts() -> dict[str, Any]:
    db.session.rollback()
    users = list(db.session.scalars(select(User)))
    tiers = sorted(db.session.scalars(select(Tier)), key=lambda t: t.threshold)
    days: dict[int, list[date]] = {}
    for uid, day in db.session.execute(
        select(ActivityEvent.user_id, ActivityEvent.day).where(ActivityEvent.kind.in_(ACTIVE_KINDS))
    ):
        days.setdefault(uid, []).append(day)
    trials: dict[int, list[int]] = {}
    for uid, threshold, ends in db.session.execute(
        select(TierTrial.user_id, Tier.threshold, TierTrial.ends_at).join(Tier, Tier.id == TierTrial.tier_id)
    ):
        if ends > NOW:
            trials.setdefault(uid, []).append(threshold)
    memberships = {
        (cid, uid)
        for cid, uid in db.session.execute(
            select(Membership.circle_id, Membership.user_id).where(Membership.status == "active")
        )
    }
    return {
        "users": [u for u in users if not u.is_banned and u.role != "admin"],
        "tiers": tiers,
        "days": days,
        "trials": trials,
        "memberships": memberships,
        "checked_in": set(db.session.scalars(select(Checkin.user_id))),
        "badges": set(db.session.execute(select(BadgeAward.badge_id, BadgeAward.user_id)).tuples()),
        "completions": set(db.session.execute(select(Completion.campaign_id, Completion.user_id)).tuples()),
    }


def _effective(facts: dict[str, Any], user: User) -> int:
    earned = max(t.threshold for t in facts["tiers"] if t.threshold <= user.growth)
    return max([earned, *facts["trials"].get(user.id, [])])


def _local_day(instant: datetime) -> date:
    return clock.day_of(instant)


def _brute_builtin(facts: dict[str, Any], key: str, n: int) -> set[int]:
    out = set()
    advanced = next(t.threshold for t in facts["tiers"] if t.slug == "advanced")
    for user in facts["users"]:
        days = facts["days"].get(user.id, [])
        if key == "new":
            ok = _local_day(user.created_at) > TODAY - timedelta(days=n)
        elif key == "active":
            ok = len({d for d in days if d > TODAY - timedelta(days=14)}) >= n
        elif key == "high-tier":
            ok = _effective(facts, user) >= advanced
        elif key == "lapsing":
            ok = (
                bool(days)
                and max(days) <= TODAY - timedelta(days=n)
                and max(days) > TODAY - timedelta(days=n + 30)
            )
        else:
            ok = user.id not in facts["checked_in"]
        if ok:
            out.add(user.id)
    return out


def _brute_filters(facts: dict[str, Any], f: segments.Filters, circle_ids: dict[str, int]) -> set[int]:
    out = set()
    tiers = {t.slug: t.threshold for t in facts["tiers"]}
    for user in facts["users"]:
        days = facts["days"].get(user.id, [])
        last = max(days) if days else None
        joined = _local_day(user.created_at)
        checks = [
            not f.tier or _effective(facts, user) == tiers[f.tier],
            not f.circle or (circle_ids[f.circle], user.id) in facts["memberships"],
            f.joined_from is None or joined >= f.joined_from,
            f.joined_to is None or joined <= f.joined_to,
            f.active_from is None or (last is not None and last >= f.active_from),
            f.active_to is None or (last is not None and last <= f.active_to),
            f.points_min is None or user.points >= f.points_min,
            f.points_max is None or user.points <= f.points_max,
            f.badge_id is None or (f.badge_id, user.id) in facts["badges"],
            f.campaign_id is None or (f.campaign_id, user.id) in facts["completions"],
        ]
        if all(checks):
            out.add(user.id)
    return out


def _random_filters(rng: random.Random, world: dict[str, Any]) -> segments.Filters:
    f = segments.Filters()
    pick = lambda: rng.random() < 0.35  # noqa: E731 - a coin per filter
    if pick():
        f.tier = rng.choice(["normal", "advanced", "premium"])
    if pick():
        f.circle = rng.choice(["reading", "running"])
    if pick():
        f.joined_from = TODAY - timedelta(days=rng.randint(0, 60))
    if pick():
        f.joined_to = TODAY - timedelta(days=rng.randint(0, 30))
    if pick():
        f.active_from = TODAY - timedelta(days=rng.randint(0, 45))
    if pick():
        f.active_to = TODAY - timedelta(days=rng.randint(0, 20))
    if pick():
        f.points_min = rng.choice([0, 1, 40, 300, 1000])
    if pick():
        f.points_max = rng.choice([0, 100, 1200, 6000])
    if pick():
        f.badge_id = world["badge"].id
    if pick():
        f.campaign_id = world["campaign"].id
    return f


@pytest.mark.parametrize("seed", [3, 11])
def test_segment_membership_equals_brute_force(app: Any, admin: Any, host: Any, seed: int) -> None:
    with clock.freeze(NOW):
        world = _community(seed, admin, host)
        facts = _facts()
        assert len(facts["users"]) >= 24
        circle_ids = {c.slug: c.id for c in world["circles"]}
        for key, params in {
            "new": [1, 7, 30],
            "active": [1, 2, 5],
            "high-tier": [0],
            "lapsing": [3, 7, 14],
            "never-checked-in": [0],
        }.items():
            for n in params:
                segment = segments.get_segment(admin, key, param=n or None)
                got = set(db.session.scalars(segments.member_ids(segment)))
                assert got == _brute_builtin(facts, key, segment.param), (key, n)
                assert segments.size(segment) == len(got)
        rng = random.Random(seed)
        non_trivial = 0
        for _ in range(40):
            f = _random_filters(rng, world)
            expected = _brute_filters(facts, f, circle_ids)
            segment = segments.Segment(key="0", name="t", description="", filters=f)
            assert set(db.session.scalars(segments.member_ids(segment))) == expected, f
            non_trivial += 0 < len(expected) < len(facts["users"])
        # The generated data really discriminates (not everyone in, not everyone out).
        assert non_trivial >= 10


def test_index_sizes_come_from_one_statement(app: Any, admin: Any, count_queries: Any) -> None:
    with clock.freeze(NOW):
        for n in range(3):
            make_user(f"plain{n}")
        for n in range(2):
            segments.save_segment(admin, name=f"段 {n}", filters=segments.Filters(points_min=n))
        assert admin.role == "admin"  # loaded before counting: the page's user is loaded anyway
        with count_queries() as counted:
            rows = segments.list_segments(admin)
        assert len(rows) == len(segments.BUILTINS) + 2
        assert dict((s.key, n) for s, n in rows)["never-checked-in"] == 3
        # The saved segments (one row query) plus one statement for every size.
        assert counted.count == 2, counted.statements
        segments.save_segment(admin, name="段 9", filters=segments.Filters(points_min=9))
        assert admin.role == "admin"
        with count_queries() as counted:
            segments.list_segments(admin)
        assert counted.count == 2


# --- Bulk actions -------------------------------------------------------------------------


def _new_members(n: int) -> list[Any]:
    return [make_user(f"new{i}") for i in range(n)]


def test_points_action_pays_each_member_once_and_is_audited(app: Any, admin: Any) -> None:
    with clock.freeze(NOW):
        people = _new_members(3)
        segment = segments.get_segment(admin, "new", param=7)
        first = segments.run_action(
            admin, segment, request_id="form-1", action="points", points=30, message="新人礼包"
        )
        again = segments.run_action(
            admin, segment, request_id="form-1", action="points", points=30, message="新人礼包"
        )
    assert (first.created, first.sent) == (True, 3)
    assert (again.created, again.sent) == (False, 0)
    db.session.rollback()
    assert [db.session.get(User, u.id).points for u in people] == [30, 30, 30]
    assert db.session.query(PointsEntry).filter(PointsEntry.idempotency_key.like("segment:%")).count() == 3
    assert db.session.query(SegmentRecipient).count() == 3
    assert db.session.query(Notification).filter_by(kind="segment.points").count() == 3
    entries = db.session.query(AuditEntry).filter_by(action="segment.points").all()
    assert len(entries) == 1 and entries[0].data["members"] == 3
    assert find_discrepancies() == []


def test_double_submit_in_parallel_acts_once(app: Any, admin: Any) -> None:
    with clock.freeze(NOW):
        _new_members(4)
    admin_id = admin.id
    barrier = threading.Barrier(2)
    results: list[Any] = []
    errors: list[BaseException] = []

    def submit() -> None:
        # The clock is frozen once, by the test (freeze() swaps a process-wide source).
        with app.app_context():
            try:
                actor = db.session.get(User, admin_id)
                segment = segments.get_segment(actor, "new", param=7)
                barrier.wait()
                result = segments.run_action(
                    actor, segment, request_id="same-form", action="notify", message="欢迎来到圈子！"
                )
                results.append((result.created, result.sent))
            except BaseException as exc:
                errors.append(exc)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=submit) for _ in range(2)]
    with clock.freeze(NOW):
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert errors == []
    assert sorted(results) == [(False, 0), (True, 4)]
    db.session.rollback()
    assert db.session.query(SegmentAction).count() == 1
    assert db.session.query(Notification).filter_by(kind="segment.message").count() == 4


def test_prize_action_refuses_when_stock_is_short(app: Any, admin: Any) -> None:
    with clock.freeze(NOW):
        _new_members(3)
        item = use_case(lambda: _add(StoreItem(title="帆布袋", kind="virtual", points_cost=100, stock=2)))()
        segment = segments.get_segment(admin, "new")
        with pytest.raises(Conflict):
            segments.run_action(
                admin, segment, request_id="p1", action="prize", item_id=item.id, message="感谢"
            )
    db.session.rollback()
    assert db.session.query(Order).count() == 0
    assert db.session.query(SegmentAction).count() == 0
    assert db.session.get(StoreItem, item.id).stock == 2


def _add(row: Any) -> Any:
    db.session.add(row)
    db.session.flush()
    return row


def test_campaign_invite_links_to_the_campaign(app: Any, admin: Any, host: Any) -> None:
    with clock.freeze(NOW):
        circle = make_circle(host, "reading")
        campaign = make_campaign(host, circle, TODAY, title="读书打卡")
        people = _new_members(2)
        segment = segments.get_segment(admin, "never-checked-in")
        result = segments.run_action(
            admin,
            segment,
            request_id="c1",
            action="campaign",
            campaign_id=campaign.id,
            message="一起来打卡吧",
        )
    # The host and admin are not members of segments: admins never, the host is a member.
    assert result.sent == len(people) + 1
    notes = db.session.query(Notification).filter_by(kind="segment.campaign").all()
    assert {n.url for n in notes} == {f"/c/reading/campaigns/{campaign.id}"}


def test_bad_actions_are_refused(app: Any, admin: Any) -> None:
    segment = segments.get_segment(admin, "never-checked-in")
    with pytest.raises(Invalid) as exc:
        segments.run_action(admin, segment, request_id="x", action="points", points=0, message="")
    assert set(exc.value.fields) == {"points", "message"}
    with pytest.raises(Invalid):
        segments.save_segment(admin, name="空", filters=segments.Filters())
    with pytest.raises(Invalid) as exc:
        segments.save_segment(admin, name="反了", filters=segments.Filters(points_min=10, points_max=5))
    assert "points_max" in exc.value.fields


def test_funnel_counts_the_welcome_flow(app: Any, admin: Any) -> None:
    with clock.freeze(NOW):
        people = _new_members(4)
        for user, tasks in zip(
            people,
            [[], ["complete_profile"], ["complete_profile", "join_circle"], ["first_post", "first_checkin"]],
            strict=True,
        ):
            for task in tasks:
                use_case(complete_task)(user.id, task)
        steps = segments.funnel(segments.get_segment(admin, "new"))
    assert [(s.key, s.count) for s in steps] == [
        ("signed_up", 4),
        ("complete_profile", 2),
        ("join_circle", 1),
        ("first_post", 1),
        ("first_checkin", 1),
    ]


# --- Pages ---------------------------------------------------------------------------------

PAGES = ["/admin/segments", "/admin/segments/new", "/admin/segments/lapsing?n=14", "/admin/segments/new.csv"]


@pytest.mark.parametrize("url", PAGES)
def test_pages_are_for_admins_only(client: Any, member_client: Any, host_client: Any, url: str) -> None:
    assert client.get(url).status_code == 302
    assert member_client.get(url).status_code == 403
    assert host_client.get(url).status_code == 403


def test_posts_are_for_admins_only(member_client: Any, host_client: Any) -> None:
    for who in (member_client, host_client):
        assert who.form("/admin/segments", {"name": "x", "points_min": "1"}).status_code == 403
        assert who.form("/admin/segments/new", {"action": "notify", "message": "hi there"}).status_code == 403
    assert db.session.query(SavedSegment).count() == 0
    assert db.session.query(SegmentAction).count() == 0


def test_saving_a_segment_from_the_form(admin_client: Any, app: Any) -> None:
    bad = admin_client.form("/admin/segments", {"name": "高分会员", "points_min": "500", "points_max": "100"})
    assert bad.status_code == 422
    html = bad.get_data(as_text=True)
    assert 'value="高分会员"' in html and 'value="500"' in html
    good = admin_client.form("/admin/segments", {"name": "高分会员", "points_min": "500"})
    assert good.status_code == 303
    saved = db.session.scalar(select(SavedSegment))
    assert good.headers["Location"].endswith(f"/admin/segments/{saved.id}")
    assert segments.Filters.from_json(saved.filters) == segments.Filters(points_min=500)
    page = admin_client.get(f"/admin/segments/{saved.id}").get_data(as_text=True)
    assert "高分会员" in page and 'data-segment-size="0"' in page
    assert db.session.query(AuditEntry).filter_by(action="segment.save").count() == 1
    deleted = admin_client.form(f"/admin/segments/{saved.id}/delete", {})
    assert deleted.status_code == 303
    assert db.session.query(SavedSegment).count() == 0
    assert admin_client.form("/admin/segments/new/delete", {}).status_code == 403


def test_segment_page_lists_members_exports_and_acts(admin_client: Any, app: Any) -> None:
    people = [make_user(f"fresh{n}", display_name=f"新人{n}") for n in range(3)]
    page = admin_client.get("/admin/segments/new")
    html = page.get_data(as_text=True)
    assert 'data-segment-size="3"' in html
    assert all(f'data-member="{u.username}"' in html for u in people)
    assert 'data-playbook="welcome"' in html
    csv_text = admin_client.get("/admin/segments/new.csv").get_data(as_text=True)
    assert csv_text.startswith("\ufeffid,username")
    assert sum(1 for line in csv_text.splitlines()[1:] if line) == 3
    form = admin_client.get("/admin/segments/new").get_data(as_text=True)
    request_id = form.split('name="request_id" type="hidden" value="', 1)[1].split('"', 1)[0]
    data = {"request_id": request_id, "action": "notify", "message": "欢迎新朋友，来圈子里打个招呼吧"}
    first = admin_client.form("/admin/segments/new?n=7", data)
    second = admin_client.form("/admin/segments/new?n=7", data)
    assert first.status_code == second.status_code == 303
    assert db.session.query(Notification).filter_by(kind="segment.message").count() == 3
    after = admin_client.get("/admin/segments/new").get_data(as_text=True)
    assert "data-segment-action=" in after
    bad = admin_client.form(
        "/admin/segments/new", {"request_id": "r2", "action": "points", "points": "0", "message": "礼物"}
    )
    assert bad.status_code == 422
    assert "礼物" in bad.get_data(as_text=True)


def test_lapsing_segment_links_to_the_winback_tool(admin_client: Any) -> None:
    html = admin_client.get("/admin/segments/lapsing?n=14").get_data(as_text=True)
    assert 'data-playbook="winback"' in html
    assert "/admin/lapsing?silent_days=14" in html


def test_member_list_statement_count_does_not_grow(admin_client: Any, app: Any, count_queries: Any) -> None:
    for n in range(3):
        make_user(f"aaa{n}")
    with count_queries() as few:
        admin_client.get("/admin/segments/never-checked-in")
    for n in range(3, 12):
        make_user(f"aaa{n}")
    with count_queries() as many:
        html = admin_client.get("/admin/segments/never-checked-in").get_data(as_text=True)
    assert 'data-segment-size="12"' in html
    assert many.count == few.count
