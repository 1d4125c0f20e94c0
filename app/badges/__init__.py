"""Badges: definitions, awards, automatic rules and the admin console pages for them."""

from .views import bp

__all__ = ["bp"]
