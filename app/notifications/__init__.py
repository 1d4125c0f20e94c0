"""Notifications: in-app messages, the unread badge, and `notify()` for every feature."""

from .views import bp

__all__ = ["bp"]
