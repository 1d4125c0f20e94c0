"""Posts: the circle feed, posts and materials, comments, likes, reports and moderation."""

from .views import bp

__all__ = ["bp"]
