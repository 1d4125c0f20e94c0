"""Check-in campaigns (打卡活动): campaigns, runs, check-ins, make-ups, recommend and review."""

from .views import bp

__all__ = ["bp"]
