"""Badge services: defining, idempotent grants, bulk grants, rules, backfill, certificates."""

from __future__ import annotations

import hashlib
import io
import re
from datetime import date
from typing import Any

import pytest
from sqlalchemy import func, select

from app.badges import certificates, rules, services
from app.badges.models import Badge, BadgeAward, Certificate
from app.core import events
from app.core.audit import AuditEntry
from app.core.db import db, use_case
from app.core.errors import Forbidden, Invalid
from app.posts.models import Post
from tests.circles.factories import join, make_circle
from tests.helpers import make_user


def audit_count(action: str) -> int:
    return int(db.session.scalar(select(func.count()).where(AuditEntry.action == action)) or 0)


# --- Defining ----------------------------------------------------------------------------


def test_admin_defines_a_site_badge_with_a_picture(badge: Badge, admin: Any) -> None:
    assert badge.id and badge.circle_id is None and badge.rule == "manual" and badge.threshold == 0
    assert badge.image is not None and set(badge.image.variants) == {"sm", "md", "lg"}
    assert badge.created_by_id == admin.id
    assert audit_count("badge.define") == 1


def test_members_and_hosts_cannot_define_site_badges(member: Any, host: Any) -> None:
    for actor in (member, host):
        with pytest.raises(Forbidden):
            services.define_badge(actor, name="x")
    assert db.session.scalar(select(func.count()).select_from(Badge)) == 0


def test_automatic_rules_need_a_threshold(admin: Any) -> None:
    with pytest.raises(Invalid) as exc:
        services.define_badge(admin, name="百帖达人", rule="posts", threshold=None)
    assert "threshold" in exc.value.fields
    with pytest.raises(Invalid) as exc:
        services.define_badge(admin, name="", rule="nonsense")
    assert set(exc.value.fields) == {"name", "rule"}
    ok = services.define_badge(admin, name="百帖达人", rule="posts", threshold=100)
    assert ok.threshold == 100 and ok.is_automatic


def test_hosts_define_badges_for_circles_they_moderate(host: Any, member: Any, circles: Any) -> None:
    created = services.define_badge(host, name="读书之星", circle_id=7)
    assert created.circle_id == 7
    with pytest.raises(Forbidden):
        services.define_badge(host, name="跑步之星", circle_id=8)
    with pytest.raises(Forbidden):
        services.define_badge(member, name="读书之星", circle_id=7)


def test_without_a_circle_moderation_policy_only_admins_define_circle_badges(host: Any, admin: Any) -> None:
    with pytest.raises(Forbidden):
        services.define_badge(host, name="读书之星", circle_id=7)
    assert services.define_badge(admin, name="读书之星", circle_id=7).circle_id == 7


# --- Granting ----------------------------------------------------------------------------


def test_grant_is_idempotent_and_publishes_once(
    badge: Badge, member: Any, admin: Any, published: list
) -> None:
    first = services.grant_badge(badge, member, actor=admin, reason="全勤", certificate=False)
    again = services.grant_badge(badge, member, actor=admin, reason="再来一次", certificate=False)
    assert first.created and not again.created
    assert again.award.id == first.award.id and again.award.reason == "全勤"
    db.session.refresh(badge)
    assert badge.holder_count == 1
    assert audit_count("badge.grant") == 1
    assert published == [events.BadgeGranted(badge_id=badge.id, user_id=member.id, award_id=first.award.id)]


def test_members_cannot_grant(badge: Badge, member: Any, host: Any) -> None:
    with pytest.raises(Forbidden):
        services.grant_badge(badge, host, actor=member, reason="", certificate=False)
    assert db.session.scalar(select(func.count()).select_from(BadgeAward)) == 0


def test_certificate_serial_code_and_hashed_recipient(badge: Badge, member: Any, admin: Any) -> None:
    grant = services.grant_badge(badge, member, actor=admin, reason="全勤", certificate=True)
    cert = grant.certificate
    assert cert is not None
    assert re.fullmatch(r"QZ-20\d\d-\d{6}", cert.serial)
    assert len(cert.code) >= 20 and cert.recipient_name == "梅梅"
    expected = "sha256$" + hashlib.sha256((member.email + cert.recipient_salt).encode()).hexdigest()
    assert cert.recipient_hash == expected
    # Asking again (even via a repeat grant) never makes a second certificate.
    again = services.grant_badge(badge, member, actor=admin, reason="", certificate=True)
    assert again.certificate is not None and again.certificate.id == cert.id
    assert db.session.scalar(select(func.count()).select_from(Certificate)) == 1


def test_a_repeat_grant_can_add_the_missing_certificate(badge: Badge, member: Any, admin: Any) -> None:
    services.grant_badge(badge, member, actor=admin, certificate=False)
    later = services.grant_badge(badge, member, actor=admin, certificate=True)
    assert not later.created and later.certificate is not None
    codes = {
        services.grant_badge(badge, member, actor=admin, certificate=True).certificate.code for _ in range(2)
    }
    assert codes == {later.certificate.code}


def test_circle_certificates_name_the_circle(admin: Any, member: Any, circles: Any) -> None:
    circle_badge = services.define_badge(admin, name="读书之星", circle_id=7)
    grant = services.grant_badge(circle_badge, member, actor=admin, certificate=True)
    assert grant.certificate is not None and grant.certificate.circle_name == "读书会"


def test_bulk_grant_reports_granted_already_and_unknown(
    badge: Badge, admin: Any, member: Any, host: Any
) -> None:
    services.grant_badge(badge, host, actor=admin, certificate=False)
    report = services.grant_by_usernames(
        admin,
        badge,
        usernames=["meimei, nobody\n@HostWang，MEIMEI；ghost"],
        reason="11 月活跃",
        certificate=True,
    )
    assert [u.username for u in report.granted] == ["meimei"]
    assert [u.username for u in report.already] == ["hostwang"]
    assert report.unknown == ["nobody", "ghost"]
    stored = services.get_grant_report(badge, report.audit_id or 0)
    assert stored == {
        "granted": ["meimei"],
        "already": ["hostwang"],
        "unknown": ["nobody", "ghost"],
        "certificate": True,
    }
    assert services.get_award(badge.id, member.id).certificate is not None


def test_bulk_grant_needs_names(badge: Badge, admin: Any) -> None:
    with pytest.raises(Invalid) as exc:
        services.grant_by_usernames(admin, badge, usernames=[" , \n"], reason="", certificate=False)
    assert "usernames" in exc.value.fields


def test_usernames_from_csv_skip_the_header_and_read_gbk() -> None:
    text = "username,note\nmeimei,好\n\n@hostwang,\n"
    assert services.usernames_from_csv(io.BytesIO(text.encode("utf-8-sig"))) == ["meimei", "@hostwang"]
    assert services.usernames_from_csv(io.BytesIO("用户名\n梅梅\n".encode("gbk"))) == ["梅梅"]


def test_list_user_badges_newest_first_with_certificates(admin: Any, member: Any, badge: Badge) -> None:
    other = services.define_badge(admin, name="活跃之星")
    services.grant_badge(badge, member, actor=admin, certificate=True)
    services.grant_badge(other, member, actor=admin, certificate=False)
    awards = services.list_user_badges(member.id)
    assert [a.badge.name for a in awards] == ["活跃之星", "早起达人"]
    assert awards[0].certificate is None and awards[1].certificate is not None


# --- Automatic rules ---------------------------------------------------------------------


def test_rule_badges_fire_on_their_event(admin: Any, member: Any, counters: dict, published: list) -> None:
    hundred = services.define_badge(admin, name="十帖达人", rule="posts", threshold=10)
    circle_only = services.define_badge(admin, name="读书会写手", rule="posts", threshold=2, circle_id=7)
    counters[("posts", member.id, None)] = 9
    counters[("posts", member.id, 7)] = 2
    events.publish(events.PostPublished(post_id=1, author_id=member.id, circle_id=8))
    db.session.commit()
    assert services.get_award(hundred.id, member.id) is None
    assert services.get_award(circle_only.id, member.id) is None  # other circle: not evaluated
    counters[("posts", member.id, None)] = 10
    services.evaluate_rule("posts", member.id, circle_id=7)
    assert services.get_award(hundred.id, member.id).source == "rule"
    assert services.get_award(circle_only.id, member.id) is not None
    assert [e.badge_id for e in published] == [hundred.id, circle_only.id]
    # Repeats grant nothing new.
    assert services.evaluate_rule("posts", member.id, circle_id=7) == []


@pytest.mark.parametrize(
    ("rule", "event"),
    [
        (
            "featured_posts",
            lambda uid: events.PostFeatured(post_id=1, author_id=uid, circle_id=7, actor_id=1),
        ),
        (
            "signin_streak",
            lambda uid: events.SignedIn(user_id=uid, day=date(2026, 11, 23), streak=7),
        ),
        ("tier", lambda uid: events.TierReached(user_id=uid, tier_id=2)),
        (
            "campaign_completed",
            lambda uid: events.CampaignCompleted(user_id=uid, campaign_id=3, circle_id=7, points=50),
        ),
    ],
)
def test_each_rule_is_wired_to_its_event(
    rule: str, event: Any, admin: Any, member: Any, counters: dict
) -> None:
    wanted = services.define_badge(admin, name=f"{rule} badge", rule=rule, threshold=3)
    counters[(rule, member.id, None)] = 3

    @use_case
    def happen() -> None:
        events.publish(event(member.id))

    happen()
    assert services.get_award(wanted.id, member.id) is not None


@pytest.fixture
def unwired(monkeypatch: pytest.MonkeyPatch) -> None:
    """No counters at all, as before any feature provides one."""
    monkeypatch.setattr(rules, "_counters", {})


def test_the_wired_counters_cover_every_rule_but_campaigns(app: Any) -> None:
    # campaign_completed arrives with the campaigns feature.
    assert set(rules.wired_rules()) >= {"posts", "featured_posts", "signin_streak", "tier"}


def test_unwired_rules_grant_nothing(admin: Any, member: Any, unwired: None) -> None:
    services.define_badge(admin, name="百帖达人", rule="posts", threshold=1)
    assert "posts" not in rules.wired_rules()
    assert services.evaluate_rule("posts", member.id) == []


def test_backfill_grants_everyone_qualifying_once(
    app: Any, admin: Any, member: Any, host: Any, counters: dict
) -> None:
    streak = services.define_badge(admin, name="签到达人", rule="signin_streak", threshold=7)
    writer = services.define_badge(admin, name="优质创作者", rule="featured_posts", threshold=2)
    others = [make_user(f"fan{i}") for i in range(5)]
    counters[("signin_streak", member.id, None)] = 30
    counters[("signin_streak", others[0].id, None)] = 7
    counters[("signin_streak", others[1].id, None)] = 6
    counters[("featured_posts", host.id, None)] = 2
    runner = app.test_cli_runner()
    result = runner.invoke(args=["badges", "backfill", "--batch", "3"])
    assert result.exit_code == 0, result.output
    assert "granted 3 badge(s)" in result.output
    holders = {(a.badge_id, a.user_id) for a in db.session.scalars(select(BadgeAward))}
    assert holders == {(streak.id, member.id), (streak.id, others[0].id), (writer.id, host.id)}
    assert {a.source for a in db.session.scalars(select(BadgeAward))} == {"backfill"}
    again = runner.invoke(args=["badges", "backfill"])
    assert again.exit_code == 0 and "granted 0 badge(s)" in again.output


def test_backfill_without_counters_says_so(app: Any, unwired: None) -> None:
    result = app.test_cli_runner().invoke(args=["badges", "backfill"])
    assert result.exit_code == 0 and "nothing to evaluate" in result.output


# --- Certificates: revoke and share ------------------------------------------------------


def test_revoke_keeps_the_first_revocation(badge: Badge, admin: Any, member: Any) -> None:
    cert = services.grant_badge(badge, member, actor=admin, certificate=True).certificate
    with pytest.raises(Forbidden):
        certificates.revoke_certificate(member, cert.code, reason="no")
    with pytest.raises(Invalid):
        certificates.revoke_certificate(admin, cert.code, reason="  ")
    revoked = certificates.revoke_certificate(admin, cert.code, reason="冒名顶替")
    assert revoked.is_revoked and revoked.revoked_reason == "冒名顶替"
    again = certificates.revoke_certificate(admin, cert.code, reason="second")
    assert again.revoked_reason == "冒名顶替"
    assert audit_count("certificate.revoke") == 1


def test_share_is_for_the_holder_and_their_circles_only(
    badge: Badge, admin: Any, member: Any, host: Any
) -> None:
    cert = services.grant_badge(badge, member, actor=admin, certificate=True).certificate
    circle = make_circle(host, "reading", name="读书会")
    with pytest.raises(Forbidden):
        certificates.share_certificate(host, cert.code, circle_slug="reading")
    with pytest.raises(Invalid):
        certificates.share_certificate(member, cert.code, circle_slug=" ")
    with pytest.raises(Invalid):
        certificates.share_certificate(member, cert.code, circle_slug="reading")  # not a member yet
    join(member, circle)
    certificates.share_certificate(member, cert.code, circle_slug="Reading")
    post = db.session.scalar(select(Post).where(Post.kind == "certificate"))
    assert (post.circle_id, post.author_id, post.certificate_code) == (circle.id, member.id, cert.code)
    assert badge.name in post.title


def test_a_members_badges_load_in_two_statements(admin: Any, member: Any, count_queries: Any) -> None:
    for name in ("甲", "乙", "丙"):
        services.grant_badge(services.define_badge(admin, name=name), member, actor=admin, certificate=True)
    member_id = member.id
    db.session.expire_all()
    with count_queries() as q:
        awards = services.list_user_badges(member_id)
        names = [
            (a.badge.name, a.badge.image, a.certificate.serial, a.certificate.award.user.name) for a in awards
        ]
    q.assert_count(2)
    assert [n for n, *_ in names] == ["丙", "乙", "甲"]
