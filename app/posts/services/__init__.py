"""Posts: writing, feeds, comments, likes, reports and moderation (split by topic)."""

from .content import Draft, create_post, delete_own_post, edit_post, get_post, post_url
from .feed import TABS, circle_feed, home_feed, liked_ids, list_comments
from .moderation import COMMENT_ACTIONS, POST_ACTIONS, Queue, get_queue, moderate_comment, moderate_post
from .social import create_comment, get_comment, report, set_like
from .text import render_body, render_comment

__all__ = [
    "COMMENT_ACTIONS",
    "POST_ACTIONS",
    "TABS",
    "Draft",
    "Queue",
    "circle_feed",
    "create_comment",
    "create_post",
    "delete_own_post",
    "edit_post",
    "get_comment",
    "get_post",
    "get_queue",
    "home_feed",
    "liked_ids",
    "list_comments",
    "moderate_comment",
    "moderate_post",
    "post_url",
    "render_body",
    "render_comment",
    "report",
    "set_like",
]
