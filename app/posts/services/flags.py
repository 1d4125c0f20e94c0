"""Weighted reports (举报): what a report weighs, auto-hide at the circle's threshold, the queue.

A report's weight is fixed when it is made, in hundredths (100 = one ordinary report):

    weight   = tier weight × accuracy factor
    tier     = the reporter's earned tier's `report_weight_pct` (普通 1.0, 高级 1.5, 尊享 2.0;
               a tier trial does not count: trust is earned, not bought with points)
    accuracy = (upheld + 1) / (upheld + dismissed + 2)
               Laplace's rule of succession over the reporter's resolved reports anywhere:
               with no record a reporter counts as 50 % accurate
    factor   = clamp(2 × accuracy, 0.25, 1.5)
               so a newcomer's report counts in full (1.0), a reliable reporter's up to 1.5×
               and a serial false reporter's down to a quarter

When the open reports on a post or comment add up to the circle's `report_threshold_pct`, one
conditional UPDATE hides it pending review; the target's row is locked first, so concurrent
reports are counted one after another and the content is hidden, announced and audited once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from app.circles.models import Circle, format_hundredths
from app.circles.policies import can_see_shadowed
from app.circles.services import moderator_ids
from app.core import audit, clock, events
from app.core.db import db, use_case
from app.core.errors import Invalid, NotFound
from app.core.permissions import is_signed_in, policy, require
from app.notifications.services import notify, register_kind

from ..models import Comment, Post, Report
from .content import change_post_count, post_url

MAX_REASON = 500
# Clamp of the accuracy factor, in hundredths (see the module docstring).
FACTOR_RANGE = (25, 150)

register_kind(
    "post.auto_hidden", _l("Your post was hidden for now after several reports; a host will review it")
)
register_kind(
    "comment.auto_hidden", _l("Your comment was hidden for now after several reports; a host will review it")
)
register_kind("flags.review", _l("Reports hid something in %(circle)s: please review it"))


def _ordinary_tier(_user: Any) -> int:
    return 100


# Posts may not import the points feature: app/wiring.py hands over the tier's weight.
_tier_weight: Callable[[Any], int] = _ordinary_tier


def configure(*, tier_weight: Callable[[Any], int]) -> None:
    """Install how a reporter's tier weighs (points.tiers.report_weight_pct)."""
    global _tier_weight
    _tier_weight = tier_weight


@policy("post.report")
def _can_report(actor: Any, _target: Any) -> bool:
    return is_signed_in(actor)


# --- Weights ---------------------------------------------------------------------------------


def reporter_record(user_id: int) -> tuple[int, int]:
    """(upheld, dismissed): how hosts resolved this member's reports so far."""
    rows = db.session.execute(
        select(Report.outcome, func.count())
        .where(Report.reporter_id == user_id, Report.outcome.is_not(None))
        .group_by(Report.outcome)
    ).all()
    counts = {outcome: int(n) for outcome, n in rows}
    return counts.get("upheld", 0), counts.get("dismissed", 0)


def accuracy_factor_pct(upheld: int, dismissed: int) -> int:
    """clamp(2 × (upheld + 1) / (upheld + dismissed + 2), 0.25, 1.5), in hundredths."""
    low, high = FACTOR_RANGE
    return max(low, min(high, 200 * (upheld + 1) // (upheld + dismissed + 2)))


def report_weight_pct(actor: Any) -> int:
    """What a report by `actor` weighs now, in hundredths."""
    upheld, dismissed = reporter_record(actor.id)
    return int(_tier_weight(actor)) * accuracy_factor_pct(upheld, dismissed) // 100


# --- Reporting -------------------------------------------------------------------------------


def get_report_target(actor: Any, circle: Circle, kind: str, target_id: int) -> Post | Comment:
    """A post or comment the actor may report, or NotFound.

    Content that other reports hid a moment ago still answers: the reporter saw it, raced the
    others, and their report joins the ones waiting for review.
    """
    target: Post | Comment | None
    if kind == "post":
        target = db.session.get(Post, target_id)
        post = target
    else:
        target = db.session.get(Comment, target_id)
        post = db.session.get(Post, target.post_id) if target is not None else None
    if target is None or post is None or target.circle_id != circle.id:
        raise NotFound()
    require(actor, "circle.view_content", circle)
    if post.status not in ("published", "hidden"):
        raise NotFound()
    if isinstance(target, Comment) and target.status not in ("visible", "hidden"):
        raise NotFound()
    author_id = target.author_id
    if target.shadowed and not can_see_shadowed(actor, circle, author_id):
        raise NotFound()
    if post.shadowed and not can_see_shadowed(actor, circle, post.author_id):
        raise NotFound()
    return target


def _open_reports(kind: str, target_id: int) -> Any:
    return select(Report).where(
        Report.target_kind == kind, Report.target_id == target_id, Report.status == "open"
    )


def _open_weight(kind: str, target_id: int) -> Any:
    return (
        select(func.coalesce(func.sum(Report.weight_pct), 0))
        .where(Report.target_kind == kind, Report.target_id == target_id, Report.status == "open")
        .scalar_subquery()
    )


def _auto_hide(kind: str, target: Post | Comment) -> bool:
    """Hide `target` if its open report weight reached the threshold; True only for the hider."""
    threshold = select(Circle.report_threshold_pct).where(Circle.id == target.circle_id).scalar_subquery()
    weight = _open_weight(kind, target.id)
    if isinstance(target, Post):
        statement = (
            update(Post)
            .where(Post.id == target.id, Post.status == "published", weight >= threshold)
            .values(status="hidden")
        )
    else:
        statement = (
            update(Comment)
            .where(Comment.id == target.id, Comment.status == "visible", weight >= threshold)
            .values(status="hidden")
        )
    result = db.session.execute(statement.execution_options(synchronize_session=False))
    if not getattr(result, "rowcount", 0):
        return False
    db.session.expire(target, ["status"])
    total = int(db.session.scalar(select(_open_weight(kind, target.id))) or 0)
    if isinstance(target, Post):
        change_post_count(target.circle_id, -1)
        events.publish(
            events.PostVisibilityChanged(post_id=target.id, circle_id=target.circle_id, status="hidden")
        )
        notify(target.author_id, "post.auto_hidden", url=post_url(target))
        action = "post.auto_hide"
    else:
        db.session.execute(
            update(Post)
            .where(Post.id == target.post_id)
            .values(comment_count=Post.comment_count - 1)
            .execution_options(synchronize_session=False)
        )
        events.publish(
            events.CommentVisibilityChanged(
                comment_id=target.id, post_id=target.post_id, circle_id=target.circle_id, status="hidden"
            )
        )
        post = db.session.get(Post, target.post_id)
        notify(target.author_id, "comment.auto_hidden", url=post_url(post) if post else "")
        action = "comment.auto_hide"
    audit.record(None, action, target, circle_id=target.circle_id, data={"weight_pct": total})
    circle = db.session.get(Circle, target.circle_id)
    if circle is not None:
        for host_id in moderator_ids(circle):
            notify(
                host_id,
                "flags.review",
                url=f"/c/{circle.slug}/manage#reports",
                params={"circle": circle.name},
            )
    return True


@use_case
def report(actor: Any, kind: str, target: Post | Comment, *, reason: str) -> Report:
    """Send a post or comment to the hosts' queue with its weight; reporting twice changes nothing.

    Enough weight hides the content until a host reviews it (the author is told once).
    """
    require(actor, "post.report", target)
    reason = (reason or "").strip()
    if not reason:
        raise Invalid(fields={"reason": _l("Tell the hosts what is wrong.")})
    if len(reason) > MAX_REASON:
        raise Invalid(fields={"reason": _l("At most 500 characters.")})
    model = Post if isinstance(target, Post) else Comment
    # Reports of one target queue here (PostgreSQL), so each sees the weight before it.
    db.session.execute(select(model.id).where(model.id == target.id).with_for_update())
    mine = select(Report).where(
        Report.reporter_id == actor.id, Report.target_kind == kind, Report.target_id == target.id
    )
    existing = db.session.scalar(mine)
    if existing is not None:
        return existing
    row = Report(
        circle_id=target.circle_id,
        reporter_id=actor.id,
        target_kind=kind,
        target_id=target.id,
        post_id=target.id if isinstance(target, Post) else target.post_id,
        reason=reason,
        weight_pct=report_weight_pct(actor),
        created_at=clock.now(),
    )
    try:
        with db.session.begin_nested():
            db.session.add(row)
    except IntegrityError:
        found = db.session.scalar(mine)
        if found is None:
            raise
        return found
    _auto_hide(kind, target)
    return row


def resolve_reports(kind: str, target_id: int, outcome: str) -> int:
    """Close the open reports on a target as upheld or dismissed; how many were open."""
    result = db.session.execute(
        update(Report)
        .where(Report.target_kind == kind, Report.target_id == target_id, Report.status == "open")
        .values(status="resolved", outcome=outcome, resolved_at=clock.now())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


# --- The hosts' queue ------------------------------------------------------------------------


@dataclass
class Flagged:
    """A reported post or comment with its open reports, heaviest first in the queue."""

    kind: str
    target_id: int
    post: Post | None
    comment: Comment | None
    weight_pct: int
    reports: list[Report] = field(default_factory=list)

    @property
    def weight(self) -> str:
        return format_hundredths(self.weight_pct)

    @property
    def is_hidden(self) -> bool:
        target = self.comment if self.kind == "comment" else self.post
        return target is not None and target.status == "hidden"


def list_flagged(circle: Circle, *, limit: int = 50) -> list[Flagged]:
    """Reported content of a circle by total open weight, heaviest first (four queries)."""
    total = func.sum(Report.weight_pct).label("total")
    groups = db.session.execute(
        select(Report.target_kind, Report.target_id, Report.post_id, total)
        .where(Report.circle_id == circle.id, Report.status == "open")
        .group_by(Report.target_kind, Report.target_id, Report.post_id)
        .order_by(total.desc(), func.min(Report.id))
        .limit(limit)
    ).all()
    if not groups:
        return []
    target_ids = {row.target_id for row in groups}
    post_ids = {row.post_id for row in groups}
    comment_ids = {row.target_id for row in groups if row.target_kind == "comment"}
    reports: dict[tuple[str, int], list[Report]] = {}
    for item in db.session.scalars(
        select(Report)
        .where(Report.circle_id == circle.id, Report.status == "open", Report.target_id.in_(target_ids))
        .order_by(Report.weight_pct.desc(), Report.id)
    ).unique():
        reports.setdefault((item.target_kind, item.target_id), []).append(item)
    posts = {p.id: p for p in db.session.scalars(select(Post).where(Post.id.in_(post_ids))).unique()}
    comments = {
        c.id: c for c in db.session.scalars(select(Comment).where(Comment.id.in_(comment_ids))).unique()
    }
    return [
        Flagged(
            kind=row.target_kind,
            target_id=row.target_id,
            post=posts.get(row.post_id),
            comment=comments.get(row.target_id) if row.target_kind == "comment" else None,
            weight_pct=int(row.total or 0),
            reports=reports.get((row.target_kind, row.target_id), []),
        )
        for row in groups
    ]
