"""Email: notification emails and weekly digests from an outbox, per-category preferences."""

from .views import bp

__all__ = ["bp"]
