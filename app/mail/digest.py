"""The weekly digest: for each member, their circles' week (featured posts, campaign progress,
their rank) and their points, queued once per member per ISO week (`flask mail digest`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from babel.dates import format_skeleton
from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import and_, exists, func, select, update

from app.accounts.models import User
from app.checkins.models import Campaign, CampaignRun, RunProgress
from app.circles import services as circles
from app.circles.models import Membership
from app.core import clock
from app.core.audit import AuditEntry
from app.core.db import db, insert_ignoring_conflict, use_case
from app.leaderboards.models import CIRCLE, BoardDay
from app.points.models import PointsDaily
from app.posts.models import Post

from . import services
from .compose import absolute, compose
from .models import MailDigest, MailPreference

FEATURED_PER_CIRCLE = 3
CAMPAIGNS_PER_CIRCLE = 3
BATCH = 200


def week_of(day: date) -> date:
    """The Monday starting the ISO week that contains `day`."""
    return clock.week_start(day)


def last_week(today: date | None = None) -> date:
    """The Monday of the last complete week (what a Monday-morning cron summarises)."""
    return week_of(today or clock.today()) - timedelta(days=7)


@dataclass(frozen=True)
class FeaturedPost:
    title: str
    url: str


@dataclass(frozen=True)
class CampaignLine:
    title: str
    done: int
    total: int
    url: str


@dataclass
class CircleWeek:
    name: str
    url: str
    featured: list[FeaturedPost] = field(default_factory=list)
    campaigns: list[CampaignLine] = field(default_factory=list)
    rank: int | None = None
    score: int = 0

    @property
    def quiet(self) -> bool:
        return not self.featured and not self.campaigns and self.rank is None


@dataclass
class Digest:
    week: date
    circles: list[CircleWeek]
    points: int
    earned: int
    site_rank: int | None

    @property
    def quiet(self) -> bool:
        return self.earned == 0 and all(c.quiet for c in self.circles)


class WeekBoards:
    """The week's points rankings (site and per circle), computed once per digest run."""

    def __init__(self, week: date) -> None:
        self.week = week
        self.end = week + timedelta(days=6)
        self._site: dict[int, tuple[int, int]] | None = None
        self._circles: dict[int, dict[int, tuple[int, int]]] = {}

    @staticmethod
    def _rank(rows: Any) -> dict[int, tuple[int, int]]:
        ordered = sorted(((int(u), int(s)) for u, s in rows if s and s > 0), key=lambda r: (-r[1], r[0]))
        return {user_id: (rank, score) for rank, (user_id, score) in enumerate(ordered, start=1)}

    def site(self, user_id: int) -> tuple[int, int] | None:
        if self._site is None:
            total = func.sum(PointsDaily.earned)
            self._site = self._rank(
                db.session.execute(
                    select(PointsDaily.user_id, total)
                    .where(PointsDaily.day >= self.week, PointsDaily.day <= self.end)
                    .group_by(PointsDaily.user_id)
                )
            )
        return self._site.get(user_id)

    def circle(self, circle_id: int, user_id: int) -> tuple[int, int] | None:
        if circle_id not in self._circles:
            total = func.sum(BoardDay.points)
            self._circles[circle_id] = self._rank(
                db.session.execute(
                    select(BoardDay.user_id, total)
                    .where(
                        BoardDay.scope == CIRCLE,
                        BoardDay.scope_id == circle_id,
                        BoardDay.day >= self.week,
                        BoardDay.day <= self.end,
                    )
                    .group_by(BoardDay.user_id)
                )
            )
        return self._circles[circle_id].get(user_id)


def month_day(day: date) -> str:
    """ "11月23日" or "Nov 23", in the current language."""
    return str(format_skeleton("MMMd", day, locale=get_locale() or "zh"))


def _post_title(title: str, body: str) -> str:
    text = title or " ".join(body.split())
    return text if len(text) <= 40 else text[:39] + "…"


def build_digest(user: User, boards: WeekBoards) -> Digest:
    """What happened in `user`'s circles during the boards' week."""
    start, end = clock.day_start(boards.week), clock.day_start(boards.end + timedelta(days=1))
    member_circles = circles.list_member_circles(user.id)
    weeks = {c.id: CircleWeek(name=c.name, url=absolute(f"/c/{c.slug}")) for c in member_circles}
    slugs = {c.id: c.slug for c in member_circles}
    ids = list(weeks)
    if ids:
        # Featured this week: the moderation audit rows say when (posts carry no featured_at).
        featured = db.session.execute(
            select(Post.id, Post.circle_id, Post.title, Post.body)
            .join(AuditEntry, and_(AuditEntry.target_type == "post", AuditEntry.target_id == Post.id))
            .where(
                AuditEntry.action == "post.feature",
                AuditEntry.circle_id.in_(ids),
                AuditEntry.created_at >= start,
                AuditEntry.created_at < end,
                Post.status == "published",
                Post.is_featured.is_(True),
            )
            .order_by(AuditEntry.created_at.desc(), Post.id.desc())
        )
        seen: set[int] = set()
        for post_id, circle_id, title, body in featured:
            week = weeks[circle_id]
            if post_id in seen or len(week.featured) >= FEATURED_PER_CIRCLE:
                continue
            seen.add(post_id)
            url = absolute(f"/c/{slugs[circle_id]}/p/{post_id}")
            week.featured.append(FeaturedPost(title=_post_title(title, body), url=url))
        runs = db.session.execute(
            select(
                Campaign.id,
                Campaign.circle_id,
                Campaign.title,
                CampaignRun.start_date,
                CampaignRun.end_date,
                func.coalesce(RunProgress.done, 0),
            )
            .join(CampaignRun, CampaignRun.campaign_id == Campaign.id)
            .outerjoin(
                RunProgress, and_(RunProgress.run_id == CampaignRun.id, RunProgress.user_id == user.id)
            )
            .where(
                Campaign.circle_id.in_(ids),
                CampaignRun.start_date <= boards.end,
                CampaignRun.end_date >= boards.week,
            )
            .order_by(CampaignRun.start_date.desc(), Campaign.id)
        )
        listed: set[int] = set()
        for campaign_id, circle_id, title, first, last, done in runs:
            week = weeks[circle_id]
            if campaign_id in listed or len(week.campaigns) >= CAMPAIGNS_PER_CIRCLE:
                continue
            listed.add(campaign_id)
            week.campaigns.append(
                CampaignLine(
                    title=title,
                    done=int(done),
                    total=(last - first).days + 1,
                    url=absolute(f"/c/{slugs[circle_id]}/campaigns/{campaign_id}"),
                )
            )
        for circle_id, week in weeks.items():
            ranked = boards.circle(circle_id, user.id)
            if ranked is not None:
                week.rank, week.score = ranked
    site = boards.site(user.id)
    return Digest(
        week=boards.week,
        circles=list(weeks.values()),
        points=user.points,
        earned=site[1] if site else 0,
        site_rank=site[0] if site else None,
    )


def _recipients(week: date, after_id: int, limit: int) -> list[int]:
    """Members with an address, in a circle, digest on, and no digest row for `week` yet."""
    in_a_circle = exists().where(Membership.user_id == User.id, Membership.status == "active")
    already = exists().where(MailDigest.user_id == User.id, MailDigest.week == week)
    opted_out = exists().where(MailPreference.user_id == User.id, MailPreference.digest.is_(False))
    query = (
        select(User.id)
        .where(
            User.id > after_id,
            User.email != "",
            User.is_banned.is_(False),
            in_a_circle,
            ~already,
            ~opted_out,
        )
        .order_by(User.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


@use_case
def send_digest(user_id: int, boards: WeekBoards) -> str:
    """Queue one member's digest for the boards' week: "sent", "quiet" or "skipped" (done before).

    The unique (user, week) row is inserted first, so two runs (even at once) send one digest.
    """
    user = db.session.get(User, user_id)
    if user is None or not services.is_enabled():
        return "skipped"
    preferences = services.get_preferences(user_id)
    if not preferences.allows("digest"):
        return "skipped"
    values = {"user_id": user_id, "week": boards.week, "created_at": clock.now()}
    if not insert_ignoring_conflict(MailDigest, values, ("user_id", "week")):
        return "skipped"
    digest = build_digest(user, boards)
    if digest.quiet:
        return "quiet"  # nothing happened: no email, and the row keeps reruns from looking again

    def subject() -> str:
        return _(
            "Your week in your circles: %(start)s – %(end)s",
            start=month_day(boards.week),
            end=month_day(boards.end),
        )

    message = compose(
        "digest",
        user=user,
        category="digest",
        language=preferences.language,
        subject=subject,
        digest=digest,
        points_url=absolute("/me/points"),
        leaderboards_url=absolute("/leaderboards"),
    )
    row = services.queue(user, "digest", message)
    if row is None:
        return "quiet"
    db.session.flush()
    db.session.execute(
        update(MailDigest)
        .where(MailDigest.user_id == user_id, MailDigest.week == boards.week)
        .values(message_id=row.id)
    )
    return "sent"


@dataclass
class DigestReport:
    sent: int = 0
    quiet: int = 0
    skipped: int = 0


def iter_recipients(week: date) -> Iterator[int]:
    after = 0
    while True:
        batch = _recipients(week, after, BATCH)
        db.session.rollback()  # end the read transaction: each digest is its own use case
        if not batch:
            return
        yield from batch
        after = batch[-1]


def send_digests(week: date | None = None) -> DigestReport:
    """Queue the digest of `week` (a Monday; default last week) for every member who wants it."""
    report = DigestReport()
    if not services.is_enabled():
        return report
    boards = WeekBoards(week_of(week) if week else last_week())
    for user_id in iter_recipients(boards.week):
        outcome = send_digest(user_id, boards)
        setattr(report, outcome, getattr(report, outcome) + 1)
    return report
