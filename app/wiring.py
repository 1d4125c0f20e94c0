"""THE event table: domain event -> ordered handlers. Every cross-feature effect is here.

Read this file and you know what any action sets off. Handlers run in the publisher's
transaction, in this order, and are idempotent.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from app.admin import analytics as admin_analytics
from app.admin import exports as admin_exports
from app.admin import handlers as tracking
from app.badges import handlers as badges
from app.badges import rules as badge_rules
from app.checkins import handlers as checkins
from app.checkins import reports as checkin_reports
from app.checkins import services as checkin_services
from app.circles import services as circles
from app.circles.models import Circle
from app.core import events
from app.leaderboards import handlers as leaderboards
from app.mail import delivery as mail_delivery
from app.mail import handlers as mail
from app.notifications import handlers as notifications
from app.points import handlers as points
from app.points import signin as points_signin
from app.points import tiers as points_tiers
from app.posts import handlers as posts
from app.posts.services import content as posts_content
from app.posts.services import flags as posts_flags
from app.search import handlers as search
from app.webhooks import delivery as webhook_delivery
from app.webhooks import handlers as webhooks

# Webhooks come last in every list: they queue what the other handlers let commit.
HANDLERS: dict[type[events.Event], Sequence[Callable[[Any], None]]] = {
    # UserRegistered pays nothing on purpose: bare sign-ups would be farmed by fake accounts.
    events.UserRegistered: [notifications.on_user_registered, tracking.on_activity],
    events.ProfileUpdated: [points.on_profile_updated],
    # Search entries carry the author's name: re-index what the deleted member wrote.
    events.AccountDeleted: [search.on_account_deleted, mail.on_account_deleted],
    events.CircleJoined: [points.on_circle_joined, webhooks.on_event],
    events.PostPublished: [
        points.on_post_published,
        badges.on_post_published,
        leaderboards.on_post_published,
        search.on_post_changed,
        tracking.on_activity,
        webhooks.on_event,
    ],
    events.PostEdited: [search.on_post_changed],
    events.PostVisibilityChanged: [search.on_post_changed],
    events.PostRemoved: [points.on_post_removed],
    events.PostFeatured: [
        points.on_post_featured,
        badges.on_post_featured,
        leaderboards.on_post_featured,
        webhooks.on_event,
    ],
    events.CommentCreated: [
        posts.on_comment_created,
        points.on_comment_created,
        leaderboards.on_comment_created,
        search.on_comment_changed,
        tracking.on_activity,
    ],
    events.CheckinCommented: [points.on_checkin_commented],
    events.CommentVisibilityChanged: [search.on_comment_changed],
    # Leaderboards come after points: they credit circles with what the ledger just paid.
    events.LikeReceived: [
        posts.on_like_received,
        checkins.on_like_received,
        points.on_like_received,
        leaderboards.on_like_received,
        tracking.on_activity,
    ],
    events.CheckinRecorded: [
        points.on_checkin_recorded,
        leaderboards.on_checkin_recorded,
        tracking.on_activity,
        webhooks.on_event,
    ],
    events.CampaignCompleted: [
        points.on_campaign_completed,
        badges.on_campaign_completed,
        leaderboards.on_campaign_completed,
        tracking.on_activity,
        webhooks.on_event,
    ],
    events.SignedIn: [badges.on_signed_in, tracking.on_activity],
    events.TierReached: [notifications.on_tier_reached, badges.on_tier_reached, webhooks.on_event],
    events.PointsAwarded: [notifications.on_points_awarded],
    events.BadgeGranted: [notifications.on_badge_granted, webhooks.on_event],
    events.CertificateRevoked: [webhooks.on_event],
    events.OrderStatusChanged: [
        notifications.on_order_status_changed,
        tracking.on_activity,
        webhooks.on_event,
    ],
    events.ApplicationSubmitted: [webhooks.on_event],
    # Every new notification: its email twin is queued in the mail outbox when the member wants it.
    events.NotificationCreated: [mail.on_notification_created],
}

# Automatic badge rules: rule -> counter(user_id, circle_id | None) -> current value, each
# provided by the feature that owns the data (e.g. "posts": posts.services.count_published).
BADGE_COUNTERS: dict[str, badge_rules.Counter] = {
    "posts": posts_content.count_published_posts,
    "featured_posts": posts_content.count_featured_posts,
    "signin_streak": points_signin.current_streak,
    "tier": points_tiers.earned_tier_level,
    "campaign_completed": checkin_services.count_completed_runs,
}


def _circle_ref(circle: Circle | None) -> badge_rules.CircleRef | None:
    return badge_rules.CircleRef(id=circle.id, slug=circle.slug, name=circle.name) if circle else None


def _circle_by_slug(slug: str) -> badge_rules.CircleRef | None:
    return _circle_ref(circles.find_circle(slug))


def _circles_of_member(user_id: int) -> list[badge_rules.CircleRef]:
    return [ref for c in circles.list_member_circles(user_id) if (ref := _circle_ref(c)) is not None]


# How badges look circles up (by id, by slug, a member's circles).
BADGE_CIRCLES = badge_rules.CircleDirectory(
    by_id=lambda circle_id: _circle_ref(circles.get_circle_by_id(circle_id)),
    by_slug=_circle_by_slug,
    of_member=_circles_of_member,
)


def install() -> None:
    events.configure(HANDLERS)
    # One worker (`flask webhooks work`) sends webhooks and then the mail outbox.
    webhook_delivery.add_outbox("mail", mail_delivery.deliver_due)
    # The operators' console reads check-ins and campaigns through these reports.
    admin_exports.register_exporter(
        "checkins", admin_exports.Exporter(checkin_reports.CHECKIN_HEADERS, checkin_reports.checkin_rows)
    )
    admin_exports.register_exporter(
        "campaigns", admin_exports.Exporter(checkin_reports.CAMPAIGN_HEADERS, checkin_reports.campaign_rows)
    )
    admin_analytics.set_campaign_titles(checkin_reports.campaign_titles)
    badge_rules.configure(counters=BADGE_COUNTERS, circles=BADGE_CIRCLES)
    # A report's weight grows with the reporter's tier (posts may not import points).
    posts_flags.configure(tier_weight=points_tiers.report_weight_pct)
