"""Posts: writing, feeds, comments, likes, reports and moderation (split by topic)."""

from .content import Draft, create_post, delete_own_post, edit_post, get_post, post_url
from .feed import TABS, circle_feed, home_feed, liked_ids, list_comments
from .flags import Flagged, get_report_target, list_flagged, report, report_weight_pct, resolve_reports
from .moderation import COMMENT_ACTIONS, POST_ACTIONS, Queue, get_queue, moderate_comment, moderate_post
from .social import create_comment, get_comment, set_like
from .text import render_body, render_comment

__all__ = [
    "COMMENT_ACTIONS",
    "POST_ACTIONS",
    "TABS",
    "Draft",
    "Flagged",
    "Queue",
    "circle_feed",
    "create_comment",
    "create_post",
    "delete_own_post",
    "edit_post",
    "get_comment",
    "get_post",
    "get_queue",
    "get_report_target",
    "home_feed",
    "liked_ids",
    "list_comments",
    "list_flagged",
    "moderate_comment",
    "moderate_post",
    "post_url",
    "render_body",
    "render_comment",
    "report",
    "report_weight_pct",
    "resolve_reports",
    "set_like",
]
