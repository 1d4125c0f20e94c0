"""Leaderboards (榜单) from rollups maintained by event handlers, and weekly titles."""

from .views import bp

__all__ = ["bp"]
